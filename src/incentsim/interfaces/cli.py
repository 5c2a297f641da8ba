"""The ``incentsim`` command line: the console script's entry point, the top-level
parser and the dispatch to each subcommand.

Every simulation it starts is a Sacred-tracked run (see
:mod:`incentsim.runs.experiment`) in the runs directory (``--runs-dir``, else
``$INCENTSIM_RUNS_DIR``, else ``results/runs``). Bad input (missing file, bad
scenario, unknown run id, unwritable runs directory) prints one line to
stderr, ``incentsim COMMAND: ...`` (``incentsim runs show: ...``), and exits with status 2;
so does a command line naming no command (``incentsim``, ``incentsim runs``: the line lists
the choices; ``--help`` shows them explained); failed simulations exit with status 1.

Each built-in subcommand is a module declaring its parser (``add_command``) beside its
body: :mod:`~incentsim.interfaces.cli_run`, :mod:`~incentsim.interfaces.cli_compare`,
:mod:`~incentsim.interfaces.cli_sweep`, :mod:`~incentsim.interfaces.cli_runs` and
:mod:`~incentsim.interfaces.cli_rules`. Subcommands owned by other modules plug in
through :data:`PLUGINS`: the module must define ``main(argv: list[str]) -> int``; it
receives the arguments after the subcommand name and is imported only when used.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from incentsim.interfaces import cli_compare, cli_rules, cli_run, cli_runs, cli_sweep
from incentsim.interfaces.cli_options import Parser, UsageError, check_jobs

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


def build_parser() -> Parser:
    """The argument parser of ``incentsim`` and its sub-commands."""
    ap = Parser(
        prog="incentsim",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Simulate, compare and browse promotion-rule scenarios for "
        "China's local officials. Every run is tracked with Sacred.",
        epilog=EPILOG,
    )
    from incentsim import __version__

    ap.add_argument("--version", action="version", version=f"incentsim {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    for command in (cli_run, cli_compare, cli_sweep, cli_runs, cli_rules):
        command.add_command(sub)

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

    command = argv[0] if argv and argv[0] in PLUGINS else ""
    prog = _prog(command)  # what its errors start with
    try:
        if command:
            return _plugin(command, argv[1:])
        parser = build_parser()
        args = parser.parse_args(argv)
        command, prog = args.command or "", args.command_prog
        if not getattr(args, "func", None):
            parser.missing_command(prog)
        check_jobs(args)
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        print(f"{prog}: {exc.one_line()}", file=sys.stderr)
    except (UsageError, UnknownRun) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
    except BrokenPipeError:  # e.g. piped into `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        msg = str(exc) if not exc.filename else f"{exc.strerror}: {exc.filename}"
        print(f"{prog}: {msg}", file=sys.stderr)
    except KeyboardInterrupt as exc:
        print(interrupted_message(command), file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    return 2


def _prog(command: str) -> str:
    """``incentsim COMMAND``, the start of the command's error lines (``incentsim`` when
    no command was given)."""
    return f"incentsim {command}" if command else "incentsim"


#: commands that skip the runs they finished before when re-run
RESUMING = ("compare", "sweep", "sensitivity", "discover")


def interrupted_message(command: str) -> str:
    """What an interrupted ``command`` tells the user: only the commands of
    :data:`RESUMING` complete an interrupted job when re-run."""
    if command in RESUMING:
        return (
            f"{_prog(command)}: interrupted; finished runs are kept: re-run the same {command} "
            "to complete it (finished runs are skipped)"
        )
    return (
        f"{_prog(command)}: interrupted; finished runs are kept in the runs directory "
        f"(re-running '{command or 'incentsim'}' starts every run again)"
    )


if __name__ == "__main__":  # pragma: no cover
    entry()
