"""Headline study: every shipped scenario x 30 seeds, tracked, compared.

    .venv/bin/python experiments/promotion_rules.py                # all configs, 30 seeds
    .venv/bin/python experiments/promotion_rules.py --seeds 5 --executor dask

Runs are tracked in results/runs (or --runs-dir); the comparison table and the
figure go to results/experiments/promotion_rules/. The first scenario
(gdp_tournament, the pre-2008 baseline) is the reference for the differences.
"""

from __future__ import annotations

import sys
from pathlib import Path

from incentsim.interfaces import cli

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "gdp_tournament.yaml"


def main(argv: list[str]) -> int:
    """Run ``incentsim compare`` on every shipped scenario, the baseline first."""
    configs = sorted((ROOT / "configs").glob("*.y*ml")) + sorted((ROOT / "configs").glob("*.toml"))
    configs.sort(key=lambda p: p.name != BASELINE)  # baseline first
    args = [
        "compare",
        *map(str, configs),
        "--seeds",
        "30",
        "--out",
        str(ROOT / "results" / "experiments" / "promotion_rules"),
        *argv,
    ]
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
