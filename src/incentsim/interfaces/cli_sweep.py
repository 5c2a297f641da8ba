"""``incentsim sweep``: every point of a sweep spec (a grid or Latin hypercube of lever
values) over its seeds; re-running skips finished runs. Writes ``points.csv`` (per-point
means over seeds) and prints a table of the first outcomes."""

from __future__ import annotations

from typing import Any

from incentsim.interfaces.cli_options import (
    SEEDS_HELP,
    add_run_options,
    add_scenario_options,
    out_dir_of,
    outcomes_of,
    overrides_of,
    runs_dir_of,
)
from incentsim.interfaces.cli_running import execute_tasks, report_failures
from incentsim.interfaces.cli_text import ci95, short, table


def add_command(sub) -> None:
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
    add_scenario_options(
        p, seeds_default=None, seeds_help="override the spec's seeds; " + SEEDS_HELP
    )
    p.add_argument(
        "--out", metavar="DIR", help="where points.csv goes (default: <runs dir>/_sweeps/<name>)"
    )
    add_run_options(p)
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    """``incentsim sweep``: run every point of a sweep spec over its seeds."""
    import pandas as pd

    from incentsim.design.sweep import load_spec, tasks_of
    from incentsim.runs.experiment import ensure_runs_dir, ensure_writable_dir

    spec = load_spec(args.spec)
    if args.seeds:
        from incentsim.runs.ranges import parse_seeds

        spec.seeds = parse_seeds(args.seeds, what="--seeds")
    outcomes = outcomes_of(args)
    points, tasks = tasks_of(spec, overrides_of(args) or None)
    runs_dir = ensure_runs_dir(runs_dir_of(args))
    out = ensure_writable_dir(out_dir_of(args, runs_dir, "sweeps", spec.name))
    results = execute_tasks(args, tasks, skip_done=True)
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
    rows_txt = [[short(v) for v in r] for r in df[show].itertuples(index=False)]
    print()
    print(table(rows_txt, [c.split(".")[-1] if "." in c else c for c in show]))
    print(f"\nPer-point means (over seeds, of each outcome's average): {out / 'points.csv'}")
    return report_failures(results)
