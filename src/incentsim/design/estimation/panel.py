"""A researcher's leader-year panel (CSV or Stata ``.dta``) in the model's column names.

The mapping names, for each *field* the moments use, the panel's column holding it
(``promoted=prom,growth=gdp_g``). A field not mapped is taken from a column carrying the
field's own name or the model's name for it, if the panel has one; otherwise moments
needing it are reported as not computable. One row per leader-year; growth rates as
fractions a year unless ``percent`` (then growth columns are divided by 100).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from incentsim.analysis.validation.moments import prepare_panel

#: field -> (model column, meaning)
FIELDS: dict[str, tuple[str, str]] = {
    "prefecture": ("prefecture", "prefecture (city) identifier"),
    "province": ("province", "province identifier"),
    "year": ("year", "calendar year"),
    "leader": ("leader_id", "leader identifier (spells, exits, terms)"),
    "promoted": ("promoted", "1 if promoted that year, else 0"),
    "growth": ("gdp_growth_reported", "official real GDP growth of the prefecture"),
    "age": ("age", "leader's age"),
    "insider": ("insider", "1 if locally socialised (not transferred in)"),
    "connected": ("connected", "1 if connected to the provincial leader"),
    "log_gdp": ("log_gdp", "log GDP of the prefecture"),
    "penultimate": ("penultimate", "1 in the year before the leader's turnover (Table 1)"),
    "st_growth": ("innovation_spending_growth", "growth of science & technology spending"),
    "evaluated": ("evaluated", "1 in a year the leader was up for evaluation"),
    "years_in_post": ("years_in_post", "years the leader has held the post"),
    "ability": ("ability", "a measure of leader ability"),
}
REQUIRED = ("prefecture", "province", "year")
BINARY = ("promoted", "insider", "connected", "penultimate", "evaluated")
PERCENT = ("growth", "st_growth")


class PanelError(ValueError):
    """A panel or its mapping cannot be used; the message says what and where."""


def parse_mapping(text: str | None) -> dict[str, str]:
    """``field=column,field=column`` -> ``{field: column}`` (fields checked)."""
    out: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        field, sep, column = (s.strip() for s in item.partition("="))
        if not sep or not field or not column:
            raise PanelError(f"--map entry {item.strip()!r} must look like field=column")
        if field not in FIELDS:
            raise PanelError(f"--map: unknown field {field!r}; fields: {', '.join(FIELDS)}")
        if field in out:
            raise PanelError(f"--map: field {field!r} mapped twice")
        out[field] = column
    return out


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise PanelError(f"no such panel file: {path}")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        if path.suffix.lower() == ".dta":
            return pd.read_stata(path, convert_categoricals=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise PanelError(f"cannot read {path}: {' '.join(str(exc).split())}") from None
    raise PanelError(f"{path}: unsupported panel format {path.suffix!r}; use .csv or .dta")


def _columns(df: pd.DataFrame, mapping: dict[str, str], where: str) -> dict[str, str]:
    """Field -> panel column, from the mapping or a column named for the field."""
    missing = [f"{f}={c}" for f, c in mapping.items() if c not in df.columns]
    if missing:
        shown = ", ".join(map(str, list(df.columns)[:20]))
        raise PanelError(
            f"{where}: mapped column(s) not in the panel: {', '.join(missing)} (columns: {shown})"
        )
    cols = dict(mapping)
    for field, (model_name, _) in FIELDS.items():
        if field not in cols:
            for name in (field, model_name):
                if name in df.columns:
                    cols[field] = name
                    break
    absent = [f for f in REQUIRED if f not in cols]
    if absent:
        raise PanelError(
            f"{where}: no column for required field(s) {', '.join(absent)}; "
            f"map them with --map {absent[0]}=COLUMN"
        )
    return cols


def _checked(out: pd.DataFrame, where: str) -> pd.DataFrame:
    for field in BINARY:
        col = FIELDS[field][0]
        if col in out:
            bad = out[col].dropna()
            bad = bad[~bad.isin([0, 1])]
            if len(bad):
                raise PanelError(f"{where}: {field} must be 0/1, found {bad.iloc[0]!r}")
    for col in out.columns:
        if col not in ("prefecture", "province", "leader_id") and out[col].dtype == object:
            raise PanelError(f"{where}: column for {col} is not numeric")
    if out.duplicated(["prefecture", "year"]).any():
        row = out[out.duplicated(["prefecture", "year"])].iloc[0]
        raise PanelError(
            f"{where}: more than one row for prefecture {row['prefecture']!r} "
            f"in {row['year']!r} (one row per leader-year)"
        )
    return out


def read_panel(
    path: str | Path, mapping: dict[str, str] | None = None, percent: bool = False
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read, map, check and prepare a panel; returns ``(panel, field -> column used)``."""
    p = Path(path)
    df = _read(p)
    cols = _columns(df, dict(mapping or {}), str(p))
    out = pd.DataFrame({FIELDS[f][0]: df[c] for f, c in cols.items()})
    if percent:
        for f in PERCENT:
            if FIELDS[f][0] in out:
                out[FIELDS[f][0]] = out[FIELDS[f][0]] / 100.0
    out = _checked(out, str(p))
    out["arm"], out["seed"] = "data", 0
    return prepare_panel(out), cols
