"""The ``incentsim`` command line.

Every simulation it starts is a Sacred-tracked run (see
:mod:`incentsim.runs.experiment`) in the runs directory (``--runs-dir``, else
``$INCENTSIM_RUNS_DIR``, else ``results/runs``). Bad input (missing file, bad
scenario, unknown run id, unwritable runs directory) prints one line to
stderr and exits with status 2; failed simulations exit with status 1.

Subcommands owned by other modules plug in through :data:`PLUGINS`: the
module must define ``main(argv: list[str]) -> int``; it receives the
arguments after the subcommand name and is imported only when used.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from incentsim.interfaces.cli_options import (
    SEEDS_HELP,
    Parser as _Parser,
    add_exec,
    add_progress,
    add_runs_dir,
    add_seeds,
    add_set,
    out_dir_of,
    progress_enabled,
    runs_dir_of,
)

#: subcommand -> module with ``main(argv) -> int`` (imported lazily)
PLUGINS = {
    "init": ("incentsim.shipped", "copy the shipped scenarios, sweeps and specs into a folder"),
    "bench": ("incentsim.interfaces.bench", "benchmarks: speed and scaling of the simulation"),
    "validate": (
        "incentsim.analysis.validation.command",
        "check the stylized facts and calibration moments",
    ),
    "app": (
        "incentsim.interfaces.app",
        "interactive model explorer in the browser (Mesa SolaraViz)",
    ),
    "report": (
        "incentsim.analysis.scenario_report",
        "self-contained HTML report comparing scenarios of tracked runs",
    ),
    "sensitivity": (
        "incentsim.design.exploratory.sensitivity",
        "global sensitivity of a problem spec (SALib Sobol / Morris)",
    ),
    "discover": (
        "incentsim.design.exploratory.discovery",
        "scenario discovery on a problem spec (PRIM, EMA workbench)",
    ),
    "optimize": (
        "incentsim.design.exploratory.optimize",
        "many-objective search for the best designs of a problem spec "
        "(EMA workbench, epsilon-NSGA-II)",
    ),
    "moments": (
        "incentsim.design.estimation.moments_cmd",
        "calibration moments of a real leader-year panel (CSV/Stata), beside a scenario",
    ),
    "calibrate": (
        "incentsim.design.estimation.calibrate",
        "estimate behavioural parameters on the real record (simulated moments)",
    ),
}

#: outcomes of the summary tables unless --outcomes all
KEY_OUTCOMES = (
    "gdp_growth_true",
    "gdp_growth_reported",
    "manipulation_gap",
    "investment_rate",
    "tfp_growth",
    "public_services",
    "pollution",
    "debt_to_gdp",
    "satisfaction",
    "trust_local",
    "selection_quality",
)


class UsageError(Exception):
    """Bad input: one line to stderr, exit status 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption so runs in flight are stored as INTERRUPTED."""

    signum = 15


def _on_sigterm(signum, frame):  # noqa: ARG001
    import signal

    signal.signal(signum, signal.SIG_IGN)  # once: let the interruption be recorded
    raise Terminated()


def _install_signal_handlers():
    """SIGTERM -> :class:`Terminated`; returns a function restoring the old handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = signal.signal(signal.SIGTERM, _on_sigterm)
    return lambda: signal.signal(signal.SIGTERM, old)


# --------------------------------------------------------------------------- helpers


def _overrides(items: Sequence[str] | None) -> dict[str, Any]:
    from incentsim.scenario import parse_override

    return dict(parse_override(s) for s in (items or []))


def ci95(values: Sequence[float]) -> tuple[float, float, int]:
    """Mean, half-width of the 95 % t-interval, n (non-finite values dropped), from
    the shared :func:`incentsim.analysis.intervals.mean_ci`."""
    from incentsim.analysis.intervals import mean_ci

    iv = mean_ci([math.nan if v is None else float(v) for v in values])
    return iv.mean, iv.high - iv.mean, iv.n


def _fmt(mean: float, half: float, signed: bool = False) -> str:
    if math.isnan(mean):
        return "n/a"
    m = f"{mean:+.4g}" if signed else f"{mean:.4g}"
    return m if math.isnan(half) else f"{m} ± {half:.2g}"


def table(rows: list[list[str]], header: list[str]) -> str:
    """Plain fixed-width table (first column left-aligned, others right)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(r, widths))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _outcome_list(choice: str | None) -> tuple[str, ...]:
    from incentsim.outcomes import OUTCOME_NAMES

    if not choice:
        return KEY_OUTCOMES
    if choice == "all":
        return OUTCOME_NAMES
    names = tuple(s.strip() for s in choice.split(",") if s.strip())
    bad = [n for n in names if n not in OUTCOME_NAMES]
    if bad:
        raise UsageError(f"unknown outcome(s) {', '.join(bad)}; see incentsim.outcomes")
    return names


class _Progress:
    """tqdm bars over runs (and years when runs are in this process)."""

    def __init__(self, total_runs: int, enabled: bool, years: int | None) -> None:
        from tqdm import tqdm

        self.enabled = enabled
        self.runs = tqdm(
            total=total_runs,
            desc="runs",
            unit="run",
            disable=not enabled,
            file=sys.stderr,
            position=0,
            leave=True,
        )
        self.years = (
            tqdm(
                total=years,
                desc="years",
                unit="yr",
                disable=not enabled,
                file=sys.stderr,
                position=1,
                leave=False,
            )
            if years
            else None
        )
        self.failed = 0

    def year(self, done: int, total: int) -> None:
        if self.years is not None:
            if done == 1:
                self.years.reset(total=total)
            self.years.update(1)

    def result(self, r) -> None:
        self.failed += 0 if r.ok else 1
        self.runs.update(1)
        if self.failed:
            self.runs.set_postfix(failed=self.failed)

    def close(self) -> None:
        if self.years is not None:
            self.years.close()
        self.runs.close()


def _execute(args, tasks, *, skip_done=False):
    from incentsim.runs.executors import execute

    executor = "dask" if getattr(args, "scheduler", None) else args.executor
    serial = executor == "serial" or (executor == "local" and (args.jobs == 1 or len(tasks) <= 1))
    years = None
    if serial and tasks:
        w = tasks[0].scenario["world"]
        years = int(w["burn_in"]) + int(w["horizon"])
    bar = _Progress(len(tasks), progress_enabled(args), years)
    try:
        return execute(
            tasks,
            runs_dir_of(args),
            executor=executor,
            jobs=args.jobs,
            scheduler=args.scheduler,
            skip_done=skip_done,
            on_result=bar.result,
            year_progress=bar.year,
            keep_timeseries=True,
        )
    finally:
        bar.close()


def _report_failures(results) -> int:
    failed = [r for r in results if not r.ok]
    for r in failed[:10]:
        print(f"FAILED {r.scenario} seed {r.seed}: {r.error}", file=sys.stderr)
    if len(failed) > 10:
        print(f"... and {len(failed) - 10} more failed runs", file=sys.stderr)
    return 1 if failed else 0


def _id_span(ids: Sequence[str | None]) -> str:
    nums = sorted(int(i) for i in ids if i is not None and str(i).isdigit())
    if not nums:
        return "none"
    if nums == list(range(nums[0], nums[-1] + 1)):
        return f"{nums[0]}" if len(nums) == 1 else f"{nums[0]}-{nums[-1]}"
    return ",".join(map(str, nums[:12])) + (" ..." if len(nums) > 12 else "")


def _load_scenarios(configs: Sequence[str], overrides: dict[str, Any]):
    """Validate every config first (one ScenarioError per file, all before running)."""
    from incentsim.scenario import load_scenario

    scenarios = [load_scenario(c, overrides) for c in configs]
    names = [s.name for s in scenarios]
    for i, (s, c) in enumerate(zip(scenarios, configs)):
        if names.count(s.name) > 1:  # two files with one name: tell them apart
            scenarios[i] = (
                load_scenario(s, {"name": f"{s.name}[{Path(c).stem}]"})
                if Path(c).stem != s.name
                else load_scenario(s, {"name": f"{s.name}#{i + 1}"})
            )
    return scenarios


# --------------------------------------------------------------------------- run


def cmd_run(args) -> int:
    """``incentsim run``: simulate one scenario over the seeds, tracked with Sacred."""
    from incentsim.runs.executors import Task
    from incentsim.runs.ranges import parse_seeds

    seeds = parse_seeds(args.seeds, what="--seeds")
    outcomes = _outcome_list(args.outcomes)
    from incentsim.api import default_scenario_path

    (sc,) = _load_scenarios([args.config or str(default_scenario_path())], _overrides(args.set))
    runs_dir = runs_dir_of(args)
    from incentsim.runs.experiment import ensure_runs_dir

    ensure_runs_dir(runs_dir)
    if args.figures:
        return _run_with_figures(sc, seeds, runs_dir, outcomes)
    results = _execute(args, [Task.of(sc, s) for s in seeds])
    ok = [r for r in results if r.ok]
    print(
        f"{len(ok)} of {len(results)} runs of '{sc.name}' (seeds {_seed_text(seeds)}, "
        f"{sc.world.label()}) tracked in {runs_dir}/ "
        f"(run ids {_id_span([r.run_id for r in results])})"
    )
    if ok:
        print()
        print(_summary_table({sc.name: ok}, outcomes))
    return _report_failures(results)


def _run_with_figures(sc, seeds, runs_dir, outcomes) -> int:
    from incentsim.runs.executors import TaskResult
    from incentsim.runs.experiment import run_tracked

    results = []
    for s in seeds:
        rid, res = run_tracked(sc, s, runs_dir, figures=True)
        results.append(TaskResult("", s, sc.name, rid, res.summary(), res.timeseries))
        print(f"run {rid}: figure {runs_dir / rid / 'outcomes.png'}")
    print(_summary_table({sc.name: results}, outcomes))
    return 0


def _seed_text(seeds: Sequence[int]) -> str:
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ",".join(map(str, seeds))


def _summary_table(groups, outcomes) -> str:
    from incentsim.outcomes import BY_NAME

    rows = []
    for results in groups.values():
        for o in outcomes:
            avg = ci95([r.summary[f"{o}_mean"] for r in results])
            fin = ci95([r.summary[f"{o}_final"] for r in results])
            rows.append([o, BY_NAME[o].unit, _fmt(avg[0], avg[1]), _fmt(fin[0], fin[1])])
    return table(rows, ["outcome", "unit", "average ± 95% CI", "final year ± 95% CI"])


# --------------------------------------------------------------------------- compare


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
    return _with_n(_fmt(r["mean"], r["mean"] - r["ci_low"]), r["n"], r["n_seeds"])


def _diff_cell(r) -> str:
    lo, hi = r["diff_low"], r["diff_high"]
    sig = " *" if not math.isnan(lo) and (lo > 0 or hi < 0) else "  "
    return _with_n(_fmt(r["diff"], r["diff"] - lo, signed=True) + sig, r["diff_n"], r["diff_seeds"])


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
    scenarios = _load_scenarios(args.configs, _overrides(args.set))
    outcomes = _outcome_list(args.outcomes)
    runs_dir = ensure_runs_dir(runs_dir_of(args))
    names = [s.name for s in scenarios]
    out = ensure_writable_dir(
        out_dir_of(
            args, runs_dir, "compare", "_vs_".join(names)[:120] + f"_seeds{_seed_text(seeds)}"
        )
    )
    results = _execute(
        args, _compare_tasks(args, scenarios, seeds), skip_done=True
    )  # re-running resumes, as sweep does
    record_compare(runs_dir, names, results)
    groups = {n: [r for r in results if r.ok and r.scenario == n] for n in names}
    empty = [n for n, g in groups.items() if not g]
    if empty:
        _report_failures(results)
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
    return _report_failures(results)


def _print_compare(args, df, names, outcomes, results, runs_dir, scales, seeds) -> None:
    """The compare command's summary: runs made and reused, the table and how to read it."""
    from incentsim.analysis.plots import seeds_text

    reused = sum(r.skipped for r in results)
    print(
        f"{len(names)} scenarios x {seeds_text(len(seeds))} ({_seed_text(seeds)}) at "
        f"{scales}:\n{sum(r.ok for r in results) - reused} run now, {reused} already "
        f"finished (reused); {sum(r.ok for r in results)} runs tracked in {runs_dir}/ "
        f"(run ids {_id_span([r.run_id for r in results])})"
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


# --------------------------------------------------------------------------- sweep


def cmd_sweep(args) -> int:
    """``incentsim sweep``: run every point of a sweep spec over its seeds."""
    import pandas as pd

    from incentsim.design.sweep import load_spec, tasks_of
    from incentsim.runs.experiment import ensure_runs_dir, ensure_writable_dir

    spec = load_spec(args.spec)
    if args.seeds:
        from incentsim.runs.ranges import parse_seeds

        spec.seeds = parse_seeds(args.seeds, what="--seeds")
    outcomes = _outcome_list(args.outcomes)
    points, tasks = tasks_of(spec, _overrides(args.set) or None)
    runs_dir = ensure_runs_dir(runs_dir_of(args))
    out = ensure_writable_dir(out_dir_of(args, runs_dir, "sweeps", spec.name))
    results = _execute(args, tasks, skip_done=True)
    skipped = sum(r.skipped for r in results)
    ran = sum(r.ok and not r.skipped for r in results)
    failed = sum(not r.ok for r in results)
    rows = []
    for pt in points:
        mine = [r for r, t in zip(results, tasks) if t.info["point"] == pt.index and r.ok]
        row: dict[str, Any] = {"point": pt.index, **pt.levers, "runs": len(mine)}
        for o in outcomes:
            m, h, _ = ci95([r.summary[f"{o}_mean"] for r in mine])
            row[o] = m
            row[f"{o}_ci"] = h
        row["run_ids"] = " ".join(str(r.run_id) for r in mine)
        rows.append(row)
    df = pd.DataFrame(rows)
    df.to_csv(out / "points.csv", index=False)
    scales = list(dict.fromkeys(pt.scenario.world.label() for pt in points))
    print(
        f"sweep '{spec.name}' ({spec.method}): {len(points)} points x {len(spec.seeds)} seeds "
        f"= {len(tasks)} runs at {', '.join(scales) if len(scales) < 3 else 'several scales'}"
        f": {ran} run now, {skipped} already finished (skipped), {failed} failed; "
        f"tracked in {runs_dir}/"
    )
    show = ["point", *spec.levers, "runs", *outcomes[:4]]
    rows_txt = [[_short(v) for v in r] for r in df[show].itertuples(index=False)]
    print()
    print(table(rows_txt, [c.split(".")[-1] if "." in c else c for c in show]))
    print(f"\nPer-point means (over seeds, of each outcome's average): {out / 'points.csv'}")
    return _report_failures(results)


def _short(v: Any) -> str:
    if isinstance(v, float):
        return "n/a" if math.isnan(v) else f"{v:.4g}"
    return str(v)


# --------------------------------------------------------------------------- runs


def _run_row(r: dict[str, Any]) -> list[str]:
    """One line of ``incentsim runs list``."""
    started = r.get("start_time")
    sweep = r.get("sweep")
    return [
        str(r["run_id"]),
        str(r.get("status")),
        started.strftime("%Y-%m-%d %H:%M:%S")
        if started is not None and not isinstance(started, float)
        else "",
        str(r.get("variant")),
        str(r.get("rule")),
        str(r.get("seed")),
        "" if sweep in (None, "") or sweep != sweep else str(sweep),
        _short(r.get("gdp_growth_true_mean", math.nan)),
        _short(r.get("trust_local_final", math.nan)),
    ]


def cmd_runs_list(args) -> int:
    """``incentsim runs list``: one line per tracked run, filtered."""
    from incentsim.errors import ScenarioError
    from incentsim.runs.results import load_runs

    runs_dir = runs_dir_of(args)
    if not runs_dir.is_dir():
        raise UsageError(f"no runs directory {runs_dir}")
    try:
        runs, _ = load_runs(
            runs_dir,
            scenario=args.scenario,
            rule=args.rule,
            status=args.status.upper() if args.status else None,
            sweep=args.sweep,
            since=args.since,
            until=args.until,
        )
    except ScenarioError as exc:
        ((key, msg),) = exc.problems
        raise UsageError(f"--{key}: {msg}" if key in ("since", "until") else msg) from None
    total = len(runs)
    runs = runs.tail(args.limit) if args.limit else runs
    rows = [_run_row(r) for r in runs.to_dict("records")]
    print(
        table(
            rows,
            [
                "id",
                "status",
                "started",
                "variant (scenario@config)",
                "rule",
                "seed",
                "sweep",
                "growth avg",
                "trust final",
            ],
        )
    )
    print(
        f"{total} matching run(s) in {runs_dir}/"
        + (f"; showing the last {len(runs)} (--limit)" if total > len(runs) else "")
    )
    return 0


def _plain(value: Any) -> str:
    """A config value as text: strings as they are, lists and mappings as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _get_run(args, run_id: str):
    from incentsim.errors import UnknownRun
    from incentsim.runs.results import load_run

    try:
        return load_run(runs_dir_of(args), run_id)
    except UnknownRun as exc:
        raise UsageError(str(exc)) from None


def cmd_runs_show(args) -> int:
    """``incentsim runs show``: one run's status, scenario and outcomes."""
    import yaml

    from incentsim.outcomes import BY_NAME, OUTCOME_NAMES

    r = _get_run(args, args.id)
    run, info, cfg = r["run"], r["info"], r["config"]
    print(f"run {r['id']}  {run.get('status')}  {r['dir']}")
    print(f"started {run.get('start_time')}  stopped {run.get('stop_time')}")
    print(
        f"scenario {info.get('scenario', cfg.get('name'))}  rule "
        f"{info.get('rule', cfg.get('promotion', {}).get('rule'))}  seed {cfg.get('seed')}  "
        f"mechanisms {', '.join(info.get('mechanisms', [])) or 'none'}"
    )
    if info.get("sweep"):
        print(f"sweep {info['sweep']} point {info.get('point')}  levers {info.get('levers')}")
    if run.get("fail_trace"):
        print("failed: " + str(run["fail_trace"][-1]).strip())
    print("\nconfig:")
    print("  " + yaml.safe_dump(cfg, sort_keys=False).rstrip().replace("\n", "\n  "))
    summary = info.get("summary") or {}
    if summary:
        rows = [
            [
                o,
                BY_NAME[o].unit,
                _short(summary.get(f"{o}_mean", math.nan)),
                _short(summary.get(f"{o}_final", math.nan)),
            ]
            for o in OUTCOME_NAMES
        ]
        print("\noutcomes:")
        print(table(rows, ["outcome", "unit", "average", "final"]))
    print("\nartifacts:")
    for name, p in r["artifacts"].items():
        print(f"  {name}: {p}")
    print(f"  metrics (per year): {r['dir'] / 'metrics.json'}")
    return 0


def cmd_runs_compare(args) -> int:
    """``incentsim runs compare``: two runs' configurations and outcomes side by side."""
    from incentsim.outcomes import OUTCOME_NAMES
    from incentsim.scenario import flatten

    a, b = _get_run(args, args.a), _get_run(args, args.b)
    fa, fb = flatten(a["config"]), flatten(b["config"])
    diff = [
        [k, _plain(fa.get(k, "—")), _plain(fb.get(k, "—"))]
        for k in sorted(set(fa) | set(fb))
        if fa.get(k, "—") != fb.get(k, "—")
    ]
    print(f"config differences, run {a['id']} vs run {b['id']}:")
    print(
        table(diff, ["key", f"run {a['id']}", f"run {b['id']}"])
        if diff
        else "  (identical configs)"
    )
    sa, sb = a["info"].get("summary") or {}, b["info"].get("summary") or {}
    rows = []
    for o in OUTCOME_NAMES:
        x, y = sa.get(f"{o}_mean", math.nan), sb.get(f"{o}_mean", math.nan)
        rows.append([o, _short(x), _short(y), _short(y - x)])
    print("\noutcomes (average over years):")
    print(
        table(
            rows, ["outcome", f"run {a['id']}", f"run {b['id']}", f"run {b['id']} − run {a['id']}"]
        )
    )
    return 0


# --------------------------------------------------------------------------- rules


def cmd_rules(args) -> int:
    """``incentsim rules``: the registered promotion rules and mechanisms (or every parameter)."""
    from incentsim.rules.accountability import MECHANISMS
    from incentsim.rules.promotion import PROMOTION_RULES

    if getattr(args, "parameters", False):
        from incentsim.rules.catalog import behavioural_numbers

        print("\n".join(behavioural_numbers()))
        return 0

    for title, reg in (
        ("Promotion rules (promotion.rule)", PROMOTION_RULES),
        ("Accountability mechanisms (accountability.<name>)", MECHANISMS),
    ):
        print(title)
        for cls in reg:
            print(f"  {cls.name:<36} {cls.description}")
            print(f"  {'':<36} source: {cls.source}")
        print()
    print(
        "Behavioural numbers (economy, behaviour) and rule-specific promotion parameters: "
        "incentsim rules --parameters"
    )
    return 0


# --------------------------------------------------------------------------- parser


EPILOG = """\
typical workflow:
  incentsim rules                                   # what can be compared
  incentsim run configs/gdp_tournament.yaml --seeds 0-9 --set tenure.term_length=7
  incentsim compare configs/gdp_tournament.yaml configs/balanced_scorecard.yaml --seeds 20
  incentsim sweep sweeps/term_vs_audit.yaml         # re-run to resume
  incentsim runs list --scenario gdp_tournament     # browse what was run
  incentsim runs show 12 ; incentsim runs compare 12 31

runs are Sacred FileStorageObserver directories under --runs-dir
(default $INCENTSIM_RUNS_DIR or results/runs); load them in Python with
incentsim.runs.results.load_runs().
"""


def _add_common(p, *, seeds_default: str | None, seeds_help: str) -> None:
    add_seeds(p, seeds_default, seeds_help)
    add_set(p)
    p.add_argument(
        "--outcomes",
        metavar="LIST",
        help="outcomes in the table: comma-separated names or 'all' (default: the key outcomes)",
    )


def _add_runs_dir(p) -> None:
    add_runs_dir(p)
    add_progress(p)


def _count(text: str) -> int:
    """A whole number >= 0 (for ``--limit``)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (all) or more, got {n}")
    return n


def _add_run_command(sub) -> None:
    """The ``run`` command: one scenario over seeds, tracked."""
    p = sub.add_parser(
        "run",
        help="run one scenario over seeds, tracked",
        description="Run CONFIG (YAML or TOML) once per seed; each run is "
        "tracked. Prints where the runs went and a summary table.",
    )
    p.add_argument(
        "config",
        metavar="CONFIG",
        nargs="?",
        default=None,
        help="scenario file or shipped name, e.g. configs/gdp_tournament.yaml or "
        "gdp_tournament (default: china_2000s, the 2000-07 historical baseline)",
    )
    _add_common(p, seeds_default="1", seeds_help=SEEDS_HELP + " (default: 1, i.e. seed 0)")
    p.add_argument(
        "--figures",
        action="store_true",
        help="also draw each run's outcomes and store outcomes.png as an artifact",
    )
    _add_runs_dir(p)
    add_exec(p)
    p.set_defaults(func=cmd_run)


def _add_compare_command(sub) -> None:
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
    _add_common(p, seeds_default="10", seeds_help=SEEDS_HELP + " (default: 10, i.e. 0..9)")
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
    _add_runs_dir(p)
    add_exec(p)
    p.set_defaults(func=cmd_compare)


def _add_sweep_command(sub) -> None:
    """The ``sweep`` command: a grid or Latin hypercube of lever values x seeds."""
    p = sub.add_parser(
        "sweep",
        help="grid or Latin hypercube over lever ranges x seeds",
        description="Run every point of the sweep SPEC (YAML; see "
        "sweeps/*.yaml) x seeds; re-running skips finished runs.",
    )
    p.add_argument(
        "spec",
        metavar="SPEC",
        help="sweep spec or shipped name, e.g. sweeps/term_vs_audit.yaml or term_vs_audit",
    )
    _add_common(p, seeds_default=None, seeds_help="override the spec's seeds; " + SEEDS_HELP)
    p.add_argument(
        "--out", metavar="DIR", help="where points.csv goes (default: <runs dir>/_sweeps/<name>)"
    )
    _add_runs_dir(p)
    add_exec(p)
    p.set_defaults(func=cmd_sweep)


def _add_runs_command(sub) -> None:
    """The ``runs`` command and its ``list``, ``show`` and ``compare`` subcommands."""
    p = sub.add_parser(
        "runs",
        help="browse tracked runs: list, show ID, compare ID ID",
        description="Browse the tracked runs in the runs directory.",
    )
    rs = p.add_subparsers(dest="runs_command", metavar="list|show|compare", parser_class=_Parser)
    q = rs.add_parser("list", help="list runs (filters combine)")
    q.add_argument("--scenario", help="scenario name, e.g. gdp_tournament")
    q.add_argument("--rule", help="promotion rule, e.g. balanced_scorecard")
    q.add_argument(
        "--status", help="COMPLETED, FAILED, INTERRUPTED, INCOMPLETE, RUNNING, QUEUED or TIMEOUT"
    )
    q.add_argument("--sweep", help="sweep name")
    q.add_argument("--since", metavar="DATE", help="started on or after, e.g. 2025-01-31")
    q.add_argument("--until", metavar="DATE", help="started on or before, e.g. 2025-02-28")
    q.add_argument("--limit", type=_count, default=50, help="show the last N (default 50; 0: all)")
    _add_runs_dir(q)
    q.set_defaults(func=cmd_runs_list)
    q = rs.add_parser("show", help="config, outcomes and artifacts of one run")
    q.add_argument("id", metavar="ID")
    _add_runs_dir(q)
    q.set_defaults(func=cmd_runs_show)
    q = rs.add_parser("compare", help="diff the configs and outcomes of two runs")
    q.add_argument("a", metavar="ID")
    q.add_argument("b", metavar="ID")
    _add_runs_dir(q)
    q.set_defaults(func=cmd_runs_compare)


def _add_rules_command(sub) -> None:
    """The ``rules`` command: the registry of rules and mechanisms."""
    p = sub.add_parser(
        "rules",
        help="promotion rules and accountability mechanisms",
        description="Every promotion rule and mechanism in the registry with "
        "its description and source.",
    )
    p.add_argument(
        "--parameters",
        action="store_true",
        help="list every behavioural number instead (economy, behaviour: default, "
        "bounds, meaning, unit, source) and which promotion parameters "
        "belong to which rule",
    )
    p.set_defaults(func=cmd_rules)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim`` and its sub-commands."""
    ap = _Parser(
        prog="incentsim",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Simulate, compare and browse promotion-rule scenarios for "
        "China's local officials. Every run is tracked with Sacred.",
        epilog=EPILOG,
    )
    from incentsim import __version__

    ap.add_argument("--version", action="version", version=f"incentsim {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    _add_run_command(sub)
    _add_compare_command(sub)
    _add_sweep_command(sub)
    _add_runs_command(sub)
    _add_rules_command(sub)

    for name, (_, text) in PLUGINS.items():
        sub.add_parser(name, help=text, add_help=False)
    return ap


def _plugin(name: str, argv: list[str]) -> int:
    import importlib

    module, _ = PLUGINS[name]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            raise UsageError(
                f"'incentsim {name}' is not available: module {module} is "
                "not installed in this version"
            ) from None
        raise
    return int(mod.main(argv) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``incentsim`` console script; returns the exit status.

    SIGTERM is handled like Ctrl-C: the run in flight is stored as INTERRUPTED,
    finished runs are kept, and the exit status is 143 (130 for Ctrl-C).
    """
    restore = _install_signal_handlers()
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:  # before a command started (loading the model)
        print("incentsim: interrupted", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    finally:
        restore()


def entry() -> None:
    """The ``incentsim`` console script: :func:`main`, then exit with its status.

    Once the command has finished, an interruption arriving while the
    interpreter shuts down is ignored (its work is done) instead of printing a
    traceback.
    """
    import signal

    code = main()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(code)


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from incentsim.errors import ScenarioError, UnknownRun

    try:
        if argv and argv[0] in PLUGINS:
            return _plugin(argv[0], argv[1:])
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            if args.command == "runs":
                parser.parse_args(["runs", "--help"])
            parser.print_help()
            return 2
        if getattr(args, "jobs", None) is not None and args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        print(f"incentsim: {exc.one_line()}", file=sys.stderr)
    except (UsageError, UnknownRun) as exc:
        print(f"incentsim: {exc}", file=sys.stderr)
    except BrokenPipeError:  # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        msg = str(exc) if not exc.filename else f"{exc.strerror}: {exc.filename}"
        print(f"incentsim: {msg}", file=sys.stderr)
    except KeyboardInterrupt as exc:
        print(interrupted_message(argv[0] if argv else ""), file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    return 2


#: commands that skip the runs they finished before when re-run
RESUMING = ("compare", "sweep", "sensitivity", "discover")


def interrupted_message(command: str) -> str:
    """What an interrupted ``command`` tells the user: only the commands of
    :data:`RESUMING` complete an interrupted job when re-run."""
    if command in RESUMING:
        return (
            f"incentsim: interrupted; finished runs are kept: re-run the same {command} "
            "to complete it (finished runs are skipped)"
        )
    return (
        "incentsim: interrupted; finished runs are kept in the runs directory "
        f"(re-running '{command or 'incentsim'}' starts every run again)"
    )


if __name__ == "__main__":  # pragma: no cover
    entry()
