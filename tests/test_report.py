"""`incentsim report`: runs made by the real `incentsim compare`, the HTML parsed back."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import incentsim

from incentsim.analysis.intervals import mean_ci, paired_diff_ci

TINY = [
    "--set",
    "world.n_provinces=2",
    "world.prefectures_per_province=3",
    "world.horizon=6",
    "world.burn_in=2",
    "world.firms_per_prefecture=40",
    "world.citizens_per_prefecture=60",
]
GDP, BAL, CIT = (
    "configs/gdp_tournament.yaml",
    "configs/balanced_scorecard.yaml",
    "configs/citizen_satisfaction.yaml",
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """Collects the outcome cells (data-* attributes), images, links and text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self.imgs: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "data-outcome" in a:
            self.cells.append(a)
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        for k in ("src", "href", "action", "srcset", "poster", "data"):
            if a.get(k) is not None:
                self.urls.append(a[k])

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def compare(runs: Path, out: Path, *configs: str, seeds: str = "3"):
    proc = incentsim(
        "compare",
        *configs,
        "--seeds",
        seeds,
        "--runs-dir",
        runs,
        "--out",
        out,
        "--executor",
        "serial",
        *TINY,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def stored(runs: Path) -> dict[int, dict]:
    """Every run in ``runs``: info.json, config.json and metrics.json."""
    out = {}
    for d in runs.iterdir():
        if d.name.isdigit() and (d / "info.json").is_file():
            out[int(d.name)] = {
                f: json.loads((d / f"{f}.json").read_text())
                for f in ("info", "config", "metrics", "run")
            }
    return out


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """One real `incentsim compare` of two scenarios over seeds 0-2 (tiny world)."""
    root = tmp_path_factory.mktemp("report")
    runs = root / "runs"
    compare(runs, root / "cmp", GDP, BAL)
    return runs


@pytest.fixture(scope="module")
def report_last(compared, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "last.html"
    proc = incentsim(
        "report",
        "--compare-last",
        "--runs-dir",
        compared,
        "--out",
        out,
        "--figures-dir",
        out.parent / "img",
    )
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout
    return out


def test_report_names_every_scenario_and_what_was_run(compared, report_last):
    page = parse(report_last)
    text = " ".join(page.text)
    for name in ("gdp_tournament", "balanced_scorecard"):
        assert name in text
    assert "incentsim 0.1.0" in text or "incentsim\n0.1.0" in text
    assert "What differs between the scenarios" in text
    assert "promotion.weights.growth" in text
    # configs collapsed as YAML, seeds and every run id listed
    html = report_last.read_text()
    assert html.count("<details>") == 2 and "promotion:\n" in html
    assert "0-2" in text
    ids = sorted(stored(compared))
    assert len(ids) == 6


def test_table_numbers_are_means_of_stored_metrics(compared, report_last):
    runs = stored(compared)
    by = {}  # scenario -> seed -> metrics
    for r in runs.values():
        by.setdefault(r["info"]["scenario"], {})[r["config"]["seed"]] = r["metrics"]
    cells = parse(report_last).cells
    assert cells, "no outcome cells with data attributes"
    outcomes = {c["data-outcome"] for c in cells}
    assert {"gdp_growth_true", "trust_local", "manipulation_gap", "debt_to_gdp"} <= outcomes
    ref = "gdp_tournament"
    checked = 0
    for c in cells:
        scen, o, stat = c["data-scenario"], c["data-outcome"], c["data-stat"]
        kind = stat.removesuffix("-diff")

        def per_seed(s, kind=kind, o=o):
            # as SimulationResult.summary: mean over the years (NaN years skipped), last year
            return {
                seed: float(
                    pd.Series(m[o]["values"], dtype=float).mean()
                    if kind == "mean"
                    else m[o]["values"][-1]
                )
                for seed, m in by[s].items()
            }

        mine = per_seed(scen)
        if stat.endswith("-diff"):
            base = per_seed(ref)
            seeds = sorted(mine)
            want = paired_diff_ci([mine[s] for s in seeds], [base[s] for s in seeds])
        else:
            want = mean_ci(list(mine.values()))
            finite = [v for v in mine.values() if np.isfinite(v)]
            assert int(c["data-n"]) == len(finite)
            if finite:
                assert float(c["data-value"]) == pytest.approx(np.mean(finite), rel=1e-9, abs=1e-12)
        for attr, w in (
            ("data-value", want.mean),
            ("data-low", want.low),
            ("data-high", want.high),
        ):
            got = float(c[attr])
            both_nan = np.isnan(got) and np.isnan(w)
            assert got == pytest.approx(w, rel=1e-9, abs=1e-12) or both_nan, (scen, o, stat, attr)
        checked += 1
    # two scenarios x outcomes x (mean, final), plus the paired differences
    assert checked == len(outcomes) * 2 * 3


def test_images_embedded_and_no_external_urls(report_last):
    page = parse(report_last)
    assert len(page.imgs) >= 4  # time series, allocation (x2), promotion
    for src in page.imgs:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert png.startswith(PNG_MAGIC) and len(png) > 5000
    assert all(u.startswith("data:") or u.startswith("#") for u in page.urls), page.urls
    html = report_last.read_text()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "@media print" in html
    # --figures-dir saved the same figures as files
    files = sorted(p.name for p in (report_last.parent / "img").glob("report_*.png"))
    assert "report_timeseries.png" in files and "report_promotion.png" in files


def test_report_by_ids_matches_compare_last(compared, report_last, tmp_path):
    ids = sorted(stored(compared))
    first, rest = ids[:3], ids[3:]
    spec = [
        f"{first[0]}-{first[-1]}"
        if first == list(range(first[0], first[-1] + 1))
        else ",".join(map(str, first)),
        ",".join(map(str, rest)),
    ]
    out = tmp_path / "ids.html"
    proc = incentsim("report", *spec, "--runs-dir", compared, "--out", out)
    assert proc.returncode == 0, proc.stderr
    a = {
        (c["data-scenario"], c["data-outcome"], c["data-stat"]): c["data-value"]
        for c in parse(out).cells
    }
    b = {
        (c["data-scenario"], c["data-outcome"], c["data-stat"]): c["data-value"]
        for c in parse(report_last).cells
    }
    assert a == b


def test_compare_last_takes_only_the_latest_compare(tmp_path):
    runs = tmp_path / "runs"
    compare(runs, tmp_path / "a", GDP, BAL, seeds="2")
    compare(runs, tmp_path / "b", CIT, GDP, seeds="1-2")
    out = tmp_path / "r.html"
    proc = incentsim("report", "--compare-last", "--runs-dir", runs, "--out", out)
    assert proc.returncode == 0, proc.stderr
    cells = parse(out).cells
    assert {c["data-scenario"] for c in cells} == {"citizen_satisfaction", "gdp_tournament"}
    assert {
        c["data-n"] for c in cells if "data-n" in c and c["data-outcome"] == "gdp_growth_true"
    } == {"2"}
    # the first scenario of the command is the reference
    assert {c["data-scenario"] for c in cells if c["data-stat"].endswith("-diff")} == {
        "gdp_tournament"
    }
    assert "balanced_scorecard" not in out.read_text()


@pytest.mark.parametrize(
    "args, words",
    [
        (["99999"], "unknown run id 99999"),
        (["12-x"], "bad run id"),
        ([], "no runs given"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_input_one_line_exit_2(compared, tmp_path, args, words):
    proc = incentsim("report", *args, "--runs-dir", compared, "--out", tmp_path / "x.html")
    assert proc.returncode == 2
    assert words in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "x.html").exists()


def test_no_runs_exit_2(tmp_path):
    (tmp_path / "empty").mkdir()
    for args in (
        ["--compare-last", "--runs-dir", tmp_path / "empty"],
        ["--compare-last", "--runs-dir", tmp_path / "missing"],
    ):
        proc = incentsim("report", *args, "--out", tmp_path / "x.html")
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_many_scenarios_long_table_and_pooled_configs_flagged(compared):
    """More than three scenarios: one row per outcome and scenario (no overflow); runs
    pooled under one name with different configurations are flagged."""
    import copy

    from incentsim.analysis.report_html import render
    from incentsim.analysis.report_runs import load_groups
    from incentsim.analysis.report_table import outcome_table, outcome_table_html

    ids = sorted(stored(compared))
    groups, notes = load_groups(compared, ids)
    assert [g.name for g in groups] == ["gdp_tournament", "balanced_scorecard"]
    assert not notes
    extra = []
    for k in range(2):
        g = copy.copy(groups[k])
        g.name = f"{g.name}_copy"
        extra.append(g)
    many = [*groups, *extra]
    df = outcome_table(many)
    html = outcome_table_html(df, [g.name for g in many])
    page = Page()
    page.feed(html)
    assert "<th>scenario</th>" in html and html.count("reference</td>") == 2 * 12
    assert {c["data-scenario"] for c in page.cells} == {g.name for g in many}
    # a copy of the reference has a paired difference of exactly 0
    d = df[(df.scenario == "gdp_tournament_copy") & (df.outcome == "trust_local")]
    assert np.allclose(d["diff"], 0.0)
    # one name, two configurations: pooled with a note
    mixed = [i for i in ids if stored(compared)[i]["info"]["scenario"] == "gdp_tournament"]
    other = [i for i in ids if i not in mixed][:1]
    for i in other:  # rename a balanced_scorecard run to gdp_tournament
        f = compared / str(i) / "info.json"
        info = json.loads(f.read_text())
        saved = f.read_text()
        info["scenario"] = "gdp_tournament"
        f.write_text(json.dumps(info))
        try:
            groups, notes = load_groups(compared, [*mixed, i])
        finally:
            f.write_text(saved)
    assert any("different configurations" in n and "promotion.rule" in n for n in notes)
    text, figs = render(groups, notes)
    assert "different configurations" in text and len(figs) == 4


def _scripted_group(name: str, runs: list[tuple[int, int, dict]]):
    """A report group of hand-made runs ``(id, seed, config)``."""
    from incentsim.analysis.report_runs import Group

    g = Group(name)
    for rid, seed, cfg in runs:
        g.ids.append(rid)
        g.seeds.append(seed)
        g.configs.append({"name": name, "seed": seed, **cfg})
    return g


def test_what_differs_pairs_runs_by_seed_so_per_seed_draws_are_not_differences():
    from incentsim.analysis.report_html import _config_differences

    def cfg(growth, hazard):
        return {"promotion": {"weights": {"growth": growth}}, "tenure": {"hazard": hazard}}

    draw = {0: 0.05, 1: 0.09}  # compare --posterior: seed s's draw, shared by the scenarios
    # runs stored in the order they finished: seed 1 first in one scenario, seed 0 in the other
    a = _scripted_group("a", [(11, 1, cfg(1.0, draw[1])), (12, 0, cfg(1.0, draw[0]))])
    b = _scripted_group("b", [(13, 0, cfg(0.5, draw[0])), (14, 1, cfg(0.5, draw[1]))])
    assert _config_differences([a, b]) == [("promotion.weights.growth", ["1.0", "0.5"])]
    flipped = _scripted_group("a", [(12, 0, cfg(1.0, draw[0])), (11, 1, cfg(1.0, draw[1]))])
    assert _config_differences([flipped, b]) == _config_differences([a, b])
    # a scenario that fixes the drawn parameter does differ, and says the other varies
    fixed = _scripted_group("c", [(15, 0, cfg(0.5, 0.05)), (16, 1, cfg(0.5, 0.05))])
    assert ("tenure.hazard", ["varies by seed", "0.05"]) in _config_differences([a, fixed])
    # a seed run twice: its latest run counts, whatever the order the runs are listed in
    rerun = _scripted_group("b", [*zip(b.ids, b.seeds, b.configs), (9, 1, cfg(0.5, 0.3))])
    assert _config_differences([a, rerun]) == _config_differences([a, b])


def test_report_table_outcomes_are_the_key_outcomes_and_trust_in_the_centre():
    from incentsim.analysis.report_table import TABLE_OUTCOMES
    from incentsim.interfaces.cli_options import KEY_OUTCOMES
    from incentsim.outcomes import OUTCOME_NAMES

    assert [n for n in TABLE_OUTCOMES if n != "trust_central"] == list(KEY_OUTCOMES)
    assert "trust_central" in TABLE_OUTCOMES
    assert list(TABLE_OUTCOMES) == [n for n in OUTCOME_NAMES if n in TABLE_OUTCOMES]


def test_pairing_uses_the_latest_run_of_a_seed_whatever_order_the_ids_were_given_in():
    from incentsim.analysis.report_table import outcome_table

    def group(name, runs):  # (id, seed, mean pollution)
        g = _scripted_group(name, [(rid, seed, {}) for rid, seed, _ in runs])
        g.summaries = [{"pollution_mean": x, "pollution_final": x} for *_, x in runs]
        return g

    ref = group("ref", [(1, 0, 0.0), (2, 1, 0.0)])
    for listed in (
        [(20, 0, 2.0), (5, 0, 1.0), (6, 1, 4.0)],
        [(5, 0, 1.0), (20, 0, 2.0), (6, 1, 4.0)],
    ):
        table = outcome_table([ref, group("b", listed)], ["pollution"])
        row = table[(table.scenario == "b") & (table.stat == "mean")].iloc[0]
        assert row["diff"] == pytest.approx(3.0)  # seeds 0 (run 20: 2.0) and 1 (4.0)
        assert row["diff_n"] == 2 and row["n"] == 3  # every run counts as a replication
