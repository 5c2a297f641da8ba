"""``incentsim report``: one self-contained HTML file comparing scenarios.

::

    incentsim compare configs/gdp_tournament.yaml configs/balanced_scorecard.yaml --seeds 10
    incentsim report --compare-last                 # the runs of that compare
    incentsim report 861-880 --out brief.html       # or any tracked runs, by id

Runs are grouped by scenario name (the first scenario is the reference). The
page says what was run (scenarios, what differs between them, seeds, run ids,
code version, every configuration as YAML), gives a table of each outcome's
average and final value with 95 % t-intervals over seeds and the paired
(same-seed) difference to the reference, and embeds the figures as PNG
(``data:`` URIs): outcomes over time and the leader panel (budget allocation
over the term, promotion against relative reported growth). It loads nothing
from outside the file and prints on paper.

Bad input (an unknown run id, no runs, an unwritable output) prints one line
on stderr and returns 2.

This module is the command line (:func:`main`, :func:`write_report`); the report's parts
live beside it: :mod:`~incentsim.analysis.report_runs` (which runs, grouped by
scenario), :mod:`~incentsim.analysis.report_table` (the outcome table and its HTML),
:mod:`~incentsim.analysis.report_figures` (the figures) and
:mod:`~incentsim.analysis.report_html` (the page).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from incentsim.analysis.report_html import render
from incentsim.analysis.report_runs import ReportError, last_compare, load_groups, parse_ids
from incentsim.interfaces.cli_options import Parser, add_runs_dir

PROG = "incentsim report"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim report``."""
    ap = Parser(
        prog=PROG,
        description="Write one self-contained HTML report (figures "
        "embedded) comparing the scenarios of tracked runs.",
        epilog="examples:\n  incentsim report --compare-last\n"
        "  incentsim report 861-880 --out brief.html\n"
        "  incentsim report 12,15 20-29 --figures-dir figs/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "ids", nargs="*", metavar="RUN_IDS", help="run ids: 12, 12-20 (inclusive) or 3,5,9-11"
    )
    ap.add_argument(
        "--compare-last",
        action="store_true",
        help="the runs of the most recent 'incentsim compare' in the runs "
        "directory (added to any RUN_IDS)",
    )
    add_runs_dir(ap)
    ap.add_argument(
        "--out",
        metavar="PATH",
        help="the HTML file (default: results/reports/report-<timestamp>.html)",
    )
    ap.add_argument("--title", help="title of the report")
    ap.add_argument(
        "--figures-dir", metavar="DIR", help="also save each figure as report_<name>.png in DIR"
    )
    return ap


def write_report(
    ids: Sequence[int],
    runs_dir: Path,
    out: Path,
    *,
    order: Sequence[str] = (),
    title: str | None = None,
    figures_dir: Path | None = None,
    source: str = "",
) -> Path:
    """Write the HTML report on runs ``ids`` to ``out`` (figures too if asked)."""
    groups, notes = load_groups(runs_dir, ids, order)
    text, figs = render(groups, notes, title=title, runs_dir=runs_dir, source=source)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        if figures_dir is not None:
            figures_dir.mkdir(parents=True, exist_ok=True)
            for fid, _, png in figs:
                (figures_dir / f"report_{fid}.png").write_bytes(png)
    except OSError as exc:
        raise ReportError(
            f"cannot write the report: {exc.strerror or exc}: {exc.filename or out}"
        ) from None
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``incentsim report``; returns the exit status (2 on bad input)."""
    from incentsim.interfaces.cli_options import runs_dir_of

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        runs_dir = runs_dir_of(args)
        if not runs_dir.is_dir():
            raise ReportError(f"no runs directory {runs_dir}")
        ids = parse_ids(args.ids)
        order: list[str] = []
        source = ""
        if args.compare_last:
            last, order = last_compare(runs_dir)
            ids = list(dict.fromkeys([*last, *ids]))
            source = " (the latest 'incentsim compare')"
        if not ids:
            raise ReportError("no runs given: pass RUN_IDS or --compare-last")
        out = (
            Path(args.out)
            if args.out
            else Path("results/reports")
            / (f"report-{datetime.now().strftime('%Y%m%d-%H%M%S')}.html")
        )
        write_report(
            ids,
            runs_dir,
            out,
            order=order,
            title=args.title,
            figures_dir=Path(args.figures_dir) if args.figures_dir else None,
            source=source,
        )
    except ReportError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, or the parser's one-line error (status 2)
        return int(exc.code or 0)
    print(f"Report: {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
