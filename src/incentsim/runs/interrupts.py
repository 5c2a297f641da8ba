"""Holding Ctrl-C and SIGTERM over a stretch of code that must not be cut short.

A tracked run holds interruptions while Sacred starts and stops it (its
heartbeat thread must not be interrupted half-started, and a finished run is
stored and marked done as a whole) and lets them through while the model runs;
a process pool holds them until every worker is up. An interruption then
always ends as an ``INTERRUPTED`` run or lands between runs.

Why handlers and not a signal mask: the operating system may run a signal's
low-level handler in any thread that does not block it (a progress-bar or
heartbeat thread), while Python always runs the signal's handler in the main
thread. Masking the main thread therefore does not hold a signal; replacing its
Python handler does. While held, SIGINT and SIGTERM are recorded; when the hold
ends, the previous handlers are restored and each recorded signal is raised
again, so it is handled as if it had just arrived. Only the main thread can set
handlers: elsewhere both context managers do nothing.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class _Hold:
    saved: dict[int, Any]  # signal.getsignal's handlers
    pending: list[int] = field(default_factory=list)

    def record(self, signum, frame) -> None:  # noqa: ARG002
        self.pending.append(signum)

    def install_recorder(self) -> None:
        for s, old in self.saved.items():
            if old is not signal.SIG_IGN:  # an ignored signal stays ignored
                signal.signal(s, self.record)

    def restore_and_replay(self) -> None:
        for s, old in self.saved.items():
            signal.signal(s, old)
        pending, self.pending = list(dict.fromkeys(self.pending)), []
        for s in pending:
            signal.raise_signal(s)


_HOLDS: list[_Hold] = []


def in_main_thread() -> bool:
    """Whether this is the main thread (the only one that can set handlers)."""
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Record Ctrl-C and SIGTERM in this block; deliver them when it ends."""
    if not in_main_thread():
        yield
        return
    # a handler not set from Python (getsignal gives None) is left alone
    hold = _Hold({s: h for s in SIGNALS if (h := signal.getsignal(s)) is not None})
    hold.install_recorder()
    _HOLDS.append(hold)
    try:
        yield
    finally:
        _HOLDS.pop()
        hold.restore_and_replay()


@contextlib.contextmanager
def delivered() -> Iterator[None]:
    """Inside :func:`held`: let Ctrl-C and SIGTERM through in this block
    (first delivering any recorded so far); hold them again when it ends."""
    if not _HOLDS or not in_main_thread():
        yield
        return
    hold = _HOLDS[-1]
    hold.restore_and_replay()
    try:
        yield
    finally:
        hold.install_recorder()


@contextlib.contextmanager
def ignored_by_children() -> Iterator[None]:
    """Processes started in this block (a local Dask cluster's) ignore Ctrl-C.

    A terminal's Ctrl-C goes to every process of its group; the cluster's would
    die at once, mid-run and with tracebacks, while it is this process that
    stops their runs. An ignored signal stays ignored in a child, so SIGINT is
    ignored while the cluster starts; a Ctrl-C in those seconds is lost.
    """
    if not in_main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
