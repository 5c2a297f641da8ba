"""Columnar state: one numpy array per attribute, one row per agent slot."""

from __future__ import annotations

import numpy as np


def column(name: str, dtype, rows: str):
    """A state column property: reading returns the array; assigning copies into it,
    keeping the dtype and the buffer (views and chunked steps stay valid)."""
    attr = "_" + name

    def get(self):
        return getattr(self, attr)

    def set(self, value):
        getattr(self, attr)[...] = np.asarray(value, dtype=dtype)

    return property(get, set, doc=f"{name} of every {rows} ({np.dtype(dtype).name}).")
