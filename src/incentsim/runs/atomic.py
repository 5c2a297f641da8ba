"""The one atomic, durable file writer.

Every file incentsim keeps (run files, artifacts, done markers, result caches,
figures and tables written by commands) is written to a temporary file beside
its destination and renamed onto it once its bytes are on disk, so a reader,
a crash, an interruption or a power loss sees the old file or the new one,
never a torn or empty one.
"""

from __future__ import annotations

import contextlib
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
    it onto ``dest``. Any failure or interruption leaves no temporary file."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        yield tmp
        replace_durably(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(dest: str | Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` atomically and durably."""
    with written_atomically(dest) as tmp:
        Path(tmp).write_bytes(data)


def write_text(dest: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``dest`` atomically and durably."""
    write_bytes(dest, text.encode("utf-8"))
