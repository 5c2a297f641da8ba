"""Geography: provinces, prefectures and the graph that links them.

Prefectures of a province form a ring with one chord per prefecture (near
neighbours and a shortcut, like a small-world lattice); provinces are linked in
a ring and by ``world.cross_province_links`` random extra links per province.
The graph carries spillovers (growth, pollution), yardstick peers and trust
contagion. Spillovers are a sparse row-normalised adjacency matrix: memory grows
with the links (about three per prefecture), not with the square of the number of
prefectures. Positions place each province on a large circle and its
prefectures on a small one, for drawing. The links are drawn as pairs of
prefectures; the ``networkx`` graph and the positions are made when first read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
from scipy import sparse


@dataclass
class Geography:
    """Provinces, prefectures and the network linking them: one world, or an ensemble's
    worlds side by side (:func:`build_geographies`)."""

    province: np.ndarray  # prefecture -> province index
    #: the links, (links, 2) pairs of prefectures, each once, in the order first drawn
    edges: np.ndarray
    #: row-normalised adjacency (N x N, sparse CSR): ``spillover @ x`` is each prefecture's
    #: neighbour mean of ``x`` (0 for a prefecture without links, see ``isolated``)
    spillover: sparse.csr_array
    isolated: np.ndarray  # prefectures without links (a zero row of ``spillover``)
    #: how many worlds of equal size lie side by side (an ensemble's members; 1 alone)
    worlds: int = 1

    @property
    def n(self) -> int:
        return len(self.province)

    @cached_property
    def graph(self) -> nx.Graph:
        """The network: a node per prefecture (attribute ``province``), an edge per link."""
        g = nx.Graph()
        g.add_nodes_from((p, {"province": j}) for p, j in enumerate(self.province.tolist()))
        g.add_edges_from(self.edges.tolist())
        return g

    @cached_property
    def positions(self) -> dict[int, tuple[float, float]]:
        """Where each prefecture is drawn: a world's provinces on a circle of radius 1
        (the prefectures of each on a small circle around its place), worlds 3 apart."""
        per = int(np.count_nonzero(self.province == 0))
        n_provinces = self.n // (per * self.worlds)
        big = 1.0 if n_provinces > 1 else 0.0
        small = 0.9 * np.sin(np.pi / max(n_provinces, 2)) if n_provinces > 1 else 1.0
        one: dict[int, tuple[float, float]] = {}
        for j in range(n_provinces):
            angle = 2 * np.pi * j / n_provinces
            cx, cy = big * np.cos(angle), big * np.sin(angle)
            for k in range(per):
                a = 2 * np.pi * k / per
                one[j * per + k] = (float(cx + small * np.cos(a)), float(cy + small * np.sin(a)))
        if self.worlds == 1:
            return one
        size = n_provinces * per
        return {
            m * size + node: (x + 3.0 * m, y)
            for m in range(self.worlds)
            for node, (x, y) in one.items()
        }


def _links(n_provinces: int, per_province: int, cross_links: int, rng) -> list[tuple[int, int]]:
    """One world's links in the order they are drawn (repeats kept): each province's
    ring and a chord from every prefecture to one 2 to ``per_province - 2`` places on
    (drawn in one call: numpy gives the numbers of one call a chord); then for each
    province a link to the next province and ``cross_links`` to random others, each
    between random prefectures of the two."""
    out: list[tuple[int, int]] = []
    integers = rng.integers
    if per_province > 3:
        chords = integers(2, per_province - 1, (n_provinces, per_province)).tolist()
    for j in range(n_provinces):
        first = j * per_province
        if per_province > 1:
            out.extend((first + k, first + (k + 1) % per_province) for k in range(per_province))
        if per_province > 3:
            for k, d in enumerate(chords[j]):
                other = first + (k + d) % per_province
                if other != first + k:
                    out.append((first + k, other))
    if n_provinces > 1:
        out.extend(_province_links(n_provinces, per_province, cross_links, integers))
    return out


def _province_links(
    n_provinces: int, per_province: int, cross_links: int, integers
) -> list[tuple[int, int]]:
    """The links across provinces of :func:`_links`, every number drawn in one call:
    numpy draws an array of bounds as it draws them one at a time, in order."""
    highs = [per_province] * 2 + [n_provinces - 1, per_province, per_province] * cross_links
    draws = iter(integers(np.array(highs * n_provinces)).tolist())
    out: list[tuple[int, int]] = []
    for j in range(n_provinces):
        first, nxt = j * per_province, (j + 1) % n_provinces
        out.append((first + next(draws), nxt * per_province + next(draws)))
        for _ in range(cross_links):
            other = next(draws)
            other += other >= j
            out.append((first + next(draws), other * per_province + next(draws)))
    return out


def _first_drawn(links: np.ndarray, size: int) -> np.ndarray:
    """Each link of ``links`` (``(links, 2)`` int64, prefectures below ``size``) once, as
    ``(low, high)``, in the order first drawn: ``(links, 2)`` int64."""
    pairs = np.sort(links, axis=1)
    _, first = np.unique(pairs[:, 0] * size + pairs[:, 1], return_index=True)
    return pairs[np.sort(first)]


def build_geography(
    n_provinces: int, per_province: int, cross_links: int, rng: np.random.Generator
) -> Geography:
    """Prefectures in provinces on a plane, linked within and across provinces."""
    return build_geographies(n_provinces, per_province, cross_links, [rng])


def build_geographies(
    n_provinces: int, per_province: int, cross_links: int, rngs: Sequence[np.random.Generator]
) -> Geography:
    """The worlds of an ensemble's members as one geography, member ``m``'s drawn from
    ``rngs[m]`` (as :func:`build_geography` alone): its prefectures and provinces follow
    those of the members before it, unlinked to them (the spillover matrix is
    block-diagonal, so each member's neighbour means are its own). The members' links
    are made unique in one call: no link joins two members, so each member's come out
    as alone, in the members' order."""
    size = n_provinces * per_province
    n = size * len(rngs)
    links = [_links(n_provinces, per_province, cross_links, rng) for rng in rngs]
    offsets = np.repeat(np.arange(len(rngs)) * size, [len(x) for x in links])
    drawn = np.array([pair for x in links for pair in x], dtype=np.int64).reshape(-1, 2)
    edges = _first_drawn(drawn + offsets[:, None], n)
    ends = np.concatenate([edges, edges[:, ::-1]])  # both directions, weight 1 each
    adj = sparse.coo_array((np.ones(len(ends)), (ends[:, 0], ends[:, 1])), shape=(n, n)).tocsr()
    adj.sort_indices()
    deg = np.diff(adj.indptr)
    adj.data /= np.repeat(deg, deg)
    return Geography(
        province=np.repeat(np.arange(n_provinces * len(rngs)), per_province),
        edges=edges,
        spillover=adj,
        isolated=deg == 0,
        worlds=len(rngs),
    )
