"""``incentsim runs``: browse the tracked runs of a runs directory in the terminal
(``list`` with filters, ``show`` one run, ``compare`` two runs' configurations and
outcomes). The same runs in the browser: :mod:`incentsim.interfaces.runs_app`."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from incentsim.interfaces.cli_options import (
    Parser,
    UsageError,
    add_runs_dir,
    runs_dir_of,
)
from incentsim.interfaces.cli_text import short, table


def _count(text: str) -> int:
    """A whole number >= 0 (for ``--limit``)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (all) or more, got {n}")
    return n


def add_command(sub) -> None:
    """The ``runs`` command and its ``list``, ``show`` and ``compare`` subcommands."""
    p = sub.add_parser(
        "runs",
        help="browse tracked runs: list, show ID, compare ID ID",
        description="Browse the tracked runs in the runs directory.",
    )
    rs = p.add_subparsers(dest="runs_command", metavar="list|show|compare", parser_class=Parser)
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
    add_runs_dir(q)
    q.set_defaults(func=cmd_runs_list)
    q = rs.add_parser("show", help="config, outcomes and artifacts of one run")
    q.add_argument("id", metavar="ID")
    add_runs_dir(q)
    q.set_defaults(func=cmd_runs_show)
    q = rs.add_parser("compare", help="diff the configs and outcomes of two runs")
    q.add_argument("a", metavar="ID")
    q.add_argument("b", metavar="ID")
    add_runs_dir(q)
    q.set_defaults(func=cmd_runs_compare)


# --------------------------------------------------------------------------- list


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
        short(r.get("gdp_growth_true_mean", math.nan)),
        short(r.get("trust_local_final", math.nan)),
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


# --------------------------------------------------------------------------- show, compare


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
                short(summary.get(f"{o}_mean", math.nan)),
                short(summary.get(f"{o}_final", math.nan)),
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
        rows.append([o, short(x), short(y), short(y - x)])
    print("\noutcomes (average over years):")
    print(
        table(
            rows, ["outcome", f"run {a['id']}", f"run {b['id']}", f"run {b['id']} − run {a['id']}"]
        )
    )
    return 0
