"""Outputs a user reads: they must not mislead (issue 13, 'outputs that mislead')."""

import numpy as np
import pytest

import incentsim


@pytest.mark.parametrize("burn_in", [0, 2])
def test_tfp_growth_of_the_first_recorded_year_is_measured_not_zero(tiny, burn_in):
    """The first recorded year's TFP growth compares with the year before it (the last
    burn-in year, or the initial firms when there is no burn-in), like every other year."""
    tiny["world"]["burn_in"] = burn_in
    first, later = [], []
    for seed in range(6):
        res = incentsim.simulate(tiny, seed=seed)
        ts, panel = res.timeseries, res.leaders
        first.append(ts.tfp_growth.iloc[0])
        later.extend(ts.tfp_growth.iloc[1:])
        year1 = panel[panel.year == 1].tfp_growth
        assert (year1 != 0.0).all(), f"seed {seed}: panel TFP growth 0 in year 1"
    assert all(f != 0.0 for f in first)
    # the first year is drawn from the same process as the others: within their spread
    assert abs(np.mean(first) - np.mean(later)) < 4 * np.std(later)


def test_the_interrupted_message_promises_resumption_only_where_it_happens():
    from incentsim.interfaces.cli import interrupted_message

    assert "re-run the same compare to complete it" in interrupted_message("compare")
    assert "re-run the same sweep to complete it" in interrupted_message("sweep")
    assert "re-running 'run' starts every run again" in interrupted_message("run")
    assert interrupted_message("sweep").startswith("incentsim sweep: interrupted; ")
    assert interrupted_message("").startswith("incentsim: interrupted; ")


def test_runs_with_other_settings_are_a_different_variant(tmp_path):
    from cli_helpers import FAST_OVERRIDES, incentsim as run_cli

    from incentsim.runs.experiment import run_tracked
    from incentsim.runs.results import load_runs

    runs = tmp_path / "runs"
    for seed, more in ((0, {}), (1, {}), (0, {"tenure.term_length": 7})):
        run_tracked("configs/gdp_tournament.yaml", seed, runs, {**FAST_OVERRIDES, **more})
    frame, metrics = load_runs(runs)
    assert list(frame.scenario.unique()) == ["gdp_tournament"]
    plain, varied = frame.variant.iloc[0], frame.variant.iloc[2]
    assert frame.variant.tolist() == [plain, plain, varied] and plain != varied
    assert plain.startswith("gdp_tournament@") and varied.startswith("gdp_tournament@")
    assert set(metrics.variant) == {plain, varied}
    listing = run_cli("runs", "list", "--runs-dir", runs).stdout
    assert plain in listing and varied in listing and "variant" in listing


def test_codebook_documents_every_column_of_both_tables(tiny):
    from incentsim.outcomes import codebook

    res = incentsim.simulate(tiny, seed=0)
    book = codebook()
    for table, frame in (("timeseries", res.timeseries), ("leaders", res.leaders)):
        mine = book[book.table == table]
        assert mine.name.tolist() == list(frame.columns)
        assert (mine.definition.str.len() > 10).all() and (mine.unit.str.len() > 0).all()
        # a column that can be missing says when
        for col in frame.columns[frame.isna().any()]:
            assert mine.set_index("name").at[col, "missing"] != "never", col
    assert "term-average" in book.set_index("name").at["relative_growth_reported", "definition"]


def test_the_codebooks_formula_for_a_boolean_outcome_works(tiny):
    import statsmodels.formula.api as smf

    from incentsim.outcomes import codebook

    tiny["world"].update(horizon=30, n_provinces=4)
    panel = incentsim.simulate(tiny, seed=0).leaders
    assert (
        "'promoted.astype(int) ~ ...'"
        in codebook("leaders").set_index("name").at["evaluated", "definition"]
    )
    fit = smf.logit(
        "promoted.astype(int) ~ relative_growth_reported + insider", panel[panel.evaluated]
    ).fit(disp=0)
    assert set(fit.params.index) == {"Intercept", "relative_growth_reported", "insider[T.True]"}


def test_default_scale_is_the_calibrated_one():
    """calibration.md's promotion band (7-11 % a year) holds at the default scale."""
    from incentsim.scenario import SCALES

    sc = incentsim.load_scenario("configs/gdp_tournament.yaml")
    assert sc.world.label() == "province scale (4 x 10 prefectures)"
    assert {k: getattr(sc.world, k) for k in SCALES["province"]} == SCALES["province"]
    rates = [incentsim.simulate(sc, seed=s).timeseries.promotion_rate.mean() for s in range(6)]
    assert 0.07 <= np.mean(rates) <= 0.11


def test_cli_says_the_scale_of_what_it_shows(tmp_path):
    from cli_helpers import FAST, incentsim as run_cli

    run = run_cli("run", "configs/gdp_tournament.yaml", "--runs-dir", tmp_path, *FAST)
    assert "custom scale (2 x 3 prefectures, 40 firms and 60 citizens each)" in run.stdout
    plain = run_cli(
        "run",
        "configs/gdp_tournament.yaml",
        "--runs-dir",
        tmp_path,
        "--set",
        "world.horizon=2",
        "world.burn_in=0",
    )
    assert "province scale (4 x 10 prefectures)" in plain.stdout, plain.stderr


def test_validation_arm_descriptions_state_the_weights_of_their_configs():
    import re

    from incentsim.analysis.validation.runs import ARMS, default_config_dir

    stated = 0
    for arm in ARMS.values():
        sc = incentsim.load_scenario(default_config_dir() / arm.config, arm.overrides)
        for number in re.findall(r"growth weight ([0-9.]+)", arm.description):
            assert float(number) == sc.promotion.weights.growth, arm.name
            stated += 1
        for pct, key in re.findall(r"(\d+) % (growth|environment)", arm.description):
            assert int(pct) / 100 == getattr(sc.promotion.weights, key), arm.name
            stated += 1
    assert stated >= 3


def test_docs_name_the_columns_load_runs_returns(tmp_path):
    import re
    from pathlib import Path

    from cli_helpers import FAST_OVERRIDES

    from incentsim.runs.experiment import run_tracked
    from incentsim.runs.results import load_runs

    run_tracked("configs/gdp_tournament.yaml", 0, tmp_path, FAST_OVERRIDES)
    runs, metrics = load_runs(tmp_path)
    # the notebook tutorial of the documentation site (moved there from the README)
    text = (Path(__file__).resolve().parents[1] / "docs/tutorials/notebooks.md").read_text()
    para = text[text.index("`runs` has one row per run") :][:400]
    named = [n for n in re.findall(r"`([a-z_]+)`", para.split("; `metrics`")[0]) if n != "runs"]
    assert {"run_id", "variant"} <= set(named)
    for name in named:
        assert name in runs.columns, name
    for name in ("run_id", "scenario", "variant", "seed", "outcome", "year", "value"):
        assert name in metrics.columns


# ----------------------------------------------------------------- tables


def _fake_groups(names, seeds=(0, 1, 2, 3)):
    from types import SimpleNamespace

    from incentsim.outcomes import OUTCOME_NAMES

    groups = {}
    for k, name in enumerate(names):
        rows = []
        for s in seeds:
            summary = {
                f"{o}_{x}": 0.1 * (k + 1) + 0.01 * s
                for o in OUTCOME_NAMES
                for x in ("mean", "final")
            }
            if s % 2:  # no promotion in the last year of odd seeds
                summary["selection_quality_final"] = float("nan")
            rows.append(SimpleNamespace(seed=s, summary=summary))
        groups[name] = rows
    return groups


def test_compare_table_fits_a_terminal_and_names_the_reference(monkeypatch):
    from incentsim.interfaces.cli_compare import _compare_text, compare_frame
    from incentsim.interfaces.cli_options import KEY_OUTCOMES

    monkeypatch.setenv("COLUMNS", "100")
    names = ["gdp_tournament", "balanced_scorecard", "citizen_satisfaction"]
    text = _compare_text(compare_frame(_fake_groups(names), KEY_OUTCOMES), names, KEY_OUTCOMES)
    assert max(map(len, text.splitlines())) <= 100
    assert "Δ vs gdp_tournament" in text and "first" not in text


def test_an_outcome_missing_in_some_seeds_shows_its_count():
    from incentsim.interfaces.cli_compare import _compare_text, compare_frame

    names = ["gdp_tournament", "balanced_scorecard"]
    outcomes = ("gdp_growth_true", "selection_quality")
    df = compare_frame(_fake_groups(names), outcomes)
    text = _compare_text(df, names, outcomes)
    # the final year of selection_quality: both scenarios and their difference
    assert text.count("(n=2 of 4)") == 3, text
    assert "(n=" not in text.split("selection_quality")[0]  # complete outcomes: no count


def test_runs_compare_prints_plain_text_and_says_which_minus_which(tmp_path):
    from cli_helpers import FAST_OVERRIDES, incentsim as run_cli

    from incentsim.runs.experiment import run_tracked

    run_tracked("configs/gdp_tournament.yaml", 0, tmp_path, FAST_OVERRIDES)
    run_tracked(
        "configs/gdp_tournament.yaml",
        0,
        tmp_path,
        {**FAST_OVERRIDES, "accountability.statistical_audit.intensity": 0.5},
    )
    out = run_cli("runs", "compare", "1", "2", "--runs-dir", tmp_path).stdout
    assert "\\u" not in out and '"' not in out
    assert "run 2 − run 1" in out


def test_runs_by_group_keeps_the_order_runs_were_made():
    import pandas as pd

    from incentsim.analysis.plots import runs_by_group

    metrics = pd.DataFrame(
        {
            "run_id": [1, 1, 2, 2, 3, 3],
            "variant": ["gdp@a", "gdp@a", "bal@b", "bal@b", "gdp@a", "gdp@a"],
            "outcome": ["x", "x"] * 3,
            "year": [1, 2] * 3,
            "value": [1.0, 2, 3, 4, 5, 6],
        }
    )
    groups = runs_by_group(metrics)
    assert list(groups) == ["gdp@a", "bal@b"]  # not alphabetical: gdp ran first
    assert [len(v) for v in groups.values()] == [2, 1]
    assert groups["bal@b"][0].x.tolist() == [3.0, 4.0]


def test_the_comparison_notebook_leaves_nothing_in_tmp(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    from pathlib import Path

    from nbclient import NotebookClient

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("INCENTSIM_NOTEBOOK_SMOKE", "1")
    path = Path(__file__).resolve().parents[1] / "notebooks" / "compare_rules.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    assert [p.name for p in tmp.iterdir() if p.name.startswith("incentsim")] == []


# ----------------------------------------------------------------- explorer


def test_explorer_year_label_is_the_year_the_plots_end_at():
    from incentsim.interfaces import app

    params = {
        k: (v["value"] if isinstance(v, dict) else v)
        for k, v in app.model_params(scale="small").items()
    }
    m = app.ExplorerModel(**params)
    assert app.year_label(m) == "Not stepped yet"
    for _ in range(4):
        m.step()
    assert app.year_label(m) == "Year 4" == f"Year {m.records[-1]['year']}"


def test_explorer_refuses_a_busy_port_in_one_line(capsys):
    import socket

    from incentsim.interfaces import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert app.main(["--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port} on 127.0.0.1 is in use" in err


def test_solaras_session_cookie_warning_is_silenced(caplog):
    import logging

    from incentsim.interfaces import app

    app.quiet_session_cookie_warning()
    log = logging.getLogger("solara.server.fastapi")
    with caplog.at_level(logging.WARNING, logger="solara.server.fastapi"):
        log.warning("no session cookie")
        log.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]


def test_compare_resumes_and_the_report_still_finds_every_run(tmp_path):
    from cli_helpers import FAST, incentsim as run_cli

    args = (
        "compare",
        "configs/gdp_tournament.yaml",
        "configs/balanced_scorecard.yaml",
        "--seeds",
        "2",
        "--runs-dir",
        tmp_path / "runs",
        "--executor",
        "serial",
        *FAST,
    )
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert "4 run now, 0 already finished (reused)" in first.stdout
    again = run_cli(*args)
    assert "0 run now, 4 already finished (reused)" in again.stdout, again.stdout
    assert sorted(p.name for p in (tmp_path / "runs").glob("[0-9]*")) == ["1", "2", "3", "4"]
    report = run_cli(
        "report", "--compare-last", "--runs-dir", tmp_path / "runs", "--out", tmp_path / "r.html"
    )
    assert report.returncode == 0, report.stderr
    html = (tmp_path / "r.html").read_text()
    assert "balanced_scorecard" in html and "gdp_tournament" in html
