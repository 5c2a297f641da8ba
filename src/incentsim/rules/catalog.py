"""The catalogue of promotion rules and accountability mechanisms, from the registries.

One source feeds the command line (``incentsim rules``), the reference page
``docs/rules.md`` (regenerated with ``python -m incentsim.rules.catalog``; a
test fails when it is out of date) and the scenario schema.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import PROMOTION_RULES


def _rule_text(cls) -> str:
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n", 1)[1].split()) if "\n\n" in doc else ""


def _param(name: str, info) -> str:
    """``name``=default, with its bounds, meaning and unit when the field declares them."""
    text = f"`{name}`={info.default!r}"
    if not info.description:
        return text
    lo = next(
        (
            getattr(m, "ge", getattr(m, "gt", None))
            for m in info.metadata
            if hasattr(m, "ge") or hasattr(m, "gt")
        ),
        None,
    )
    hi = next(
        (
            getattr(m, "le", getattr(m, "lt", None))
            for m in info.metadata
            if hasattr(m, "le") or hasattr(m, "lt")
        ),
        None,
    )
    return (
        text
        + (f" in [{lo:g}, {hi:g}]" if lo is not None and hi is not None else "")
        + f": {info.description}"
    )


def _params(cls) -> str:
    fields = getattr(cls, "Params", None)
    if fields is None:
        return ""
    items = [_param(k, v) for k, v in fields.model_fields.items()]
    if any(v.description for v in fields.model_fields.values()):  # one line each
        return "".join(f"\n  - {item}" for item in items)
    return " " + ", ".join(items)


def catalog_markdown() -> str:
    """The reference page of every registered rule and mechanism (Markdown)."""
    lines = [
        "# Promotion rules and accountability mechanisms",
        "",
        "Generated from the registries by `python -m incentsim.rules.catalog`; "
        "do not edit by hand.",
        "",
        "## Promotion rules (`promotion.rule`)",
        "",
    ]
    for cls in PROMOTION_RULES:
        lines += [
            f"### `{cls.name}`",
            "",
            f"{cls.description}.",
            "",
            _rule_text(cls),
            "",
            f"- observes: {', '.join(cls.observes) or '(nothing)'}",
            f"- stochastic: {'yes' if cls.stochastic else 'no'}",
            f"- uses `promotion.weights`: {'yes' if cls.uses_weights else 'no'}",
            f"- source: {cls.source}",
            "",
        ]
    lines += ["## Accountability mechanisms (`accountability.<name>`)", ""]
    for mech in MECHANISMS:
        lines += [
            f"### `{mech.name}`",
            "",
            f"{mech.description}.",
            "",
            _rule_text(mech),
            "",
            f"- parameters:{_params(mech)}",
            f"- stochastic: {'yes' if mech.stochastic else 'no'}",
            f"- source: {mech.source}",
            "",
        ]
    return "\n".join(lines + behavioural_numbers())


def behavioural_numbers() -> list[str]:
    """Every behavioural number of the schema (``economy``, ``behaviour``): default,
    bounds, meaning, unit and source, from the field descriptions."""
    from pydantic import BaseModel

    from incentsim.scenario import Behaviour, Economy, Promotion

    def rows(model, prefix):
        for name, info in model.model_fields.items():
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                yield from rows(info.annotation, f"{prefix}{name}.")
            else:
                yield f"- {_param(prefix + name, info)}"

    out = [
        "## Behavioural numbers (`economy`, `behaviour`)",
        "",
        "Every number the model's behaviour rests on, with its default, bounds, "
        "meaning, unit and source; each can be set, swept or estimated like any "
        "scenario key.",
        "",
    ]
    for section, model in (("economy", Economy), ("behaviour", Behaviour)):
        out += [f"### `{section}`", "", *rows(model, f"{section}."), ""]
    rule_params = sorted({p for cls in PROMOTION_RULES for p in cls.own_params()})
    out += [
        "### Rule-specific `promotion` parameters",
        "",
        *[
            f"- `promotion.{p}`: only for "
            + ", ".join(f"`{c.name}`" for c in PROMOTION_RULES if p in c.own_params())
            for p in rule_params
            if p in Promotion.model_fields
        ],
        "",
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the reference page (``docs/rules.md`` or the path given)."""
    path = Path(argv[0]) if argv else Path("docs/rules.md")
    path.write_text(catalog_markdown())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
