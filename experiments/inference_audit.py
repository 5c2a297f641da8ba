"""Audit of the validation's standard errors on disjoint blocks of seeds.

    nice .venv/bin/python experiments/inference_audit.py --blocks 8 --block-size 40 \
        --runs-dir /tmp/audit/runs --out /tmp/audit

Runs the arms the stylized facts need (province scale, as ``incentsim validate``) on
``blocks`` disjoint blocks of ``block-size`` seeds (block b: seeds b*size .. b*size +
size - 1) into a runs directory (finished runs are reused, so a re-run only analyses),
and estimates every claim of :mod:`incentsim.analysis.validation.facts` on each block,
with the standard error as shipped and clustered at each candidate level:

* ``prefecture``: arm x seed x prefecture (the ``unit`` of the panels);
* ``province``: arm x seed x province (promotion slots are filled within a province);
* ``run``: arm x seed (a run's national path and quotas are shared by its prefectures);
* ``seed``: the seed, shared by the arms of a pooled contrast.

If an SE is right, the spread of the block estimates matches it: ``ratio = SD(block
estimates) / mean(block SE)`` is near 1. With B blocks, ``SD^2 ~ sigma^2 chi2(B-1) /
(B-1)``, so the 95 % interval of ``sigma / SE`` is ``ratio * sqrt((B-1) / chi2_q)``
at the 0.975 and 0.025 quantiles (the SE's own noise, small with many clusters, is
ignored). The block spread has B - 1 degrees of freedom, too few to see an SE 10-40 % short.
Two sharper checks: the design effect ``SE(run) / SE(prefecture)`` of each block
(clustering by run is valid whether or not a run's prefectures are dependent, since
runs are independent; mean over blocks with a t-interval), and ``--per-run``: each
one-arm claim estimated on every run alone, where the spread of hundreds of
independent estimates is set against their prefecture-clustered SEs.

Writes ``blocks.csv`` (claim x block x clustering: value, SE, clusters) and
``audit.md`` (the table of docs/validation/inference.md) to ``--out``; ``--per-run``
writes ``per_run.csv`` and ``per_run_table.csv``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from incentsim.analysis.validation import facts as fx, moments as mm
from incentsim.analysis.validation.runs import ARMS, default_config_dir
from incentsim.runs.executors import Task, execute
from incentsim.scenario import load_scenario

#: candidate cluster levels: name -> column of the pooled panels
LEVELS = {"prefecture": "unit", "province": "province_run", "run": "run", "seed": "seed"}
#: arms whose leader panels the panel-based claims (not the paired contrasts) use
PANEL_ARMS = ("gdp_tournament", "long_terms", "lifelong_accountability", "balanced_scorecard")
WORLD = {"world.scale": "province"}


def run_block(
    seeds: list[int], runs_dir: Path, jobs: int, arms: list[str] | None = None
) -> tuple[dict, dict]:
    """``arms`` (default: every arm the facts need) on ``seeds``: pooled, prepared panels
    and timeseries by arm (as :func:`incentsim.analysis.validation.runs.run_arms`),
    finished runs reused."""
    cdir = default_config_dir()
    tasks = []
    for a in arms or fx.needed_arms():
        sc = load_scenario(cdir / ARMS[a].config, {**WORLD, **dict(ARMS[a].overrides)})
        tasks += [Task.of(sc, s, purpose="inference audit", arm=a) for s in seeds]
    results = execute(
        tasks, runs_dir, executor="local", jobs=jobs, skip_done=True, keep_leaders=True
    )
    failed = [r for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} run(s) failed; first: {failed[0].error}")
    panels: dict[str, list[pd.DataFrame]] = {}
    series: dict[str, list[pd.DataFrame]] = {}
    for t, r in zip(tasks, results):
        assert r.leaders is not None and r.timeseries is not None
        arm = t.info["arm"]
        panels.setdefault(arm, []).append(r.leaders.assign(seed=t.seed, arm=arm))
        series.setdefault(arm, []).append(r.timeseries.assign(seed=t.seed, arm=arm))
    out = {
        a: _with_levels(mm.prepare_panel(pd.concat(v, ignore_index=True)))
        for a, v in panels.items()
    }
    return out, {a: pd.concat(v, ignore_index=True) for a, v in series.items()}


def _with_levels(p: pd.DataFrame) -> pd.DataFrame:
    """The cluster columns of :data:`LEVELS` that prepare_panel does not add."""
    run = p["arm"].astype(str) + ":" + p["seed"].astype(str)
    return p.assign(run=run, province_run=run + ":" + p["province"].astype(str))


@contextlib.contextmanager
def clustered(column: str | None) -> Iterator[None]:
    """Within this block every panel claim clusters by ``column`` (None: as shipped)."""
    saved = (mm.CLUSTER, fx.CLUSTER, fx.CONTRAST_CLUSTER, fx.CYCLE_CLUSTER)
    if column is not None:
        mm.CLUSTER = fx.CLUSTER = fx.CONTRAST_CLUSTER = fx.CYCLE_CLUSTER = column
    try:
        yield
    finally:
        mm.CLUSTER, fx.CLUSTER, fx.CONTRAST_CLUSTER, fx.CYCLE_CLUSTER = saved


def estimates(panels: dict, series: dict, label: str) -> list[dict]:
    """Every claim's estimate and SE, as shipped and at every level of :data:`LEVELS`."""
    rows = []
    for level, column in [("shipped", None), *LEVELS.items()]:
        with clustered(column):
            for f in fx.FACTS:
                panel_based = set(f.scenarios) <= set(PANEL_ARMS) and not issubclass(
                    f, fx._Contrast
                )
                if level != "shipped" and not panel_based:
                    continue  # paired contrasts of run means: no clustering choice
                e = f().estimate(panels, series)
                clusters = e.detail.get("n_clusters", e.n)
                rows.append(
                    dict(
                        block=label,
                        claim=f.id,
                        level=level,
                        value=e.value,
                        se=e.se,
                        clusters=clusters,
                    )
                )
    return rows


def single_arm_panel_claims() -> list[type[fx.Fact]]:
    """The claims estimated on one arm's pooled panel (not contrasts)."""
    return [f for f in fx.FACTS if len(f.scenarios) == 1 and not issubclass(f, fx._Contrast)]


def per_run(panels: dict) -> list[dict]:
    """Each single-arm panel claim estimated on every run alone, clustered by prefecture:
    runs are independent, so the spread of these estimates is their true sampling SD."""
    by_seed = {a: dict(tuple(p.groupby("seed"))) for a, p in panels.items()}
    rows = []
    with clustered("unit"):
        for seed in by_seed[PANEL_ARMS[0]]:
            one = {a: v[seed] for a, v in by_seed.items()}
            for f in single_arm_panel_claims():
                e = f().estimate(one, {})
                rows.append(dict(seed=seed, claim=f.id, value=e.value, se=e.se))
    return rows


def per_run_table(rows: pd.DataFrame) -> pd.DataFrame:
    """SD of the per-run estimates over the root mean square of their prefecture-clustered
    SEs (the SE of one run varies a lot: its plain mean would understate the typical
    variance), with the chi-square interval (runs - 1 d.o.f.)."""
    out = []
    for claim, r in rows.groupby("claim", sort=False):
        r = r[np.isfinite(r.value) & np.isfinite(r.se)]
        ratio = r.value.std(ddof=1) / np.sqrt((r.se**2).mean())
        lo, hi = chi2_interval(ratio, len(r))
        out.append(dict(claim=claim, runs=len(r), ratio=ratio, low=lo, high=hi))
    return pd.DataFrame(out)


def estimator(f: type[fx.Fact]) -> str:
    """A short name of the claim's estimator."""
    if issubclass(f, fx._Contrast):
        return "paired t (run means)"
    if "logit" in f.statistic:
        return "logit"
    return "FE OLS, pooled interaction" if "pooled" in f.statistic else "FE OLS"


def shipped_level(rows: pd.DataFrame, claim: str) -> str:
    """The level whose SE equals the shipped one (first block)."""
    r = rows[rows.claim == claim]
    first = r[r.block == r.block.iloc[0]]
    se = first.set_index("level")["se"]
    for level in LEVELS:
        if level in se and np.isclose(se[level], se["shipped"], rtol=1e-9):
            return level
    return "seed (paired)"


def chi2_interval(ratio: float, n: int) -> tuple[float, float]:
    """95 % interval of sigma / SE from an SD of ``n`` independent estimates."""
    return (
        ratio * np.sqrt((n - 1) / sps.chi2.ppf(0.975, n - 1)),
        ratio * np.sqrt((n - 1) / sps.chi2.ppf(0.025, n - 1)),
    )


def t_interval(x: pd.Series) -> tuple[float, float, float]:
    """Mean of ``x`` with its 95 % t-interval."""
    m, h = x.mean(), sps.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return m, m - h, m + h


def table(blocks: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: the spread of the block estimates over the mean SE as shipped
    (chi-square interval) and at the prefecture and run levels, and the design effect
    SE(run) / SE(prefecture), block by block (mean, t-interval)."""
    nb = blocks.block.nunique()
    out = []
    for f in fx.FACTS:
        b = blocks[blocks.claim == f.id]
        sd = b[b.level == "shipped"]["value"].std(ddof=1)
        ratio = sd / b[b.level == "shipped"]["se"].mean()
        row: dict[str, object] = {"claim": f.id, "estimator": estimator(f)}
        row["cluster"] = shipped_level(blocks, f.id)
        row.update(blocks=nb, ratio=ratio, **dict(zip(("low", "high"), chi2_interval(ratio, nb))))
        se = b.pivot(index="block", columns="level", values="se")
        for level in ("prefecture", "run"):
            row[f"ratio_{level}"] = sd / se[level].mean() if level in se else np.nan
        deff = se["run"] / se["prefecture"] if "run" in se else pd.Series([np.nan] * 2)
        row.update(zip(("deff", "deff_low", "deff_high"), t_interval(deff)))
        out.append(row)
    return pd.DataFrame(out)


def markdown(t: pd.DataFrame) -> str:
    """The audit table in Markdown."""
    head = (
        "| claim | estimator | cluster | SD/SE (95 % interval) | SD/SE by prefecture, run "
        "| SE(run)/SE(prefecture) (95 % interval) |\n|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r.claim} | {r.estimator} | {r.cluster} | {r.ratio:.2f} ({r.low:.2f}-{r.high:.2f}) "
        f"| {_fmt(r.ratio_prefecture)}, {_fmt(r.ratio_run)} "
        f"| {_fmt(r.deff)} ({_fmt(r.deff_low)}-{_fmt(r.deff_high)}) |"
        for r in t.itertuples()
    ]
    return head + "\n".join(lines) + "\n"


def _fmt(v: float) -> str:
    return "-" if not np.isfinite(v) else f"{v:.2f}"


def main(argv: list[str] | None = None) -> int:
    """Run the blocks, estimate, write the tables; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--block-size", type=int, default=40)
    ap.add_argument("--runs-dir", default="results/inference_audit/runs")
    ap.add_argument("--out", default="results/inference_audit")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--per-run",
        action="store_true",
        help="estimate the single-arm panel claims on every run alone instead",
    )
    ap.add_argument(
        "--table-only", action="store_true", help="only tabulate the blocks.csv in --out"
    )
    args = ap.parse_args(argv)
    if args.blocks < 3 or args.block_size < 2 or args.jobs < 1:
        print(
            "inference_audit: need --blocks >= 3, --block-size >= 2, --jobs >= 1",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.per_run:
        return main_per_run(args, out)
    if not args.table_only:
        rows: list[dict] = []
        for b in range(args.blocks):
            seeds = list(range(b * args.block_size, (b + 1) * args.block_size))
            panels, series = run_block(seeds, Path(args.runs_dir), args.jobs)
            rows += estimates(panels, series, f"{seeds[0]}-{seeds[-1]}")
            pd.DataFrame(rows).to_csv(out / "blocks.csv", index=False)
            print(f"block {b}: seeds {seeds[0]}-{seeds[-1]} done", file=sys.stderr, flush=True)
    t = table(pd.read_csv(out / "blocks.csv", dtype={"claim": str, "block": str}))
    t.to_csv(out / "audit.csv", index=False)
    (out / "audit.md").write_text(markdown(t))
    print(markdown(t))
    return 0


def main_per_run(args: argparse.Namespace, out: Path) -> int:
    """``--per-run``: per-run estimates of the single-arm claims, block by block."""
    arms = sorted({f.scenarios[0] for f in single_arm_panel_claims()})
    rows: list[dict] = []
    for b in range(args.blocks):
        seeds = list(range(b * args.block_size, (b + 1) * args.block_size))
        panels, _ = run_block(seeds, Path(args.runs_dir), args.jobs, arms)
        rows += per_run(panels)
        pd.DataFrame(rows).to_csv(out / "per_run.csv", index=False)
        print(f"block {b}: seeds {seeds[0]}-{seeds[-1]} done", file=sys.stderr, flush=True)
    t = per_run_table(pd.DataFrame(rows))
    t.to_csv(out / "per_run_table.csv", index=False)
    print(t.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
