"""One seed in, every random stream derived from it.

Each part of the model draws from its own named stream, spawned from the run's
seed with :class:`numpy.random.SeedSequence`. Naming the streams (rather than
spawning them in order) keeps a stream unchanged when another part of the model
is added or switched off: a scenario without an accountability mechanism gives
bit-identical results to one where the mechanism is disabled.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from numpy.random.bit_generator import ISeedSequence

from incentsim.agents._draws_kernel import integers, seed_states

#: 32-bit words; entropy below 2**128 (four words, padded with zeros to the four-word pool
#: when a spawn key follows) and a one-word key: numpy's assembled entropy is five words
_MASK32 = 0xFFFFFFFF
_WIDE = 2**128


class _Seeded(ISeedSequence):
    """The seed sequence of a bit generator whose seeding words were computed ahead
    (:func:`bit_generators`): it gives those words, once, as the bit generator asks."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        """The words computed ahead (``n_words`` uint64 of them, as SFC64 asks)."""
        if n_words != len(self.words) or np.dtype(dtype) != np.uint64:
            raise ValueError(f"{len(self.words)} uint64 words were computed, not {n_words}")
        return self.words


def bit_generators(pairs: Sequence[tuple[int, int]]) -> list[np.random.SFC64]:
    """``SFC64(SeedSequence(entropy, spawn_key=(key,)))`` for each ``(entropy, key)``
    pair: the same states, from numpy's seed-sequence mixing compiled for all pairs in
    one call (:func:`incentsim.agents._draws_kernel.seed_states`; a SeedSequence and its
    state cost 9 of a stream's 10 us). An entropy or key out of the five words' range
    (or negative) is seeded by a SeedSequence itself."""
    if any(not (0 <= e < _WIDE and 0 <= k <= _MASK32) for e, k in pairs):
        return [np.random.SFC64(np.random.SeedSequence(e, spawn_key=(k,))) for e, k in pairs]
    words = [w for e, k in pairs for w in (e & _MASK32, e >> 32 & _MASK32, e >> 64 & _MASK32,
                                            e >> 96, k)]  # fmt: skip
    entropy = np.array(words, dtype=np.uint32).reshape(-1, 5)
    # numpy's stubs name SeedSequence, but any ISeedSequence seeds a bit generator
    return [np.random.SFC64(_Seeded(row)) for row in seed_states(entropy, 3)]  # type: ignore[arg-type]


def _key(name: str) -> int:
    """Stream ``name``'s spawn key."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, name: str) -> np.random.Generator:
    """Generator for stream ``name`` of run ``seed`` (SFC64: fast, small state), seeded
    by ``SeedSequence(seed, spawn_key=(crc32 of the name,))``."""
    return np.random.Generator(bit_generators([(int(seed), _key(name))])[0])


#: the draws a generator can make into an array given (``out=``): the same numbers
_FILLS = ("random", "standard_normal")


class MemberStreams:
    """Stream ``name`` of every member of an ensemble (one seed each), drawn as one.

    The members' prefectures (or provinces, firms, ...) are laid out in equal
    consecutive blocks along one axis of a draw (``axis``, default the first): each
    member draws its block exactly as it would alone, from its own stream, and the
    blocks lie one after another. A draw of one value (no ``size``) gives one per member.
    A draw's parameters (``low``, ``high``) are one value, or one per member (an array,
    where members differ in them). With one member every draw equals that of
    :func:`stream` alone.
    """

    def __init__(self, seeds: tuple[int, ...], name: str) -> None:
        self.members = [np.random.Generator(bg) for bg in bit_generators(_pairs(seeds, name))]

    @classmethod
    def named(cls, seeds: tuple[int, ...], names: Sequence[str]) -> dict[str, MemberStreams]:
        """``MemberStreams(seeds, name)`` of each of ``names``, their generators seeded in
        one call (:func:`bit_generators`)."""
        gens = bit_generators([p for name in names for p in _pairs(seeds, name)])
        k, out = len(seeds), {}
        for i, name in enumerate(names):
            streams = out[name] = cls.__new__(cls)
            streams.members = [np.random.Generator(bg) for bg in gens[i * k : (i + 1) * k]]
        return out

    def _draw(self, method: str, size, axis: int, *args) -> np.ndarray:
        k = len(self.members)
        each = [args] * k
        if args and any(isinstance(a, np.ndarray) for a in args):  # one value per member
            each = [tuple(a[j] if isinstance(a, np.ndarray) else a for a in args) for j in range(k)]
        if size is None:
            return np.array([getattr(g, method)(*a) for g, a in zip(self.members, each)])
        shape = [size] if isinstance(size, int | np.integer) else list(size)
        if shape[axis] % k:
            raise ValueError(f"{shape[axis]} draws do not split among {k} members")
        shape[axis] //= k
        if method in _FILLS:  # each member draws into its own block of one array
            out = np.empty((k, *shape))
            for g, a, block in zip(self.members, each, out, strict=True):
                getattr(g, method)(*a, out=block)
            # the blocks one after another along ``axis``: a view, copied only when axis > 0
            return np.moveaxis(out, 0, axis).reshape(*shape[:axis], -1, *shape[axis + 1 :])
        parts = [getattr(g, method)(*a, size=tuple(shape)) for g, a in zip(self.members, each)]
        return np.concatenate(parts, axis=axis)

    def random(self, size=None, axis: int = 0) -> np.ndarray:
        """Uniforms on [0, 1) (``Generator.random``)."""
        return self._draw("random", size, axis)

    def standard_normal(self, size=None, axis: int = 0) -> np.ndarray:
        """Standard normals (``Generator.standard_normal``)."""
        return self._draw("standard_normal", size, axis)

    def uniform(
        self, low: float | np.ndarray, high: float | np.ndarray, size=None, axis: int = 0
    ) -> np.ndarray:
        """Uniforms on [low, high) (``Generator.uniform``)."""
        return self._draw("uniform", size, axis, low, high)

    def integers(self, low: int, high: int | np.ndarray, size: int) -> np.ndarray:
        """``size`` integers in [low, high) (int64; ``high`` one value, or one per
        member): each member's block ``Generator.integers(low, high, size // members)``
        of its own stream, drawn compiled (:func:`incentsim.agents._draws_kernel.integers`,
        the same numbers; a third of the time of the Generator calls)."""
        k = len(self.members)
        if size % k:
            raise ValueError(f"{size} draws do not split among {k} members")
        bounds = np.empty((2, k), np.int64)
        bounds[0], bounds[1] = low, high
        out = np.empty((k, size // k), np.int64)
        integers(self.members, bounds[0], bounds[1], out)
        return out.reshape(size)

    def only(self, rows: np.ndarray) -> SomeMembers:
        """The streams of the members whose block of ``rows`` (a mask along the first
        axis, constant within each member's block) is true: as alone, only they draw."""
        return SomeMembers(self, rows.reshape(len(self.members), -1)[:, 0])


def _pairs(seeds: tuple[int, ...], name: str) -> list[tuple[int, int]]:
    """The (entropy, key) pairs of stream ``name`` of each of ``seeds``."""
    key = _key(name)
    return [(int(s), key) for s in seeds]


class SomeMembers:
    """Some members of :class:`MemberStreams` draw uniforms, the others do not (their
    streams do not move, as in their runs alone, where nothing is drawn): their blocks
    read 1.0, above every probability, so ``u < p`` is false there."""

    def __init__(self, streams: MemberStreams, drawing: np.ndarray) -> None:
        self.streams, self.drawing = streams, drawing

    def random(self, size: int | tuple[int]) -> np.ndarray:
        """Uniforms on [0, 1) of the drawing members' blocks (1.0 in the others)."""
        k = len(self.streams.members)
        block = (size if isinstance(size, int) else size[0]) // k
        parts = [
            g.random(block) if on else np.ones(block)
            for g, on in zip(self.streams.members, self.drawing, strict=True)
        ]
        return np.concatenate(parts)


#: what a part of the model draws from: one run's stream, or an ensemble's members' streams
Draws = np.random.Generator | MemberStreams
#: what a draw of uniforms for reports comes from: also only some members' streams
UniformDraws = Draws | SomeMembers
