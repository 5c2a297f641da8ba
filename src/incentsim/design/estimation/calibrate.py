"""``incentsim calibrate SPEC``: estimate parameters on the real record by simulated moments.

Validates the spec (:mod:`incentsim.design.estimation.spec`) before anything runs, minimises
the weighted moment distance (:mod:`incentsim.design.estimation.msm`) with every simulation a
tracked run on the sweep executors (``--executor local|serial|dask``), then computes
the Jacobian, sandwich intervals, J test and identification diagnostics and writes, in
``--out`` (default ``results/calibration/NAME``):

``estimates.json``  estimates with 95 % intervals, fit, J test, diagnostics, settings
``fit.csv``         every moment: simulated, target, difference in standard errors
``jacobian.csv``    how each moment moves with each parameter (target SEs per range)
``jacobian.png``, ``fit.png``   the same as figures
``cache.jsonl``     every evaluated point (scenario + seeds + code → moments)

The simulations and the finished estimation (a Sacred run ``incentsim-calibrate`` with
these files as artifacts) are tracked in the runs directory: ``--runs-dir``, else
``$INCENTSIM_RUNS_DIR``, else ``OUT/runs``. Interrupted, it resumes from ``cache.jsonl`` and
the finished runs (the optimiser replays the cached points without simulating).
"""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from incentsim.design.estimation import msm
from incentsim.design.estimation.simulated import simulated_panel
from incentsim.design.estimation.spec import CalibrationSpec, load_spec

#: the end of ``incentsim calibrate --help``: where its runs go and how to browse them
RUNS_EPILOG = """\
where the runs go:
  every simulation is a tracked run in --runs-dir, else $INCENTSIM_RUNS_DIR, else
  OUT/runs (results/calibration/NAME/runs by default), not in results/runs, so
  'incentsim runs list' shows them only when pointed there:
    incentsim runs list --runs-dir OUT/runs
"""


def build_parser():
    """The argument parser of ``incentsim calibrate``."""
    import argparse

    from incentsim.interfaces.cli_options import Parser, add_exec, add_runs_dir

    p = Parser(
        prog="incentsim calibrate",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=RUNS_EPILOG,
    )
    p.add_argument("spec", help="calibration spec (YAML), e.g. specs/calibrate_china_2000s.yaml")
    p.add_argument("--out", help="output directory (default results/calibration/NAME)")
    add_runs_dir(p, fallback="OUT/runs")
    add_exec(p)
    p.add_argument("--max-evaluations", type=int, help="override the spec's budget")
    p.add_argument(
        "--no-inference",
        action="store_true",
        help="stop after the minimum (no Jacobian, intervals or J test)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def _progress(quiet: bool, t0: float):
    def show(n: int, q: float, vals: dict[str, float], ev: msm.Evaluation) -> None:
        if quiet:
            return
        pv = ", ".join(f"{k.split('.')[-1]}={v:.4g}" for k, v in vals.items())
        tag = "cached" if ev.cached else f"{ev.seconds:.1f} s"
        print(
            f"  eval {n:3d}  Q = {q:9.3f}  {pv}  ({tag}; {time.time() - t0:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    return show


def run(
    spec: CalibrationSpec,
    out: Path,
    runs_dir: Path,
    *,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    inference: bool = True,
    quiet: bool = False,
) -> dict[str, Any]:
    """The whole estimation; returns the result written to ``estimates.json``."""
    t0 = time.time()
    run_panel = partial(
        _panel, runs_dir=runs_dir, executor=executor, jobs=jobs, scheduler=scheduler, name=spec.name
    )
    sim = msm.SimulatedMoments(spec, runs_dir, msm.MomentCache(out / "cache.jsonl"), run_panel)
    best = msm.minimise(spec, sim, _progress(quiet, t0))
    ev = sim(best["values"])
    seconds_min = time.time() - t0
    result: dict[str, Any] = {
        "name": spec.name,
        "spec": spec.source,
        "period": spec.period,
        "minimum": best,
        "seeds": spec.seeds,
        "set": spec.overrides,
    }
    if inference:
        G = msm.jacobian(spec, sim, best["values"], ev.values)
        result.update(msm.inference(spec, best["values"], ev, G))
    else:
        target, s = msm.targets_and_weights(spec)
        result["fit"] = [
            {
                "moment": t.id,
                "simulated": float(v),
                "target": float(c),
                "diff_in_se": float((v - c) / w),
            }
            for t, v, c, w in zip(spec.targets, ev.values, target, s)
        ]
    result["timing"] = {
        "seconds_total": round(time.time() - t0, 1),
        "seconds_minimise": round(seconds_min, 1),
        "evaluations": sim.count,
    }
    return result


def _panel(scenario, seeds, *, runs_dir, executor, jobs, scheduler, name):
    return simulated_panel(
        scenario,
        seeds,
        runs_dir,
        executor=executor,
        jobs=jobs,
        scheduler=scheduler,
        info={"purpose": "incentsim calibrate", "calibration": name},
    )


def write_outputs(result: dict[str, Any], spec: CalibrationSpec, out: Path) -> list[Path]:
    """estimates.json, fit.csv, jacobian.csv and figures; every file written atomically."""
    from incentsim.runs.experiment import written_atomically

    out.mkdir(parents=True, exist_ok=True)
    files = []
    with written_atomically(out / "estimates.json") as tmp:
        tmp.write_text(json.dumps(result, indent=1, default=float))
    files.append(out / "estimates.json")
    with written_atomically(out / "fit.csv") as tmp:
        pd.DataFrame(result["fit"]).to_csv(tmp, index=False)
    files.append(out / "fit.csv")
    if "jacobian_se_per_range" in result:
        jac = pd.DataFrame(
            result["jacobian_se_per_range"],
            index=[t.id for t in spec.targets],
            columns=[p.path for p in spec.parameters],
        )
        with written_atomically(out / "jacobian.csv") as tmp:
            jac.to_csv(tmp)
        files.append(out / "jacobian.csv")
        from incentsim.design.estimation.figures import fit_figure, jacobian_figure

        files += [
            jacobian_figure(jac, out / "jacobian.png"),
            fit_figure(result["fit"], out / "fit.png"),
        ]
    return files


def record(result: dict[str, Any], spec: CalibrationSpec, files: list[Path], runs_dir: Path) -> str:
    """Record the finished estimation as a Sacred run with its files as artifacts."""
    from sacred import Experiment

    from incentsim.runs.experiment import SafeFileStorageObserver, ensure_runs_dir

    ex = Experiment("incentsim-calibrate", save_git_info=False)
    # the spec as text: Sacred config keys cannot hold the dotted parameter names
    ex.add_config({"calibration_spec": json.dumps(spec.raw, default=str, sort_keys=True)})

    @ex.main
    def main(_run):
        _run.info.update(
            {
                "purpose": "incentsim calibrate",
                "scenario": spec.name,
                "estimates": {p["parameter"]: p["estimate"] for p in result.get("parameters", [])},
                "J": result.get("J"),
                "timing": result["timing"],
            }
        )
        for f in files:
            _run.add_artifact(str(f), f.name)
        return result["minimum"]["q"]

    ex.observers.append(SafeFileStorageObserver(str(ensure_runs_dir(runs_dir))))
    r = ex.run(options={"--capture": "no", "--loglevel": "CRITICAL"})
    return str(r._id)


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The estimation result as text: parameters with intervals, the moments' fit and J."""
    from incentsim.interfaces.cli_text import table

    lines = []
    if "parameters" in result:
        lines.append(
            table(
                [
                    [
                        p["parameter"],
                        f"{p['estimate']:.4g}",
                        f"[{p['ci_low']:.4g}, {p['ci_high']:.4g}]",
                        "yes" if p["pinned_down"] else "NO",
                    ]
                    for p in result["parameters"]
                ],
                ["parameter", "estimate", "95 % interval", "pinned down"],
            )
        )
    lines.append("")
    lines.append(
        table(
            [
                [
                    f["moment"],
                    f"{f['simulated'] * f.get('scale', 1):.4g}",
                    f"{f['target'] * f.get('scale', 1):.4g}",
                    f"{f['diff_in_se']:+.2f}",
                ]
                for f in result["fit"]
            ],
            ["moment", "simulated", "target", "diff (SE)"],
        )
    )
    if result.get("J_df"):
        lines.append(
            f"\nJ = {result['J']:.2f} on {result['J_df']} d.o.f. "
            f"(p = {result['J_p']:.3g}); Q at minimum {result['minimum']['q']:.3f}; "
            f"{result['timing']['evaluations']} evaluations, "
            f"{result['timing']['seconds_total']:.0f} s"
        )
    return lines


def main(argv: list[str]) -> int:
    """``incentsim calibrate``: estimate a spec's parameters by MSM and write the results."""
    from incentsim.interfaces.cli_options import check_jobs, runs_dir_of
    from incentsim.runs.experiment import ensure_runs_dir, ensure_writable_dir

    args = build_parser().parse_args(argv)
    check_jobs(args)  # UsageError, StorageError, ScenarioError: one line, exit 2 (cli)
    spec = load_spec(args.spec)
    if args.max_evaluations is not None:
        if args.max_evaluations < 1:
            print("incentsim calibrate: --max-evaluations must be at least 1", file=sys.stderr)
            return 2
        spec.max_evaluations = args.max_evaluations
    out = Path(args.out or f"results/calibration/{spec.name}")
    runs_dir = runs_dir_of(args, fallback=out / "runs")
    ensure_writable_dir(out)  # before the first simulation, not inside the optimiser
    ensure_runs_dir(runs_dir)
    executor = "dask" if args.scheduler else args.executor
    result = run(
        spec,
        out,
        runs_dir,
        executor=executor,
        jobs=args.jobs,
        scheduler=args.scheduler,
        inference=not args.no_inference,
        quiet=args.quiet,
    )
    files = write_outputs(result, spec, out)
    result["sacred_run"] = record(result, spec, files, runs_dir)
    print("\n".join(summary_lines(result)))
    print(f"\nwritten: {out}/estimates.json (Sacred run {result['sacred_run']} in {runs_dir})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
