"""Scenarios as validated data.

A scenario is a nested mapping (YAML, TOML, a dict) layered on the embedded
defaults and validated once, before any simulation starts. Every problem is
reported at once with its dotted path and what is allowed, as one
:class:`ScenarioError`.

Vocabularies are kept apart (EMA-workbench style):

* levers — ``promotion``, ``tenure``, ``accountability``: what a reform changes;
* uncertainties — ``economy``, ``behaviour``: what we do not know for sure;
* set-up — ``world``: size and horizon of the simulated country.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, create_model,
                      field_validator, model_validator)

from incentsim import shipped
from incentsim.economy import USES
from incentsim.errors import ScenarioError
from incentsim.rules.accountability import MECHANISMS
from incentsim.rules.promotion import PROMOTION_RULES
from incentsim.sizes import memory_problem

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
Frac = Annotated[float, Field(ge=0.0, le=1.0)]
Pos = Annotated[float, Field(gt=0.0, le=1e6)]
NonNeg = Annotated[float, Field(ge=0.0, le=1e6)]
Sd = Annotated[float, Field(ge=0.0, le=1.0)]

#: size presets (``world.scale``); explicit ``world`` keys override a preset
SCALES: dict[str, dict[str, int]] = {
    "small": dict(n_provinces=6, prefectures_per_province=5, firms_per_prefecture=150,
                  citizens_per_prefecture=300),
    "province": dict(n_provinces=4, prefectures_per_province=10, firms_per_prefecture=500,
                     citizens_per_prefecture=2000),
    "national": dict(n_provinces=31, prefectures_per_province=10, firms_per_prefecture=1000,
                     citizens_per_prefecture=5000),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class World(_Section):
    """Size, geography and horizon of the simulated country (set-up, not a lever)."""

    scale: Literal["small", "province", "national"] = "small"
    n_provinces: Annotated[int, Field(ge=1, le=1000)] = 6
    prefectures_per_province: Annotated[int, Field(ge=1, le=1000)] = 5
    firms_per_prefecture: Annotated[int, Field(ge=2, le=1_000_000)] = 150
    citizens_per_prefecture: Annotated[int, Field(ge=2, le=1_000_000)] = 300
    cross_province_links: Annotated[int, Field(ge=0, le=100)] = 2
    citizen_neighbours: Annotated[int, Field(ge=0, le=32)] = 4
    burn_in: Annotated[int, Field(ge=0, le=200)] = 10
    horizon: Annotated[int, Field(ge=1, le=500)] = 40


class Economy(_Section):
    """Structural parameters of the economy (uncertainties)."""

    national_shock_sd: Sd = 0.015
    local_shock_sd: Sd = 0.05
    #: AR(1) coefficient of local growth shocks (< 0: partly transitory, mean-reverting)
    local_shock_persistence: Annotated[float, Field(ge=-0.9, le=0.9)] = -0.1
    frontier_growth: Annotated[float, Field(ge=-0.2, le=0.5)] = 0.057
    #: frontier growth per point of entry rate above 5 % (creative destruction)
    churn_spillover: Annotated[float, Field(ge=0.0, le=5.0)] = 0.2
    #: frontier growth per unit of innovation stock above reference
    innovation_effect: Annotated[float, Field(ge=0.0, le=0.5)] = 0.02
    #: yearly convergence of a prefecture's frontier toward the national one
    frontier_convergence: Frac = 0.2
    capital_share: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.4
    depreciation: Frac = 0.08
    hurdle_rate: Frac = 0.06
    firm_productivity_sd: Sd = 0.08
    entrant_productivity_sd: Sd = 0.25
    entry_rate: Frac = 0.08
    exit_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.45
    tax_rate: Frac = 0.15
    infrastructure_elasticity: Frac = 0.15
    human_capital_elasticity: Frac = 0.3
    public_investment_multiplier: NonNeg = 1.1
    other_spending_multiplier: NonNeg = 0.3
    interest_rate: Frac = 0.05
    debt_repayment: Frac = 0.1
    pollution_spillover: Frac = 0.2
    growth_spillover: Frac = 0.1
    ability_effect: Annotated[float, Field(ge=0.0, le=0.1)] = 0.006
    protection_efficiency: NonNeg = 3.0
    emission_intensity_decline: Annotated[float, Field(ge=-0.5, le=0.5)] = 0.05
    environmental_compliance_cost: Frac = 0.12
    #: fall in firm entry per unit of abatement stock above reference (permits)
    environmental_entry_cost: Frac = 0.4


class Behaviour(_Section):
    """Behavioural parameters of leaders, firms and citizens (uncertainties)."""

    #: a mandated budget: every leader's shares of (investment, services, environment,
    #: subsidy, innovation) are fixed (earmarked budgets); leaders still choose borrowing
    #: and what to report. ``None``: leaders choose their shares.
    fixed_shares: list[Frac] | None = None

    @field_validator("fixed_shares")
    @classmethod
    def _fixed_shares(cls, shares):
        if shares is not None:
            if len(shares) != len(USES):
                raise ValueError(f"needs {len(USES)} shares ({', '.join(USES)}), "
                                 f"got {len(shares)}")
            if abs(sum(shares) - 1.0) > 1e-6:
                raise ValueError(f"shares must sum to 1, got {sum(shares):g}")
        return shares

    n_candidates: Annotated[int, Field(ge=2, le=4096)] = 64
    choice_temperature: Pos = 0.15
    budget_inertia: NonNeg = 6.0
    borrowing_inertia: NonNeg = 1.0
    career_value: NonNeg = 3.0
    discount: Frac = 0.85
    perception_noise: Sd = 0.2
    public_service_motivation: Frac = 0.35
    insider_local_weight: NonNeg = 1.5
    manipulation_cost: Pos = 60.0
    #: most growth (and pollution) a leader can fake in a year: beyond it the report no
    #: longer squares with the figures statistics bureaus cross-check (electricity,
    #: freight, tax revenue); binds mostly in the year before an evaluation
    max_manipulation: Frac = 0.045
    firm_investment_sensitivity: NonNeg = 0.6
    expectation_adjustment: Frac = 0.3
    trust_gain_rate: Frac = 0.05
    trust_loss_rate: Frac = 0.12
    tacitus_threshold: Frac = 0.35
    social_influence: Frac = 0.1
    central_credit: NonNeg = 1.0
    central_premium: Frac = 0.2
    central_blame: NonNeg = 0.15
    scandal_trust_shock: Frac = 0.05
    petition_threshold: Frac = 0.3
    petition_propensity: Frac = 0.05
    citizen_noise: Annotated[float, Field(ge=0.0, le=10.0)] = 0.5


class Weights(_Section):
    """Weights of a weighted promotion rule on each indicator (sum to 1)."""

    growth: Frac = 0.0
    environment: Frac = 0.0
    services: Frac = 0.0
    debt: Frac = 0.0
    satisfaction: Frac = 0.0
    firm_survey: Frac = 0.0


VetoKey = Literal["pollution_growth", "debt_to_gdp", "petitions"]


class Promotion(_Section):
    """The promotion rule and how the evaluation is run (lever)."""

    rule: Literal[tuple(PROMOTION_RULES.names())] = "gdp_tournament"  # type: ignore[valid-type]
    weights: Weights = Weights(growth=1.0)
    resident_weight: Frac = 0.5
    growth_target: Annotated[float, Field(ge=-0.5, le=1.0)] = 0.08
    target_escalation: Annotated[float, Field(ge=-0.5, le=0.5)] = 0.025
    patronage_strength: NonNeg = 3.0
    veto: dict[VetoKey, float] = Field(default_factory=dict)
    noise: NonNeg = 0.3
    memory: Frac = 1.0
    #: share of a year's outcomes still credited to the predecessor after one year in
    #: post; the incumbent is credited with ``1 - attribution_lag ** years_in_post``
    attribution_lag: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.7
    capacity: Frac = 0.13
    min_percentile: Frac = 0.3


class Tenure(_Section):
    """Terms, turnover and appointment (lever)."""

    term_length: Annotated[int, Field(ge=1, le=30)] = 5
    early_turnover_hazard: Prob = 0.06
    reappointment_prob: Prob = 0.25
    rotation_prob: Prob = 0.5
    insider_prob: Prob = 0.4
    connected_prob: Prob = 0.3
    promotion_age_limit: Annotated[int, Field(ge=30, le=90)] = 58
    retirement_age: Annotated[int, Field(ge=30, le=90)] = 60
    appointment_age_mean: Annotated[float, Field(ge=25, le=80)] = 45.0
    appointment_age_sd: Annotated[float, Field(ge=0, le=20)] = 3.5

    @model_validator(mode="after")
    def _ages(self):
        if self.promotion_age_limit > self.retirement_age:
            raise ValueError(
                f"promotion_age_limit ({self.promotion_age_limit}) must not exceed "
                f"retirement_age ({self.retirement_age})"
            )
        return self


def _accountability_model() -> type[BaseModel]:
    fields = {m.name: (m.Params | None, None) for m in MECHANISMS}
    return create_model(
        "Accountability",
        __config__=ConfigDict(extra="forbid", strict=True),
        __doc__="Accountability mechanisms in force, by name (lever).",
        **fields,
    )


Accountability = _accountability_model()


class Scenario(_Section):
    """A complete, validated scenario."""

    name: str = "default"
    description: str = ""
    world: World = World()
    economy: Economy = Economy()
    behaviour: Behaviour = Behaviour()
    promotion: Promotion = Promotion()
    tenure: Tenure = Tenure()
    accountability: Accountability = Accountability()  # type: ignore[valid-type]

    def mechanisms(self) -> list[tuple[str, Any]]:
        """Enabled mechanisms as ``(name, params)`` in registry order."""
        out = []
        for name in MECHANISMS.names():
            p = getattr(self.accountability, name)
            if p is not None and p.enabled:
                out.append((name, p))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (JSON/YAML-safe) that validates back to this scenario."""
        return self.model_dump(mode="json", exclude_none=True)


# --------------------------------------------------------------------------- loading

SECTIONS = {
    "world": World, "economy": Economy, "behaviour": Behaviour,
    "promotion": Promotion, "tenure": Tenure,
}


def read_yaml_mapping(path: str | Path, what: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (a sweep or problem spec); a missing
    file, a parse error or a non-mapping is a :class:`ScenarioError` naming ``what``."""
    p = Path(path)
    src = str(p)
    if not p.is_file():
        raise ScenarioError([("<file>", shipped.not_found(p, what))], source=src)
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ScenarioError([("<file>", "cannot parse: " + " ".join(str(exc).split()))],
                            source=src) from None
    if not isinstance(data, dict):
        raise ScenarioError([("<root>", f"a {what} must be a mapping")], source=src)
    return data


def read_base_scenario(value: Any, spec_dir: Path | None, label: str,
                       problems: list[tuple[str, str]]) -> dict[str, Any]:
    """Read the base scenario a sweep or problem spec names (relative paths are looked up
    beside the spec first); a problem is appended under ``label``, not raised."""
    path = Path(str(value))
    if not path.is_absolute() and spec_dir is not None and (spec_dir / path).exists():
        path = spec_dir / path
    try:
        return read_file(path)
    except ScenarioError as exc:
        problems.extend((f"{label} {p}", m) for p, m in exc.problems)
        return {}


def read_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or TOML scenario file into a dict (no validation yet); a bare name such
    as ``gdp_tournament`` that is not a file names a shipped scenario."""
    p = shipped.resolve(path, "scenario")
    if not p.is_file():
        raise ScenarioError([("<file>", shipped.not_found(p, "scenario"))], source=str(p))
    try:
        if p.suffix == ".toml":
            data = tomllib.loads(p.read_text())
        elif p.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(p.read_text())
        else:
            raise ScenarioError(
                [("<file>", f"unsupported extension {p.suffix!r}; use .yaml, .yml or .toml")],
                source=str(p),
            )
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        msg = " ".join(str(exc).split())
        raise ScenarioError([("<file>", f"cannot parse: {msg}")], source=str(p)) from None
    if data is None or data == {}:
        raise ScenarioError([("<file>", "the file sets nothing (it is empty or only comments); "
                                        "a scenario file needs at least one setting")],
                            source=str(p))
    if not isinstance(data, dict):
        raise ScenarioError([("<root>", "a scenario must be a mapping")], source=str(p))
    if "name" not in data:
        data["name"] = p.stem
    return data


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key.path=value`` (value read as YAML: ``3``, ``0.5``, ``true``, ``[a]``)."""
    if "=" not in text:
        raise ScenarioError([(text, "an override must look like key.path=value")])
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError([(text, "an override needs a key before '='")])
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a copy of ``data`` with dotted-key overrides applied."""
    out = copy.deepcopy(data)
    for dotted, value in (overrides or {}).items():
        parts = str(dotted).split(".")
        node = out
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            elif not isinstance(nxt, dict):
                raise ScenarioError(
                    [(".".join(parts[: i + 1]), f"is a value, cannot set {dotted!r} inside it")]
                )
            node = nxt
        node[parts[-1]] = value
    return out


def _layer_scale(data: dict[str, Any]) -> dict[str, Any]:
    """Put the ``world.scale`` preset under any explicit ``world`` keys."""
    world = data.get("world")
    if not isinstance(world, dict):
        return data
    scale = world.get("scale", "small")
    if isinstance(scale, str) and scale in SCALES:
        data = dict(data)
        data["world"] = {**SCALES[scale], **world}
    return data


def _allowed_keys(loc: tuple) -> list[str] | None:
    model: Any = Scenario
    for part in loc[:-1]:
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return None
        ann = fields[part].annotation
        args = [a for a in getattr(ann, "__args__", ()) if a is not type(None)]
        model = args[0] if args and isinstance(args[0], type) else ann
    fields = getattr(model, "model_fields", None)
    return list(fields) if fields else None


def _format_errors(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"]
                    if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]")))
        path = ".".join(str(p) for p in loc) or "<root>"
        kind = err["type"]
        if kind == "extra_forbidden":
            allowed = _allowed_keys(loc)
            msg = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif kind == "literal_error":
            msg = f"got {err['input']!r}; {err['msg'][0].lower()}{err['msg'][1:]}"
        elif kind in ("finite_number",):
            msg = f"must be a finite number, got {err['input']!r}"
        else:
            text = err["msg"]
            if text.startswith("Value error, "):
                text = text[len("Value error, "):]
            shown = err.get("input")
            msg = text if isinstance(shown, (dict, list)) else f"{text} (got {shown!r})"
        problems.append((path, msg))
    return problems


def _size_problems(sc: Scenario) -> list[tuple[str, str]]:
    """Sizes that validate field by field but together would not fit in memory
    (:mod:`incentsim.sizes`)."""
    problem = memory_problem(sc.world, sc.behaviour.n_candidates)
    return [("world", problem)] if problem else []


def _rule_problems(sc: Scenario) -> list[tuple[str, str]]:
    rule_cls = PROMOTION_RULES[sc.promotion.rule]
    return [(f"promotion.{sub}", msg) for sub, msg in rule_cls.check(sc.promotion)]


def validate(data: Mapping[str, Any], source: str | None = None) -> Scenario:
    """Validate a scenario mapping (already layered) and return a :class:`Scenario`."""
    if not isinstance(data, Mapping):
        raise ScenarioError([("<root>", "a scenario must be a mapping")], source=source)
    layered = _layer_scale(dict(data))
    try:
        sc = Scenario.model_validate(layered)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc), source=source) from None
    problems = _rule_problems(sc) + _size_problems(sc)
    if problems:
        raise ScenarioError(problems, source=source)
    return sc


def load_scenario(
    scenario: str | Path | Mapping[str, Any] | Scenario,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load and validate a scenario from a path, a mapping or a Scenario.

    ``overrides`` maps dotted keys (``"tenure.term_length"``) to values and is
    applied on top before validation; an override naming an unknown key is an
    error like any other.
    """
    source = None
    if isinstance(scenario, Scenario):
        data = scenario.to_dict()
    elif isinstance(scenario, (str, Path)):
        source = str(scenario)
        data = read_file(scenario)
    elif isinstance(scenario, Mapping):
        data = copy.deepcopy(dict(scenario))
    else:
        raise ScenarioError([("<root>", f"cannot load a scenario from {type(scenario).__name__}")])
    data = apply_overrides(data, overrides)
    return validate(data, source=source)


def flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten a nested mapping to dotted keys (lists kept as values)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out

