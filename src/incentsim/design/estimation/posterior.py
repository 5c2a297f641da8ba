r"""Parameter uncertainty in comparisons: one draw of the estimated parameters per seed.

An estimation (``estimates.json`` of ``incentsim calibrate``) gives estimates θ̂ and
their covariance V. :func:`draw` takes, for a seed, one parameter vector from the normal
approximation N(θ̂, V) of the estimator's sampling distribution, clipped to the
parameters' bounds, from the seed's own ``posterior`` stream (so the same seed always
gets the same draw). :func:`with_draw` puts it into a scenario: a comparison over seeds
whose runs for seed *s* all use draw *s* is then paired by seed as before, and the
spread of its differences carries parameter uncertainty as well as seed noise.

A drawn parameter is applied to a scenario only where it means the same thing: schema
fields always, a mechanism's parameter only if the scenario already has that mechanism
on (a stylized scenario without ``mixed_evaluation`` is not given one).

    incentsim compare configs/china_2000s.yaml configs/china_2010s.yaml --seeds 20 \
        --posterior docs/calibration/china_2000s/estimates.json
    incentsim report --compare-last      # says the intervals carry parameter uncertainty

    # Python: the same pairing, seed s of every scenario with draw s
    est = read_estimates("docs/calibration/china_2000s/estimates.json")
    runs = {name: [incentsim.simulate(f"configs/{name}.yaml", seed=s, posterior=est)
                   for s in range(20)] for name in ("china_2000s", "china_2010s")}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from incentsim.scenario import Scenario, ScenarioError, load_scenario
from incentsim.seeding import stream


def read_estimates(path: str | Path) -> dict[str, Any]:
    """Estimates, bounds and covariance of an ``estimates.json`` (ScenarioError if unusable)."""
    p = Path(path)
    try:
        est = json.loads(p.read_text())
        params = est["parameters"]
        cov = np.array(est["vcov"], dtype=float)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError([("--posterior", f"cannot read estimates from {p}: {exc}")]) from None
    if cov.shape != (len(params), len(params)):
        raise ScenarioError([("--posterior", f"{p}: covariance does not match the parameters")])
    return {
        "names": [q["parameter"] for q in params],
        "mean": np.array([q["estimate"] for q in params], dtype=float),
        "bounds": np.array([q["bounds"] for q in params], dtype=float),
        "cov": cov,
    }


def estimates_of(posterior: str | Path | dict[str, Any]) -> dict[str, Any]:
    """``posterior`` as :func:`read_estimates` returns it: a path is read, a mapping that
    :func:`read_estimates` returned is passed through."""
    return posterior if isinstance(posterior, dict) else read_estimates(posterior)


def draw(estimates: dict[str, Any], seed: int) -> dict[str, float]:
    """Seed ``seed``'s draw of the parameters (normal approximation, clipped to bounds)."""
    rng = stream(seed, "posterior")
    cov = (estimates["cov"] + estimates["cov"].T) / 2
    x = rng.multivariate_normal(estimates["mean"], cov, method="eigh")
    x = np.clip(x, estimates["bounds"][:, 0], estimates["bounds"][:, 1])
    return dict(zip(estimates["names"], map(float, x)))


def applies(scenario: Scenario, path: str) -> bool:
    """Whether ``path`` means the same in ``scenario``: a schema field, or a parameter of
    a mechanism the scenario has on."""
    parts = path.split(".")
    if parts[0] != "accountability":
        return True
    mech = getattr(scenario.accountability, parts[1], None)
    return mech is not None and bool(mech.enabled)


def with_draw(scenario: Scenario, estimates: dict[str, Any], seed: int) -> Scenario:
    """``scenario`` with seed ``seed``'s draw of every applicable estimated parameter."""
    types = {}
    for name in estimates["names"]:
        node: Any = scenario
        for part in name.split("."):
            node = getattr(node, part, None)
        types[name] = type(node)
    values = {
        k: (round(v) if types[k] is int else v)
        for k, v in draw(estimates, seed).items()
        if applies(scenario, k)
    }
    return load_scenario(scenario, values)
