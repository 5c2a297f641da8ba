"""The model reproduces its frozen reference outputs bit for bit.

The frozen files (``tests/reference/*.parquet``) hold the timeseries and the
leader-year panel of a few scenarios x seeds at a small world size
(``tests/reference/cases.py``). A refactor must keep them exactly: same
columns in the same order, same dtypes, equal values (floats compared exactly;
NaN only where the frozen file has NaN). A change meant to alter behaviour
regenerates them deliberately with ``tests/reference/regenerate.py`` and names
what changed in its commit message.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

_spec = importlib.util.spec_from_file_location(
    "reference_cases", Path(__file__).parent / "reference" / "cases.py"
)
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

_frozen: dict[str, pd.DataFrame] = {}


def frozen(table: str) -> pd.DataFrame:
    if table not in _frozen:
        _frozen[table] = pd.read_parquet(cases.path(table))
    return _frozen[table]


def differences(expected: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    """Every way ``got`` differs from ``expected`` (empty: bit for bit equal)."""
    if list(got.columns) != list(expected.columns):
        return [f"columns differ: expected {list(expected.columns)}, got {list(got.columns)}"]
    if len(got) != len(expected):
        return [f"{len(got)} rows, expected {len(expected)}"]
    out = []
    for col in expected.columns:
        e, g = expected[col].to_numpy(), got[col].to_numpy()
        if e.dtype != g.dtype:
            out.append(f"{col}: dtype {g.dtype}, expected {e.dtype}")
            continue
        same = (e == g) | (pd.isna(e) & pd.isna(g)) if e.dtype.kind == "f" else e == g
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            out.append(
                f"{col}: {int((~same).sum())} value(s) differ, first at row {i}: "
                f"got {g[i]!r}, expected {e[i]!r}"
            )
    return out


@pytest.mark.parametrize(
    "name,scenario,seed", [pytest.param(*c, id=f"{c[0]}-seed{c[2]}") for c in cases.cases()]
)
def test_model_reproduces_frozen_outputs(name, scenario, seed):
    produced = cases.run(scenario, seed)
    problems = []
    for table in cases.TABLES:
        expected = cases.frozen_case(frozen(table), name, seed)
        assert len(expected), f"no frozen {table} for {name} seed {seed}: run regenerate.py"
        problems += [f"{table} {p}" for p in differences(expected, produced[table])]
    assert not problems, "\n".join(problems)


def test_comparison_catches_a_one_ulp_change_and_a_dtype_change():
    ts = cases.frozen_case(frozen("timeseries"), "gdp_tournament", 0)
    assert differences(ts, ts.copy()) == []
    nudged = ts.copy()
    nudged.loc[3, "pollution"] = np.nextafter(nudged.loc[3, "pollution"], np.inf)
    assert differences(ts, nudged) == [
        f"pollution: 1 value(s) differ, first at row 3: got {nudged.loc[3, 'pollution']!r}, "
        f"expected {ts.loc[3, 'pollution']!r}"
    ]
    retyped = ts.astype({"year": "float64"})
    assert differences(ts, retyped) == ["year: dtype float64, expected int64"]
