"""One seed in, every random stream derived from it.

Each part of the model draws from its own named stream, spawned from the run's
seed with :class:`numpy.random.SeedSequence`. Naming the streams (rather than
spawning them in order) keeps a stream unchanged when another part of the model
is added or switched off: a scenario without an accountability mechanism gives
bit-identical results to one where the mechanism is disabled.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """Generator for stream ``name`` of run ``seed`` (SFC64: fast, small state)."""
    key = zlib.crc32(name.encode("utf-8"))
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(key,))
    return np.random.Generator(np.random.SFC64(ss))


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
        self.members = [stream(s, name) for s in seeds]

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

    def integers(self, low: int, high: int, size=None, axis: int = 0) -> np.ndarray:
        """Integers in [low, high) (``Generator.integers``)."""
        return self._draw("integers", size, axis, low, high)

    def only(self, rows: np.ndarray) -> SomeMembers:
        """The streams of the members whose block of ``rows`` (a mask along the first
        axis, constant within each member's block) is true: as alone, only they draw."""
        return SomeMembers(self, rows.reshape(len(self.members), -1)[:, 0])


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
