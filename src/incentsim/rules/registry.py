"""A tiny registry of named behaviour classes.

Promotion rules and accountability mechanisms are small classes with declared
metadata (``name``, ``description``, ``source``, ...). Registering them in one
place lets the scenario schema, the command line (``incentsim rules``) and the
documentation all read the same list, and lets a test fail when a rule is
unregistered or undocumented.
"""

from __future__ import annotations

from collections.abc import Iterator


class Registry[T: type]:
    """Name -> class mapping filled by the :meth:`register` decorator."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._classes: dict[str, T] = {}

    def register(self, cls: T) -> T:
        name = getattr(cls, "name", None)
        if not name:
            raise TypeError(f"{cls.__name__} must declare a non-empty `name`")
        if name in self._classes:
            raise ValueError(f"{self.kind} {name!r} registered twice")
        self._classes[name] = cls
        return cls

    def __getitem__(self, name: str) -> T:
        try:
            return self._classes[name]
        except KeyError:
            raise KeyError(
                f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}"
            ) from None

    def get(self, name: str) -> T | None:
        """The class registered as ``name``, or ``None`` if there is none."""
        return self._classes.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[T]:
        return iter(self._classes.values())

    def __len__(self) -> int:
        return len(self._classes)

    def names(self) -> list[str]:
        return list(self._classes)
