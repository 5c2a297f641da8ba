"""Errors that mean bad input (one line, exit status 2 on the command line).

Kept in a module of their own with no dependencies, so the command line can catch
them without importing the model.
"""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario (or a spec, seed list, option) failed validation. ``problems`` lists
    ``(dotted path, message)``."""

    def __init__(self, problems: list[tuple[str, str]], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        where = f" in {source}" if source else ""
        lines = [f"{len(problems)} problem(s){where}:"] + [f"  {p}: {m}" for p, m in problems]
        super().__init__("\n".join(lines))

    def one_line(self) -> str:
        """Every problem on one line (newlines and runs of spaces collapsed)."""
        where = f"{self.source}: " if self.source else ""
        text = where + "; ".join(f"{p}: {m}" for p, m in self.problems)
        return " ".join(text.split())


class UnknownRun(LookupError):
    """No run with this id in the runs directory."""
