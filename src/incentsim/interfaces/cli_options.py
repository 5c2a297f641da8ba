"""Command-line options shared by the subcommands, declared once, and bad input.

``incentsim run/compare/sweep/runs`` and the plug-in subcommands (``report``,
``sensitivity``, ``discover``, ``validate``) take the same ``--runs-dir``,
``--progress``, ``--set``, ``--seeds``, ``--outcomes`` and executor options; they are
declared and read here. Bad input is one line on stderr and exit status 2: the
:class:`Parser`'s errors and :class:`UsageError`. Every command's line starts with its
name, ``incentsim COMMAND: ...`` (the parser's own errors: ``incentsim COMMAND: error:
...``). The module imports nothing heavy, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

SEEDS_HELP = (
    "seeds: a count N (seeds 0..N-1), a range A-B (inclusive, e.g. 0-19), "
    "or a list (0,3,7; a single seed 7 is 7-7); each seed at most once, "
    "0..4294967295"
)

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


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2 (no usage dump).

    As a subcommand's parser (``parser_class`` of ``add_subparsers``) it refuses the
    arguments it does not know itself, under its own name (``incentsim runs list: error:
    unrecognized arguments``, not ``incentsim: error: ...``), and the innermost parser's
    name is left in the namespace as ``command_prog``, the prefix of the command's errors.
    A command with subcommands given none is bad input too (:meth:`missing_command`).
    """

    #: the subcommands' action (``add_subparsers``), if the command has subcommands
    commands: Any = None

    def add_subparsers(self, **kwargs):
        self.commands = super().add_subparsers(**kwargs)
        return self.commands

    def missing_command(self, prog: str) -> NoReturn:
        """Refuse a command line naming no subcommand of ``prog`` (``incentsim``, ``incentsim
        runs``), in one line listing the choices, exit status 2; ``--help`` shows them."""
        parser = self
        for word in prog.split()[1:]:
            parser = parser.commands.choices[word]
        names = list(parser.commands.choices)
        what = "command" if parser is self else "subcommand"
        parser.error(f"missing {what}: choose {', '.join(names[:-1])} or {names[-1]}")

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(2)

    def parse_known_args(self, args=None, namespace=None):
        ns, extra = super().parse_known_args(args, namespace)
        if extra:
            self.error(f"unrecognized arguments: {' '.join(extra)}")
        if getattr(ns, "command_prog", None) is None:
            ns.command_prog = self.prog
        return ns, extra


def add_runs_dir(p: argparse.ArgumentParser, fallback: str = "results/runs") -> None:
    """``--runs-dir DIR``: where runs are tracked (read back with :func:`runs_dir_of`);
    ``fallback`` names the directory used when neither it nor ``$INCENTSIM_RUNS_DIR`` is
    given (``incentsim calibrate``: its output directory's ``runs``)."""
    p.add_argument(
        "--runs-dir",
        metavar="DIR",
        help=f"where runs are tracked (default: $INCENTSIM_RUNS_DIR or {fallback})",
    )


def add_progress(p: argparse.ArgumentParser) -> None:
    """``--progress/--no-progress`` (read back with :func:`progress_enabled`)."""
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars on stderr (default: when stderr is a terminal)",
    )


def add_seeds(p: argparse.ArgumentParser, default: str | None, help_: str) -> None:
    """``--seeds SEEDS`` (parse with :func:`incentsim.runs.ranges.parse_seeds`)."""
    p.add_argument("--seeds", default=default, metavar="SEEDS", help=help_)


def seed_type(text: str) -> int:
    """argparse type of a single ``--seed``: a whole number 0..2**32-1
    (:func:`incentsim.runs.ranges.check_seed`)."""
    from incentsim.errors import ScenarioError
    from incentsim.runs.ranges import check_seed

    try:
        return check_seed(int(text))
    except (ValueError, ScenarioError):
        if isinstance(text, str) and text.strip().lstrip("-").isdigit():
            raise argparse.ArgumentTypeError(
                f"a seed is a whole number from 0 to 4294967295, got {text}"
            ) from None
        raise argparse.ArgumentTypeError(f"not a seed: {text!r}") from None


def add_set(p: argparse.ArgumentParser, help_: str | None = None) -> None:
    """``--set KEY=VALUE ...``: scenario overrides."""
    p.add_argument(
        "--set",
        nargs="+",
        action="extend",
        metavar="KEY=VALUE",
        default=[],
        help=help_
        or "override scenario keys, e.g. --set tenure.term_length=7 "
        "world.horizon=20 (an unknown key is an error)",
    )


def add_scenario_options(
    p: argparse.ArgumentParser, *, seeds_default: str | None, seeds_help: str
) -> None:
    """``--seeds``, ``--set`` and ``--outcomes`` (read back with :func:`outcomes_of`) of the
    commands that run scenarios and print a table of their outcomes."""
    add_seeds(p, seeds_default, seeds_help)
    add_set(p)
    p.add_argument(
        "--outcomes",
        metavar="LIST",
        help="outcomes in the table: comma-separated names or 'all' (default: the key outcomes)",
    )


def add_exec(p: argparse.ArgumentParser) -> None:
    """Where runs execute: ``--executor``, ``--scheduler``, ``-j/--jobs``."""
    g = p.add_argument_group("where runs execute")
    g.add_argument(
        "--executor",
        choices=("local", "serial", "dask"),
        default="local",
        help="local: process pool (default); serial: this process; "
        "dask: Dask distributed (a local cluster unless --scheduler)",
    )
    g.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(implies --executor dask)",
    )
    g.add_argument(
        "-j", "--jobs", type=int, default=None, help="worker processes (default: CPUs, at most 8)"
    )


def spec_parser(prog: str, description: str, example: str) -> Parser:
    """The parser of a command driven by a problem spec: its SPEC argument first."""
    p = Parser(prog=prog, description=description)
    p.add_argument("spec", metavar="SPEC", help=f"problem spec, e.g. {example}")
    return p


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The options of every command that makes tracked runs: runs dir, progress, executor."""
    add_runs_dir(p)
    add_progress(p)
    add_exec(p)


def overrides_of(args: argparse.Namespace) -> dict[str, Any]:
    """The scenario overrides of ``--set KEY=VALUE ...`` as a dict."""
    from incentsim.scenario import parse_override

    return dict(parse_override(s) for s in (args.set or []))


def outcomes_of(args: argparse.Namespace) -> tuple[str, ...]:
    """``--outcomes``: the named outcomes, every outcome for ``all``, else
    :data:`KEY_OUTCOMES`; an unknown name is a :class:`UsageError`."""
    from incentsim.outcomes import OUTCOME_NAMES

    choice = args.outcomes
    if not choice:
        return KEY_OUTCOMES
    if choice == "all":
        return OUTCOME_NAMES
    names = tuple(s.strip() for s in choice.split(",") if s.strip())
    bad = [n for n in names if n not in OUTCOME_NAMES]
    if bad:
        raise UsageError(f"unknown outcome(s) {', '.join(bad)}; see incentsim.outcomes")
    return names


def runs_dir_of(args: argparse.Namespace, fallback: Path | None = None) -> Path:
    """``--runs-dir``, else ``$INCENTSIM_RUNS_DIR``, else ``fallback`` (default
    ``results/runs``)."""
    from incentsim.runs.experiment import RUNS_DIR_ENV, default_runs_dir

    if getattr(args, "runs_dir", None):
        return Path(args.runs_dir)
    if fallback is None or os.environ.get(RUNS_DIR_ENV):
        return default_runs_dir()
    return fallback


def check_jobs(args: argparse.Namespace) -> None:
    """``-j/--jobs`` below 1 is a :class:`UsageError`."""
    if getattr(args, "jobs", None) is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")


def out_dir_of(args: argparse.Namespace, runs_dir: Path, kind: str, name: str) -> Path:
    """``--out``, else ``<runs dir>/_<kind>/<name>``: tables and figures follow the runs they
    summarise, so the same analysis in two runs directories never overwrites the other's."""
    return Path(args.out) if getattr(args, "out", None) else runs_dir / f"_{kind}" / name


def progress_enabled(args: argparse.Namespace) -> bool:
    """``--progress`` if given, else whether stderr is a terminal."""
    if getattr(args, "progress", None) is not None:
        return args.progress
    return sys.stderr.isatty()
