"""The populations' faster passes give exactly the numbers of the rules they rewrite:
batched draws of an ensemble's chunk (:mod:`incentsim.agents.fastrng`) and fused
updates of :mod:`incentsim.agents.citizens`."""

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


@pytest.mark.parametrize(
    "credit, blame",
    [(0.05, 0.018), (0.01, 0.2), (0.03, 0.03), (0.0, 0.1), (np.array([0.05, 0.01]), 0.02)],
)
def test_central_trust_move_is_credit_up_and_blame_down(credit, blame):
    """The centre's trust moves by ``credit * gap`` up and ``blame * gap`` down, exactly
    as the branch-free sum of the rule, whichever rate is larger, and where members
    differ in which is (one rate per prefecture)."""
    from incentsim.agents.citizens import _central_move, _central_rates

    gap = np.random.default_rng(0).uniform(-1, 1, (2, 500)).astype(np.float32)
    gap[:, :3] = [0.0, 1e-30, -1e-30]
    rows = [
        np.full((2, 1), v, np.float32) if np.ndim(v) == 0 else np.asarray(v, np.float32)[:, None]
        for v in (credit, blame)
    ]
    expect = np.maximum(gap, 0) * rows[0] + np.minimum(gap, 0) * rows[1]
    par = _central_rates(*(np.asarray(v, np.float32) for v in (credit, blame)))

    class Chunk:  # the two prefectures' rows of a chunk
        lo, hi, rows = 0, 2, (2, 500)

    got = _central_move(gap.ravel().copy(), par, Chunk(), np.empty(1000, np.float32))
    np.testing.assert_array_equal(got.reshape(2, 500), expect)


def test_row_loops_give_the_same_numbers_and_restore_the_buffer():
    """An op on rows (a chunk's prefectures times a column of their values) looped over
    rather than buffered gives the same numbers; numpy's buffer size is restored."""
    before = np.getbufsize()
    x = np.random.default_rng(1).lognormal(size=(30, 300)).astype(np.float32)
    col = np.random.default_rng(2).normal(size=(30, 1)).astype(np.float32)
    for op in (np.multiply, np.add, np.subtract):
        got = fastrng.by_rows(op, x, col, out=np.empty_like(x))
        np.testing.assert_array_equal(got.view(np.uint32), op(x, col).view(np.uint32))
    assert np.getbufsize() == before


def test_a_chunks_slots_counted_and_valued_by_prefecture():
    """:meth:`fastrng.Chunk.per_prefecture` counts sorted slots by prefecture as
    ``bincount`` of their prefectures would, and :meth:`fastrng.Chunk.by_slot` gives each
    slot its prefecture's value, as gathering would (empty selections included)."""
    per, lo, hi = 7, 3, 9
    c = fastrng.Chunk((lo, hi), per, [(lo, np.random.SFC64(0))])
    value = np.random.default_rng(0).random(12)
    for share in (0.0, 0.3, 1.0):
        idx = np.flatnonzero(np.random.default_rng(1).random((hi - lo) * per) < share)
        rows = lo + idx // per
        np.testing.assert_array_equal(
            c.per_prefecture(idx), np.bincount(rows - lo, minlength=hi - lo)
        )
        np.testing.assert_array_equal(c.by_slot(value, idx), value[rows])


@pytest.mark.parametrize("per", [2, 3, 7])
@pytest.mark.parametrize("k", [1, 2, 4])
def test_trust_is_pulled_toward_the_ring_and_random_neighbours(per, k):
    """Socialising sums, in this order, the ring neighbours ``j + 1`` and ``j - 1`` (one
    of them with ``k = 1``) and the random ties, around each prefecture's ring, however
    few its citizens: the same numbers as summing the neighbour columns one by one."""
    from incentsim.agents.citizens import CitizenPopulation

    n_pref, rng = 3, np.random.default_rng(per * 10 + k)
    n = n_pref * per
    pop = CitizenPopulation.__new__(CitizenPopulation)
    pop.k, pop.n_lattice, pop.per_prefecture = k, min(k, 2), per
    pop._trust_local = rng.random(n).astype(np.float32)
    j = np.tile(np.arange(per), n_pref)
    base = np.repeat(np.arange(n_pref) * per, per)
    ties = [base + (j + rng.integers(1, per, n)) % per for _ in range(k - 2)]
    pop._ties = np.array(ties, np.intp).reshape(len(ties), n)
    t = pop._trust_local.copy()
    cols = [base + (j + o) % per for o in (1, -1)[: min(k, 2)]] + list(pop._ties)
    acc = t[cols[0]]
    for col in cols[1:]:
        acc = acc + t[col]
    si = np.float32(0.1)
    expect = np.clip(t * (1 - si) + acc * (si / np.float32(k)), 0, 1)
    c = fastrng.Chunk((0, n_pref), per, [(0, np.random.SFC64(0))])
    pop._socialise(c, np.zeros(n, np.float32), np.zeros(n_pref, np.float32), {"si": si})
    np.testing.assert_array_equal(pop._trust_local, expect)


def test_an_ensembles_last_small_group_joins_the_one_before():
    """Members' chunks are grouped up to ``CHUNK_MAX_AGENTS`` agents; a last group under
    half that joins the one before, in order, every chunk in exactly one group; a
    population of one member keeps its own chunks."""
    per, n_pref = 300, 30  # 9,000 citizens a member: 14 to a full group
    own = [(m * n_pref, (m + 1) * n_pref) for m in range(22)]
    assert fastrng.merge_chunks(own[:16], per, 16) == [list(range(16))]
    assert fastrng.merge_chunks(own, per, 22) == [list(range(14)), list(range(14, 22))]
    big = [(m * 100, (m + 1) * 100) for m in range(8)]  # 60,000 agents a chunk
    assert fastrng.merge_chunks(big, 600, 8) == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert fastrng.merge_chunks(big[:5], 600, 5) == [[0, 1], [2, 3, 4]]
    alone = fastrng.chunk_bounds(40, 2000)
    assert len(fastrng.merge_chunks(alone, 2000)) == len(alone) > 1
