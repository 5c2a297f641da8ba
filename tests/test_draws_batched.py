"""Batched draws of an ensemble's chunk (:mod:`incentsim.agents.fastrng`): the same
numbers as each stream drawn alone, whatever path the batch takes."""

import numpy as np
import pytest

from incentsim.agents import fastrng


@pytest.mark.parametrize("count", [1, 2, 7, 4500, 9001])
def test_equal_counts_of_several_streams_equal_them_one_by_one(count):
    """Equal counts (an ensemble's members' chunks, drawn as rows of one array) give
    exactly each stream's own normals, odd and even counts, and leave every stream where
    drawing alone leaves it."""
    alone = [np.random.SFC64(i) for i in range(5)]
    together = [np.random.SFC64(i) for i in range(5)]
    expect = np.concatenate([fastrng.normals(bg, count) for bg in alone])
    got = fastrng.normals_of(together, [count] * 5)
    assert got.dtype == np.float32 and got.shape == (5 * count,)
    np.testing.assert_array_equal(got.view(np.uint32), expect.view(np.uint32))
    assert [a.random_raw() for a in alone] == [t.random_raw() for t in together]
