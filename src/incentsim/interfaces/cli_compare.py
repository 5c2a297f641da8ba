"""``incentsim compare``: several scenarios over the same seeds.

Holds the command and what it writes: the tidy comparison (:func:`compare_frame`: means
with 95 % intervals and the paired difference to the first scenario), its text tables
(wide, or one block per outcome when the terminal is narrow), ``table.csv`` and
``figure.png``, the record of the last comparison for ``incentsim report
--compare-last`` (:func:`record_compare`) and, with ``--posterior``, each seed's draw of
the estimated parameters.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from incentsim.interfaces.cli_options import (
    SEEDS_HELP,
    UsageError,
    add_run_options,
    add_scenario_options,
    out_dir_of,
    outcomes_of,
    overrides_of,
    runs_dir_of,
)
from incentsim.interfaces.cli_running import execute_tasks, load_scenarios, report_failures
from incentsim.interfaces.cli_text import ci95, id_span, plus_minus, seed_text, table


def add_command(sub) -> None:
    """The ``compare`` command: scenarios over the same seeds, table and figure."""
    p = sub.add_parser(
        "compare",
        help="compare scenarios over the same seeds (table + figure)",
        description="Run every CONFIG over the same seeds; print final and "
        "average outcomes with 95%% confidence intervals and the "
        "paired difference to the first CONFIG; save table.csv "
        "and figure.png.",
    )
    p.add_argument(
        "configs", nargs="+", metavar="CONFIG", help="two or more scenario files or shipped names"
    )
    add_scenario_options(p, seeds_default="10", seeds_help=SEEDS_HELP + " (default: 10, i.e. 0..9)")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where table.csv and figure.png go (default: <runs dir>/_compare/<names>)",
    )
    p.add_argument(
        "--posterior",
        metavar="ESTIMATES",
        help="estimates.json of incentsim calibrate: seed s runs every scenario with "
        "draw s of the estimated parameters (parameter uncertainty in the "
        "intervals), e.g. docs/calibration/china_2000s/estimates.json",
    )
    add_run_options(p)
    p.set_defaults(func=cmd_compare)


def cmd_compare(args) -> int:
    """``incentsim compare``: run several scenarios on the same seeds; table and figure."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    from incentsim.analysis.plots import save_png, seeds_text, timeseries_figure
    from incentsim.runs.atomic import written_atomically
    from incentsim.runs.experiment import ensure_runs_dir, ensure_writable_dir
    from incentsim.runs.ranges import parse_seeds

    if len(args.configs) < 2:
        raise UsageError("compare needs at least two scenario files")
    seeds = parse_seeds(args.seeds, what="--seeds")
    scenarios = load_scenarios(args.configs, overrides_of(args))
    outcomes = outcomes_of(args)
    runs_dir = ensure_runs_dir(runs_dir_of(args))
    names = [s.name for s in scenarios]
    out = ensure_writable_dir(
        out_dir_of(
            args, runs_dir, "compare", "_vs_".join(names)[:120] + f"_seeds{seed_text(seeds)}"
        )
    )
    results = execute_tasks(
        args, _compare_tasks(args, scenarios, seeds), skip_done=True
    )  # re-running resumes, as sweep does
    record_compare(runs_dir, names, results)
    groups = {n: [r for r in results if r.ok and r.scenario == n] for n in names}
    empty = [n for n, g in groups.items() if not g]
    if empty:
        report_failures(results)
        raise UsageError(f"no successful runs for {', '.join(empty)}")
    df = compare_frame(groups, outcomes)
    with written_atomically(out / "table.csv") as tmp:
        df.to_csv(tmp, index=False)
    scales = ", ".join(dict.fromkeys(sc.world.label() for sc in scenarios))
    fig = timeseries_figure(
        {n: [r.timeseries for r in g] for n, g in groups.items()},
        title=f"{' vs '.join(names)}: mean over {seeds_text(len(seeds))}, 95 % band; {scales}",
    )
    save_png(fig, out / "figure.png")
    _print_compare(args, df, names, outcomes, results, runs_dir, scales, seeds)
    print(f"Table:  {out / 'table.csv'}")
    print(f"Figure: {out / 'figure.png'}")
    return report_failures(results)


def _print_compare(args, df, names, outcomes, results, runs_dir, scales, seeds) -> None:
    """The compare command's summary: runs made and reused, the table and how to read it."""
    from incentsim.analysis.plots import seeds_text

    reused = sum(r.skipped for r in results)
    print(
        f"{len(names)} scenarios x {seeds_text(len(seeds))} ({seed_text(seeds)}) at "
        f"{scales}:\n{sum(r.ok for r in results) - reused} run now, {reused} already "
        f"finished (reused); {sum(r.ok for r in results)} runs tracked in {runs_dir}/ "
        f"(run ids {id_span([r.run_id for r in results])})"
    )
    print()
    print(_compare_text(df, names, outcomes))
    print()
    print(
        "average: mean over the simulated years; final: last year. ± is the half-width "
        "of a 95 % t-interval over seeds; Δ is paired by seed, * = interval excludes 0."
    )
    if getattr(args, "posterior", None):
        print(
            f"Parameters: seed s runs every scenario with draw s of the estimates in "
            f"{args.posterior}, so intervals carry parameter uncertainty too."
        )


# --------------------------------------------------------------------------- tasks and record


def _posterior_draw(args, scenario, seed: int):
    """The scenario with seed ``seed``'s draw of the estimated parameters (``--posterior``;
    :mod:`incentsim.design.estimation.posterior`), else unchanged."""
    if not getattr(args, "posterior", None):
        return scenario
    from incentsim.design.estimation.posterior import estimates_of, with_draw

    if not hasattr(args, "_estimates"):
        args._estimates = estimates_of(args.posterior)
    return with_draw(scenario, args._estimates, seed)


def _compare_tasks(args, scenarios, seeds) -> list:
    """One task per scenario and seed, tagged with the compared names (and, with
    ``--posterior``, the estimates drawn from: ``incentsim report`` then says so)."""
    from incentsim.runs.executors import Task

    names = ",".join(s.name for s in scenarios)
    drawn = {"posterior": str(args.posterior)} if getattr(args, "posterior", None) else {}
    return [
        Task.of(_posterior_draw(args, sc, s), s, compare=names, **drawn)
        for sc in scenarios
        for s in seeds
    ]


def record_compare(runs_dir: Path, names: Sequence[str], results) -> None:
    """Write ``<runs dir>/_compare/last.json`` (atomically): the scenarios and the run ids
    of this comparison, reused runs included, for ``incentsim report --compare-last``."""
    from incentsim.runs.experiment import written_atomically

    (runs_dir / "_compare").mkdir(exist_ok=True)
    data = {
        "scenarios": list(names),
        "run_ids": sorted(int(r.run_id) for r in results if r.ok and r.run_id),
    }
    with written_atomically(runs_dir / "_compare" / "last.json") as tmp:
        tmp.write_text(json.dumps(data))


# --------------------------------------------------------------------------- tables


def compare_frame(groups: dict[str, list], outcomes: Sequence[str]):
    """Tidy comparison: per scenario, outcome and stat (mean/final) the mean, 95 % CI and
    ``n`` of ``n_seeds`` seeds with a value, and the paired (same seeds) difference to
    the first scenario with its CI and ``diff_n``."""
    import pandas as pd

    names = list(groups)
    first = {r.seed: r for r in groups[names[0]]}
    rows = []
    for name in names:
        by_seed = {r.seed: r for r in groups[name]}
        for o in outcomes:
            for stat, suffix in (("average", "mean"), ("final", "final")):
                key = f"{o}_{suffix}"
                m, h, n = ci95([r.summary[key] for r in by_seed.values()])
                row = dict(
                    scenario=name,
                    outcome=o,
                    stat=stat,
                    mean=m,
                    ci_low=m - h,
                    ci_high=m + h,
                    n=n,
                    n_seeds=len(by_seed),
                )
                if name != names[0]:
                    diffs = [
                        by_seed[s].summary[key] - first[s].summary[key]
                        for s in by_seed
                        if s in first
                    ]
                    dm, dh, dn = ci95(diffs)
                    row.update(
                        diff=dm,
                        diff_low=dm - dh,
                        diff_high=dm + dh,
                        diff_n=dn,
                        diff_seeds=len(diffs),
                    )
                rows.append(row)
    return pd.DataFrame(rows)


def _with_n(text: str, n: int, total: int) -> str:
    """``text`` plus ``(n=k of N)`` when only k of N seeds have a value."""
    return text if n >= total else f"{text} (n={int(n)} of {int(total)})"


def _value_cell(r) -> str:
    return _with_n(plus_minus(r["mean"], r["mean"] - r["ci_low"]), r["n"], r["n_seeds"])


def _diff_cell(r) -> str:
    lo, hi = r["diff_low"], r["diff_high"]
    sig = " *" if not math.isnan(lo) and (lo > 0 or hi < 0) else "  "
    return _with_n(
        plus_minus(r["diff"], r["diff"] - lo, signed=True) + sig, r["diff_n"], r["diff_seeds"]
    )


def _compare_long_text(df, names, outcomes) -> str:
    """One block per outcome, one row per scenario and stat: fits a narrow terminal."""
    from incentsim.outcomes import BY_NAME

    blocks = []
    for o in outcomes:
        rows = []
        for n in names:
            for stat in ("average", "final"):
                r = df[(df.outcome == o) & (df.stat == stat) & (df.scenario == n)].iloc[0]
                rows.append(
                    [
                        n if stat == "average" else "",
                        stat,
                        _value_cell(r),
                        "(reference)" if n == names[0] else _diff_cell(r),
                    ]
                )
        blocks.append(
            f"{o} ({BY_NAME[o].unit})\n"
            + table(rows, ["scenario", "stat", "mean ± 95% CI", f"Δ vs {names[0]}"])
        )
    return "\n\n".join(blocks)


def _compare_text(df, names, outcomes) -> str:
    """The wide table (one column per scenario) if it fits the terminal, else one block
    per outcome; every Δ column names the reference scenario."""
    import shutil

    from incentsim.outcomes import BY_NAME

    ref = names[0]
    header = [
        "outcome (unit)",
        "stat",
        *names,
        *[f"Δ {n} vs {ref}" if len(names) > 2 else f"Δ vs {ref}" for n in names[1:]],
    ]
    rows = []
    for o in outcomes:
        for stat in ("average", "final"):
            sub = df[(df.outcome == o) & (df.stat == stat)].set_index("scenario")
            cells = [_value_cell(sub.loc[n]) for n in names]
            cells += [_diff_cell(sub.loc[n]) for n in names[1:]]
            label = f"{o} ({BY_NAME[o].unit})" if stat == "average" else ""
            rows.append([label, stat, *cells])
    wide = table(rows, header)
    width = shutil.get_terminal_size((100, 24)).columns
    if max(map(len, wide.splitlines())) <= width:
        return wide
    return _compare_long_text(df, names, outcomes)
