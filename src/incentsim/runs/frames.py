"""Tables of a tracked run written as Parquet files, cheaply.

``DataFrame.to_parquet`` converts every column through pandas' generic machinery and
builds the pandas metadata of the file anew for every frame; for the small tables of a
run (a timeseries of some 40 rows, a leader panel of some 1,600) that was most of the
time a tracked run spent storing itself. :func:`write_parquet` writes the same table:
the columns' arrays as they are, with the schema (types and pandas metadata, which
depend on the columns and their dtypes, not on the rows) built once per column layout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: the Arrow schema ``DataFrame.to_parquet(index=False)`` gives a frame, per column layout
_SCHEMAS: dict[tuple[tuple[str, str], ...], pa.Schema] = {}


def _columns(df: pd.DataFrame) -> tuple[tuple[tuple[str, str], ...], list[np.ndarray]] | None:
    """The column layout of ``df`` (names and numpy dtypes) and its columns' arrays, or
    ``None`` when a column is not a plain numpy number or boolean (or the frame has
    ``attrs``, which pandas also stores): such a frame is converted by pandas. The arrays
    are taken from the frame's blocks (``DataFrame._iter_column_arrays``, as pandas'
    own writers do), not through a ``Series`` per column (20 us each); a pandas without it
    converts the frame itself."""
    if df.attrs or not df.columns.is_unique:
        return None
    cols = list(df.columns)
    if not all(type(c) is str for c in cols):
        return None
    column_arrays = getattr(df, "_iter_column_arrays", None)  # private: pandas may drop it
    if column_arrays is None:
        return None
    arrays = list(column_arrays())
    if not all(type(a) is np.ndarray and a.dtype.kind in "biuf" for a in arrays):
        return None
    return tuple(zip(cols, (a.dtype.str for a in arrays), strict=True)), arrays


def parquet_table(df: pd.DataFrame) -> pa.Table:
    """The Arrow table ``df.to_parquet(path, index=False)`` writes (equal, metadata
    included)."""
    columns = _columns(df)
    if columns is None:
        return pa.Table.from_pandas(df, preserve_index=False)
    layout, arrays = columns
    schema = _SCHEMAS.get(layout)
    if schema is None:
        schema = pa.Table.from_pandas(df.iloc[:0], preserve_index=False).schema
        _SCHEMAS[layout] = schema
    return pa.Table.from_arrays([pa.array(a, from_pandas=True) for a in arrays], schema=schema)


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` to ``path`` as ``df.to_parquet(path, index=False)`` does (read back,
    the same frame), faster: :func:`parquet_table`, Snappy-compressed, with dictionary
    encoding for the columns that are not floats (a float column rarely repeats a value:
    trying to encode it as a dictionary cost over a quarter of the writing and made the
    file larger)."""
    table = parquet_table(df)
    words = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    pq.write_table(table, str(path), compression="snappy", use_dictionary=words)
