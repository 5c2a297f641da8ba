"""Parameter recovery at province scale (the full version of the test-suite check).

Takes ``specs/calibrate_china_2000s.yaml``, keeps the parameters named by ``--params``
(the others stay at ``configs/china_2000s.yaml``'s values), simulates its moments at the
truth (the config's values, i.e. the estimates) on seeds 500-507, estimates on the
spec's seeds from starts ``--offset`` of each range away from the truth (up, or down
where up leaves the range; the spec's own starts are the estimates, so they would start
at the truth), and writes each parameter's truth, estimate and 95 % interval to
OUT/recovery.json.

    PYTHONPATH=src python experiments/calibration_recovery.py [--max-evaluations 40] [--offset 0.15]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from functools import partial
from pathlib import Path
from typing import Any

from incentsim.design.estimation.calibrate import _panel, run
from incentsim.design.estimation.recovery import coverage, synthetic_spec
from incentsim.design.estimation.spec import load_spec
from incentsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (
    "accountability.target_responsibility.pressure",
    "tenure.early_turnover_hazard",
    "promotion.capacity",
    "economy.local_shock_sd",
)


def truth_of(spec, paths) -> dict[str, float]:
    """The values the spec's base scenario gives the dotted parameter ``paths``."""
    sc = load_scenario(spec.base)
    out = {}
    for path in paths:
        node: Any = sc
        for part in path.split("."):
            node = getattr(node, part)
        out[path] = float(node)
    return out


def offset_start(p, truth: float, offset: float):
    """``p`` started ``offset`` of its range from ``truth`` (up, else down)."""
    up = truth + offset * (p.upper - p.lower)
    start = up if up <= p.upper else truth - offset * (p.upper - p.lower)
    return dataclasses.replace(p, start=start)


def main() -> None:
    """Simulate the data at the truth, estimate from offset starts, write the coverage."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", default=",".join(DEFAULT))
    ap.add_argument("--max-evaluations", type=int, default=40)
    ap.add_argument("--offset", type=float, default=0.15)
    ap.add_argument("--out", default=str(ROOT / "docs" / "calibration"))
    ap.add_argument("--work", default=str(ROOT / "results" / "calibration" / "recovery"))
    args = ap.parse_args()
    spec = load_spec(ROOT / "specs" / "calibrate_china_2000s.yaml")
    keep = args.params.split(",")
    spec = dataclasses.replace(
        spec,
        parameters=[p for p in spec.parameters if p.path in keep],
        max_evaluations=args.max_evaluations,
    )
    truth = truth_of(spec, keep)
    spec = dataclasses.replace(
        spec, parameters=[offset_start(p, truth[p.path], args.offset) for p in spec.parameters]
    )
    work = Path(args.work)
    run_panel = partial(
        _panel, runs_dir=work / "runs", executor="local", jobs=None, scheduler=None, name="recovery"
    )
    t0 = time.time()
    syn = synthetic_spec(spec, truth, list(range(500, 508)), run_panel)
    res = run(syn, work, work / "runs")
    out = {
        "truth": truth,
        "starts": {p.path: p.start for p in spec.parameters},
        "data_seeds": "500-507",
        "estimation_seeds": spec.seeds,
        "coverage": coverage(res, truth),
        "J": res["J"],
        "J_df": res["J_df"],
        "evaluations": res["timing"]["evaluations"],
        "seconds": round(time.time() - t0),
    }
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "recovery.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
