"""Parameter recovery: estimate on targets simulated at known parameters.

:func:`synthetic_spec` replaces a spec's targets by the moments of a panel simulated at
``truth`` on *other* seeds than the estimation's (the "data" are never the estimation's
own draws), with the standard errors of that panel (clustered by run) as the
targets' standard errors (the larger of the clustered and the between-seed SE) and ±2
of them as bands. Estimating on that spec should give
intervals that cover ``truth``; :func:`coverage` says whether they do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from incentsim.design.estimation.msm import moments_and_ses
from incentsim.design.estimation.spec import CalibrationSpec


def synthetic_spec(
    spec: CalibrationSpec,
    truth: dict[str, float],
    data_seeds: Sequence[int],
    run_panel: Callable[..., Any],
) -> CalibrationSpec:
    """A copy of ``spec`` whose targets are the moments simulated at ``truth``."""
    if set(data_seeds) & set(spec.seeds):
        raise ValueError("data seeds must differ from the estimation's seeds")
    panel, series = run_panel(spec.scenario(truth), list(data_seeds))
    values, ses = moments_and_ses(panel, [t.moment for t in spec.targets], series)
    targets = []
    for t, v, se in zip(spec.targets, values, ses):
        if not (np.isfinite(v) and np.isfinite(se) and se > 0):
            raise ValueError(f"moment {t.id} has no finite value and SE at the truth")
        targets.append(
            dataclasses.replace(
                t,
                value=float(v),
                se=float(se),
                band=(v - 2 * se, v + 2 * se),
                target=f"simulated at {truth}",
                source="synthetic (parameter recovery)",
            )
        )
    return dataclasses.replace(spec, targets=targets, name=f"{spec.name}_recovery")


def coverage(result: dict[str, Any], truth: dict[str, float]) -> list[dict[str, Any]]:
    """For each parameter: truth, estimate, interval, and whether it covers the truth."""
    out = []
    for p in result["parameters"]:
        v = truth[p["parameter"]]
        out.append(
            {
                "parameter": p["parameter"],
                "truth": v,
                "estimate": p["estimate"],
                "se": p["se"],
                "ci_low": p["ci_low"],
                "ci_high": p["ci_high"],
                "error_in_se": (p["estimate"] - v) / p["se"] if p["se"] > 0 else None,
                "covered": bool(p["ci_low"] <= v <= p["ci_high"]),
                "pinned_down": p["pinned_down"],
            }
        )
    return out
