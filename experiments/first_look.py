"""First look: do the mechanisms move outcomes the way DESIGN §6 expects.

Runs gdp_tournament, balanced_scorecard and citizen_satisfaction over the same
20 seeds at the scenarios' (default, calibrated) scale and prints the scale, then a
Markdown table of per-run means (95 % t-intervals over seeds) and each scenario's
paired difference to the GDP tournament.

    .venv/bin/python experiments/first_look.py [--seeds 20]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import incentsim
from incentsim.analysis.intervals import mean_ci, paired_diff_ci

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("gdp_tournament", "balanced_scorecard", "citizen_satisfaction")
OUTCOMES = (
    "gdp_growth_true",
    "gdp_growth_reported",
    "manipulation_gap",
    "investment_rate",
    "public_services",
    "pollution",
    "trust_local",
    "trust_central",
    "firm_exit_rate",
)


def run_means(task: tuple[str, int]) -> dict[str, float]:
    """Per-run means of the outcomes for one ``(scenario, seed)``."""
    name, seed = task
    ts = incentsim.simulate(ROOT / "configs" / f"{name}.yaml", seed=seed).timeseries
    return {o: float(ts[o].mean()) for o in OUTCOMES}


def first_look(seeds: int, workers: int = 2) -> dict[str, list[dict[str, float]]]:
    """Each scenario's per-run means on seeds ``0..seeds-1``, in seed order."""
    tasks = [(name, s) for name in SCENARIOS for s in range(seeds)]
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(run_means, tasks))
    return {name: rows[i * seeds : (i + 1) * seeds] for i, name in enumerate(SCENARIOS)}


def table(results: dict[str, list[dict[str, float]]]) -> str:
    """Markdown table: means with intervals, and paired differences to the first scenario."""
    base = SCENARIOS[0]
    head = (
        "| outcome | "
        + " | ".join(SCENARIOS)
        + " | "
        + " | ".join(f"{s} − {base}" for s in SCENARIOS[1:])
        + " |"
    )
    lines = [head, "|" + "---|" * (1 + 2 * len(SCENARIOS) - 1)]
    for o in OUTCOMES:
        cells = []
        for s in SCENARIOS:
            ci = mean_ci([r[o] for r in results[s]])
            cells.append(f"{ci.mean:.4f} [{ci.low:.4f}, {ci.high:.4f}]")
        for s in SCENARIOS[1:]:
            d = paired_diff_ci([r[o] for r in results[s]], [r[o] for r in results[base]])
            mark = "" if d.excludes_zero() else " (n.s.)"
            cells.append(f"{d.mean:+.4f} [{d.low:+.4f}, {d.high:+.4f}]{mark}")
        lines.append(f"| {o} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Print the scale and the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args()
    scales = {
        incentsim.load_scenario(ROOT / "configs" / f"{n}.yaml").world.label() for n in SCENARIOS
    }
    print(f"World: {', '.join(sorted(scales))}; {args.seeds} seeds\n")
    print(table(first_look(args.seeds)))


if __name__ == "__main__":
    main()
