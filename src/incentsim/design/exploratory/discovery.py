"""Scenario discovery with PRIM: ``incentsim discover SPEC --outcome NAME --threshold T``.

Which lever/uncertainty boxes produce the outcome of interest? The problem's
parameters are sampled with a Latin hypercube (``samples`` points, each run for
every seed of the spec through the tracked sweep machinery), a point is a *case
of interest* when its outcome (mean over seeds) is at or above the threshold
(``--above``, the default for outcomes to maximise) or at or below it
(``--below``, the default for outcomes to minimise), and the EMA workbench's PRIM
(:class:`ema_workbench.analysis.prim.Prim`, Friedman & Fisher 1999; Bryant &
Lempert 2010) peels a box around them.

Along PRIM's peeling trajectory, coverage (share of all cases of interest inside
the box) falls as density (share of the box's points that are cases of interest)
rises; the box reported is the densest one whose coverage is at least
``min_coverage`` (default 0.5). Its limits on the restricted dimensions come with
PRIM's quasi-p values (one-sided binomial test of each restriction).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incentsim.design.exploratory.problem import OutcomeSpec, Problem, load_problem
from incentsim.design.exploratory.runner import (
    Model,
    evaluate_points,
    record_analysis,
    warn_if_thin,
    write_outputs,
)


def lhs_points(problem: Problem, samples: int, seed: int | None = None) -> list[dict[str, Any]]:
    """Latin hypercube over the problem's parameters, decoded to values."""
    from scipy.stats import qmc

    seed = problem.sample_seed if seed is None else seed
    unit = qmc.LatinHypercube(d=len(problem.parameters), seed=seed).random(samples)
    lo = np.array([p.bounds[0] for p in problem.parameters])
    hi = np.array([p.bounds[1] for p in problem.parameters])
    return [problem.decode(row) for row in lo + unit * (hi - lo)]


def x_frame(problem: Problem, points: list[dict[str, Any]]) -> pd.DataFrame:
    """The points as PRIM's ``x``: floats, ints and categoricals by parameter type."""
    x = pd.DataFrame(points, columns=problem.names)
    for p in problem.parameters:
        if p.kind == "categorical":
            x[p.name] = pd.Categorical(x[p.name].astype(str), categories=[str(v) for v in p.values])
        elif p.kind == "integer":
            x[p.name] = x[p.name].astype(np.int64)
        else:
            x[p.name] = x[p.name].astype(np.float64)
    return x


@dataclass
class DiscoveryResult:
    """The box PRIM found for an outcome threshold, with its points and runs."""

    problem: Problem
    outcome: str
    threshold: float
    above: bool
    points: pd.DataFrame
    runs: pd.DataFrame
    box: pd.DataFrame  # limits of the selected box, one row per parameter
    trajectory: pd.DataFrame  # PRIM's peeling trajectory (coverage, density, mass, res_dim)
    selected: int
    coverage: float
    density: float
    mass: float
    n_interest: int
    out: Path | None = None
    run_id: str | None = None
    seconds: float = 0.0

    @property
    def restricted(self) -> pd.DataFrame:
        return self.box[self.box["restricted"]]


def prim_box(
    problem: Problem,
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.5,
):
    """Run PRIM; return ``(box table, trajectory, selected index)``."""
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # the workbench's own pandas deprecations: nothing a user of incentsim can act on
        warnings.filterwarnings("ignore", module="ema_workbench")
        p = prim.Prim(x, y.astype(bool), peel_alpha=peel_alpha, mass_min=mass_min)
        box = p.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    sel = _select_box(traj, min_coverage)
    qp = box.p_values[sel] if sel < len(box.p_values) else {}
    rows = [_box_row(par, box.box_lims[sel], p.box_init, qp) for par in problem.parameters]
    return pd.DataFrame(rows), traj, sel


def _select_box(traj: pd.DataFrame, min_coverage: float) -> int:
    """The densest box on the trajectory with at least ``min_coverage`` (else the widest);
    among equally dense boxes, the one with the higher coverage."""
    ok = traj[traj["coverage"] >= min_coverage]
    sel = int(ok["density"].idxmax()) if len(ok) else int(traj["coverage"].idxmax())
    best = traj.loc[sel, "density"]
    ties = ok if len(ok) else traj
    ties = ties[np.isclose(ties["density"], best)]
    return int(ties["coverage"].idxmax())


def _box_row(par, lims: pd.DataFrame, init: pd.DataFrame, qp: Any) -> dict[str, Any]:
    """One parameter's row of the box table: its limits in the box and in the full range."""
    c = par.name
    lo_v: str | float
    hi_v: str | float
    flo: str | float
    fhi: str | float
    if par.kind == "categorical":
        inside = sorted(lims[c].iloc[0], key=str)
        full = sorted(init[c].iloc[0], key=str)
        restricted = set(inside) != set(full)
        lo_v, hi_v = ", ".join(map(str, inside)), ""
        flo, fhi = ", ".join(map(str, full)), ""
    else:
        lo_v, hi_v = float(lims[c].iloc[0]), float(lims[c].iloc[1])
        flo, fhi = float(init[c].iloc[0]), float(init[c].iloc[1])
        restricted = not (np.isclose(lo_v, flo) and np.isclose(hi_v, fhi))
    q = qp.get(c) if isinstance(qp, dict) else None
    qv = [float(v) for v in q if v is not None and v == v and v >= 0] if q is not None else []
    return {
        "parameter": c,
        "key": par.key,
        "role": par.role,
        "restricted": bool(restricted),
        "box_min": lo_v,
        "box_max": hi_v,
        "range_min": flo,
        "range_max": fhi,
        "qp": min(qv) if qv else float("nan"),
    }


def figure(res: DiscoveryResult):
    """Left: PRIM's coverage-density trade-off (selected box marked); right: the box's
    limits on each parameter as a share of its range (restricted ones coloured)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from incentsim.analysis.plots import STYLE

    with plt.rc_context(STYLE):
        fig, (a, b) = plt.subplots(
            1, 2, figsize=(11, 0.45 * len(res.box) + 3.2), gridspec_kw={"width_ratios": [1, 1.2]}
        )
        _trajectory_panel(fig, a, res)
        _box_panel(b, res)
        sign = "≥" if res.above else "≤"
        fig.suptitle(
            f"{res.problem.name}: where {res.outcome} {sign} {res.threshold:g} "
            f"({res.n_interest} of {len(res.points)} points)",
            fontsize=12,
        )
        fig.tight_layout()
    return fig


def _trajectory_panel(fig, a, res: DiscoveryResult) -> None:
    """PRIM's peeling trajectory, coloured by restricted dimensions, the selected box ringed."""
    from incentsim.analysis.plots import OKABE_ITO

    t = res.trajectory
    sc = a.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=22)
    a.plot(t["coverage"], t["density"], color="#999999", lw=0.8, zorder=0)
    a.scatter(
        [res.coverage],
        [res.density],
        s=140,
        facecolors="none",
        edgecolors=OKABE_ITO[4],
        linewidths=2,
        label="selected box",
    )
    a.set_xlabel("coverage")
    a.set_ylabel("density")
    a.set_xlim(0, 1.02)
    a.set_ylim(0, 1.02)
    a.legend(loc="lower left")
    fig.colorbar(sc, ax=a, label="restricted dimensions")
    a.set_title("PRIM peeling trajectory")


def _box_panel(b, res: DiscoveryResult) -> None:
    """The box's limits on each parameter as a share of its range."""
    from incentsim.analysis.plots import OKABE_ITO

    box = res.box.iloc[::-1]
    for i, (_, r) in enumerate(box.iterrows()):
        colour = OKABE_ITO[2] if r["restricted"] else "#BBBBBB"
        if isinstance(r["range_min"], str):  # categorical: inside / all values
            par = res.problem.parameter(r["parameter"])
            inside = {s.strip() for s in str(r["box_min"]).split(",")}
            n = len(par.values)
            for j, v in enumerate(par.values):
                if str(v) in inside:
                    b.barh(i, 1 / n, left=j / n, color=colour, height=0.5)
                b.text((j + 0.5) / n, i, str(v), ha="center", va="center", fontsize=8)
            continue
        span = r["range_max"] - r["range_min"]
        lo = (r["box_min"] - r["range_min"]) / span
        hi = (r["box_max"] - r["range_min"]) / span
        b.barh(i, hi - lo, left=lo, color=colour, height=0.5)
        b.text(-0.02, i - 0.33, f"{r['range_min']:.3g}", ha="right", fontsize=8, color="#666666")
        b.text(1.02, i - 0.33, f"{r['range_max']:.3g}", ha="left", fontsize=8, color="#666666")
        if r["restricted"]:
            qp = f"  (qp {r['qp']:.2g})" if r["qp"] == r["qp"] else ""
            label = f"{r['box_min']:.3g} – {r['box_max']:.3g}{qp}"
            b.text(0.5, i + 0.3, label, ha="center", fontsize=8)
    b.set_yticks(range(len(box)), box["parameter"])
    b.set_xlim(-0.12, 1.12)
    b.set_xticks([0, 0.5, 1], ["min", "", "max"])
    b.grid(axis="y", visible=False)
    b.set_title(f"box: coverage {res.coverage:.2f}, density {res.density:.2f}")


def _prim_result(
    problem: Problem,
    o: OutcomeSpec,
    threshold: float,
    above: bool,
    points: list[dict[str, Any]],
    per_point: pd.DataFrame,
    per_run: pd.DataFrame,
    prim: dict[str, float],
) -> DiscoveryResult:
    """Flag the cases of interest among evaluated points and find PRIM's box."""
    y = _flag_interest(problem, per_point, o.column, threshold, above)
    box, traj, sel = prim_box(problem, x_frame(problem, points), y, **prim)
    at = traj.loc[sel]
    return DiscoveryResult(
        problem,
        o.column,
        threshold,
        above,
        per_point,
        per_run,
        box,
        traj,
        sel,
        coverage=float(at["coverage"]),
        density=float(at["density"]),
        mass=float(at["mass"]),
        n_interest=int(y.sum()),
    )


def _outcome_spec(problem: Problem, outcome: str) -> OutcomeSpec:
    from incentsim.outcomes import OUTCOME_NAMES
    from incentsim.scenario import ScenarioError

    for o in problem.outcomes:
        if outcome in (o.column, o.name):
            return o
    if outcome in OUTCOME_NAMES:
        o = OutcomeSpec(outcome, "info", "mean")
        problem.outcomes.append(o)
        return o
    raise ScenarioError(
        [
            (
                "--outcome",
                f"unknown outcome {outcome!r}; the spec's: {', '.join(problem.outcome_names)}",
            )
        ]
    )


def run_discovery(
    spec: Any,
    outcome: str,
    threshold: float,
    *,
    above: bool | None = None,
    samples: int | None = None,
    model: Model | None = None,
    min_coverage: float = 0.5,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    runs_dir: str | Path | None = None,
    out: str | Path | None = None,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    record: bool = True,
    progress: bool | None = False,
) -> DiscoveryResult:
    """Sample (LHS), evaluate, flag cases of interest, run PRIM; write ``box.csv``,
    ``trajectory.csv``, ``points.csv``, ``runs.csv`` and ``figure.png`` into ``out``."""
    t0 = time.perf_counter()
    problem = load_problem(spec)
    o = _outcome_spec(problem, outcome)
    if above is None:
        above = o.direction != "minimize"
    samples = int(samples or problem.options.get("discovery", {}).get("samples", 100))
    warn_if_thin(samples, 100, "sample points", "PRIM's boxes and their coverage and density")
    points = lhs_points(problem, samples)
    per_point, per_run = evaluate_points(
        problem,
        points,
        model,
        runs_dir=runs_dir,
        executor=executor,
        jobs=jobs,
        scheduler=scheduler,
        analysis="discovery",
        progress=progress,
    )
    prim = {"peel_alpha": peel_alpha, "mass_min": mass_min, "min_coverage": min_coverage}
    res = _prim_result(problem, o, float(threshold), bool(above), points, per_point, per_run, prim)
    if out is not None:
        res.out = write_outputs(
            out,
            {"box": res.box, "trajectory": res.trajectory, "points": per_point, "runs": per_run},
            figure(res),
        )
    res.seconds = time.perf_counter() - t0
    if record and (model is None or runs_dir is not None):
        config = {
            "samples": samples,
            "seeds": problem.seeds,
            "sample_seed": problem.sample_seed,
            **prim,
            "stub_model": model is not None,
        }
        res.run_id = _record(res, config, len(points), runs_dir)
    return res


def _flag_interest(
    problem: Problem, per_point: pd.DataFrame, column: str, threshold: float, above: bool
) -> np.ndarray:
    """Mark the points of interest (``column`` at or beyond ``threshold``) in
    ``per_point["of_interest"]``; an error if none or all are."""
    v = per_point[column].to_numpy(dtype=float)
    y = v >= threshold if above else v <= threshold
    per_point["of_interest"] = y
    n_int = int(y.sum())
    if n_int == 0 or n_int == len(y):
        from incentsim.scenario import ScenarioError

        what = "no" if n_int == 0 else "every"
        raise ScenarioError(
            [
                (
                    "--threshold",
                    f"{what} point has {column} "
                    f"{'>=' if above else '<='} {threshold:g} (range of the "
                    f"sample: {v.min():.4g} .. {v.max():.4g}); choose a threshold "
                    "inside it",
                )
            ],
            source=problem.source,
        )
    return y


def _record(res: DiscoveryResult, config: dict, n_points: int, runs_dir: str | Path | None) -> str:
    """Track the discovery as an analysis run (its settings, files and box)."""
    config = {
        "outcome": res.outcome,
        "threshold": res.threshold,
        "above": res.above,
        **config,
    }
    files = {}
    if res.out is not None:
        files = {
            f: res.out / f
            for f in ("box.csv", "trajectory.csv", "points.csv", "runs.csv", "figure.png")
        }
    ids = sorted({r for r in res.runs["run_id"] if r is not None}, key=int)
    return record_analysis(
        res.problem,
        "discovery",
        config,
        files,
        runs_dir=runs_dir,
        info={
            "outcome": res.outcome,
            "coverage": res.coverage,
            "density": res.density,
            "mass": res.mass,
            "cases_of_interest": res.n_interest,
            "points": n_points,
            "member_runs": ids,
            "seconds": round(res.seconds, 2),
            "box": res.box.to_dict(orient="records"),
        },
    )


# ---------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim discover``."""
    from incentsim.interfaces.cli_options import add_run_options, add_seeds, add_set, spec_parser

    p = spec_parser(
        "incentsim discover",
        "Scenario discovery (PRIM, EMA workbench) on a problem SPEC: "
        "which lever/uncertainty box produces the outcome of interest. "
        "Every point x seed is a tracked run; re-running resumes.",
        "specs/trust_growth_levers.yaml",
    )
    p.add_argument("--outcome", required=True, help="outcome of interest, e.g. trust_local")
    p.add_argument(
        "--threshold",
        required=True,
        type=float,
        help="cases of interest: outcome >= threshold (maximised outcomes) or "
        "<= threshold (minimised ones)",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--above",
        dest="above",
        action="store_true",
        default=None,
        help="cases of interest are at or above the threshold",
    )
    g.add_argument(
        "--below",
        dest="above",
        action="store_false",
        help="cases of interest are at or below the threshold",
    )
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        help="Latin hypercube points (default: spec's discovery.samples, else 100)",
    )
    p.add_argument(
        "--min-coverage",
        type=float,
        default=0.5,
        help="report the densest box with at least this coverage (default 0.5)",
    )
    p.add_argument("--peel-alpha", type=float, default=0.05, help="PRIM peeling step (0.05)")
    p.add_argument("--mass-min", type=float, default=0.05, help="PRIM's smallest box mass (0.05)")
    add_seeds(p, None, "override the spec's seeds")
    add_set(p, "fixed scenario overrides added to the spec's `set`")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where box.csv, trajectory.csv, points.csv and "
        "figure.png go (default: <runs dir>/_discovery/"
        "<name>-<outcome>)",
    )
    add_run_options(p)
    return p


def _main(argv: list[str]) -> int:
    from incentsim.design.exploratory.sensitivity import load_with_cli
    from incentsim.interfaces.cli_options import check_jobs

    args = build_parser().parse_args(argv)
    bad = _bad_option(args)
    if bad:
        print(f"incentsim discover: {bad}", file=sys.stderr)
        return 2
    check_jobs(args)
    problem = load_with_cli(args)
    o = _outcome_spec(problem, args.outcome)
    from incentsim.interfaces.cli_options import out_dir_of, runs_dir_of
    from incentsim.runs.experiment import ensure_writable_dir

    runs_dir = runs_dir_of(args)
    out = out_dir_of(args, runs_dir, "discovery", f"{problem.name}-{o.column}")
    ensure_writable_dir(out)  # before any run, not after them all
    executor = "dask" if args.scheduler else args.executor
    res = run_discovery(
        problem,
        o.column,
        args.threshold,
        above=args.above,
        samples=args.samples,
        min_coverage=args.min_coverage,
        peel_alpha=args.peel_alpha,
        mass_min=args.mass_min,
        runs_dir=runs_dir,
        out=out,
        executor=executor,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=args.progress,
    )
    _print_result(res, problem, runs_dir, out)
    return 0


def _bad_option(args: argparse.Namespace) -> str | None:
    """What is wrong with the command line's numbers, if anything."""
    for flag, v, lo, hi in (
        ("--min-coverage", args.min_coverage, 0.0, 1.0),
        ("--peel-alpha", args.peel_alpha, 1e-6, 0.5),
        ("--mass-min", args.mass_min, 0.0, 1.0),
    ):
        if not lo <= v <= hi:
            return f"{flag} must lie in [{lo:g}, {hi:g}]"
    if args.samples is not None and args.samples < 10:
        return "--samples must be at least 10"
    return None


def _print_result(res: DiscoveryResult, problem: Problem, runs_dir: Path, out: Path) -> None:
    """The command's summary: runs, cases of interest, the box as a table, where files are."""
    from incentsim.interfaces.cli_text import table

    sign = ">=" if res.above else "<="
    print(
        f"discover '{problem.name}': {len(res.points)} points x {len(problem.seeds)} seeds = "
        f"{len(res.runs)} runs, tracked in {runs_dir}/; {res.seconds:.0f} s"
    )
    print(
        f"cases of interest: {res.outcome} {sign} {res.threshold:g} in {res.n_interest} of "
        f"{len(res.points)} points"
    )
    print(
        f"PRIM box {res.selected} of {len(res.trajectory)}: coverage {res.coverage:.2f}, "
        f"density {res.density:.2f}, mass {res.mass:.2f}\n"
    )
    rows = []
    for _, r in res.box.iterrows():
        if isinstance(r["range_min"], str):
            inside, full = str(r["box_min"]), str(r["range_min"])
        else:
            inside = f"{r['box_min']:.4g} .. {r['box_max']:.4g}"
            full = f"{r['range_min']:.4g} .. {r['range_max']:.4g}"
        qp = "" if r["qp"] != r["qp"] else f"{r['qp']:.2g}"
        rows.append([r["parameter"], r["role"], "yes" if r["restricted"] else "", inside, full, qp])
    print(table(rows, ["parameter", "role", "restricted", "box", "sampled range", "qp"]))
    print(
        f"\nBox: {out / 'box.csv'}\nFigure: {out / 'figure.png'}\n"
        f"Analysis run: {res.run_id} (incentsim runs show {res.run_id})"
    )


def main(argv: list[str]) -> int:
    """``incentsim discover SPEC --outcome NAME --threshold T ...``."""
    from incentsim.design.exploratory.sensitivity import run_cli

    return run_cli(argv, "discover", _main)
