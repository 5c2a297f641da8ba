"""How much memory a scenario's simulation needs, estimated before anything is built.

Every structure whose size grows with the scenario is counted, at the peak bytes
per unit measured on the simulation (resident memory, rounded up; the geography is
sparse, so a prefecture costs the same however many there are). A scenario whose
total is above :data:`MAX_MEMORY_BYTES` is refused by validation, before any
structure is built.
"""

from __future__ import annotations

from typing import NamedTuple


class Structure(NamedTuple):
    """A structure that grows with the scenario: what one unit is, and its bytes."""

    unit: str
    bytes_per_unit: int


#: the large structures of one simulation. Measured (peak RSS over a run, 2026-12):
#: firms ~56 B, citizens ~78 B, a prefecture ~7 kB besides its decision cells
#: (network node and links, Mesa cell, leader agent, state rows, sparse spillovers)
STRUCTURES: dict[str, Structure] = {
    "agents": Structure("firm or citizen", 100),
    "citizen_links": Structure("citizen x neighbour link", 16),
    "decision_cells": Structure("prefecture x candidate plan (about twenty float64 arrays)", 160),
    "leader_years": Structure("leader-year of the panel (kept, then stacked)", 1600),
    "prefectures": Structure("prefecture (graph, Mesa cell, leader, state)", 8000),
}

#: most memory one simulation may need (8 GiB: several runs in parallel still fit a
#: 32 GB machine)
MAX_MEMORY_BYTES = 8 * 2**30


def memory_needs(world, n_candidates: int) -> dict[str, int]:
    """Estimated peak bytes of each structure of :data:`STRUCTURES` for a validated
    ``world`` section and ``behaviour.n_candidates``."""
    n = world.n_provinces * world.prefectures_per_province
    units = {
        "agents": n * (world.firms_per_prefecture + world.citizens_per_prefecture),
        "citizen_links": n * world.citizens_per_prefecture * world.citizen_neighbours,
        "decision_cells": n * n_candidates,
        "leader_years": n * world.horizon,
        "prefectures": n,
    }
    return {k: units[k] * STRUCTURES[k].bytes_per_unit for k in STRUCTURES}


def memory_problem(world, n_candidates: int) -> str | None:
    """A one-line reason if the simulation would need more than :data:`MAX_MEMORY_BYTES`,
    naming the largest structures; ``None`` if it fits."""
    needs = memory_needs(world, n_candidates)
    total = sum(needs.values())
    if total <= MAX_MEMORY_BYTES:
        return None
    parts = ", ".join(
        f"{k.replace('_', ' ')} {v / 2**30:.1f}"
        for k, v in sorted(needs.items(), key=lambda kv: -kv[1])
        if v >= 2**26
    )
    return (
        f"the simulation would need about {total / 2**30:.1f} GiB ({parts} GiB), above "
        f"the limit of {MAX_MEMORY_BYTES / 2**30:g} GiB; use fewer prefectures, agents, "
        "candidate plans or years"
    )
