"""A calibration spec (YAML), validated in full before anything runs.

::

    name: china_2000s
    base: ../configs/china_2000s.yaml     # the scenario standing for the period
    period: 2000-07                       # whose targets (incentsim.analysis.validation.targets)
    set: {world.scale: province}          # fixed overrides of every run
    seeds: 8                              # the same seeds at every point (common random numbers)
    parameters:                           # what is estimated, with bounds and a start
      promotion.noise: {start: 0.3, bounds: [0.0, 3.0]}
    moments: [promotion_rate, promotion_q1, spell_mean]   # target ids
    algorithm: nag_dfols                  # an optimagic least-squares/derivative-free one
    max_evaluations: 60
    jacobian_step: 0.05                   # finite-difference step, share of each range

Estimated parameters are behavioural and institutional ones; the levers under study
(the promotion rule and its weights and vetoes, the term length, accountability
mechanisms) and the world's set-up are not (:data:`NOT_ESTIMABLE`), except the parameters
of mechanisms that describe how the system worked (``estimable``, e.g.
``accountability.mixed_evaluation.performance_weight``). Every problem is
reported at once as a :class:`~incentsim.scenario.ScenarioError` (one line, exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incentsim import shipped
from incentsim.analysis.validation.calibration import SERIES_MEANS
from incentsim.analysis.validation.moments import MOMENTS
from incentsim.analysis.validation.targets import BY_ID, PERIODS, Target
from incentsim.runs.ranges import parse_seeds
from incentsim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    read_base_scenario,
    read_yaml_mapping,
)

SPEC_KEYS = {
    "name",
    "description",
    "base",
    "period",
    "set",
    "seeds",
    "parameters",
    "moments",
    "algorithm",
    "max_evaluations",
    "jacobian_step",
}
ALGORITHMS = ("nag_dfols", "nag_pybobyqa", "scipy_neldermead", "pounders")
#: prefixes of scenario keys that are levers under study or set-up, never estimated
NOT_ESTIMABLE = (
    "promotion.rule",
    "promotion.weights",
    "promotion.veto",
    "tenure.term_length",
    "accountability.",
    "world.",
    "name",
    "description",
)


@dataclass(frozen=True)
class Parameter:
    """One estimated parameter: its dotted scenario key, start value and bounds."""

    path: str
    start: float
    lower: float
    upper: float

    def to_unit(self, v: float) -> float:
        return (v - self.lower) / (self.upper - self.lower)

    def from_unit(self, u: float) -> float:
        return self.lower + float(u) * (self.upper - self.lower)


@dataclass
class CalibrationSpec:
    """What ``incentsim calibrate`` estimates, on which targets and seeds."""

    name: str
    base: dict[str, Any]
    period: str
    overrides: dict[str, Any]
    seeds: list[int]
    parameters: list[Parameter]
    targets: list[Target]
    algorithm: str = "nag_dfols"
    max_evaluations: int = 60
    jacobian_step: float = 0.05
    description: str = ""
    source: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    #: Python type of each parameter's schema field (integers are rounded)
    types: dict[str, type] = field(default_factory=dict)

    def scenario(self, values: dict[str, float] | None = None) -> Scenario:
        """The scenario at parameter ``values`` (``None``: the starts)."""
        vals = values if values is not None else {p.path: p.start for p in self.parameters}
        typed = {k: (round(v) if self.types.get(k) is int else float(v)) for k, v in vals.items()}
        return load_scenario(self.base, {**self.overrides, **typed})


def _estimable_mechanism(path: str) -> bool:
    """``accountability.NAME.PARAM`` of a mechanism describing how the system worked."""
    from incentsim.rules.accountability import MECHANISMS

    parts = path.split(".")
    return (
        len(parts) == 3
        and parts[0] == "accountability"
        and parts[1] in MECHANISMS
        and MECHANISMS[parts[1]].estimable
        and parts[2] != "enabled"
    )


def _parameter(path: str, entry: Any, problems: list) -> Parameter | None:
    where = f"parameters.{path}"
    if any(
        path == p.rstrip(".") or path.startswith(p) for p in NOT_ESTIMABLE
    ) and not _estimable_mechanism(path):
        problems.append((where, "is a lever under study or set-up, not an estimated parameter"))
        return None
    if not isinstance(entry, dict) or set(entry) - {"start", "bounds"} or "bounds" not in entry:
        problems.append((where, "must be {start: X, bounds: [LOW, HIGH]}"))
        return None
    b = entry["bounds"]
    if not (
        isinstance(b, list)
        and len(b) == 2
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in b)
    ):
        problems.append((f"{where}.bounds", f"must be [LOW, HIGH] numbers, got {b!r}"))
        return None
    lo, hi = float(b[0]), float(b[1])
    start = entry.get("start", (lo + hi) / 2)
    if not isinstance(start, (int, float)) or isinstance(start, bool):
        problems.append((f"{where}.start", f"must be a number, got {start!r}"))
        return None
    if not lo < hi:
        problems.append((f"{where}.bounds", f"LOW must be below HIGH, got {b!r}"))
        return None
    if not lo <= start <= hi:
        problems.append((f"{where}.start", f"{start} is outside bounds {b!r}"))
        return None
    return Parameter(path, float(start), lo, hi)


def _targets(ids: Any, period: str, problems: list) -> list[Target]:
    if not isinstance(ids, list) or not ids:
        problems.append(("moments", "must be a non-empty list of target ids"))
        return []
    out = []
    for tid in ids:
        t = BY_ID.get(str(tid))
        if t is None:
            problems.append(
                (
                    "moments",
                    f"unknown moment {tid!r}; known: "
                    + ", ".join(
                        k
                        for k, v in BY_ID.items()
                        if v.moment in MOMENTS or v.moment in SERIES_MEANS
                    ),
                )
            )
        elif t.period != period:
            problems.append(("moments", f"{tid!r} is a {t.period} target, not {period}"))
        elif t.moment not in MOMENTS and t.moment not in SERIES_MEANS:
            problems.append(
                (
                    "moments",
                    f"{tid!r} is neither a panel moment nor a mean of a yearly series; "
                    "it cannot be estimated on",
                )
            )
        else:
            out.append(t)
    return out


def _check_ranges(spec: CalibrationSpec, problems: list) -> None:
    """Every parameter at both bounds (others at start) must be a valid scenario."""
    types = spec.types
    for p in spec.parameters:
        try:
            sc = load_scenario(spec.base, {**spec.overrides, p.path: p.start})
        except ScenarioError as exc:
            problems.extend((f"parameters.{p.path}", m) for _, m in exc.problems)
            continue
        node: Any = sc
        for part in p.path.split("."):
            node = getattr(node, part, None)
        types[p.path] = type(node)
        if not isinstance(node, (int, float)) or isinstance(node, bool):
            problems.append((f"parameters.{p.path}", "is not a numeric scenario field"))
            continue
        for bound in (p.lower, p.upper):
            v = round(bound) if types[p.path] is int else bound
            try:
                load_scenario(spec.base, {**spec.overrides, p.path: v})
            except ScenarioError as exc:
                problems.extend((f"parameters.{p.path}.bounds", m) for _, m in exc.problems)


def _options(data: dict, problems: list) -> tuple[str, int, float]:
    """The optimiser's options: algorithm, evaluation budget, finite-difference step."""
    algorithm = str(data.get("algorithm", "nag_dfols"))
    if algorithm not in ALGORITHMS:
        problems.append(("algorithm", f"got {algorithm!r}; one of {', '.join(ALGORITHMS)}"))
    max_eval = data.get("max_evaluations", 60)
    if not isinstance(max_eval, int) or isinstance(max_eval, bool) or max_eval < 1:
        problems.append(("max_evaluations", f"must be a positive integer, got {max_eval!r}"))
        max_eval = 1
    step = data.get("jacobian_step", 0.05)
    if not isinstance(step, (int, float)) or not 0 < step <= 0.5:
        problems.append(("jacobian_step", f"must be in (0, 0.5], got {step!r}"))
    return algorithm, max_eval, float(step) if isinstance(step, (int, float)) else 0.05


def _setup(data: dict, problems: list) -> tuple[str, dict, list[int], list[Parameter]]:
    """The period, the fixed overrides, the seeds and the estimated parameters."""
    period = str(data.get("period", "2000-07"))
    if period not in PERIODS:
        problems.append(("period", f"got {period!r}; one of {', '.join(PERIODS)}"))
    overrides = data.get("set") or {}
    if not isinstance(overrides, dict):
        problems.append(("set", "must be a mapping of dotted keys to values"))
        overrides = {}
    try:
        seeds = parse_seeds(data.get("seeds", 8), what="seeds")
    except ScenarioError as exc:
        problems.extend(exc.problems)
        seeds = []
    params_raw = data.get("parameters") or {}
    if not isinstance(params_raw, dict) or ("parameters" in data and not params_raw):
        problems.append(("parameters", "must map scenario keys to {start, bounds}"))
        params_raw = {}
    params = [p for k, v in params_raw.items() if (p := _parameter(str(k), v, problems))]
    return period, dict(overrides), seeds, params


def load_spec(path: str | Path) -> CalibrationSpec:
    """Read and validate a calibration spec (a path or the name of a shipped one);
    :class:`ScenarioError` lists every problem."""
    path = shipped.resolve(path, "calibration spec")
    data = read_yaml_mapping(path, "calibration spec")
    problems: list[tuple[str, str]] = [
        (k, "unknown key; allowed: " + ", ".join(sorted(SPEC_KEYS)))
        for k in data
        if k not in SPEC_KEYS
    ]
    for key in ("base", "parameters", "moments"):
        if key not in data:
            problems.append((key, "is required"))
    base = read_base_scenario(data["base"], path.parent, "base", problems) if "base" in data else {}
    period, overrides, seeds, params = _setup(data, problems)
    targets = _targets(data.get("moments"), period, problems) if "moments" in data else []
    algorithm, max_eval, step = _options(data, problems)
    if len(targets) < len(params) and not problems:
        problems.append(
            ("moments", (f"{len(targets)} moments cannot identify {len(params)} parameters"))
        )
    spec = CalibrationSpec(
        str(data.get("name", path.stem)),
        base,
        period,
        overrides,
        seeds,
        params,
        targets,
        algorithm,
        max_eval,
        step,
        str(data.get("description", "")),
        str(path),
        data,
    )
    if not problems:
        _check_ranges(spec, problems)
    if problems:
        raise ScenarioError(problems, source=str(path))
    return spec
