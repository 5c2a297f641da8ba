"""The real `incentsim` command in a subprocess, on a temporary runs directory;
assertions read back what Sacred wrote."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
from cli_helpers import FAST, FAST_OVERRIDES, ROOT, incentsim as run_cli

import incentsim
from incentsim.interfaces import cli
from incentsim.outcomes import OUTCOME_NAMES
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import PROMOTION_RULES

CONFIG = ROOT / "configs" / "gdp_tournament.yaml"
OTHER = ROOT / "configs" / "balanced_scorecard.yaml"


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    proc = run_cli(
        "run", CONFIG, "--seeds", "0,1", "--runs-dir", runs, "--executor", "serial", *FAST
    )
    return runs, proc


def test_run_is_tracked_by_sacred_and_matches_simulate(tracked):
    runs, proc = tracked
    assert proc.returncode == 0, proc.stderr
    assert str(runs) in proc.stdout and "run ids 1-2" in proc.stdout
    assert "gdp_growth_true" in proc.stdout  # the summary table
    for run_id, seed in (("1", 0), ("2", 1)):
        d = runs / run_id
        run = json.loads((d / "run.json").read_text())
        assert run["status"] == "COMPLETED"
        config = json.loads((d / "config.json").read_text())
        assert config["seed"] == seed and config["name"] == "gdp_tournament"
        assert config["world"]["horizon"] == 5
        res = incentsim.simulate(CONFIG, seed=seed, overrides=FAST_OVERRIDES)
        metrics = json.loads((d / "metrics.json").read_text())
        assert set(metrics) == set(OUTCOME_NAMES)
        for name in OUTCOME_NAMES:
            assert metrics[name]["steps"] == res.timeseries["year"].tolist()
            got, want = metrics[name]["values"], res.timeseries[name].tolist()
            assert all((a == b) or (math.isnan(a) and math.isnan(b)) for a, b in zip(got, want))
        assert set(run["artifacts"]) == {"timeseries.parquet", "leaders.parquet"}
        pd.testing.assert_frame_equal(pd.read_parquet(d / "timeseries.parquet"), res.timeseries)
        pd.testing.assert_frame_equal(pd.read_parquet(d / "leaders.parquet"), res.leaders)
        info = json.loads((d / "info.json").read_text())
        assert info["scenario"] == "gdp_tournament" and info["rule"] == "gdp_tournament"
        from incentsim.runs.experiment import code_fingerprint

        assert info["code"]["fingerprint"] == code_fingerprint()  # which code made the run
        summary = res.summary()
        assert info["summary"].keys() == summary.keys()
        for k, v in summary.items():
            assert info["summary"][k] == pytest.approx(v, nan_ok=True, rel=0, abs=0)


def test_compare_table_figure_and_paired_difference(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "cmp"
    proc = run_cli(
        "compare",
        CONFIG,
        OTHER,
        "--seeds",
        "3",
        "--runs-dir",
        runs,
        "--out",
        out,
        "--executor",
        "serial",
        *FAST,
    )
    assert proc.returncode == 0, proc.stderr
    fig = re.search(r"Figure: (\S+)", proc.stdout).group(1)
    assert fig.endswith(".png") and (out / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Δ vs gdp_tournament" in proc.stdout and "95 %" in proc.stdout
    table = pd.read_csv(out / "table.csv")
    assert set(table.scenario) == {"gdp_tournament", "balanced_scorecard"}
    assert (table[table.outcome != "selection_quality"].n == 3).all()  # NaN-free outcomes
    # the difference is the mean of per-seed differences of what was tracked
    from incentsim.runs.results import load_runs

    rs, _ = load_runs(runs)
    assert len(rs) == 6 and sorted(rs.seed.unique()) == [0, 1, 2]
    a = rs[rs.scenario == "gdp_tournament"].set_index("seed")["manipulation_gap_mean"]
    b = rs[rs.scenario == "balanced_scorecard"].set_index("seed")["manipulation_gap_mean"]
    row = table[
        (table.scenario == "balanced_scorecard")
        & (table.outcome == "manipulation_gap")
        & (table.stat == "average")
    ].iloc[0]
    assert row["diff"] == pytest.approx((b - a).mean())
    assert row["mean"] == pytest.approx(b.mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "configs/no_such.yaml"], "no such scenario file"),
        (
            ["run", "configs/gdp_tournament.yaml", "--set", "promotion.weigths.growth=1"],
            "promotion.weigths: unknown key",
        ),
        (
            ["run", "configs/gdp_tournament.yaml", "--set", "tenure.term_length=0"],
            "tenure.term_length",
        ),
        (["run", "configs/gdp_tournament.yaml", "--seeds", "a-b"], "--seeds"),
        (["compare", "configs/gdp_tournament.yaml"], "at least two"),
        (["runs", "show", "4242"], "no run '4242'"),
        # browsing runs shows no progress: the option would be ignored, so it is refused
        (["runs", "list", "--no-progress"], "unrecognized arguments: --no-progress"),
        (["sweep", "sweeps/nope.yaml"], "no such sweep spec"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, fragment):
    proc = run_cli(*args, "--runs-dir", tmp_path) if args[0] != "frobnicate" else run_cli(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0] and "Traceback" not in proc.stderr
    assert not any(p.name.isdigit() for p in tmp_path.iterdir())  # nothing was run


SPEC = ROOT / "specs" / "calibrate_china_2000s.yaml"
SWEEP = ROOT / "sweeps" / "term_vs_audit.yaml"


def _see(command: str) -> str:
    return f" (see 'incentsim {command} --help')"


@pytest.mark.parametrize(
    "args, line",
    [
        (["run", CONFIG, "--jobs", "0"], "incentsim run: --jobs must be at least 1"),
        (["compare", CONFIG, OTHER, "-j", "0"], "incentsim compare: --jobs must be at least 1"),
        (["sweep", SWEEP, "--jobs", "-1"], "incentsim sweep: --jobs must be at least 1"),
        (["calibrate", SPEC, "--jobs", "0"], "incentsim calibrate: --jobs must be at least 1"),
        (["moments", "p.csv", "--jobs", "0"], "incentsim moments: --jobs must be at least 1"),
        (["compare", CONFIG], "incentsim compare: compare needs at least two scenario files"),
        (["run", "no_such.yaml"], "incentsim run: no_such.yaml: <file>: no such scenario file"),
        (["runs", "show", "4242"], "incentsim runs show: no run '4242' in "),
        (
            ["run", CONFIG, "--bogus"],
            "incentsim run: error: unrecognized arguments: --bogus" + _see("run"),
        ),
        (
            ["runs", "list", "--bogus"],
            "incentsim runs list: error: unrecognized arguments: --bogus" + _see("runs list"),
        ),
        (
            ["rules", "--bogus"],
            "incentsim rules: error: unrecognized arguments: --bogus" + _see("rules"),
        ),
        (
            ["report", "--bogus"],
            "incentsim report: error: unrecognized arguments: --bogus" + _see("report"),
        ),
        (["app", "--bogus"], "incentsim app: error: unrecognized arguments: --bogus" + _see("app")),
        (["bench", "--scale", "huge"], "incentsim bench: error: argument --scale: invalid choice"),
        (
            ["validate", "--bogus"],
            "incentsim validate: error: unrecognized arguments: --bogus" + _see("validate"),
        ),
        (
            ["validate", "--seeds", "x"],
            "incentsim validate: error: argument --seeds: invalid int value: 'x'",
        ),
        # a missing subcommand is bad input too: one line naming the choices, not the help
        (
            ["runs"],
            "incentsim runs: error: missing subcommand: choose list, show or compare"
            + _see("runs"),
        ),
    ],
)
def test_every_commands_bad_input_is_one_line_named_after_the_command(tmp_path, args, line):
    """Every command's one-line error starts ``incentsim COMMAND:`` (argparse's own errors
    add ``error:``), whether the command, its parser or the dispatcher reports it."""
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), proc.stderr
    assert not any(tmp_path.iterdir())  # nothing ran


def test_no_command_is_one_line_naming_every_command(tmp_path):
    proc = run_cli(cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("incentsim: error: missing command: choose ")
    commands = cli.build_parser().commands.choices
    assert len(commands) >= 15 and all(f" {name}" in lines[0] for name in commands), lines[0]
    assert lines[0].endswith(" (see 'incentsim --help')")


def test_help_of_a_command_with_subcommands_still_works():
    proc = run_cli("runs", "--help")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "list|show|compare" in proc.stdout


def test_every_plugins_parser_is_the_house_parser():
    """Each plugin's ``build_parser`` (where it has one) is a ``cli_options.Parser``, so its
    errors are one line named after the command and exit 2, like the built-in commands."""
    import importlib

    from incentsim.interfaces.cli_options import Parser

    checked = 0
    for name, (module, _) in cli.PLUGINS.items():
        build = getattr(importlib.import_module(module), "build_parser", None)
        if build is not None:
            parser = build()
            assert isinstance(parser, Parser), name
            assert parser.prog == f"incentsim {name}"
            checked += 1
    assert checked >= 8


def test_run_with_figures_stores_each_runs_png(tmp_path):
    runs = tmp_path / "runs"
    proc = run_cli("run", CONFIG, "--seeds", "2", "--figures", "--runs-dir", runs, *FAST)
    assert proc.returncode == 0, proc.stderr
    for run_id in ("1", "2"):
        d = runs / run_id
        assert json.loads((d / "run.json").read_text())["status"] == "COMPLETED"
        assert "outcomes.png" in json.loads((d / "run.json").read_text())["artifacts"]
        assert (d / "outcomes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"figure {d / 'outcomes.png'}" in proc.stdout
    assert not list(runs.rglob("*.tmp"))  # no temporary file left behind


def test_unwritable_runs_dir_exits_2(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    proc = run_cli("run", CONFIG, "--runs-dir", blocker / "runs", *FAST)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "cannot create runs directory" in proc.stderr


def test_runs_list_show_compare(tracked):
    runs, _ = tracked
    proc = run_cli("runs", "list", "--runs-dir", runs, "--scenario", "gdp_tournament")
    assert proc.returncode == 0, proc.stderr
    assert "2 matching run(s)" in proc.stdout and "COMPLETED" in proc.stdout
    proc = run_cli("runs", "list", "--runs-dir", runs, "--status", "failed")
    assert "0 matching run(s)" in proc.stdout
    proc = run_cli("runs", "list", "--runs-dir", runs, "--since", "2999-01-01")
    assert "0 matching run(s)" in proc.stdout
    proc = run_cli("runs", "show", "2", "--runs-dir", runs)
    assert proc.returncode == 0, proc.stderr
    assert "COMPLETED" in proc.stdout and "term_length: 5" in proc.stdout
    assert str(runs / "2" / "timeseries.parquet") in proc.stdout
    info = json.loads((runs / "2" / "info.json").read_text())
    assert f"{info['summary']['trust_local_final']:.4g}" in proc.stdout
    proc = run_cli("runs", "compare", "1", "2", "--runs-dir", runs)
    assert proc.returncode == 0, proc.stderr
    seed_line = next(line for line in proc.stdout.splitlines() if line.startswith("seed"))
    assert seed_line.split() == ["seed", "0", "1"]
    assert "name" not in [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]


def test_rules_lists_every_registered_rule_and_mechanism():
    proc = run_cli("rules")
    assert proc.returncode == 0
    for cls in [*PROMOTION_RULES, *MECHANISMS]:
        assert cls.name in proc.stdout and cls.source in proc.stdout
        assert cls.description in proc.stdout


def test_help_is_followable():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for word in ("run", "compare", "sweep", "runs", "rules", "incentsim compare configs/"):
        assert word in proc.stdout
    proc = run_cli("run", "--help")
    assert "0-19" in proc.stdout and "--set" in proc.stdout and "--runs-dir" in proc.stdout


def test_missing_plugin_module_exits_2(monkeypatch, capsys):
    monkeypatch.setitem(cli.PLUGINS, "ghost", ("incentsim._no_such_plugin", "nothing"))
    assert cli.main(["ghost", "--x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not available" in err[0]


def test_plugin_receives_remaining_argv(monkeypatch, tmp_path):
    import sys
    import types

    seen = {}
    mod = types.ModuleType("incentsim._fake_plugin")
    mod.main = lambda argv: seen.setdefault("argv", argv) and 7
    monkeypatch.setitem(sys.modules, "incentsim._fake_plugin", mod)
    monkeypatch.setitem(cli.PLUGINS, "fake", ("incentsim._fake_plugin", "x"))
    assert cli.main(["fake", "--scale", "small", "x"]) == 7
    assert seen["argv"] == ["--scale", "small", "x"]


def test_sacred_command_line(tmp_path):
    import subprocess
    import sys

    runs = tmp_path / "sacred_runs"
    cmd = [
        sys.executable,
        "-m",
        "incentsim.experiment",
        "-F",
        str(runs),
        "with",
        str(CONFIG),
        "seed=3",
        "world.horizon=4",
        "world.burn_in=1",
        "world.n_provinces=2",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    config = json.loads((runs / "1" / "config.json").read_text())
    assert config["seed"] == 3 and config["name"] == "gdp_tournament"
    assert json.loads((runs / "1" / "run.json").read_text())["status"] == "COMPLETED"
    metrics = json.loads((runs / "1" / "metrics.json").read_text())
    res = incentsim.simulate(
        CONFIG, seed=3, overrides={"world.horizon": 4, "world.burn_in": 1, "world.n_provinces": 2}
    )
    assert metrics["trust_local"]["values"] == res.timeseries["trust_local"].tolist()
    # a typo in a nested key is an error before anything is stored
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "incentsim.experiment",
            "-F",
            str(runs),
            "with",
            "promotion.weigths.growth=1.0",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode != 0
    assert "promotion.weigths" in bad.stderr
    assert sorted(p.name for p in runs.iterdir() if p.name.isdigit()) == ["1"]
