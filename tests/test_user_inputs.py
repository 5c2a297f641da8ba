"""Inputs a user may get wrong: each is refused before any work, in one line (issue 13)."""

import pytest
from cli_helpers import FAST, incentsim as run_cli

import incentsim
from incentsim.errors import ScenarioError
from incentsim.runs.ranges import MAX_SEED, parse_run_ids, parse_seeds

GDP = "configs/gdp_tournament.yaml"


def _one_line_exit_2(proc, *words):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


# ----------------------------------------------------------------- seeds and run ids


@pytest.mark.parametrize(
    "spec, words",
    [
        ("1,1", "1 given more than once"),
        ("0-3,2", "2 given more than once"),
        ([0, "0-1"], "0 given more than once"),
        (f"{MAX_SEED + 1}-{MAX_SEED + 1}", str(MAX_SEED)),
        (str(MAX_SEED + 1), "exceed the limit"),
        ("-1", "bad seed '-1'"),
        ("5-2", "runs backwards"),
        ("0-99999999", "exceed the limit"),
    ],
)
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


@pytest.mark.parametrize(
    "seeds, words",
    [
        ("1,1", "seed(s) 1 given more than once"),
        (f"{MAX_SEED + 1}-{MAX_SEED + 1}", f"above the largest allowed, {MAX_SEED}"),
    ],
)
def test_cli_refuses_bad_seeds_before_running(tmp_path, seeds, words):
    proc = run_cli("run", GDP, "--seeds", seeds, "--runs-dir", tmp_path / "runs", *FAST)
    _one_line_exit_2(proc, "--seeds", words)
    assert not (tmp_path / "runs").exists()


# ----------------------------------------------------------------- start-up


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys

    code += "\nimport sys\nprint(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["run", "--help"]])
def test_version_and_help_load_neither_the_model_nor_pandas(argv):
    code = (
        "import contextlib, io\nfrom incentsim.interfaces.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass"
    )
    loaded = _modules_after(code)
    assert "incentsim.interfaces.cli" in loaded
    assert not loaded & {"mesa", "pandas", "incentsim.model", "matplotlib"}


def test_scenario_module_does_not_import_mesa():
    loaded = _modules_after("import incentsim.scenario")
    assert "incentsim.scenario" in loaded and "mesa" not in loaded


def test_a_few_firms_per_prefecture_still_run(tiny):
    """With 2 firms a prefecture, some of 100 prefectures draw no live firm at the start
    (each with probability 0.15^2): they used to have GDP 0 and break an invariant."""
    tiny["world"].update(
        n_provinces=4,
        prefectures_per_province=25,
        firms_per_prefecture=2,
        citizens_per_prefecture=2,
        burn_in=0,
        horizon=2,
    )
    for seed in range(4):
        res = incentsim.simulate(tiny, seed=seed)
        assert res.timeseries.gdp_growth_true.notna().all()


# ----------------------------------------------------------------- sizes


def _world_at(horizon: int, n_provinces: int = 1000, per: int = 100) -> dict:
    return {
        "world": {
            "n_provinces": n_provinces,
            "prefectures_per_province": per,
            "firms_per_prefecture": 2,
            "citizens_per_prefecture": 2,
            "horizon": horizon,
        }
    }


def _total(data) -> int:
    from incentsim import sizes
    from incentsim.scenario import Scenario, _layer_scale

    sc = Scenario.model_validate(_layer_scale(data))
    return sum(sizes.memory_needs(sc.world, sc.behaviour.n_candidates).values())


def test_geography_memory_grows_with_links_not_their_square():
    import numpy as np
    from scipy import sparse

    from incentsim.world import build_geography

    geo = build_geography(100, 40, 2, np.random.default_rng(0))
    n = geo.n
    assert sparse.issparse(geo.spillover)
    assert geo.spillover.nnz == 2 * geo.graph.number_of_edges() < 8 * n
    rows = np.asarray(geo.spillover.sum(axis=1)).ravel()
    assert np.allclose(rows[~geo.isolated], 1.0) and not geo.isolated.any()


def test_a_scenario_just_over_the_memory_limit_is_refused_before_anything_is_built(monkeypatch):
    from incentsim import model, sizes

    over = next(h for h in range(1, 501) if _total(_world_at(h)) > sizes.MAX_MEMORY_BYTES)
    assert _total(_world_at(over - 1)) <= sizes.MAX_MEMORY_BYTES  # just over, by one year
    monkeypatch.setattr(
        model, "build_geographies", lambda *a, **k: pytest.fail("a structure was built")
    )
    with pytest.raises(
        ScenarioError,
        match=r"world: the simulation would need about .* GiB"
        r".*leader years.*above the limit of 8 GiB",
    ):
        incentsim.simulate(_world_at(over))


def test_a_scenario_just_under_the_limit_runs(monkeypatch, tiny):
    from incentsim import sizes

    tiny["world"]["horizon"] = 3
    limit = _total(tiny)
    monkeypatch.setattr(sizes, "MAX_MEMORY_BYTES", limit)
    assert len(incentsim.simulate(tiny).timeseries) == 3  # just under (at) the limit: runs
    tiny["world"]["horizon"] = 4
    with pytest.raises(ScenarioError, match="above the limit"):
        incentsim.simulate(tiny)


def test_cli_refuses_a_scenario_that_will_not_fit_in_one_line(tmp_path):
    over = [
        "--set",
        "world.n_provinces=1000",
        "world.prefectures_per_province=100",
        "world.firms_per_prefecture=2",
        "world.citizens_per_prefecture=2",
        "world.horizon=60",
    ]
    proc = run_cli("run", GDP, "--runs-dir", tmp_path / "runs", *over)
    _one_line_exit_2(proc, "world: the simulation would need about", "GiB")
    assert not (tmp_path / "runs").exists()


# ----------------------------------------------------------------- files and options


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n"])
def test_a_scenario_file_without_settings_is_an_error(tmp_path, text):
    p = tmp_path / "empty.yaml"
    p.write_text(text)
    with pytest.raises(ScenarioError, match="sets nothing"):
        incentsim.load_scenario(p)
    proc = run_cli("run", p, "--runs-dir", tmp_path / "runs", *FAST)
    _one_line_exit_2(proc, "empty.yaml", "sets nothing")
    assert not (tmp_path / "runs").exists()


def test_run_checks_outcomes_before_running(tmp_path):
    proc = run_cli(
        "run", GDP, "--outcomes", "gdp_growth_true,bogus", "--runs-dir", tmp_path / "runs", *FAST
    )
    _one_line_exit_2(proc, "unknown outcome(s) bogus")
    assert not (tmp_path / "runs").exists()


def _sweep_spec(tmp_path, name="t"):
    import yaml
    from cli_helpers import FAST_OVERRIDES, ROOT

    p = tmp_path / f"{name}.yaml"
    p.write_text(
        yaml.safe_dump(
            {
                "name": name,
                "base": str(ROOT / GDP),
                "method": "grid",
                "seeds": 1,
                "set": dict(FAST_OVERRIDES),
                "levers": {"tenure.term_length": [3]},
            }
        )
    )
    return p


def test_sweep_checks_its_output_folder_before_running(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    proc = run_cli(
        "sweep", _sweep_spec(tmp_path), "--runs-dir", tmp_path / "runs", "--out", blocker / "out"
    )
    _one_line_exit_2(proc, "cannot create output directory", str(blocker / "out"))
    assert not [p for p in (tmp_path / "runs").glob("[0-9]*")]


def test_sweep_tables_of_two_runs_directories_do_not_overwrite_each_other(tmp_path):
    spec = _sweep_spec(tmp_path)
    for d in ("a", "b"):
        proc = run_cli(
            "sweep", spec, "--runs-dir", tmp_path / d / "runs", "--executor", "serial", cwd=tmp_path
        )
        assert proc.returncode == 0, proc.stderr
        table = tmp_path / d / "runs" / "_sweeps" / "t" / "points.csv"
        assert table.is_file() and str(table) in proc.stdout.replace("\n", "")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--since", "yesterday"], "--since: 'yesterday' is not a date"),
        (["--until", "2026-13-45"], "--until: '2026-13-45' is not a date"),
        (["--status", "DONE"], "unknown status 'DONE'; one of COMPLETED, FAILED"),
        (["--limit", "-3"], "--limit: must be 0 (all) or more, got -3"),
    ],
)
def test_runs_list_filters_are_checked(tmp_path, args, words):
    (tmp_path / "runs").mkdir()
    proc = run_cli("runs", "list", "--runs-dir", tmp_path / "runs", *args)
    _one_line_exit_2(proc, words)


@pytest.mark.parametrize("command", [["app", "--no-browser"], ["bench", "--in-process"]])
def test_single_seed_options_are_checked(command):
    proc = run_cli(*command, "--seed", "-1")
    assert proc.returncode == 2
    assert "a seed is a whole number from 0 to 4294967295, got -1" in proc.stderr


@pytest.mark.parametrize(
    "command", [["sensitivity"], ["discover", "--outcome", "trust_local", "--threshold", "0.5"]]
)
def test_exploratory_commands_check_their_output_folder_first(tmp_path, command):
    from test_exploratory import tiny_spec

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    proc = run_cli(
        command[0],
        tiny_spec(tmp_path),
        *command[1:],
        "--runs-dir",
        tmp_path / "runs",
        "--out",
        blocker / "out",
    )
    _one_line_exit_2(proc, "cannot create output directory", str(blocker / "out"))
    assert not list((tmp_path / "runs").glob("[0-9]*"))
