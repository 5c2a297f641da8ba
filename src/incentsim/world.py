"""Geography: provinces, prefectures and the graph that links them.

Prefectures of a province form a ring with one chord per prefecture (near
neighbours and a shortcut, like a small-world lattice); provinces are linked in
a ring and by ``world.cross_province_links`` random extra links per province.
The graph carries spillovers (growth, pollution), yardstick peers and trust
contagion. Spillovers are a sparse row-normalised adjacency matrix: memory grows
with the links (about three per prefecture), not with the square of the number of
prefectures. Positions place each province on a large circle and its
prefectures on a small one, for drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import sparse


@dataclass
class Geography:
    """Provinces, prefectures and the network linking them."""

    graph: nx.Graph
    province: np.ndarray  # prefecture -> province index
    positions: dict[int, tuple[float, float]]
    #: row-normalised adjacency (N x N, sparse CSR): ``spillover @ x`` is each prefecture's
    #: neighbour mean of ``x`` (0 for a prefecture without links, see ``isolated``)
    spillover: sparse.csr_array
    isolated: np.ndarray  # prefectures without links (a zero row of ``spillover``)

    @property
    def n(self) -> int:
        return len(self.province)


def build_geography(
    n_provinces: int, per_province: int, cross_links: int, rng: np.random.Generator
) -> Geography:
    """Prefectures in provinces on a plane, linked within and across provinces."""
    n = n_provinces * per_province
    province = np.repeat(np.arange(n_provinces), per_province)
    g = nx.Graph()
    positions: dict[int, tuple[float, float]] = {}
    big = 1.0 if n_provinces > 1 else 0.0
    small = 0.9 * np.sin(np.pi / max(n_provinces, 2)) if n_provinces > 1 else 1.0
    for j in range(n_provinces):
        angle = 2 * np.pi * j / n_provinces
        cx, cy = big * np.cos(angle), big * np.sin(angle)
        members = [j * per_province + k for k in range(per_province)]
        for k, node in enumerate(members):
            a = 2 * np.pi * k / per_province
            positions[node] = (float(cx + small * np.cos(a)), float(cy + small * np.sin(a)))
            g.add_node(node, province=j)
        if per_province > 1:
            for k in range(per_province):
                g.add_edge(members[k], members[(k + 1) % per_province])
            if per_province > 3:
                for k in range(per_province):
                    other = members[(k + int(rng.integers(2, per_province - 1))) % per_province]
                    if other != members[k]:
                        g.add_edge(members[k], other)
    if n_provinces > 1:
        for j in range(n_provinces):
            nxt = (j + 1) % n_provinces
            g.add_edge(
                j * per_province + int(rng.integers(per_province)),
                nxt * per_province + int(rng.integers(per_province)),
            )
            for _ in range(cross_links):
                other = int(rng.integers(n_provinces - 1))
                other += other >= j
                g.add_edge(
                    j * per_province + int(rng.integers(per_province)),
                    other * per_province + int(rng.integers(per_province)),
                )
    adj = nx.to_scipy_sparse_array(g, nodelist=range(n), format="csr", dtype=float)
    deg = np.diff(adj.indptr)
    adj.data /= np.repeat(deg, deg)  # every link weighs 1 before normalising
    return Geography(
        graph=g, province=province, positions=positions, spillover=adj, isolated=deg == 0
    )


def join_geographies(geos: list[Geography]) -> Geography:
    """The geographies of an ensemble's members as one: member ``m``'s prefectures and
    provinces follow those of the members before it, unlinked to them (the spillover
    matrix is block-diagonal, so each member's neighbour means are its own)."""
    if len(geos) == 1:
        return geos[0]
    graph = nx.disjoint_union_all([g.graph for g in geos])
    n_prov = [int(g.province.max()) + 1 for g in geos]
    offsets = np.cumsum([0, *n_prov[:-1]])
    province = np.concatenate([g.province + o for g, o in zip(geos, offsets, strict=True)])
    for node, p in enumerate(province):
        graph.nodes[node]["province"] = int(p)
    positions = {
        m * geos[0].n + node: (x + 3.0 * m, y)
        for m, g in enumerate(geos)
        for node, (x, y) in g.positions.items()
    }
    return Geography(
        graph=graph,
        province=province,
        positions=positions,
        spillover=sparse.block_diag([g.spillover for g in geos], format="csr"),
        isolated=np.concatenate([g.isolated for g in geos]),
    )
