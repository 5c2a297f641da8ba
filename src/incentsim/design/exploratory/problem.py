"""A declared exploratory-modelling problem: levers, uncertainties and outcomes.

One spec file (YAML) drives sensitivity analysis, scenario discovery and the EMA
workbench adapter::

    name: trust_growth_levers
    description: which levers move trust and growth under the balanced scorecard
    scenario: ../configs/balanced_scorecard.yaml   # base scenario (relative to the spec)
    set:                                           # fixed overrides at every point
      world.horizon: 30
      accountability.citizen_survey.enabled: true
    levers:                                        # dotted scenario key -> range
      promotion.weights.growth: {type: share, range: [0.1, 0.8], name: growth_weight}
      tenure.term_length: {type: integer, range: [3, 8]}
      accountability.statistical_audit.intensity: {type: real, range: [0.0, 0.6]}
      promotion.rule: {type: categorical, values: [balanced_scorecard, hybrid]}
      # or all the weights at once: a point of the simplex (see ``simplex`` below)
      # promotion.weights: {type: simplex, components: [growth, environment, services, debt]}
    uncertainties:                                 # same form as levers
      behaviour.career_value: {type: real, range: [1.0, 5.0]}
    outcomes:                                      # names from incentsim.outcomes
      - {name: trust_local, direction: maximize, epsilon: 0.005}  # mean over recorded years
      - {name: debt_to_gdp, direction: minimize, stat: final}
    seeds: 3              # replicates per point (count/range/list): the same for every point
    sample_seed: 0                                 # seed of the designs
    optimize: {nfe: 2000, population: 100}        # defaults of `incentsim optimize`

Parameter types:

* ``real`` — ``range: [low, high]``, sampled uniformly;
* ``integer`` — ``range: [low, high]`` inclusive, uniform over the integers;
* ``categorical`` — ``values: [...]``, uniform over the values;
* ``share`` — a *derived* lever for weights that must sum to 1 (``promotion.weights``):
  the key names one component (``promotion.weights.growth``) and ``range`` its value
  x; every other component keeps its share of the rest, i.e. is rescaled by
  ``(1 - x) / (sum of the others in the base scenario)``. With the balanced scorecard
  (growth 0.3, environment 0.25, services 0.25, debt 0.2) x = 0.5 gives environment
  and services 0.5 x 0.25 / 0.7 = 0.179 and debt 0.143. The others must not all be 0.
* ``simplex`` — every weight of a group at once (``promotion.weights`` with
  ``components: [growth, environment, services, debt]``): k components are k - 1
  raw levers ``u_1 .. u_{k-1}`` in [0, 1] (named ``<name>_u1`` ...), mapped onto the
  simplex by stick-breaking (:func:`simplex_weights`): ``w_i = b_i x (what is left)``
  with ``b_i = 1 - (1 - u_i) ** (1 / (k - i))``, the last weight takes the rest. The
  map is continuous and one-to-one inside the cube, and a uniform ``u`` gives a
  uniform point of the simplex (flat Dirichlet), so samplers and optimisers see an
  ordinary box with no redundant dimension and no constraint. Components of the group
  not listed keep their base values; the listed ones share ``1 - (their sum)``.

Outcomes may carry an ``epsilon`` (the resolution, in the outcome's unit, at which
``incentsim optimize`` tells two candidates apart: its epsilon-dominance archive).

Each parameter gets a Python-identifier ``name`` (``name:`` in the spec, else the last
part of the key, else the key with ``.`` -> ``__``): that name is what SALib, PRIM and
the EMA workbench see. The spec is validated up front: every key is checked by
loading the scenario at the ends of every range and at every categorical value, and
every problem is reported with its path in one :class:`~incentsim.scenario.ScenarioError`.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incentsim import shipped
from incentsim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    read_base_scenario,
    read_yaml_mapping,
)

SPEC_KEYS = (
    "name",
    "description",
    "scenario",
    "set",
    "levers",
    "uncertainties",
    "outcomes",
    "seeds",
    "sample_seed",
    "sensitivity",
    "discovery",
    "optimize",
)
TYPES = ("real", "integer", "categorical", "share", "simplex")
DIRECTIONS = ("maximize", "minimize", "info")
STATS = ("mean", "final")
PARAM_KEYS = {"type", "range", "values", "components", "name", "description"}
_SECTION = {"lever": "levers", "uncertainty": "uncertainties"}


@dataclass(frozen=True)
class Parameter:
    """One lever or uncertainty: a dotted scenario key and its range."""

    name: str
    key: str
    kind: str  # real | integer | categorical | share | simplex
    role: str  # lever | uncertainty
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] = ()  # categorical: the values; simplex: the components
    description: str = ""
    index: int = 0  # simplex: which raw coordinate (0 .. k - 2)

    @property
    def numeric_range(self) -> tuple[float, float]:
        """``(low, high)``, which every kind but categorical has."""
        if self.low is None or self.high is None:
            raise TypeError(f"parameter {self.name!r} ({self.kind}) has no numeric range")
        return self.low, self.high

    @property
    def bounds(self) -> tuple[float, float]:
        """Bounds of the unit a sampler draws (integers: [low, high + 1), floored)."""
        if self.kind == "categorical":
            return 0.0, float(len(self.values))
        low, high = self.numeric_range
        if self.kind == "integer":
            return float(low), float(high) + 1.0
        return float(low), float(high)

    def decode(self, x: float) -> Any:
        """A sampler's number -> the parameter's value."""
        if self.kind == "categorical":
            return self.values[min(max(int(math.floor(x)), 0), len(self.values) - 1)]
        if self.kind == "integer":
            low, high = self.numeric_range
            return int(min(max(math.floor(x), low), high))
        return float(x)

    def extremes(self) -> list[Any]:
        if self.kind == "simplex":
            return [0.0, 1.0]
        if self.kind == "categorical":
            return list(self.values)
        low, high = self.numeric_range
        if self.kind == "integer":
            return [int(low), int(high)]
        return [float(low), float(high)]

    def middle(self) -> Any:
        if self.kind == "categorical":
            return self.values[0]
        low, high = self.numeric_range
        if self.kind == "integer":
            return int(round((low + high) / 2))
        return (float(low) + float(high)) / 2


@dataclass(frozen=True)
class OutcomeSpec:
    """A named outcome with a direction; ``stat`` picks the run summary used."""

    name: str
    direction: str = "info"
    stat: str = "mean"
    epsilon: float | None = None  # optimisation resolution (outcome unit)

    @property
    def column(self) -> str:
        """Column name in result tables (``trust_local`` or ``trust_local_final``)."""
        return self.name if self.stat == "mean" else f"{self.name}_{self.stat}"

    def of(self, summary: Mapping[str, float]) -> float:
        return float(summary[f"{self.name}_{self.stat}"])


@dataclass
class Problem:
    """A validated problem: base scenario, fixed overrides, parameters, outcomes, seeds."""

    name: str
    base: dict[str, Any]
    parameters: list[Parameter]
    outcomes: list[OutcomeSpec]
    seeds: list[int]
    fixed: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    sample_seed: int = 0
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def levers(self) -> list[Parameter]:
        return [p for p in self.parameters if p.role == "lever"]

    @property
    def uncertainties(self) -> list[Parameter]:
        return [p for p in self.parameters if p.role == "uncertainty"]

    @property
    def outcome_names(self) -> list[str]:
        return [o.column for o in self.outcomes]

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name or p.key == name:
                return p
        raise KeyError(name)

    def salib_problem(self) -> dict[str, Any]:
        """The SALib ``problem`` dict (categoricals/integers as floored reals)."""
        return {
            "num_vars": len(self.parameters),
            "names": self.names,
            "bounds": [list(p.bounds) for p in self.parameters],
        }

    def decode(self, row: Sequence[float]) -> dict[str, Any]:
        """One row of a sampler's matrix -> ``{parameter name: value}``."""
        return {p.name: p.decode(float(x)) for p, x in zip(self.parameters, row)}

    # ------------------------------------------------------------------ scenarios
    def overrides(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """Dotted-key overrides of a point (fixed ``set`` first, transforms applied)."""
        out = dict(self.fixed)
        simplex: dict[str, list[float]] = {}
        for p in self.parameters:
            if p.name not in point:
                raise KeyError(f"point has no value for parameter {p.name!r}")
            v = point[p.name]
            if hasattr(v, "item"):  # numpy scalars (EMA, SALib) -> Python numbers
                v = v.item()
            if p.kind == "share":
                out.update(self._share(p, float(v)))
            elif p.kind == "simplex":
                simplex.setdefault(p.key, []).append(float(v))
            else:
                out[p.key] = v
        for key, u in simplex.items():
            out.update(self._simplex(key, u))
        return out

    def _group(self, group: str) -> dict[str, float]:
        """The numeric components of a weight group: schema defaults, then the base
        scenario, then ``set`` (not validated: the group may not sum to 1 before a
        lever spreads over it)."""
        given = _node(self.base, group)
        # the full default dump: to_dict leaves out parameters of rules other than the default
        out = (
            _node(Scenario().model_dump(mode="json"), group)
            if given is None
            else {**_field_defaults(group), **given}
        )
        if out is None:
            raise TypeError(f"no section {group!r} in the scenario schema")
        out.update(
            {
                k[len(group) + 1 :]: v
                for k, v in self.fixed.items()
                if k.startswith(group + ".") and "." not in k[len(group) + 1 :]
            }
        )
        return {
            k: float(v)
            for k, v in out.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }

    def _simplex(self, key: str, u: list[float]) -> dict[str, float]:
        p = next(q for q in self.parameters if q.key == key and q.kind == "simplex")
        rest = sum(v for k, v in self._group(key).items() if k not in p.values)
        if rest >= 1.0:
            raise ScenarioError(
                [
                    (
                        f"{_SECTION[p.role]}.{key}",
                        "simplex: the components not "
                        f"listed already sum to {rest:g} in the base scenario",
                    )
                ]
            )
        w = simplex_weights(u)
        return {f"{key}.{c}": (1.0 - rest) * x for c, x in zip(p.values, w)}

    def _share(self, p: Parameter, x: float) -> dict[str, Any]:
        group, _, comp = p.key.rpartition(".")
        others = {k: v for k, v in self._group(group).items() if k != comp}
        total = sum(others.values())
        if total <= 0:
            raise ScenarioError(
                [
                    (
                        f"levers.{p.key}",
                        f"share: the other components of {group} "
                        "are all 0 in the base scenario; nothing to rescale",
                    )
                ]
            )
        out = {f"{group}.{k}": v * (1.0 - x) / total for k, v in others.items()}
        out[p.key] = x
        return out

    def scenario(self, point: Mapping[str, Any]) -> Scenario:
        """The validated scenario of a point (named after the problem)."""
        ov = self.overrides(point)
        ov.setdefault("name", self.name)
        return load_scenario(self.base, ov)

    def middle(self) -> dict[str, Any]:
        return {p.name: p.middle() for p in self.parameters}

    def levers_only(self) -> Problem:
        """The same problem without its uncertainties (they keep the base scenario's
        values): what a candidate is when it is not evaluated across uncertainties."""
        return dataclasses.replace(self, parameters=self.levers)

    def lever_values(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """What a point sets, by dotted scenario key (simplex and share levers spread
        over their group); the ``set`` overrides left out."""
        ov = self.overrides(point)
        keys = {p.key for p in self.parameters if p.kind not in ("share", "simplex")}
        groups = {
            p.key if p.kind == "simplex" else p.key.rpartition(".")[0]
            for p in self.parameters
            if p.kind in ("share", "simplex")
        }
        return {k: v for k, v in ov.items() if k in keys or k.rpartition(".")[0] in groups}

    def check_points(self) -> None:
        """Validate the scenario at every range end / value of every parameter."""
        problems: list[tuple[str, str]] = []
        mid = self.middle()
        try:
            self.scenario(mid)
        except ScenarioError as exc:
            for pp, m in exc.problems:
                owner = next(
                    (
                        q
                        for q in self.parameters
                        if pp == q.key or pp.startswith(q.key + ".") or q.key.startswith(pp + ".")
                    ),
                    None,
                )
                if owner is not None:
                    problems.append((f"{_SECTION[owner.role]}.{owner.key}", f"{pp}: {m}"))
                elif pp in self.fixed or any(pp.startswith(k + ".") for k in self.fixed):
                    problems.append((f"set.{pp}", m))
                else:
                    problems.append((f"scenario: {pp}", m))
        else:
            for p in self.parameters:
                for v in p.extremes():
                    try:
                        self.scenario({**mid, p.name: v})
                    except ScenarioError as exc:
                        problems.extend(
                            (f"{_SECTION[p.role]}.{p.key}", f"at {v!r}: {pp}: {m}")
                            for pp, m in exc.problems
                        )
                        break
        if problems:
            raise ScenarioError(problems, source=self.source)


def _node(data: Mapping[str, Any], group: str) -> dict[str, Any] | None:
    node: Any = data
    for part in group.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return dict(node) if isinstance(node, Mapping) else None


def _field_defaults(group: str) -> dict[str, Any]:
    """The schema's defaults of the fields of a section given only in part."""
    from pydantic import BaseModel

    model: Any = Scenario
    for part in group.split("."):
        f = model.model_fields.get(part)
        model = f.annotation if f is not None else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return {}
    return {k: f.default for k, f in model.model_fields.items()}


def simplex_weights(u: Sequence[float]) -> list[float]:
    """Stick-breaking map of ``k - 1`` numbers in [0, 1] onto ``k`` weights summing to 1.

    ``b_i = 1 - (1 - u_i) ** (1 / (k - i))`` is the share of what is left that weight
    ``i`` (1-based) takes; the last weight takes the rest. ``1 - (1 - u) ** (1 / m)`` is
    the quantile function of Beta(1, m), the stick-breaking law of the flat Dirichlet,
    so uniform ``u`` give uniform weights on the simplex.
    """
    k = len(u) + 1
    left, out = 1.0, []
    for i, x in enumerate(u, start=1):
        x = min(max(float(x), 0.0), 1.0)
        w = left * (1.0 - (1.0 - x) ** (1.0 / (k - i)))
        out.append(w)
        left -= w
    return [*out, max(left, 0.0)]


# ---------------------------------------------------------------------- loading


def _parse_parameters(section: str, raw: Any, problems: list[tuple[str, str]]) -> list[Parameter]:
    role = "lever" if section == "levers" else "uncertainty"
    if raw is None:
        return []
    if not isinstance(raw, dict):
        problems.append((section, "a mapping of dotted scenario keys to {type, range|values}"))
        return []
    out = []
    for key, d in raw.items():
        out.extend(_parse_parameter(f"{section}.{key}", str(key), d, role, problems))
    return out


def _parse_parameter(
    path: str, key: str, d: Any, role: str, problems: list[tuple[str, str]]
) -> list[Parameter]:
    """The parameter(s) one entry of ``levers``/``uncertainties`` declares (none if invalid)."""
    if not isinstance(d, dict):
        problems.append(
            (
                path,
                "give {type: real|integer|categorical|share, "
                "range: [low, high]} or {type: categorical, values: [...]}",
            )
        )
        return []
    extra = set(d) - PARAM_KEYS
    if extra:
        problems.append(
            (
                path,
                f"unknown key(s) {', '.join(sorted(extra))}; allowed: "
                f"{', '.join(sorted(PARAM_KEYS))}",
            )
        )
    kind = d.get("type", "categorical" if "values" in d else "real")
    if kind not in TYPES:
        problems.append((f"{path}.type", f"got {kind!r}; use one of {', '.join(TYPES)}"))
        return []
    if kind == "simplex":
        return _simplex_parameters(path, key, d, role, problems)
    if "components" in d:
        problems.append((f"{path}.components", "only a simplex lever has components"))
    low = high = None
    values: tuple[Any, ...] = ()
    if kind == "categorical":
        values = tuple(d.get("values") or ())
        if not isinstance(d.get("values"), list) or len(values) < 2:
            problems.append(
                (f"{path}.values", "a categorical parameter needs a list of at least 2 values")
            )
            return []
    else:
        bounds = _bounds(path, key, kind, d.get("range"), problems)
        if bounds is None:
            return []
        low, high = bounds
    return [
        Parameter(
            name=d.get("name") or "",
            key=key,
            kind=kind,
            role=role,
            low=low,
            high=high,
            values=values,
            description=str(d.get("description", "")),
        )
    ]


def _bounds(
    path: str, key: str, kind: str, r: Any, problems: list[tuple[str, str]]
) -> tuple[Any, Any] | None:
    """``(low, high)`` of a real, integer or share parameter's range (None if invalid)."""
    if (
        not isinstance(r, list)
        or len(r) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in r)
        or not all(math.isfinite(v) for v in r)
        or r[0] >= r[1]
    ):
        problems.append((f"{path}.range", f"give [low, high] numbers with low < high, got {r!r}"))
        return None
    low, high = r
    if kind == "integer":
        if not all(float(v).is_integer() for v in r):
            problems.append((f"{path}.range", f"integer bounds needed, got {r!r}"))
            return None
        low, high = int(low), int(high)
    if kind == "share" and not (0.0 <= low and high <= 1.0):
        problems.append((f"{path}.range", "a share lies in [0, 1]"))
        return None
    if kind == "share" and key.count(".") < 1:
        problems.append(
            (path, "a share names one component: group.component (e.g. promotion.weights.growth)")
        )
        return None
    return low, high


def _simplex_parameters(
    path: str, key: str, d: dict[str, Any], role: str, problems: list[tuple[str, str]]
) -> list[Parameter]:
    """The k - 1 raw coordinates of a simplex lever over k components."""
    comps = d.get("components")
    if (
        not isinstance(comps, list)
        or len(comps) < 2
        or not all(isinstance(c, str) and c for c in comps)
        or len(set(comps)) != len(comps)
    ):
        problems.append(
            (
                f"{path}.components",
                "a simplex needs a list of at least 2 distinct "
                "component names, e.g. [growth, environment]",
            )
        )
        return []
    if "range" in d or "values" in d:
        problems.append(
            (path, "a simplex takes components, not range or values (its raw levers lie in [0, 1])")
        )
    base = d.get("name") or key.split(".")[-1]
    return [
        Parameter(
            f"{base}_u{i + 1}",
            key,
            "simplex",
            role,
            0.0,
            1.0,
            tuple(comps),
            str(d.get("description", "")),
            index=i,
        )
        for i in range(len(comps) - 1)
    ]


def _name_parameters(params: list[Parameter], problems: list[tuple[str, str]]) -> list[Parameter]:
    lasts = [p.key.split(".")[-1] for p in params]
    out = []
    for p, last in zip(params, lasts):
        name = p.name or (
            last if lasts.count(last) == 1 and last.isidentifier() else p.key.replace(".", "__")
        )
        if not name.isidentifier():
            problems.append(
                (f"{_SECTION[p.role]}.{p.key}.name", f"{name!r} is not a Python identifier")
            )
        out.append(dataclasses.replace(p, name=name))
    names = [p.name for p in out]
    for p in out:
        if names.count(p.name) > 1:
            problems.append((f"{_SECTION[p.role]}.{p.key}.name", f"name {p.name!r} is used twice"))
    for p in out:
        if any(q.key == p.key and q.role != p.role for q in out):
            problems.append(
                (f"{_SECTION[p.role]}.{p.key}", "declared both as a lever and an uncertainty")
            )
    # one share or simplex lever per weight group (a simplex counts once)
    groups = list(
        {
            (p.key if p.kind == "simplex" else p.key.rpartition(".")[0], p.key)
            for p in out
            if p.kind in ("share", "simplex")
        }
    )
    for g, key in sorted(groups):
        if [x for x, _ in groups].count(g) > 1:
            p = next(q for q in out if q.key == key)
            problems.append(
                (f"{_SECTION[p.role]}.{key}", "one share or simplex lever per weight group")
            )
    return out


def _parse_outcomes(raw: Any, problems: list[tuple[str, str]]) -> list[OutcomeSpec]:
    if not isinstance(raw, list) or not raw:
        problems.append(("outcomes", "a list of {name, direction: maximize|minimize|info}"))
        return []
    out: list[OutcomeSpec] = []
    for i, d in enumerate(raw):
        path = f"outcomes[{i}]"
        o = _parse_outcome(path, {"name": d} if isinstance(d, str) else d, problems)
        if o is not None and o.column in [x.column for x in out]:
            problems.append((path, f"outcome {o.column} listed twice"))
        elif o is not None:
            out.append(o)
    return out


def _parse_outcome(path: str, d: Any, problems: list[tuple[str, str]]) -> OutcomeSpec | None:
    """One entry of ``outcomes`` (None if invalid)."""
    from incentsim.outcomes import OUTCOME_NAMES

    if not isinstance(d, dict):
        problems.append((path, "give {name, direction}"))
        return None
    extra = set(d) - {"name", "direction", "stat", "epsilon"}
    if extra:
        problems.append(
            (
                path,
                f"unknown key(s) {', '.join(sorted(extra))}; allowed: "
                "name, direction, stat, epsilon",
            )
        )
    eps = d.get("epsilon")
    if eps is not None and (
        not isinstance(eps, (int, float))
        or isinstance(eps, bool)
        or not math.isfinite(eps)
        or eps <= 0
    ):
        problems.append((f"{path}.epsilon", f"a positive number (the outcome's unit), got {eps!r}"))
        return None
    name = d.get("name")
    if name not in OUTCOME_NAMES:
        problems.append(
            (
                f"{path}.name",
                f"unknown outcome {name!r}; see incentsim.outcomes "
                "(e.g. trust_local, gdp_growth_true)",
            )
        )
        return None
    direction = d.get("direction", "info")
    if direction not in DIRECTIONS:
        problems.append(
            (f"{path}.direction", f"got {direction!r}; use one of {', '.join(DIRECTIONS)}")
        )
        return None
    stat = d.get("stat", "mean")
    if stat not in STATS:
        problems.append((f"{path}.stat", f"got {stat!r}; use mean (over recorded years) or final"))
        return None
    return OutcomeSpec(name, direction, stat, None if eps is None else float(eps))


def problem_from_dict(
    data: Mapping[str, Any], source: str | None = None, root: Path | None = None, check: bool = True
) -> Problem:
    """Build and validate a :class:`Problem` from a spec mapping.

    ``scenario`` may be a path (relative to ``root``, else the working directory) or
    an inline scenario mapping. ``check=False`` skips loading the scenario at the
    range ends (the structure is still checked).
    """
    from incentsim.runs.ranges import parse_seeds

    problems: list[tuple[str, str]] = []
    if not isinstance(data, Mapping):
        raise ScenarioError([("<root>", "a problem spec must be a mapping")], source=source)
    problems += [
        (k, f"unknown key; allowed: {', '.join(SPEC_KEYS)}") for k in data if k not in SPEC_KEYS
    ]
    base: dict[str, Any] = {}
    sc = data.get("scenario")
    if isinstance(sc, Mapping):
        base = copy.deepcopy(dict(sc))
    elif sc:
        base = read_base_scenario(sc, root, "scenario", problems)
    fixed = data.get("set") or {}
    if not isinstance(fixed, dict):
        problems.append(("set", "a mapping of dotted scenario keys to values"))
        fixed = {}
    params = _levers_and_uncertainties(data, fixed, problems)
    outcomes = _parse_outcomes(data.get("outcomes"), problems)
    try:
        seeds = parse_seeds(data.get("seeds", 1))
    except ScenarioError as exc:
        problems.extend(exc.problems)
        seeds = []
    sample_seed = data.get("sample_seed", 0)
    if not isinstance(sample_seed, int) or isinstance(sample_seed, bool):
        problems.append(("sample_seed", "an integer"))
        sample_seed = 0
    options = _command_options(data, problems)
    if problems:
        raise ScenarioError(problems, source=source)
    name = str(data.get("name") or (Path(source).stem if source else "problem"))
    prob = Problem(
        name=name,
        base=base,
        parameters=params,
        outcomes=outcomes,
        seeds=seeds,
        fixed=dict(fixed),
        description=str(data.get("description", "")),
        sample_seed=sample_seed,
        options=options,
        source=source,
        spec=copy.deepcopy(dict(data)),
    )
    if check:
        prob.check_points()
    return prob


def _levers_and_uncertainties(
    data: Mapping[str, Any], fixed: dict, problems: list[tuple[str, str]]
) -> list[Parameter]:
    """The spec's levers and uncertainties, named, none of them also fixed in ``set``."""
    params = _parse_parameters("levers", data.get("levers"), problems) + _parse_parameters(
        "uncertainties", data.get("uncertainties"), problems
    )
    if not params and not any(p[0].startswith(("levers", "uncertainties")) for p in problems):
        problems.append(("levers", "declare at least one lever or uncertainty"))
    params = _name_parameters(params, problems)
    for p in params:
        if p.key in fixed:
            problems.append((f"{_SECTION[p.role]}.{p.key}", "also fixed in `set`"))
    return params


def _command_options(data: Mapping[str, Any], problems: list[tuple[str, str]]) -> dict:
    """The spec's default options of each command (``sensitivity``, ``discovery``, ...)."""
    options = {}
    for k in ("sensitivity", "discovery", "optimize"):
        v = data.get(k) or {}
        if not isinstance(v, dict):
            problems.append((k, "a mapping of default options"))
            v = {}
        options[k] = dict(v)
    return options


def load_problem(spec: str | Path | Mapping[str, Any] | Problem, check: bool = True) -> Problem:
    """Read and validate a problem spec (a YAML path, the name of a shipped spec, a mapping
    or a Problem)."""
    if isinstance(spec, Problem):
        return spec
    if isinstance(spec, Mapping):
        return problem_from_dict(spec, check=check)
    p = shipped.resolve(spec, "problem spec")
    data = read_yaml_mapping(p, "problem spec")
    return problem_from_dict(data, source=str(p), root=p.parent, check=check)
