"""Simulated method of moments: the objective, its minimum and its statistics.

The estimator (McFadden 1989; Gouriéroux & Monfort 1996) picks the parameters θ whose
simulated moments m(θ) come closest to the targets m* in the weighted distance

    Q(θ) = (m(θ) - m*)' W (m(θ) - m*),   W = diag(1 / s²),

where ``s`` is each target's standard error (a quarter of its band where calibration.md
gives a band: :meth:`~incentsim.analysis.validation.targets.Target.weight_se`). W is diagonal
because the targets come from different papers and data sets with no published
covariance; with it every residual is "distance in target standard errors", and
``Q`` is minimised as a least-squares problem by a derivative-free optimagic algorithm
(DFO-LS by default: it models each residual, not only their sum, and tolerates the
jumps a simulation with discrete events has).

* **Common random numbers**: m(θ) is the moment of the panel pooled over the *same*
  seeds at every θ (:mod:`incentsim.design.estimation.simulated`), so Q(θ) is a deterministic
  function and its differences are not seed noise. **Replicate averaging**: pooling R
  seeds divides the simulation variance by about R.
* **Inference**: G = ∂m/∂θ by central differences (optimagic ``first_derivative``,
  steps a share of each parameter's range, one-sided at a bound), Ω = diag(s² + σ²)
  with σ the simulated moment's own standard error (the larger of the SE clustered by
  run on the pooled panel and the SE from the spread across seeds, about equal:
  docs/validation/inference.md), and the
  sandwich V = B G'WΩWG B, B = (G'WG)⁻¹.
* **Over-identification**: J = e'Ω⁻¹e at the estimate (e = m(θ̂) - m*), χ² with
  M - K degrees of freedom under the model (W is Ω⁻¹ up to the simulation term).
* **Identification**: the Jacobian in "target SEs moved across the parameter's whole
  range", the sensitivity Λ = -B G'W of Andrews, Gentzkow & Shapiro (2017) (how a
  one-SE shift of each target moves each estimate), and the parameters the data do not
  pin down (95 % interval wider than half the range, or G'WG near-singular).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from incentsim.analysis.validation import calibration as cal, moments as mm
from incentsim.design.estimation.spec import CalibrationSpec
from incentsim.runs.experiment import task_key

#: residual (in target SEs) given to a moment the estimator could not compute
MISSING_RESIDUAL = 100.0


@dataclass
class Evaluation:
    """Simulated moments at one parameter point: values, standard errors, cost."""

    values: np.ndarray
    ses: np.ndarray
    seconds: float
    cached: bool


def estimator_fingerprint() -> str:
    """Hash of the code computing moments (a cached point is stale when it changes)."""
    h = hashlib.sha256()
    for mod in (mm, cal, __import__(__name__, fromlist=["_"])):
        h.update(Path(inspect.getfile(mod)).read_bytes())
    return h.hexdigest()[:12]


class MomentCache:
    """Evaluated points, one JSON line each, keyed by scenario + seeds + code.

    Lines are appended and fsynced, so a crash loses at most the point being written;
    a torn last line is ignored when reading.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            for line in self.path.read_text().splitlines():
                try:
                    e = json.loads(line)
                    self.entries[e["key"]] = e
                except (ValueError, KeyError):
                    continue

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    def put(self, key: str, entry: dict[str, Any]) -> None:
        entry = {"key": key, **entry}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.entries[key] = entry


def moments_and_ses(panel, ids: list[str], series=None) -> tuple[np.ndarray, np.ndarray]:
    """Pooled moments and their standard errors: for panel moments the larger of the
    clustered SE and the SE from the spread across seeds
    (:func:`incentsim.analysis.validation.moments.replicate_se`); for the model-only means
    of yearly series (:data:`~incentsim.analysis.validation.calibration.SERIES_MEANS`,
    computed on the pooled timeseries ``series``) the SE across seeds."""
    on_panel = [i for i in ids if i in mm.MOMENTS]
    est = mm.compute(panel, on_panel)
    rep = mm.replicate_se(panel, on_panel)
    se = {i: np.nanmax([est[i].se, rep[i], 0.0]) for i in on_panel}
    for i in ids:
        if i not in est:
            est[i] = cal.series_mean(series, i)
            se[i] = np.nanmax([est[i].se, 0.0])
    values = np.array([est[i].value for i in ids], dtype=float)
    ses = np.array([se[i] for i in ids], dtype=float)
    return values, np.where(np.isfinite(values), ses, np.nan)


def _nan_to_none(a: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in a]


class SimulatedMoments:
    """m(θ): the spec's moments on the panel simulated at θ over the spec's seeds."""

    def __init__(
        self,
        spec: CalibrationSpec,
        runs_dir: str | Path,
        cache: MomentCache,
        run_panel: Callable[..., Any],
        log: Callable[[str], None] | None = None,
    ):
        self.spec, self.runs_dir, self.cache = spec, Path(runs_dir), cache
        self.run_panel, self.log = run_panel, log
        self.ids = [t.moment for t in spec.targets]
        self.count = 0

    def key(self, values: dict[str, float]) -> str:
        sc = self.spec.scenario(values)
        blob = json.dumps(
            {
                "runs": [task_key(sc, s) for s in self.spec.seeds],
                "moments": self.ids,
                "estimators": estimator_fingerprint(),
            }
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    def __call__(self, values: dict[str, float]) -> Evaluation:
        t0 = time.time()
        key = self.key(values)
        hit = self.cache.get(key)
        cached = hit is not None
        if hit is None:
            panel, series = self.run_panel(self.spec.scenario(values), self.spec.seeds)
            values_, ses = moments_and_ses(panel, self.ids, series)
            hit = {"params": values, "values": _nan_to_none(values_), "ses": _nan_to_none(ses)}
            self.cache.put(key, hit)
        self.count += 1
        return Evaluation(
            np.array(hit["values"], dtype=float),
            np.array(hit["ses"], dtype=float),
            time.time() - t0,
            cached,
        )


def targets_and_weights(spec: CalibrationSpec) -> tuple[np.ndarray, np.ndarray]:
    """The target moments and the scale each residual is divided by."""
    return (
        np.array([t.centre() for t in spec.targets]),
        np.array([t.weight_se() for t in spec.targets]),
    )


def residuals(ev: Evaluation, spec: CalibrationSpec) -> np.ndarray:
    """Weighted residuals of an evaluation (a missing moment counts as a large miss)."""
    target, s = targets_and_weights(spec)
    r = (ev.values - target) / s
    return np.where(np.isfinite(r), r, MISSING_RESIDUAL)


def values_of(spec: CalibrationSpec, u: np.ndarray) -> dict[str, float]:
    """Parameter values of a point ``u`` of the unit cube (clipped into it)."""
    return {p.path: p.from_unit(x) for p, x in zip(spec.parameters, np.clip(u, 0.0, 1.0))}


def minimise(
    spec: CalibrationSpec,
    sim: SimulatedMoments,
    progress: Callable[[int, float, dict[str, float], Evaluation], None] | None = None,
) -> dict[str, Any]:
    """Minimise Q over the unit cube of the parameters' bounds (optimagic)."""
    import optimagic as om

    best = {"q": math.inf}

    @om.mark.least_squares
    def fun(u):
        vals = values_of(spec, u)
        ev = sim(vals)
        r = residuals(ev, spec)
        q = float(r @ r)
        best["q"] = min(best["q"], q)
        if progress:
            progress(sim.count, q, vals, ev)
        return r

    k = len(spec.parameters)
    u0 = np.array([p.to_unit(p.start) for p in spec.parameters])
    options: dict[str, Any] = {"stopping_maxfun": spec.max_evaluations}
    if spec.algorithm == "nag_dfols":
        # residuals carry simulation noise of about one target SE even under common random
        # numbers (path dependence): DFO-LS's noisy mode keeps its trust region above that
        # level and restarts when progress stalls; a first step of a fifth of each range
        options.update(noise_additive_level=1.0, trustregion_initial_radius=0.2)
    res = om.minimize(
        fun=fun,
        params=u0,
        algorithm=spec.algorithm,
        bounds=om.Bounds(lower=np.zeros(k), upper=np.ones(k)),
        algo_options=options,
    )
    return {
        "values": values_of(spec, np.asarray(res.params)),
        "q": float(res.fun),
        "evaluations": int(res.n_fun_evals or sim.count),
        "message": str(res.message),
        "algorithm": spec.algorithm,
    }


def jacobian(
    spec: CalibrationSpec, sim: SimulatedMoments, values: dict[str, float], f0: np.ndarray
) -> np.ndarray:
    """∂m/∂θ (M × K) at ``values`` by central differences (one-sided at a bound)."""
    import optimagic as om

    lo = np.array([p.lower for p in spec.parameters])
    hi = np.array([p.upper for p in spec.parameters])
    x0 = np.array([values[p.path] for p in spec.parameters])

    def m(x):
        return sim({p.path: float(v) for p, v in zip(spec.parameters, x)}).values

    out = om.first_derivative(
        m,
        x0,
        bounds=om.Bounds(lower=lo, upper=hi),
        step_size=spec.jacobian_step * (hi - lo),
        f0=f0,
        error_handling="raise",
    )
    return np.asarray(out.derivative, dtype=float).reshape(len(f0), len(x0))


def inference(
    spec: CalibrationSpec, values: dict[str, float], ev: Evaluation, G: np.ndarray
) -> dict[str, Any]:
    """Sandwich standard errors, J test, sensitivity and identification at the estimate."""
    target, s = targets_and_weights(spec)
    sim_se = np.nan_to_num(ev.ses, nan=0.0)
    W = np.diag(1.0 / s**2)
    omega = np.diag(s**2 + sim_se**2)
    GWG = G.T @ W @ G
    B = np.linalg.pinv(GWG)
    V = B @ G.T @ W @ omega @ W @ G @ B
    se = np.sqrt(np.clip(np.diag(V), 0.0, None))
    e = np.nan_to_num(ev.values - target, nan=MISSING_RESIDUAL)
    J = float(e @ np.linalg.solve(omega, e))
    df = len(e) - len(values)
    rng = np.array([p.upper - p.lower for p in spec.parameters])
    eig = np.linalg.eigvalsh(GWG * np.outer(rng, rng)) if len(rng) else np.array([1.0])
    x = np.array([values[p.path] for p in spec.parameters])
    z = stats.norm.ppf(0.975)
    params = []
    for j, p in enumerate(spec.parameters):
        params.append(
            {
                "parameter": p.path,
                "estimate": float(x[j]),
                "se": float(se[j]),
                "ci_low": float(x[j] - z * se[j]),
                "ci_high": float(x[j] + z * se[j]),
                "bounds": [p.lower, p.upper],
                "start": p.start,
                "pinned_down": bool(2 * z * se[j] < 0.5 * rng[j]),
            }
        )
    fit = [
        {
            "moment": t.id,
            "name": t.name,
            "simulated": float(v),
            "simulated_se": float(ss),
            "target": t.centre(),
            "target_se": float(sw),
            "scale": t.scale,
            "unit": t.unit,
            "diff_in_se": float((v - t.centre()) / math.sqrt(sw**2 + ss**2)),
            "matched": t.matched(float(v)),
        }
        for t, v, ss, sw in zip(spec.targets, ev.values, sim_se, s)
    ]
    return {
        "parameters": params,
        "fit": fit,
        "J": J,
        "J_df": df,
        "J_p": float(stats.chi2.sf(J, df)) if df > 0 else None,
        "jacobian_se_per_range": (G * rng[None, :] / s[:, None]).tolist(),
        "sensitivity_per_target_se": (-(B @ G.T @ W) * s[None, :]).tolist(),
        "min_eigen_ratio": float(eig.min() / eig.max()) if eig.max() > 0 else 0.0,
        "vcov": V.tolist(),
    }
