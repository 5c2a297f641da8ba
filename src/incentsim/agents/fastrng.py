"""Fast float32 random draws and chunked, thread-parallel stepping of populations.

Random-number generation dominates the cost of stepping millions of agents, so
the populations draw raw 64-bit words from an SFC64 bit generator (the fastest
of numpy's generators here) and turn them into float32 variates themselves:

* :func:`uniforms` — each 64-bit word gives two 23-bit uniforms on (0, 1)
  (``((u >> 9) + 0.5) / 2**23``, exact in float32: never 0 or 1);
* :func:`normals` — exact Box–Muller on pairs of those uniforms: one 64-bit
  word per standard normal. With 23-bit uniforms the largest possible draw is
  ``sqrt(2 ln 2**24) = 5.8`` standard deviations (a tail of probability
  7e-9 is cut off), which no rule of the model can notice.

This is three times faster than ``Generator.standard_normal(dtype=float32)``
(numpy's ziggurat takes one call through a function pointer per draw). The
populations' compiled steps (:mod:`incentsim.agents.citizens`,
:mod:`incentsim.agents.firms`) make the same uniforms and normals from the same words
themselves, with their own log, sin and cos (float32 rounding apart): the functions
here define those draws (the tests hold the kernels to them). Their set-up draws its
initial normals (skills, trusts, firms' productivity) the same way
(:func:`member_normals`).

Populations are stepped in *chunks* of whole prefectures (:func:`chunk_bounds`).
A chunk holds a quarter of the population, but at least :data:`CHUNK_AGENTS`
and at most :data:`CHUNK_MAX_AGENTS` agents: every numpy call and every pool
task has a fixed cost, and at national scale chunks of ~130k agents step a
year 30 % faster than chunks of ~33k (measured with ``incentsim bench``),
while a province-sized population still splits into a few chunks for the
threads. Chunk sizes depend only on the population's size. Every chunk owns its own
random stream, spawned once from the population's generator, so the draws a chunk
makes do not depend on which thread steps it, nor on how many threads there are:
results are reproducible for a given seed on any machine. :func:`run_chunks` maps
chunks over a small thread pool (the compiled steps release the GIL).
An ensemble's members (:class:`incentsim.seeding.MemberStreams`) are each chunked as
alone, with their own streams, and small chunks of consecutive members are stepped as
one, up to :data:`CHUNK_MAX_AGENTS` agents, a small last group joined to the one before
(:func:`merge_chunks`, :class:`Chunking`): fewer calls, the same draws.
"""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from incentsim.seeding import Draws, MemberStreams, bit_generators

#: fewest and most agents per chunk (whole prefectures), and chunks per population
CHUNK_AGENTS = 32_768
CHUNK_MAX_AGENTS = 131_072
CHUNKS_PER_POPULATION = 4
#: bits of the float32 1.0, and 1 - 2**-24: a uniform is made in place from a word's bits
#: (converting uint32 to float32 has no vectorised loop in numpy: 17x slower)
_ONE_BITS = np.uint32(0x3F800000)
_ONE_LESS_HALF23 = np.float32(1.0 - 0.5 * 2.0**-23)
_TWO_PI = np.float32(2.0 * np.pi)
_pool: ThreadPoolExecutor | None = None


def n_threads() -> int:
    """Worker threads for chunked stepping (``INCENTSIM_THREADS``, default: CPUs, at most 8)."""
    env = os.environ.get("INCENTSIM_THREADS")
    if env:
        return max(1, int(env))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _start_pool(workers: int) -> ThreadPoolExecutor:
    """A thread pool with all its threads already running.

    The threads are started with SIGINT and SIGTERM blocked, so an interruption
    (Ctrl-C, or SIGTERM turned into ``KeyboardInterrupt``) is delivered after the
    pool is whole, never half-way through starting a thread — which would leave
    a pool that fails every later run.
    """
    mask = (
        hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    )
    if mask:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="incentsim")
        barrier = threading.Barrier(workers)
        for f in [pool.submit(barrier.wait) for _ in range(workers)]:
            f.result()
    finally:
        if mask:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    return pool


def run_chunks(fn, n_chunks: int) -> None:
    """Call ``fn(i)`` for every chunk ``i``, on a thread pool when it pays."""
    global _pool
    workers = min(n_threads(), n_chunks)
    if workers <= 1:
        for i in range(n_chunks):
            fn(i)
        return
    if _pool is None or _pool._max_workers < workers:
        _pool = _start_pool(workers)
    for f in [_pool.submit(fn, i) for i in range(n_chunks)]:
        f.result()


def prefecture_values(value, n_pref: int, dtype) -> np.ndarray:
    """``value`` (one number, or one per prefecture) as ``n_pref`` values of ``dtype``:
    the array itself where it already is (``np.broadcast_to`` costs 5 µs a call)."""
    x = np.asarray(value, dtype=dtype)
    return x if x.shape == (n_pref,) else np.broadcast_to(x, (n_pref,))


def chunk_bounds(
    n_pref: int, per_prefecture: int, target: int | None = None
) -> list[tuple[int, int]]:
    """Prefecture ranges ``(lo, hi)`` of about ``target`` agents each (depends only on
    sizes; by default a quarter of the population, clipped to the chunk limits)."""
    if target is None:
        share = n_pref * per_prefecture // CHUNKS_PER_POPULATION
        target = min(max(CHUNK_AGENTS, share), max(CHUNK_AGENTS, CHUNK_MAX_AGENTS))
    step = max(1, target // max(per_prefecture, 1))
    return [(lo, min(lo + step, n_pref)) for lo in range(0, n_pref, step)]


def members(rng: Draws) -> list[np.random.Generator]:
    """The generators of an ensemble's members (:class:`incentsim.seeding.MemberStreams`),
    or the one generator of a population stepped alone."""
    return rng.members if isinstance(rng, MemberStreams) else [rng]


def member_chunks(n_pref: int, per_prefecture: int, rng: Draws) -> list[tuple[int, int]]:
    """:func:`chunk_bounds` of each member of ``rng`` (:func:`members`; equal blocks of
    ``n_pref`` prefectures in all), offset to the member's block: a chunk never spans
    two members, and each member is chunked as it would be alone."""
    k = len(members(rng))
    size = n_pref // k
    own = chunk_bounds(size, per_prefecture)
    return [(lo + m * size, hi + m * size) for m in range(k) for lo, hi in own]


def merge_chunks(
    bounds: list[tuple[int, int]], per_prefecture: int, n_members: int = 1
) -> list[list[int]]:
    """Consecutive chunks (of an ensemble's members, :func:`member_chunks`) grouped into
    chunks of up to :data:`CHUNK_MAX_AGENTS` agents: each group is stepped as one, every
    chunk in it drawing from its own stream (:class:`Chunk`), so grouping changes how
    many calls a year takes, not what anyone draws. An ensemble is stepped for
    throughput, so its groups are as large as a chunk may be, not a quarter of the
    population: fewer calls per agent (a small-scale ensemble of 16 steps its firms
    13 % faster per agent, measured; province-scale groups already had that size), and a
    last group under half that joins the one before (up to 1.5 times the size): its
    calls would cost more than its work (a small-scale ensemble's citizens 7 % cheaper,
    a province-scale one's firms 7 %, measured). A population of one member keeps its
    chunks (:func:`chunk_bounds` made them)."""
    total = (bounds[-1][1] - bounds[0][0]) * per_prefecture if bounds else 0
    target = (
        CHUNK_MAX_AGENTS
        if n_members > 1
        else min(max(CHUNK_AGENTS, total // CHUNKS_PER_POPULATION), CHUNK_MAX_AGENTS)
    )
    groups: list[list[int]] = []
    size = 0
    for j, (lo, hi) in enumerate(bounds):
        agents = (hi - lo) * per_prefecture
        if groups and size + agents <= target:
            groups[-1].append(j)
            size += agents
        else:
            groups.append([j])
            size = agents
    if n_members > 1 and len(groups) > 1 and size < target // 2:
        tail = groups.pop()  # a last group that small costs its calls more than its work
        groups[-1] += tail
    return groups


def member_normals(rng: Draws, n: int, fill) -> np.ndarray:
    """``n`` standard normals (float32) for a population's set-up, each member's block of
    ``rng`` (:func:`members`) from its own generator's raw words, by ``fill(bit generator,
    out)`` (a compiled step's ``normals``: :func:`normals`' draws, the same on every
    machine, nine times as fast as ``Generator.standard_normal``). The set-up computes
    with them in float64 (its first operation converts them, ``dtype=np.float64``)."""
    gens = members(rng)
    out = np.empty((len(gens), n // len(gens)), np.float32)
    for g, block in zip(gens, out, strict=True):
        fill(g.bit_generator, block)
    return out.reshape(n)


def spawn_streams(gens: list[np.random.Generator], n: int) -> list[np.random.SFC64]:
    """``n`` independent SFC64 bit generators from each of ``gens``, one after another,
    seeded from it (one draw): those of ``SeedSequence(draw).spawn(n)``, all seeded in
    one call (:func:`incentsim.seeding.bit_generators`)."""
    roots = [int(g.integers(0, 2**63)) for g in gens]
    return bit_generators([(e, i) for e in roots for i in range(n)])


def uniforms(bitgen: np.random.SFC64, n: int) -> np.ndarray:
    """``n`` float32 uniforms on the open interval (0, 1)."""
    if n == 0:
        return np.empty(0, np.float32)
    return _to_uniforms(bitgen.random_raw((n + 1) // 2).view(np.uint32)[:n])


def _to_uniforms(u: np.ndarray) -> np.ndarray:
    """32-bit words (``u``, overwritten) to uniforms, ``((u >> 9) + 0.5) / 2**23``."""
    u >>= 9
    u |= _ONE_BITS  # the float32 1 + m / 2**23, m the word's top 23 bits
    f = u.view(np.float32)
    f -= _ONE_LESS_HALF23  # (m + 0.5) / 2**23 exactly
    return f


def normals(bitgen: np.random.SFC64, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """``n`` float32 standard normals (Box–Muller on 23-bit uniforms), into ``out`` if
    given (``n`` float32)."""
    out = np.empty(n, np.float32) if out is None else out
    if n == 0:
        return out
    h = (n + 1) // 2
    return _box_muller(uniforms(bitgen, 2 * h), h, out)


def _box_muller(u: np.ndarray, h: int, out: np.ndarray | None) -> np.ndarray:
    """Box–Muller on ``2 h`` uniforms (``u``, overwritten; or rows of them): ``h`` radii
    from the first half and ``h`` angles from the second, giving the cosines then the
    sines, into ``out`` (``2 h`` float32, or ``2 h - 1``: the last sine left out; rows
    as ``u``; default new)."""
    out = np.empty(2 * h, np.float32) if out is None else out
    s = out.shape[-1] - h  # the sines kept
    r = np.log(u[..., :h])
    r *= -2.0
    np.sqrt(r, out=r)
    theta = u[..., h:]
    theta *= _TWO_PI
    np.cos(theta, out=out[..., :h])
    np.sin(theta[..., :s], out=out[..., h:])
    out[..., :h] *= r
    out[..., h:] *= r[..., :s]
    return out


class Chunking:
    """How a population of ``n_pref`` prefectures with ``per`` slots each is stepped:
    each member of ``rng`` (:func:`members`) cut as alone (:func:`member_chunks`), each of
    those chunks with its own stream, and consecutive ones grouped into the chunks a
    year steps (:func:`merge_chunks`, prefecture ``bounds``). The streams are spawned by
    :meth:`spawn`, after whatever the population draws first at set-up."""

    def __init__(self, n_pref: int, per: int, rng: Draws) -> None:
        self.per = per
        self.own = member_chunks(n_pref, per, rng)
        self.groups = merge_chunks(self.own, per, len(members(rng)))
        self.bounds = [(self.own[g[0]][0], self.own[g[-1]][1]) for g in self.groups]
        self.streams: list[np.random.SFC64] = []

    def __len__(self) -> int:
        return len(self.bounds)

    def spawn(self, rng: Draws) -> None:
        """Each member's chunks' streams, spawned from the member's generator."""
        gens = members(rng)
        per_member = len(self.own) // len(gens)
        self.streams = spawn_streams(gens, per_member)

    def chunk(self, i: int) -> Chunk:
        """Chunk ``i`` of a year's step."""
        segments = [(self.own[j][0], self.streams[j]) for j in self.groups[i]]
        return Chunk(self.bounds[i], self.per, segments)


class Chunk:
    """One chunk of whole prefectures of a population with ``per`` slots each: its
    prefecture bounds ``lo:hi``, slot bounds ``a:b``, the ``(prefectures, per)`` shape
    ``rows``, and its random streams.

    ``segments`` are ``(first prefecture, stream)`` pairs: from its first prefecture on
    (to the next segment's), a segment draws from its own stream (a member's chunk of an
    ensemble, :func:`merge_chunks`); ``starts`` are the segments' first slots in the
    chunk."""

    def __init__(
        self,
        bounds: tuple[int, int],
        per: int,
        segments: list[tuple[int, np.random.SFC64]],
    ):
        self.lo, self.hi = bounds
        self.a, self.b = self.lo * per, self.hi * per
        self.rows = (self.hi - self.lo, per)
        self.streams = [bg for _, bg in segments]
        self.starts = np.array([(lo - self.lo) * per for lo, _ in segments])
