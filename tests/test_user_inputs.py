"""Inputs a user may get wrong: each is refused before any work, in one line (issue 13)."""

from pathlib import Path

import pytest

import incentsim
from incentsim.errors import ScenarioError
from incentsim.ranges import MAX_SEED, parse_run_ids, parse_seeds

from cli_helpers import FAST, incentsim as run_cli

GDP = "configs/gdp_tournament.yaml"


def _one_line_exit_2(proc, *words):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


# ----------------------------------------------------------------- seeds and run ids


@pytest.mark.parametrize("spec, words", [
    ("1,1", "1 given more than once"), ("0-3,2", "2 given more than once"),
    ([0, "0-1"], "0 given more than once"),
    (f"{MAX_SEED + 1}-{MAX_SEED + 1}", str(MAX_SEED)), (str(MAX_SEED + 1), "exceed the limit"),
    ("-1", "bad seed '-1'"), ("5-2", "runs backwards"), ("0-99999999", "exceed the limit"),
])
def test_seed_specifications_are_checked_whole(spec, words):
    with pytest.raises(ScenarioError, match=words):
        parse_seeds(spec, what="--seeds")


def test_largest_seed_is_accepted_and_run_ids_share_the_parser():
    assert parse_seeds(f"{MAX_SEED}-{MAX_SEED}") == [MAX_SEED]
    assert parse_run_ids(["3,5", "9-11"]) == [3, 5, 9, 10, 11]
    with pytest.raises(ScenarioError, match="run id.* 5 given more than once"):
        parse_run_ids(["3-5", "5"])


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 1.5, True])
def test_simulate_names_a_bad_seed(tiny, seed):
    with pytest.raises(ScenarioError, match=r"seed: a seed is a whole number from 0 to"):
        incentsim.simulate(tiny, seed=seed)


@pytest.mark.parametrize("seeds, words", [
    ("1,1", "seed(s) 1 given more than once"),
    (f"{MAX_SEED + 1}-{MAX_SEED + 1}", f"above the largest allowed, {MAX_SEED}"),
])
def test_cli_refuses_bad_seeds_before_running(tmp_path, seeds, words):
    proc = run_cli("run", GDP, "--seeds", seeds, "--runs-dir", tmp_path / "runs", *FAST)
    _one_line_exit_2(proc, "--seeds", words)
    assert not (tmp_path / "runs").exists()


# ----------------------------------------------------------------- start-up


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["run", "--help"]])
def test_version_and_help_load_neither_the_model_nor_pandas(argv):
    code = ("import contextlib, io\nfrom incentsim.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass")
    loaded = _modules_after(code)
    assert "incentsim.cli" in loaded
    assert not loaded & {"mesa", "pandas", "incentsim.model", "matplotlib"}


def test_scenario_module_does_not_import_mesa():
    loaded = _modules_after("import incentsim.scenario")
    assert "incentsim.scenario" in loaded and "mesa" not in loaded
