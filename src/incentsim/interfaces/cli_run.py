"""``incentsim run``: one scenario over seeds, each run tracked with Sacred; prints where
the runs went and a table of the outcomes' means with 95 % intervals over seeds
(``--figures``: each run's outcomes drawn and stored as an artifact)."""

from __future__ import annotations

from incentsim.interfaces.cli_options import (
    SEEDS_HELP,
    add_run_options,
    add_scenario_options,
    outcomes_of,
    overrides_of,
    runs_dir_of,
)
from incentsim.interfaces.cli_running import execute_tasks, load_scenarios, report_failures
from incentsim.interfaces.cli_text import ci95, id_span, plus_minus, seed_text, table


def add_command(sub) -> None:
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
    add_scenario_options(p, seeds_default="1", seeds_help=SEEDS_HELP + " (default: 1, i.e. seed 0)")
    p.add_argument(
        "--figures",
        action="store_true",
        help="also draw each run's outcomes and store outcomes.png as an artifact",
    )
    add_run_options(p)
    p.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    """``incentsim run``: simulate one scenario over the seeds, tracked with Sacred."""
    from incentsim.runs.executors import Task
    from incentsim.runs.ranges import parse_seeds

    seeds = parse_seeds(args.seeds, what="--seeds")
    outcomes = outcomes_of(args)
    from incentsim.api import default_scenario_path

    (sc,) = load_scenarios([args.config or str(default_scenario_path())], overrides_of(args))
    runs_dir = runs_dir_of(args)
    from incentsim.runs.experiment import ensure_runs_dir

    ensure_runs_dir(runs_dir)
    if args.figures:
        return _run_with_figures(sc, seeds, runs_dir, outcomes)
    results = execute_tasks(args, [Task.of(sc, s) for s in seeds])
    ok = [r for r in results if r.ok]
    print(
        f"{len(ok)} of {len(results)} runs of '{sc.name}' (seeds {seed_text(seeds)}, "
        f"{sc.world.label()}) tracked in {runs_dir}/ "
        f"(run ids {id_span([r.run_id for r in results])})"
    )
    if ok:
        print()
        print(_summary_table({sc.name: ok}, outcomes))
    return report_failures(results)


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


def _summary_table(groups, outcomes) -> str:
    from incentsim.outcomes import BY_NAME

    rows = []
    for results in groups.values():
        for o in outcomes:
            avg = ci95([r.summary[f"{o}_mean"] for r in results])
            fin = ci95([r.summary[f"{o}_final"] for r in results])
            rows.append(
                [o, BY_NAME[o].unit, plus_minus(avg[0], avg[1]), plus_minus(fin[0], fin[1])]
            )
    return table(rows, ["outcome", "unit", "average ± 95% CI", "final year ± 95% CI"])
