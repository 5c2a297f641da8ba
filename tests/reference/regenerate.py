"""Regenerate the frozen reference outputs -- only on purpose.

``tests/test_reference.py`` holds the model to these files bit for bit
(same columns, same dtypes, exactly equal floats). Regenerate them only when a
change is MEANT to alter baseline behaviour, and say in the commit message
which outputs changed and why::

    cd <repo> && PYTHONPATH=$PWD/src python tests/reference/regenerate.py

It rewrites ``tests/reference/timeseries.parquet`` and ``leaders.parquet``
(every case of ``tests/reference/cases.py`` -- scenarios x seeds at a small
world size with a short horizon -- stacked, with ``case`` and ``seed``
columns first) and prints, per case and table, whether it changed. Adding a
case: extend ``SCENARIOS`` or ``SEEDS`` there and run this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from cases import TABLES, cases, frozen_case, path, run  # noqa: E402


def main() -> None:
    old = {t: pd.read_parquet(path(t)) if path(t).exists() else None for t in TABLES}
    new: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    for name, scenario, seed in cases():
        for table, df in run(scenario, seed).items():
            if old[table] is None:
                status = "new"
            else:
                prev = frozen_case(old[table], name, seed)
                same = prev.equals(df) and list(prev.dtypes) == list(df.dtypes)
                status = "unchanged" if same else "CHANGED"
            print(f"{name} seed {seed} {table}: {status}")
            new[table].append(df.assign(seed=seed, case=name))
    for table, parts in new.items():
        df = pd.concat(parts, ignore_index=True)
        df = df[["case", "seed", *[c for c in df.columns if c not in ("case", "seed")]]]
        df.to_parquet(path(table), index=False, compression="zstd")


if __name__ == "__main__":
    main()
