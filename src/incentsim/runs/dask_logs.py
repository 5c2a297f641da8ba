"""One message Dask logs after an interruption that is not an error of the runs.

``distributed.utils.sync`` (up to at least 2026.8) answers Ctrl-C or SIGTERM during a
wait by scheduling a ``cancel`` callback on its event loop. When the interruption comes
before the awaited call has started, that callback reads a variable not yet set, and
tornado logs the resulting ``NameError`` with a traceback — after the interruption has
been handled and the runs in flight have stored themselves. Users would see a traceback
under ``incentsim: interrupted``; :func:`hide_sync_cancel_race` drops exactly that
record (a ``NameError`` raised in ``cancel`` of ``distributed/utils.py``) and nothing else.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import PurePath

TORNADO_LOGGER = "tornado.application"


class SyncCancelRace(logging.Filter):
    """Rejects the record of Dask's ``sync.cancel`` ``NameError``; passes all others."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info
        if not exc or not isinstance(exc[1], NameError) or exc[2] is None:
            return True
        last = traceback.extract_tb(exc[2])[-1]
        where = PurePath(last.filename)
        in_sync = where.name == "utils.py" and where.parent.name == "distributed"
        return not (in_sync and last.name == "cancel")


def hide_sync_cancel_race() -> None:
    """Install :class:`SyncCancelRace` on tornado's application logger (once)."""
    logger = logging.getLogger(TORNADO_LOGGER)
    if not any(isinstance(f, SyncCancelRace) for f in logger.filters):
        logger.addFilter(SyncCancelRace())
