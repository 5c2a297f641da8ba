"""The runs browser's logic (``incentsim app --runs DIR``): filters through load_runs,
the table, seed bands per group, one run's details and the exported report. The page
itself is driven in Chromium by tests/test_app_browser.py."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import incentsim, make_tracked_runs

from incentsim.interfaces import runs_app as ra


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs")
    ids = make_tracked_runs(d)
    assert ids == [str(i) for i in range(1, 7)]
    return d


def test_filters_combine_and_choices_come_from_the_runs(runs_dir):
    everything = ra.load_runs(runs_dir).runs
    choices = ra.filter_choices(everything)
    assert choices["scenario"] == ["balanced_scorecard", "gdp_tournament"]
    assert choices["status"] == ["COMPLETED"]
    found = ra.filtered_runs(
        runs_dir, {"scenario": ["balanced_scorecard"], "rule": []}, seeds="0-1"
    )
    assert sorted(found.runs["run_id"]) == [4, 5]
    assert set(found.metrics["run_id"]) == {4, 5}
    assert len(ra.filtered_runs(runs_dir, {}, since="2000-01-01").runs) == 6
    assert ra.filtered_runs(runs_dir, {}, until="2000-01-01").runs.empty


@pytest.mark.parametrize(
    "kw, fragment",
    [({"seeds": "three"}, "seeds"), ({"since": "last week"}, "since: 'last week' is not a date")],
)
def test_a_bad_filter_is_a_message_not_a_crash(runs_dir, kw, fragment):
    with pytest.raises(ra.FilterError, match=fragment):
        ra.filtered_runs(runs_dir, {}, **kw)


def test_table_and_labels_name_each_run(runs_dir):
    found = ra.load_runs(runs_dir)
    table = ra.runs_table(found.runs, "trust_local")
    assert list(table["run_id"]) == [6, 5, 4, 3, 2, 1]
    assert {"trust_local_mean", "trust_local_final", "scenario", "seed"} <= set(table.columns)
    row = table.iloc[0]
    assert row["variant"].startswith("balanced_scorecard@")
    assert ra.run_label(row) == f"6 · {row['variant']} · seed 2"


def test_bands_are_over_the_runs_of_each_group(runs_dir):
    found = ra.load_runs(runs_dir)
    groups = ra.group_timeseries(found.runs, found.metrics, [1, 2, 4], "scenario")
    assert {k: len(v) for k, v in groups.items()} == {"gdp_tournament": 2, "balanced_scorecard": 1}
    by_variant = ra.group_timeseries(found.runs, found.metrics, [1, 2, 4], "variant")
    assert sorted(len(v) for v in by_variant.values()) == [1, 2]
    assert all("@" in k for k in by_variant)
    # each frame is that run's own time series, as simulate returned it
    from incentsim.runs.results import read_artifact

    ts = read_artifact(runs_dir, 2, "timeseries.parquet")
    got = groups["gdp_tournament"][1]
    assert np.allclose(got["trust_local"].to_numpy(), ts["trust_local"].to_numpy())
    assert ra.outcome_png(groups, "trust_local")[:8] == b"\x89PNG\r\n\x1a\n"


def test_details_and_report_of_the_selection(runs_dir):
    config, summary = ra.run_details(runs_dir, 5)
    assert "term_length" in config and "seed: 1" in config
    runs = ra.load_runs(runs_dir).runs.set_index("run_id")
    row = summary.set_index("outcome").loc["trust_local"]
    # shown to four significant digits
    assert row["average"] == float(f"{runs.loc[5, 'trust_local_mean']:.4g}")
    html = ra.report_html(runs_dir, [4, 5, 6]).decode()
    assert html.startswith("<!DOCTYPE html>") or html.lstrip().lower().startswith("<!doctype")
    assert "balanced_scorecard" in html and "gdp_tournament" not in html
    assert "<td>4-6</td>" in html


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["app", "--runs", "no/such/dir"], "no runs directory no/such/dir"),
        (["app", "gdp_tournament", "--runs", "."], "not both"),
    ],
)
def test_app_runs_bad_input_exits_2(tmp_path, args, fragment):
    r = incentsim(*args, cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and fragment in r.stderr
