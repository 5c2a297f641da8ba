"""Every notebook in notebooks/ runs headless without a failing cell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    monkeypatch.setenv("INCENTSIM_NOTEBOOK_SMOKE", "1")
    # the smoke runs' scratch folders (tempfile) go under this test's tmp_path, not /tmp
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the figure was drawn
    assert not list(path.parent.glob("results")), "a smoke run wrote into the checkout"


def test_there_is_a_notebook():
    assert NOTEBOOKS and os.path.getsize(NOTEBOOKS[0]) > 0
