"""Global sensitivity analysis with SALib: ``incentsim sensitivity SPEC``.

The problem's parameters (levers and uncertainties) are sampled with SALib
(Sobol: Saltelli/Sobol' sequence, ``n * (k + 2)`` points without second-order
terms; Morris: ``n`` trajectories of ``k + 1`` points on a ``levels``-level grid),
every point x seed runs through the tracked sweep machinery
(:func:`incentsim.design.exploratory.runner.evaluate_points`: resumable, process pool or
Dask) and the point means over seeds are analysed with SALib:

* ``sobol``: first-order ``S1`` and total ``ST`` indices (share of the outcome's
  variance) with bootstrap 95 % confidence intervals;
* ``morris``: ``mu_star`` (mean absolute elementary effect, in the outcome's unit
  per full range of the parameter — SALib scales steps by the bounds), its
  bootstrap 95 % interval ``mu_star_conf``, ``mu`` and ``sigma`` (non-linearity and
  interactions).

Integer and categorical parameters are sampled as reals on ``[low, high + 1)`` /
``[0, n)`` and floored, so the indices refer to that encoding.
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

from incentsim.design.exploratory.problem import Problem, load_problem
from incentsim.design.exploratory.runner import (
    Model,
    evaluate_points,
    record_analysis,
    run_options,
    warn_if_thin,
    write_outputs,
)

METHODS = ("morris", "sobol")
DEFAULT_N = {"morris": 10, "sobol": 64}


def sample(
    problem: Problem,
    method: str = "morris",
    n: int | None = None,
    *,
    levels: int = 4,
    seed: int | None = None,
) -> np.ndarray:
    """SALib design matrix (rows: points, columns: ``problem.names``, encoded)."""
    sp = problem.salib_problem()
    n = int(n or DEFAULT_N[method])
    seed = problem.sample_seed if seed is None else seed
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(sp, n, num_levels=levels, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(sp, n, calc_second_order=False, seed=seed)
    raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")


def analyse(
    problem: Problem,
    X: np.ndarray,
    Y: pd.DataFrame,
    method: str = "morris",
    *,
    levels: int = 4,
    seed: int | None = None,
) -> pd.DataFrame:
    """SALib indices, long: one row per (outcome, parameter).

    Columns: ``outcome``, ``parameter``, ``key``, ``role`` and, for Sobol, ``S1``,
    ``S1_conf``, ``ST``, ``ST_conf``; for Morris, ``mu_star``, ``mu_star_conf``,
    ``mu``, ``sigma`` (``*_conf``: half-width of the 95 % bootstrap interval).
    """
    sp = problem.salib_problem()
    seed = problem.sample_seed if seed is None else seed
    frames = []
    for col in problem.outcome_names:
        y = np.asarray(Y[col], dtype=float)
        if method == "morris":
            from SALib.analyze import morris

            r = morris.analyze(sp, X, y, num_levels=levels, conf_level=0.95, seed=seed)
            d = {
                k: np.asarray(r[k], dtype=float) for k in ("mu_star", "mu_star_conf", "mu", "sigma")
            }
        else:
            from SALib.analyze import sobol

            r = sobol.analyze(sp, y, calc_second_order=False, conf_level=0.95, seed=seed)
            d = {k: np.asarray(r[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        f = pd.DataFrame(
            {
                "outcome": col,
                "parameter": problem.names,
                "key": [p.key for p in problem.parameters],
                "role": [p.role for p in problem.parameters],
                **d,
            }
        )
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def figure(indices: pd.DataFrame, method: str, problem: Problem | None = None, ncols: int = 3):
    """One panel per outcome, parameters sorted by importance. Morris: mu* (bars with
    95 % intervals, coloured by the sign of mu: raises / lowers the outcome) and sigma
    (dots); Sobol: S1 and ST (bars, 95 % intervals)."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from incentsim.analysis.plots import OKABE_ITO, STYLE, seeds_text

    outcomes = list(dict.fromkeys(indices["outcome"]))
    k = indices["parameter"].nunique()
    ncols = min(ncols, len(outcomes))
    nrows = math.ceil(len(outcomes) / ncols)
    up, down = OKABE_ITO[2], OKABE_ITO[4]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(4.4 * ncols, (0.42 * k + 1.5) * nrows), squeeze=False
        )
        flat = axes.ravel()
        for ax in flat[len(outcomes) :]:
            ax.set_visible(False)
        for ax, o in zip(flat, outcomes):
            d = indices[indices["outcome"] == o]
            key = "mu_star" if method == "morris" else "ST"
            d = d.sort_values(key)
            y = np.arange(len(d))
            name = o[:-6] if o.endswith("_final") else o
            if method == "morris":
                _morris_panel(ax, d, y, name, up, down)
            else:
                _sobol_panel(ax, d, y)
            ax.set_yticks(y, d["parameter"])
            ax.set_title(o)
            ax.grid(axis="y", visible=False)
        handles = _legend_handles(method, up, down)
        fig.legend(
            handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0)
        )
        title = "Morris elementary effects" if method == "morris" else "Sobol indices"
        if problem is not None:
            title += f": {problem.name} ({seeds_text(len(problem.seeds))} per point)"
        fig.suptitle(title, fontsize=12)
        fig.tight_layout(rect=(0, 0.05 if nrows > 1 else 0.1, 1, 1))
    return fig


def _morris_panel(ax, d: pd.DataFrame, y: np.ndarray, name: str, up: str, down: str) -> None:
    """Morris panel: mu* bars with 95 % intervals coloured by the sign of mu, sigma dots."""
    from incentsim.outcomes import BY_NAME

    colours = [up if m >= 0 else down for m in d["mu"]]
    ax.barh(y, d["mu_star"], xerr=d["mu_star_conf"], color=colours, ecolor="#333333", capsize=3)
    ax.plot(d["sigma"], y, "o", mfc="white", mec="#000000", mew=1.2, ms=5)
    unit = BY_NAME[name].unit if name in BY_NAME else ""
    ax.set_xlabel(f"μ* ({unit})" if unit else "μ*")


def _sobol_panel(ax, d: pd.DataFrame, y: np.ndarray) -> None:
    """Sobol panel: S1 and ST bars side by side with their 95 % intervals."""
    from incentsim.analysis.plots import OKABE_ITO

    h = 0.38
    ax.barh(
        y + h / 2, d["S1"], h, xerr=d["S1_conf"], color=OKABE_ITO[1], ecolor="#333333", capsize=2
    )
    ax.barh(
        y - h / 2, d["ST"], h, xerr=d["ST_conf"], color=OKABE_ITO[0], ecolor="#333333", capsize=2
    )
    ax.set_xlabel("share of variance")
    ax.set_xlim(left=min(0.0, float((d["S1"] - d["S1_conf"]).min())))


def _legend_handles(method: str, up: str, down: str) -> list:
    """The figure's legend entries for ``method``."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from incentsim.analysis.plots import OKABE_ITO

    if method == "morris":
        return [
            Patch(color=up, label="μ* (95 % CI), raises the outcome (μ > 0)"),
            Patch(color=down, label="μ*, lowers it (μ < 0)"),
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                mfc="white",
                mec="#000000",
                label="σ (non-linearity, interactions)",
            ),
        ]
    return [
        Patch(color=OKABE_ITO[1], label="first order S1 (95 % CI)"),
        Patch(color=OKABE_ITO[0], label="total ST (95 % CI)"),
    ]


@dataclass
class SensitivityResult:
    """Sensitivity indices of each outcome to each parameter, with the runs."""

    problem: Problem
    method: str
    indices: pd.DataFrame
    points: pd.DataFrame
    runs: pd.DataFrame
    out: Path | None = None
    run_id: str | None = None
    seconds: float = 0.0

    def table(self, value: str | None = None) -> pd.DataFrame:
        """Wide view: parameters x outcomes of ``mu_star`` (Morris) or ``ST`` (Sobol)."""
        value = value or ("mu_star" if self.method == "morris" else "ST")
        return self.indices.pivot(index="parameter", columns="outcome", values=value).reindex(
            index=self.problem.names, columns=self.problem.outcome_names
        )


def run_sensitivity(
    spec: Any,
    method: str = "morris",
    n: int | None = None,
    *,
    levels: int | None = None,
    model: Model | None = None,
    runs_dir: str | Path | None = None,
    out: str | Path | None = None,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    record: bool = True,
    progress: bool | None = False,
) -> SensitivityResult:
    """Sample, evaluate, analyse; write ``indices.csv``, ``points.csv``, ``runs.csv``
    and ``figure.png`` into ``out`` (if given) and record the analysis as a run.

    ``model`` (``(point, seed) -> {outcome: value}``) replaces the simulation; then
    nothing is tracked unless ``record`` and ``runs_dir`` say so.
    """
    t0 = time.perf_counter()
    problem = load_problem(spec)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    n, levels = _sample_size(problem, method, n, levels)
    warn_if_thin(
        n,
        DEFAULT_N[method],
        "Morris trajectories" if method == "morris" else "Sobol base samples",
        "the indices' 95 % intervals",
    )
    X = sample(problem, method, n, levels=levels)
    points = [problem.decode(row) for row in X]
    run = run_options(runs_dir, executor, jobs, scheduler)
    per_point, per_run = evaluate_points(
        problem, points, model, analysis=f"sensitivity-{method}", progress=progress, **run
    )
    indices = analyse(problem, X, per_point, method, levels=levels)
    res = SensitivityResult(problem, method, indices, per_point, per_run)
    if out is not None:
        res.out = write_outputs(
            out,
            {"indices": indices, "points": per_point, "runs": per_run},
            figure(indices, method, problem),
        )
    res.seconds = time.perf_counter() - t0
    if record and (model is None or runs_dir is not None):
        config = {
            "method": method,
            "n": n,
            "levels": levels,
            "seeds": problem.seeds,
            "sample_seed": problem.sample_seed,
            "points": len(points),
            "stub_model": model is not None,
        }
        res.run_id = _record(res, config, len(points), runs_dir)
    return res


def _sample_size(
    problem: Problem, method: str, n: int | None, levels: int | None
) -> tuple[int, int]:
    """``n`` and Morris ``levels``: the arguments, else the spec's options for this
    method, else the defaults."""
    opts = problem.options.get("sensitivity", {})
    if method == opts.get("method", method):
        n = n or opts.get("n")
        levels = levels or opts.get("levels")
    return int(n or DEFAULT_N[method]), int(levels or 4)


def _record(
    res: SensitivityResult, config: dict, n_points: int, runs_dir: str | Path | None
) -> str:
    """Track the analysis as a run (its settings, files and indices)."""
    files = {}
    if res.out is not None:
        files = {f: res.out / f for f in ("indices.csv", "points.csv", "runs.csv", "figure.png")}
    run_ids = [r for r in res.runs["run_id"] if r is not None]
    return record_analysis(
        res.problem,
        "sensitivity",
        config,
        files,
        runs_dir=runs_dir,
        info={
            "method": res.method,
            "points": n_points,
            "runs": len(res.runs),
            "member_runs": sorted(set(run_ids), key=lambda s: int(s)),
            "seconds": round(res.seconds, 2),
            "indices": res.indices.to_dict(orient="records"),
        },
    )


# ---------------------------------------------------------------------- command line


def _fmt(v: float) -> str:
    return "n/a" if v != v else f"{v:.3g}"


def text_table(res: SensitivityResult) -> str:
    """The sensitivity indices as a plain-text table."""
    from incentsim.interfaces.cli_text import table

    rows = []
    for _, r in res.indices.iterrows():
        if res.method == "morris":
            rows.append(
                [
                    r["outcome"],
                    r["parameter"],
                    r["role"],
                    f"{_fmt(r['mu_star'])} ± {_fmt(r['mu_star_conf'])}",
                    _fmt(r["mu"]),
                    _fmt(r["sigma"]),
                ]
            )
        else:
            rows.append(
                [
                    r["outcome"],
                    r["parameter"],
                    r["role"],
                    f"{_fmt(r['S1'])} ± {_fmt(r['S1_conf'])}",
                    f"{_fmt(r['ST'])} ± {_fmt(r['ST_conf'])}",
                ]
            )
    head = (
        ["outcome", "parameter", "role", "mu* ± 95% CI", "mu", "sigma"]
        if res.method == "morris"
        else ["outcome", "parameter", "role", "S1 ± 95% CI", "ST ± 95% CI"]
    )
    return table(rows, head)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim sensitivity``."""
    from incentsim.interfaces.cli_options import add_run_options, add_seeds, add_set, spec_parser

    p = spec_parser(
        "incentsim sensitivity",
        "Global sensitivity analysis of a problem SPEC (levers, "
        "uncertainties, outcomes; see specs/*.yaml) with SALib. Every "
        "point x seed is a tracked run; re-running resumes.",
        "specs/trust_growth_levers.yaml",
    )
    p.add_argument(
        "--method",
        choices=METHODS,
        default=None,
        help="morris (cheap screening, (k+1) x N points) or sobol "
        "(variance shares, (k+2) x N points); default: the spec's, else morris",
    )
    p.add_argument(
        "-n",
        "--n",
        type=int,
        default=None,
        metavar="N",
        help="Morris trajectories / Sobol base samples (default: spec, else 10 / 64)",
    )
    p.add_argument("--levels", type=int, default=None, help="Morris grid levels (default 4)")
    add_seeds(p, None, "override the spec's seeds: a count, a range 0-4 or a list 0,3,7")
    add_set(p, "fixed scenario overrides added to the spec's `set`")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where indices.csv, points.csv, runs.csv and figure.png go "
        "(default: <runs dir>/_sensitivity/<name>-<method>)",
    )
    add_run_options(p)
    return p


def load_with_cli(args) -> Problem:
    """Load the spec applying ``--seeds`` and ``--set`` (validated like the spec)."""
    from incentsim.design.exploratory.problem import problem_from_dict
    from incentsim.scenario import ScenarioError, parse_override

    problem = load_problem(args.spec, check=False)
    data = dict(problem.spec)
    if args.seeds:
        from incentsim.runs.ranges import parse_seeds

        data["seeds"] = parse_seeds(args.seeds, what="--seeds")
    if args.set:
        data["set"] = {**(data.get("set") or {}), **dict(parse_override(s) for s in args.set)}
    root = Path(args.spec).parent
    try:
        return problem_from_dict(data, source=problem.source, root=root)
    except ScenarioError:
        raise


def run_cli(argv: list[str], kind: str, body) -> int:
    """Shared error handling of the exploratory subcommands (exit 2 on bad input)."""
    import warnings

    from incentsim.design.exploratory.runner import EvaluationError, ThinDesignWarning
    from incentsim.interfaces.cli_options import UsageError
    from incentsim.scenario import ScenarioError

    def show(message, category, *_args, **_kwargs):
        print(f"incentsim {kind}: warning: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ThinDesignWarning)
            warnings.showwarning = show  # one line; restored on leaving the block
            return int(body(argv) or 0)
    except ScenarioError as exc:
        print(f"incentsim {kind}: {exc.one_line()}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"incentsim {kind}: {exc}", file=sys.stderr)
        return 2
    except EvaluationError as exc:
        print(f"incentsim {kind}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        msg = str(exc) if not exc.filename else f"{exc.strerror}: {exc.filename}"
        print(f"incentsim {kind}: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as interfaces.cli.Terminated
        print(f"incentsim {kind}: interrupted (re-run to resume)", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)


def _main(argv: list[str]) -> int:
    from incentsim.interfaces.cli_options import check_jobs, out_dir_of, runs_dir_of

    args = build_parser().parse_args(argv)
    problem = load_with_cli(args)
    method = args.method or problem.options.get("sensitivity", {}).get("method", "morris")
    if method not in METHODS:
        from incentsim.scenario import ScenarioError

        raise ScenarioError(
            [("sensitivity.method", f"got {method!r}; use morris or sobol")], source=problem.source
        )
    check_jobs(args)
    for flag, v in (("-n", args.n), ("--levels", args.levels)):
        if v is not None and v < (2 if flag == "-n" else 2):
            print(f"incentsim sensitivity: {flag} must be at least 2", file=sys.stderr)
            return 2
    from incentsim.runs.experiment import ensure_writable_dir

    runs_dir = runs_dir_of(args)
    out = out_dir_of(args, runs_dir, "sensitivity", f"{problem.name}-{method}")
    ensure_writable_dir(out)  # before any run, not after them all
    executor = "dask" if args.scheduler else args.executor
    res = run_sensitivity(
        problem,
        method,
        args.n,
        levels=args.levels,
        runs_dir=runs_dir,
        out=out,
        executor=executor,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=args.progress,
    )
    n_runs = len(res.runs)
    print(
        f"sensitivity '{problem.name}' ({method}): {len(res.points)} points x "
        f"{len(problem.seeds)} seeds = {n_runs} runs, tracked in {runs_dir}/; "
        f"{res.seconds:.0f} s"
    )
    print()
    print(text_table(res))
    print()
    what = (
        "mu*: mean absolute elementary effect over the parameter's range, outcome units"
        if method == "morris"
        else "S1/ST: first-order/total share of variance"
    )
    print(
        f"{what}; ± is the half-width of a 95 % bootstrap interval. Outcomes are means "
        "over recorded years, averaged over seeds."
    )
    print(
        f"Indices: {out / 'indices.csv'}\nFigure:  {out / 'figure.png'}\n"
        f"Analysis run: {res.run_id} (incentsim runs show {res.run_id})"
    )
    return 0


def main(argv: list[str]) -> int:
    """``incentsim sensitivity SPEC [--method morris|sobol] [-n N] ...``."""
    return run_cli(argv, "sensitivity", _main)
