"""Which estimator for ``incentsim calibrate``: optimagic (DFO-LS, simulated moments) or
pyabc (ABC-SMC)? Both on the same small recovery problem, with the same simulator, seeds
and cache-free evaluations; prints and writes wall time, evaluations and recovery.

    PYTHONPATH=src python benchmarks/calibration_methods.py [--out docs/calibration/methods.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

from incentsim.design.estimation import msm
from incentsim.design.estimation.calibrate import _panel
from incentsim.design.estimation.recovery import coverage, synthetic_spec
from incentsim.design.estimation.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = """
name: methods
base: {base}
set: {{world.scale: small, world.n_provinces: 4, world.prefectures_per_province: 5,
      world.horizon: 20, world.burn_in: 5, world.firms_per_prefecture: 40,
      world.citizens_per_prefecture: 60}}
seeds: 0-2
parameters:
  promotion.capacity: {{start: 0.13, bounds: [0.05, 0.4]}}
  tenure.early_turnover_hazard: {{start: 0.06, bounds: [0.0, 0.4]}}
moments: [promotion_rate, promotion_gradient, spell_mean, exit_hazard, spell_short]
max_evaluations: 30
"""
TRUTH = {"promotion.capacity": 0.25, "tenure.early_turnover_hazard": 0.15}


def setup(tmp: Path):
    """The recovery problem's spec (synthetic targets from :data:`TRUTH`) and simulator."""
    (tmp / "spec.yaml").write_text(SPEC.format(base=ROOT / "configs" / "gdp_tournament.yaml"))
    spec = load_spec(tmp / "spec.yaml")
    run_panel = partial(
        _panel, runs_dir=tmp / "runs", executor="serial", jobs=1, scheduler=None, name="methods"
    )
    return synthetic_spec(spec, TRUTH, [100, 101, 102], run_panel), run_panel


def with_msm(spec, run_panel, tmp: Path) -> dict:
    """Estimate by simulated moments (optimagic DFO-LS) with sandwich intervals."""
    t0 = time.time()
    sim = msm.SimulatedMoments(spec, tmp / "runs", msm.MomentCache(tmp / "msm.jsonl"), run_panel)
    best = msm.minimise(spec, sim)
    ev = sim(best["values"])
    G = msm.jacobian(spec, sim, best["values"], ev.values)
    res = msm.inference(spec, best["values"], ev, G)
    return {
        "method": "optimagic nag_dfols (MSM) + sandwich",
        "seconds": time.time() - t0,
        "evaluations": sim.count,
        "recovery": coverage(res, TRUTH),
    }


def with_abc(spec, run_panel, tmp: Path, population: int = 30, generations: int = 3) -> dict:
    """Estimate by ABC-SMC (pyabc) with 95 % posterior intervals."""
    import pyabc

    t0 = time.time()
    sim = msm.SimulatedMoments(spec, tmp / "runs", msm.MomentCache(tmp / "abc.jsonl"), run_panel)
    names = [f"p{j}" for j in range(len(spec.parameters))]
    prior = pyabc.Distribution(
        **{
            n: pyabc.RV("uniform", p.lower, p.upper - p.lower)
            for n, p in zip(names, spec.parameters)
        }
    )
    target, _s = msm.targets_and_weights(spec)

    def model(par):
        ev = sim({p.path: float(par[n]) for n, p in zip(names, spec.parameters)})
        return {"m": msm.residuals(ev, spec)}

    def distance(x, x0):
        return float(np.sqrt(np.sum((x["m"] - x0["m"]) ** 2)))

    abc = pyabc.ABCSMC(
        model,
        prior,
        distance,
        population_size=population,
        sampler=pyabc.sampler.SingleCoreSampler(),
    )
    abc.new(f"sqlite:///{tmp / 'abc.db'}", {"m": np.zeros(len(target))})
    hist = abc.run(max_nr_populations=generations)
    df, w = hist.get_distribution()
    rec = []
    for n, p in zip(names, spec.parameters):
        order = np.argsort(df[n].to_numpy())
        x, cw = df[n].to_numpy()[order], np.cumsum(w[order])
        lo, hi = x[np.searchsorted(cw, 0.025)], x[min(np.searchsorted(cw, 0.975), len(x) - 1)]
        rec.append(
            {
                "parameter": p.path,
                "truth": TRUTH[p.path],
                "estimate": float(np.sum(df[n].to_numpy() * w)),
                "ci_low": float(lo),
                "ci_high": float(hi),
                "covered": bool(lo <= TRUTH[p.path] <= hi),
            }
        )
    return {
        "method": f"pyabc ABC-SMC ({population} particles, {generations} generations)",
        "seconds": time.time() - t0,
        "evaluations": sim.count,
        "recovery": rec,
    }


def main() -> None:
    """Run both estimators, print their results and write them to ``--out``."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        spec, run_panel = setup(tmp)
        rows = [with_msm(spec, run_panel, tmp), with_abc(spec, run_panel, tmp)]
    text = json.dumps({"truth": TRUTH, "results": rows}, indent=1)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
