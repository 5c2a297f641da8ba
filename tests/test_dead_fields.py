"""No scenario field is dead: every leaf of the schema is read by a run and can change
what the run produces.

The standard is "every behavioural number is a schema field ... no dead code"; a field
nothing reads (or whose value reaches nothing a user sees) claims a behaviour the model
does not have. Tiny-world runs exercise every registered promotion rule and every
registered mechanism (one context each). A field is live when

* a run reads it (attribute reads on the scenario's sections are traced during the
  runs of every context), and
* changing it within its bounds changes a run's timeseries or leader panel in some
  context (for each field, values near its value first, then farther ones).

A field a registered rule or mechanism adds is checked like any other. The only fields
allowed to fail are those of :data:`NOT_SIMULATED`, each with the reason. A value of
:data:`OTHER_VALUES` or a setting of :data:`ALSO` (made in both runs compared) only
helps a live field show it: a dead field changes nothing whatever its value, so neither
can hide one. (The promotion weights must sum to 1, so a weight is moved together with
growth's; for them the traced read is the sharper half of the check.)
"""

from __future__ import annotations

import copy
import functools
import typing
from typing import Any

import annotated_types as at
import pytest
import yaml
from cli_helpers import incentsim
from conftest import TINY
from pydantic import BaseModel

from incentsim.api import run_model
from incentsim.indicators import WEIGHTED
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import PROMOTION_RULES
from incentsim.scenario import REMOVED, Scenario, ScenarioError, load_scenario
from incentsim.varying import LABELS

#: the only fields no run reads, and why they are still fields
NOT_SIMULATED = {
    "name": "names the scenario in reports, run records and the command line",
    "description": "describes the scenario to its readers (scenario report, `incentsim rules`)",
    "world.scale": "a size preset applied when the file is loaded (scenario._layer_scale); "
    "afterwards only the label printed beside figures (World.label)",
}
#: values of fields the generic candidates (bounds, the field's type) cannot make up
OTHER_VALUES: dict[str, list[Any]] = {
    "behaviour.fixed_shares": [[0.2, 0.2, 0.2, 0.2, 0.2]],
    "behaviour.initial_shares": [[0.2, 0.2, 0.2, 0.2, 0.2]],
    "behaviour.borrowing_levels": [[0.0, 0.1]],
    "promotion.veto": [{"debt_to_gdp": -0.3}, {"pollution_growth": -0.02}, {"petitions": -1.0}],
    "tenure.retirement_age": [50],  # with promotion_age_limit 45 (ALSO)
}
#: settings (of both runs compared) under which a field matters in the tiny world
ALSO: dict[str, dict[str, Any]] = {
    "accountability.petition_channel.redress": {"behaviour.petition_threshold": 0.9},
    "tenure.retirement_age": {"tenure.promotion_age_limit": 45},
}
#: settings under which every weighted indicator carries a promotion weight
EVERY_WEIGHT = {"rule": "balanced_scorecard", "weights": {k: 1 / len(WEIGHTED) for k in WEIGHTED}}


def _section_type(annotation: Any) -> type[BaseModel] | None:
    """The model class of a field that is a section (``X`` or ``X | None``), else None."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    cls = args[0] if args else annotation
    return cls if isinstance(cls, type) and issubclass(cls, BaseModel) else None


def _leaves(model: type[BaseModel] = Scenario, prefix: str = ""):
    """``(section class, field name, dotted path)`` of every leaf field of the schema."""
    for name, info in model.model_fields.items():
        section = _section_type(info.annotation)
        if section is None:
            yield model, name, prefix + name
        else:
            yield from _leaves(section, f"{prefix}{name}.")


LEAVES = {path: (cls, name) for cls, name, path in _leaves()}
# a traced read names its section's class: each class must be at one place in the schema
assert len(set(LEAVES.values())) == len(LEAVES)


def _contexts() -> dict[str, dict]:
    """The tiny-world scenarios every field is tried in: the defaults, each promotion
    rule, each rule with weights on every weighted indicator, each mechanism."""
    out = {"defaults": copy.deepcopy(TINY)}
    for rule in PROMOTION_RULES.names():
        out[f"rule {rule}"] = {**copy.deepcopy(TINY), "promotion": {"rule": rule}}
    out["every weight"] = {**copy.deepcopy(TINY), "promotion": copy.deepcopy(EVERY_WEIGHT)}
    for mech in MECHANISMS.names():
        out[f"mechanism {mech}"] = {**copy.deepcopy(TINY), "accountability": {mech: {}}}
    return out


def _outputs(sc: Scenario) -> tuple:
    res = run_model(sc, 3)
    return res.timeseries, res.leaders


def _traced(cls: type[BaseModel], read: set) -> Any:
    fields = frozenset(cls.model_fields)

    def __getattribute__(self, name):  # noqa: N807 - replaces the class's attribute reads
        if name in fields:
            read.add((type(self), name))
        return object.__getattribute__(self, name)

    return __getattribute__


@functools.cache
def _baselines() -> tuple[dict[str, tuple[Scenario, tuple]], frozenset]:
    """Every context's validated scenario and outputs, and the ``(section class, field)``
    pairs their runs read."""
    assert BaseModel.__getattribute__ is object.__getattribute__
    scenarios = {k: load_scenario(v) for k, v in _contexts().items()}
    classes = {cls for cls, _ in LEAVES.values()}
    read: set = set()
    for cls in classes:
        assert "__getattribute__" not in cls.__dict__, cls
        cls.__getattribute__ = _traced(cls, read)  # type: ignore[method-assign]
    try:
        outputs = {k: (sc, _outputs(sc)) for k, sc in scenarios.items()}
    finally:
        for cls in classes:
            del cls.__getattribute__
    return outputs, frozenset(read)


def _bounds(path: str) -> tuple[float, float]:
    cls, name = LEAVES[path]
    lo, hi = -1e6, 1e6
    for m in cls.model_fields[name].metadata:
        lo = max(lo, getattr(m, "ge", getattr(m, "gt", lo)))
        hi = min(hi, getattr(m, "le", getattr(m, "lt", hi)))
        assert not isinstance(m, at.MultipleOf)
    return lo, hi


def _candidates(path: str, sc: Scenario) -> list[dict[str, Any]]:
    """Changes (dotted key -> value) that move field ``path`` of ``sc`` away from its
    value, near ones first. A promotion weight moves with growth's (services' for growth)
    so the weights still sum to 1."""
    value = _value(sc, path)
    if path in OTHER_VALUES:
        return [{path: v} for v in OTHER_VALUES[path] if v != value]
    if path.startswith("promotion.weights."):
        other = "promotion.weights." + ("services" if path.endswith(".growth") else "growth")
        rest = _value(sc, other)
        return [{path: value + d, other: rest - d} for d in (0.05, -0.05)]
    if isinstance(value, bool):
        return [{path: not value}]
    lo, hi = _bounds(path)
    if value is None:  # an optional number: its bounds' middle, then the bounds
        return [{path: v} for v in ((lo + hi) / 2, lo, hi)]
    if isinstance(value, str):
        return [{path: v} for v in PROMOTION_RULES.names() if v != value]
    if isinstance(value, int):
        ints = (value + 1, value - 1, int(lo), int(min(hi, 10 * value)))
        return [{path: v} for v in dict.fromkeys(ints) if v != value]
    hi = min(hi, max(10 * abs(value), 1.0))
    near = [value * 1.3, value * 0.7] if value else [0.05 * hi]
    far = [(value + hi) / 2, (value + lo) / 2, hi, lo]
    return [{path: v} for v in near + far if v != value and lo <= v <= hi]


def _value(sc: Any, path: str) -> Any:
    for part in path.split("."):
        sc = getattr(sc, part)
    return sc


def _changes_a_run(path: str) -> bool:
    """Whether some candidate value of ``path`` changes some context's outputs."""
    baselines, _ = _baselines()
    parent = path.rpartition(".")[0]
    for sc, outputs in baselines.values():
        if parent and _value(sc, parent) is None:
            continue  # a mechanism this context does not enable
        data = sc.to_dict()
        if path in ALSO:
            sc = load_scenario(data, ALSO[path])
            data, outputs = sc.to_dict(), _outputs(sc)
        for change in _candidates(path, sc):
            try:
                other = load_scenario(data, change)
            except ScenarioError:
                continue  # not a valid value here (another rule's parameter, a bound)
            ts, panel = _outputs(other)
            if not (ts.equals(outputs[0]) and panel.equals(outputs[1])):
                return True
    return False


def test_the_fields_no_run_reads_are_the_labels():
    assert set(NOT_SIMULATED) == set(LABELS)
    assert set(NOT_SIMULATED) <= set(LEAVES)
    _, read = _baselines()
    assert not {p for p in NOT_SIMULATED if LEAVES[p] in read}, "no longer labels only"


@pytest.mark.parametrize("path", [p for p in LEAVES if p not in NOT_SIMULATED])
def test_every_field_is_read_and_changes_a_run(path):
    _, read = _baselines()
    assert LEAVES[path] in read, (
        f"{path}: no run of any rule or mechanism reads it (dead field: remove it, or "
        "give it the behaviour it claims)"
    )
    assert _changes_a_run(path), (
        f"{path}: runs read it, but no value tried in any context changes a run's "
        "timeseries or leader panel (dead field, or add a telling value to OTHER_VALUES)"
    )


def _nested(path: str, value: Any) -> dict:
    for part in reversed(path.split(".")):
        value = {part: value}
    return value


@pytest.mark.parametrize("path", sorted(REMOVED))
def test_a_removed_field_is_refused_with_the_reason(tmp_path, path):
    assert path not in LEAVES
    cfg = tmp_path / "old.yaml"
    cfg.write_text(yaml.safe_dump(_nested(path, 0.3)))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(cfg)
    assert exc.value.problems == [
        (path, f"removed from the schema: {REMOVED[path]}; delete this key")
    ]
    with pytest.raises(ScenarioError, match="removed from the schema"):
        load_scenario({}, {path: 0.3})


def test_the_command_line_refuses_a_removed_field_in_one_line(tmp_path):
    path = sorted(REMOVED)[0]
    cfg = tmp_path / "old.yaml"
    cfg.write_text(yaml.safe_dump(_nested(path, 0.3)))
    done = incentsim("run", cfg, "--runs-dir", tmp_path / "runs")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and f"{path}: removed from the schema" in done.stderr
    assert not (tmp_path / "runs").exists()
