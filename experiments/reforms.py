"""The seeds' reforms (DESIGN §8), each against the tournament it is added to.

    .venv/bin/python experiments/reforms.py                 # 30 seeds, province scale
    .venv/bin/python experiments/reforms.py --seeds 20 --executor dask

Runs ``incentsim compare`` (every run tracked in results/runs, or --runs-dir) on
gdp_tournament and the four reform scenarios at ``province`` scale (the scale the
model is calibrated at), on the same seeds, and writes to results/experiments/reforms/
the comparison (table.csv, figure.png) and reforms.md: the README's results table,
paired differences against gdp_tournament with 95 % t-intervals over seeds, and what
each reform costs in true growth and in budget (its yearly set-up and running costs
over the recorded years, as a share of tax revenue, from the scenario's parameters).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from incentsim.interfaces import cli
from incentsim.rules.accountability import MECHANISMS
from incentsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "experiments" / "reforms"
BASE = "gdp_tournament"
REFORMS = ("service_halls", "cadre_capacity", "big_data_monitoring", "regulatory_consistency")
#: outcome -> (column label, scale to the shown unit, decimals)
SHOWN = {
    "satisfaction": ("satisfaction (0-1)", 1.0, 3),
    "trust_local": ("local trust (0-1)", 1.0, 3),
    "public_services": ("public services (index)", 1.0, 3),
    "manipulation_gap": ("manipulation gap (pp/yr)", 100.0, 2),
    "protected_share": ("protected firms (pp)", 100.0, 2),
    "firm_exit_rate": ("firm exit (pp/yr)", 100.0, 2),
    "gdp_growth_true": ("true growth (pp/yr)", 100.0, 2),
}


def budget_cost(name: str, horizon: int) -> float:
    """Mean yearly cost of reform ``name`` over the recorded years, share of tax revenue
    (the mechanism's own transfers with a revenue of 1; transfers fund the next year)."""
    params = dict(load_scenario(ROOT / "configs" / f"{name}.yaml").mechanisms())[name]
    mech = MECHANISMS[name](params, rng=np.random.default_rng(0))  # the costs draw nothing
    years = range(horizon)
    return (
        -sum(
            float(mech.transfers(SimpleNamespace(year=y, state=SimpleNamespace(revenue=1.0))))
            for y in years
        )
        / horizon
    )


def markdown(table: pd.DataFrame, seeds: int, horizon: int) -> str:
    """The README's reforms table from compare's ``table.csv``, with its note."""
    avg = table[table["stat"] == "average"].set_index(["scenario", "outcome"])
    head = ["reform", *(label for label, _, _ in SHOWN.values()), "budget (% of revenue/yr)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in REFORMS:
        cells = [f"`{name}`"]
        for outcome, (_, scale, dec) in SHOWN.items():
            d, lo, hi = (
                scale * avg.loc[(name, outcome), k] for k in ("diff", "diff_low", "diff_high")
            )
            cells.append(f"{d:+.{dec}f} [{lo:+.{dec}f}, {hi:+.{dec}f}]")
        cells.append(f"{100 * budget_cost(name, horizon) + 0.0:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    note = (
        f"Paired differences against `{BASE}` (mean over {horizon} recorded years, "
        f"95 % t-interval over {seeds} seeds, `province` scale); made by "
        "`experiments/reforms.py`."
    )
    lines += ["", note]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the comparison, then write and print ``reforms.md``."""
    configs = [str(ROOT / "configs" / f"{n}.yaml") for n in (BASE, *REFORMS)]
    code = cli.main(
        [
            "compare",
            *configs,
            "--seeds",
            "30",
            "--out",
            str(OUT),
            "--outcomes",
            ",".join(SHOWN),
            "--set",
            "world.scale=province",
            *argv,
        ]
    )
    if code != 0:
        return code
    table = pd.read_csv(OUT / "table.csv")
    seeds = int(table["n"].max())
    horizon = load_scenario(configs[0]).world.horizon
    text = markdown(table, seeds, horizon)
    (OUT / "reforms.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
