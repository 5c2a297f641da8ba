"""The one atomic, durable file writer.

Every file incentsim keeps (run files, artifacts, done markers, result caches,
figures and tables written by commands) is written to a temporary file beside
its destination and renamed onto it once its bytes are on disk, so a reader,
a crash, an interruption or a power loss sees the old file or the new one,
never a torn or empty one.

Inside :func:`staged`, writes share their durability (a tracked batch stores the runs
that finished between two simulated years as one :class:`Commit`): each file is still
written to its temporary name, but the flush to disk before the renames, and again
after them, is done once for all the files of the commit (one ``syncfs`` of their
filesystem where Linux offers it, else an ``fsync`` of each file and directory), and
the renames happen in phases (what is renamed in a later phase reaches the disk only
after everything of an earlier one).
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
    it onto ``dest`` (inside :func:`staged`: when the commit is applied). Any failure
    or interruption leaves no temporary file."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    staging = _COMMITS.stack[-1] if getattr(_COMMITS, "stack", None) else None
    try:
        yield tmp
        if staging is None:
            replace_durably(tmp, dest)
        else:
            staging[0].stage(tmp, dest, staging[1])
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
    """Atomic writes staged to be renamed together, in phases (see :func:`staged`)."""

    def __init__(self) -> None:
        self.renames: dict[Path, tuple[Path, int]] = {}  # tmp -> (dest, phase), in order
        self.onto: dict[Path, Path] = {}  # dest -> its staged tmp (to find nested writes)
        self.unflushed: list[Path] = []  # directories of renames not yet on disk

    def __bool__(self) -> bool:
        return bool(self.renames)

    def stage(self, tmp: Path, dest: Path, phase: int = 0) -> None:
        """Rename ``tmp`` onto ``dest`` in ``phase`` when the commit is applied (a later
        write of the same file replaces the earlier one). A write staged onto ``tmp``
        itself (an atomic write nested in another's) is renamed straight onto ``dest``."""
        while tmp in self.onto:  # found through a dict: a batch stages hundreds of files
            inner = self.onto.pop(tmp)
            del self.renames[inner]
            tmp = inner
        old = self.renames.pop(tmp, None)
        if old is not None and self.onto.get(old[0]) == tmp:
            del self.onto[old[0]]
        self.renames[tmp] = (dest, phase)
        self.onto[dest] = tmp

    def apply(self, durable: bool = True) -> None:
        """Flush every staged file, then rename phase by phase, each phase flushed; the
        commit is then empty again.

        ``durable=False`` leaves the last phase's renames unflushed: no file is ever torn
        (each reached the disk before its rename), but a crash may undo those renames; the
        next commit flushes them first. For files whose loss costs nothing (a run's
        start)."""
        renames, self.renames, self.onto = self.renames, {}, {}
        if not renames:
            return
        phases: dict[int, list[tuple[Path, Path]]] = {}
        for tmp, (dest, phase) in renames.items():
            phases.setdefault(phase, []).append((tmp, dest))
        replaced: list[int] = []
        try:
            _flush([*renames, *self.unflushed])
            self.unflushed = []
            last = max(phases)
            for k in sorted(phases):
                for tmp, dest in phases[k]:
                    _hold(dest, replaced)
                    os.replace(tmp, dest)
                dirs = [dest.parent for _, dest in phases[k]]
                if durable or k != last:
                    _flush(dirs)
                else:
                    self.unflushed = dirs
        except BaseException:
            for tmp in renames:
                tmp.unlink(missing_ok=True)
            raise
        finally:
            _close_later(replaced)


def _hold(dest: Path, held: list[int]) -> None:
    """Open the file a rename is about to replace (if any), so that the rename does not
    delete it: freeing a file's blocks waits on the filesystem's journal (ext4: 1-4 ms
    on a busy disk, measured; a batch replaces each run's ``run.json``). It is deleted
    when :func:`_close_later` closes it, off the path of the run. POSIX only (Windows
    cannot rename onto an open file)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):  # none there: the rename makes a new file
        held.append(os.open(dest, os.O_RDONLY))


def _close_later(fds: list[int]) -> None:
    """Close ``fds`` in a thread (deleting the replaced files they keep)."""
    if fds:
        threading.Thread(target=_close_all, args=(fds,), daemon=True).start()


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


@contextlib.contextmanager
def staged(commit: Commit, phase: int = 0) -> Iterator[Commit]:
    """Atomic writes in this block (this thread's) are staged into ``phase`` of
    ``commit`` instead of renamed at once: they become visible, and durable, when its
    owner applies it (every file flushed once, then renamed phase by phase, each
    phase flushed: a later phase reaches the disk after an earlier one)."""
    stack = _COMMITS.__dict__.setdefault("stack", [])
    stack.append((commit, phase))
    try:
        yield commit
    finally:
        stack.pop()


def write_bytes(dest: str | Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` atomically and durably."""
    with written_atomically(dest) as tmp:
        Path(tmp).write_bytes(data)


def write_text(dest: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``dest`` atomically and durably."""
    write_bytes(dest, text.encode("utf-8"))
