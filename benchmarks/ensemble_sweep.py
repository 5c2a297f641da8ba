"""Members of a sweep stepped as one model against one model per member, in one process.

    INCENTSIM_THREADS=1 python benchmarks/ensemble_sweep.py --scale small -k 16

K points of a term-length x audit-intensity grid on ``configs/gdp_tournament.yaml``
(sweeps/term_vs_audit.yaml's levers, with leaders' career value and cost of faking
varied too, as sweeps/lhs_uncertainty.yaml does), one seed each: every member differs
from the others in its parameters. (a) steps each member as a model of its own (how
:func:`incentsim.ensemble.run_group` stepped members differing in a parameter before
they could be vectorised); (b) steps all K as one model. Both are timed by the CPU time
of this process, alternated ``--repeat`` times (a, b, a, b, ...); prints runs per
core-second of each and their ratio, and whether every member of (b) equals its (a) run.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from incentsim.api import run_members
from incentsim.scenario import load_scenario

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "gdp_tournament.yaml"


def members(scale: str, k: int) -> list:
    """K scenarios of the grid, all at ``scale``."""
    grid = itertools.product((3, 5, 7, 8), (0.0, 0.2, 0.4, 0.6), (2.0, 3.5), (40.0, 80.0))
    return [
        load_scenario(
            CONFIG,
            {
                "world.scale": scale,
                "tenure.term_length": term,
                "accountability.statistical_audit.intensity": audit,
                "behaviour.career_value": career,
                "behaviour.manipulation_cost": cost,
            },
        )
        for term, audit, career, cost in itertools.islice(grid, k)
    ]


def main() -> None:
    """Measure (a) and (b), alternated, and print both and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("-k", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    scs = members(args.scale, args.k)
    seeds = list(range(len(scs)))
    run_members(scs[:1], seeds[:1])  # warm-up: imports, caches, worker threads
    alone_s, together_s = [], []
    for _ in range(args.repeat):
        t = time.process_time()
        alone = [run_members([sc], [s])[0] for sc, s in zip(scs, seeds, strict=True)]
        alone_s.append(time.process_time() - t)
        t = time.process_time()
        together = run_members(scs, seeds)
        together_s.append(time.process_time() - t)
    same = all(
        a.timeseries.equals(b.timeseries) and a.leaders.equals(b.leaders)
        for a, b in zip(alone, together, strict=True)
    )
    k = len(scs)
    for a, b in zip(alone_s, together_s, strict=True):
        print(
            f"{args.scale} K={k}: one model per member {k / a:.2f} runs/core-s, "
            f"one model {k / b:.2f} runs/core-s, speed-up {a / b:.2f}x"
        )
    print(f"identical: {same}")


if __name__ == "__main__":
    main()
