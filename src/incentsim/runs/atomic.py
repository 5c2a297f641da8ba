"""The one atomic, durable file writer.

Every file incentsim keeps (run files, artifacts, done markers, result caches,
figures and tables written by commands) is written to a temporary file beside
its destination and renamed onto it once its bytes are on disk, so a reader,
a crash, an interruption or a power loss sees the old file or the new one,
never a torn or empty one.

Inside :func:`committed`, writes share their durability (a tracked batch stores each
finished run as one commit): each file is still written to its temporary name, but
the flush to disk before the renames, and again after them, is done once for all
the files of the commit (one ``syncfs`` of their filesystem where Linux offers it,
else an ``fsync`` of each file and directory), and the renames happen in the order
the files were written, in phases separated by :meth:`Commit.barrier` (what is
renamed after a barrier reaches the disk only after everything before it).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from collections.abc import Iterator
from pathlib import Path


def _fsync(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(tmp: str | Path, dest: str | Path) -> None:
    """Rename ``tmp`` onto ``dest`` once its bytes are on disk, then make the rename
    itself durable: after a crash or power loss, ``dest`` is the old file or the
    new one, never a torn or empty one (fsync of the file, rename, fsync of the
    directory)."""
    _fsync(tmp)
    os.replace(tmp, dest)
    _fsync(Path(dest).parent)


@contextlib.contextmanager
def written_atomically(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest`` to write; then :func:`replace_durably`
    it onto ``dest`` (inside :func:`committed`: when the commit ends). Any failure
    or interruption leaves no temporary file."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    commit = _COMMITS.stack[-1] if getattr(_COMMITS, "stack", None) else None
    try:
        yield tmp
        if commit is None:
            replace_durably(tmp, dest)
        else:
            commit.stage(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _syncfs(path: Path) -> bool:
    """Flush the whole filesystem holding ``path`` to disk (Linux ``syncfs``); ``False``
    where that is not available (then each file is flushed on its own)."""
    if _LIBC is None:
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        if _LIBC.syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(path))
    finally:
        os.close(fd)
    return True


def _flush(paths: list[Path]) -> None:
    """Every file or directory of ``paths`` on disk: one ``syncfs`` per filesystem
    where possible, else one ``fsync`` each."""
    done: set[int] = set()
    for p in dict.fromkeys(paths):
        dev = os.stat(p).st_dev
        if dev not in done and not _syncfs(p):
            _fsync(p)
            continue
        done.add(dev)


def _libc():
    try:
        lib = ctypes.CDLL(None, use_errno=True)
        return lib if hasattr(lib, "syncfs") else None
    except OSError:  # pragma: no cover - no C library to load
        return None


_LIBC = _libc()
_COMMITS = threading.local()


class Commit:
    """Atomic writes staged to be renamed together (see :func:`committed`)."""

    def __init__(self) -> None:
        self.phases: list[list[tuple[Path, Path]]] = [[]]

    def stage(self, tmp: Path, dest: Path) -> None:
        """Rename ``tmp`` onto ``dest`` when the commit ends (a later write of the same
        file replaces the earlier one, in the later phase)."""
        for phase in self.phases:
            phase[:] = [(t, d) for t, d in phase if t != tmp]
        self.phases[-1].append((tmp, dest))

    def barrier(self) -> None:
        """What is written from now on reaches the disk after what was written before."""
        if self.phases[-1]:
            self.phases.append([])

    def apply(self) -> None:
        """Flush every staged file, then rename phase by phase, each phase flushed."""
        staged = [pair for phase in self.phases for pair in phase]
        if not staged:
            return
        try:
            _flush([tmp for tmp, _ in staged])
            for phase in self.phases:
                for tmp, dest in phase:
                    os.replace(tmp, dest)
                _flush([dest.parent for _, dest in phase])
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Remove the temporary files not renamed."""
        for phase in self.phases:
            for tmp, _ in phase:
                tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def committed() -> Iterator[Commit]:
    """Writes in this block (this thread's) become visible and durable together when it
    ends: files staged, flushed once, renamed in order. A failure or interruption in
    the block renames nothing and leaves no temporary file."""
    stack = _COMMITS.__dict__.setdefault("stack", [])
    commit = Commit()
    stack.append(commit)
    try:
        yield commit
    except BaseException:
        stack.pop()
        commit.discard()
        raise
    stack.pop()
    commit.apply()


def write_bytes(dest: str | Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` atomically and durably."""
    with written_atomically(dest) as tmp:
        Path(tmp).write_bytes(data)


def write_text(dest: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``dest`` atomically and durably."""
    write_bytes(dest, text.encode("utf-8"))
