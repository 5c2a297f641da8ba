"""Many-objective policy search: ``incentsim optimize SPEC``.

Which evaluation system should the centre choose? The problem spec's levers
(rule weights as a ``simplex`` or ``share``, term length, mechanism strengths,
any dotted scenario key) are searched for the Pareto set of its outcomes with a
direction, each with an ``epsilon`` (the resolution at which two designs count
as different). The spec's ``optimize`` section holds the defaults::

    optimize:
      nfe: 2000            # candidate evaluations (each = every seed [x scenario])
      population: 100      # epsilon-NSGA-II population (one generation)
      seed: 0              # the optimiser's random stream
      robust: {scenarios: 8, measure: percentile, percentile: 10}   # for --robust
      tradeoff: [gdp_growth_true, trust_local]   # axes of the 2-D trade-off figure
      compare: ../configs  # whole scenarios placed against the front (default: the
                           # files beside the base scenario)

The search is the EMA workbench's ``optimize`` with epsilon-NSGA-II
(:mod:`.search`); candidates are scored with common random numbers — the same
seeds (the spec's ``seeds``: replicates) and, with ``--robust``, the same
uncertainty sample for every candidate (:mod:`.objectives`). Simulations run on
the process pool or Dask, untracked and cached by (candidate, seed, code)
(:mod:`.cache`): Ctrl-C keeps what finished and a re-run resumes. The search is
recorded as a tracked run whose artifacts are its result files:

* ``pareto.csv`` — the Pareto (epsilon-nondominated) set: raw levers, the values
  they set (dotted keys, weights spread over their group), objectives, outcomes;
* ``candidates.csv`` / ``evaluations.csv`` — every candidate scored / every
  (candidate, uncertainty scenario) evaluation;
* ``convergence.csv`` + ``convergence.png`` — hypervolume and epsilon-progress by
  generation;
* ``shipped.csv`` — each compared scenario's objectives, ``dominated_by`` (how
  many Pareto points dominate it) and ``status`` (``dominated`` / ``on the front``);
* ``tradeoffs.png`` (2-D trade-off, shipped scenarios placed) and
  ``parallel.png`` (parallel coordinates);
* ``optimize.json`` — settings, hypervolume, timing, the spec's fingerprint.

``--export K`` writes Pareto point K of a finished search as a scenario file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from incentsim.design.exploratory.objectives import MEASURES, Objective, Scorer, objectives_of
from incentsim.design.exploratory.problem import Problem, load_problem
from incentsim.design.exploratory.runner import Model, record_analysis
from incentsim.scenario import ScenarioError

OPTIONS = ("nfe", "population", "seed", "robust", "tradeoff", "compare")
ROBUST_OPTIONS = ("scenarios", "measure", "percentile")
RESULT_FILES = (
    "pareto.csv",
    "candidates.csv",
    "evaluations.csv",
    "convergence.csv",
    "shipped.csv",
    "optimize.json",
    "tradeoffs.png",
    "parallel.png",
    "convergence.png",
)


@dataclass
class Settings:
    """A validated ``optimize`` section (plus command-line overrides)."""

    nfe: int = 2000
    population: int = 100
    seed: int = 0
    robust: bool = False
    scenarios: int = 8
    measure: str = "percentile"
    percentile: float = 10.0
    tradeoff: tuple[str, str] | None = None
    compare: list[Path] = field(default_factory=list)

    def objectives(self, problem: Problem) -> list[Objective]:
        if not self.robust:
            return objectives_of(problem)
        return objectives_of(problem, self.measure, self.percentile)


def _int_option(opts: dict[str, Any], key: str, low: int, problems: list, path: str) -> None:
    v = opts.get(key)
    if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < low):
        problems.append((f"{path}.{key}", f"an integer of at least {low}, got {v!r}"))


def settings(problem: Problem, robust: bool = False, **cli: Any) -> Settings:
    """Validate the spec for optimisation (before anything runs); ``cli`` overrides
    (``nfe``, ``population``, ``seed``, ``scenarios``, ``measure``; None: the spec's)."""
    opts = dict(problem.options.get("optimize", {}))
    robust_opts = opts.get("robust") or {}
    problems: list[tuple[str, str]] = [
        (f"optimize.{k}", f"unknown option; allowed: {', '.join(OPTIONS)}")
        for k in opts
        if k not in OPTIONS
    ]
    if not isinstance(robust_opts, dict):
        problems.append(("optimize.robust", "a mapping {scenarios, measure, percentile}"))
        robust_opts = {}
    problems += [
        (f"optimize.robust.{k}", f"unknown option; allowed: {', '.join(ROBUST_OPTIONS)}")
        for k in robust_opts
        if k not in ROBUST_OPTIONS
    ]
    opts.update({k: v for k, v in cli.items() if v is not None and k in OPTIONS})
    robust_opts = {
        **robust_opts,
        **{k: v for k, v in cli.items() if v is not None and k in ROBUST_OPTIONS},
    }
    for key, low in (("nfe", 1), ("population", 4), ("seed", 0)):
        _int_option(opts, key, low, problems, "optimize")
    _int_option(robust_opts, "scenarios", 2, problems, "optimize.robust")
    s = Settings(robust=robust, **{k: opts[k] for k in ("nfe", "population", "seed") if k in opts})
    s.scenarios = robust_opts.get("scenarios", s.scenarios)
    s.measure = robust_opts.get("measure", s.measure)
    s.percentile = robust_opts.get("percentile", s.percentile)
    if s.measure not in MEASURES:
        problems.append(
            ("optimize.robust.measure", f"got {s.measure!r}; use one of {', '.join(MEASURES)}")
        )
    if not isinstance(s.percentile, (int, float)) or not 0 < s.percentile < 100:
        problems.append(
            ("optimize.robust.percentile", f"a number in (0, 100), got {s.percentile!r}")
        )
    problems += _objective_problems(problem, robust)
    s.tradeoff = _tradeoff(opts.get("tradeoff"), problem, problems)
    s.compare = _compare_files(problem, opts.get("compare"), problems)
    if problems:
        raise ScenarioError(problems, source=problem.source)
    return s


def _objective_problems(problem: Problem, robust: bool) -> list[tuple[str, str]]:
    out = []
    directed = [(i, o) for i, o in enumerate(problem.outcomes) if o.direction != "info"]
    if len(directed) < 2:
        out.append(
            (
                "outcomes",
                "optimize needs at least 2 outcomes with a direction (maximize or minimize)",
            )
        )
    out += [
        (
            f"outcomes[{i}].epsilon",
            f"optimize needs an epsilon for {o.column} (its resolution, in the outcome's unit)",
        )
        for i, o in directed
        if o.epsilon is None
    ]
    if not problem.levers:
        out.append(("levers", "optimize searches over levers; declare at least one"))
    if robust and not problem.uncertainties:
        out.append(
            (
                "uncertainties",
                "--robust evaluates candidates across the uncertainties; declare at least one",
            )
        )
    return out


def _tradeoff(value: Any, problem: Problem, problems: list) -> tuple[str, str] | None:
    if value is None:
        return None
    names = [o.column for o in problem.outcomes if o.direction != "info"]
    if not isinstance(value, list) or len(value) != 2 or not all(v in names for v in value):
        problems.append(
            ("optimize.tradeoff", f"two of the objectives {', '.join(names)}, got {value!r}")
        )
        return None
    return value[0], value[1]


def _compare_files(problem: Problem, value: Any, problems: list) -> list[Path]:
    """Scenario files to place against the front, each checked to load."""
    from incentsim.scenario import load_scenario, read_file

    root = Path(problem.source).parent if problem.source else Path.cwd()
    if value is None:  # the scenario files beside the base scenario
        sc = problem.spec.get("scenario")
        if not isinstance(sc, str):
            return []
        value = str(Path(sc).parent)
    items = value if isinstance(value, list) else [value]
    files: list[Path] = []
    for item in items:
        p = Path(str(item))
        p = p if p.is_absolute() else root / p
        if not p.exists():
            problems.append(("optimize.compare", f"no such file or directory: {p}"))
            continue
        found = (
            sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml", ".toml"))
            if p.is_dir()
            else [p]
        )
        files += found
    for f in files:
        try:
            load_scenario(
                read_file(f), {k: v for k, v in problem.fixed.items() if k.startswith("world.")}
            )
        except ScenarioError as exc:
            problems.append((f"optimize.compare {f}", exc.one_line()))
    return files


# ---------------------------------------------------------------------- running


@dataclass
class OptimizeResult:
    """An optimisation's Pareto set, candidates, evaluations and convergence."""

    problem: Problem
    settings: Settings
    objectives: list[Objective]
    pareto: pd.DataFrame
    candidates: pd.DataFrame
    evaluations: pd.DataFrame
    convergence: pd.DataFrame
    shipped: pd.DataFrame
    out: Path | None = None
    run_id: str | None = None
    seconds: float = 0.0

    @property
    def hypervolume(self) -> float:
        return float(self.convergence["hypervolume"].iloc[-1]) if len(self.convergence) else 0.0

    @property
    def runs(self) -> int:
        """Simulations (or stub calls) the candidates stand for: candidates x scenarios x seeds."""
        return len(self.evaluations) * len(self.problem.seeds)


def fingerprint(problem: Problem, s: Settings) -> str:
    """Hash of what decides a result: the spec (with command-line changes) and settings."""
    blob = json.dumps(
        {"spec": problem.spec, "settings": _settings_dict(s)}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _settings_dict(s: Settings) -> dict[str, Any]:
    d: dict[str, Any] = {
        "nfe": s.nfe,
        "population": s.population,
        "seed": s.seed,
        "robust": s.robust,
    }
    if s.robust:
        d.update(scenarios=s.scenarios, measure=s.measure, percentile=s.percentile)
    return d


def run_optimize(
    spec: Any,
    s: Settings | None = None,
    *,
    model: Model | None = None,
    runs_dir: str | Path | None = None,
    out: str | Path | None = None,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    record: bool = True,
    progress: bool | None = False,
) -> OptimizeResult:
    """Search, place the compared scenarios, write the result files into ``out`` and
    record the search as a run. ``model`` (``(point, seed) -> {outcome: value}``)
    replaces the simulation (then no scenario is compared and nothing is tracked
    unless ``record`` and ``runs_dir`` say so)."""
    from incentsim.design.exploratory.objectives import uncertainty_sample
    from incentsim.design.exploratory.runner import _progress_bar, run_options
    from incentsim.design.exploratory.search import search

    t0 = time.perf_counter()
    problem = load_problem(spec)
    s = s or settings(problem)
    objectives = s.objectives(problem)
    sample = uncertainty_sample(problem, s.scenarios) if s.robust else None
    per = len(problem.seeds) * (len(sample) if sample else 1)
    extra = (len(s.compare) if model is None else 0) + (s.robust and s.measure == "regret")
    bar = _progress_bar((s.nfe + extra) * per, progress, desc="optimize")
    run = run_options(runs_dir, executor, jobs, scheduler)
    try:
        scorer = Scorer(problem, objectives, sample, model=model, bar=bar, **run)
        found = search(problem, objectives, scorer, nfe=s.nfe, population=s.population, seed=s.seed)
        shipped = _shipped(scorer, s.compare) if model is None else pd.DataFrame()
    finally:
        bar.close()
    pareto = pareto_table(problem, objectives, found.archive, scorer.candidates())
    if len(shipped):
        shipped = place(shipped, pareto, objectives)
    res = OptimizeResult(
        problem,
        s,
        objectives,
        pareto,
        scorer.candidates(),
        scorer.evaluations(),
        found.convergence,
        shipped,
    )
    res.seconds = time.perf_counter() - t0
    if out is not None:
        res.out = write_results(res, Path(out))
    if record and (model is None or runs_dir is not None):
        res.run_id = _record(res, runs_dir)
    return res


def _shipped(scorer: Scorer, files: list[Path]) -> pd.DataFrame:
    from incentsim.scenario import read_file

    if not files:
        return pd.DataFrame()
    table = scorer.score_scenarios([read_file(f) for f in files])
    table.insert(0, "scenario", [read_file(f).get("name") or f.stem for f in files])
    table.insert(1, "file", [str(f) for f in files])
    return table


def pareto_table(
    problem: Problem, objectives: list[Objective], archive: pd.DataFrame, candidates: pd.DataFrame
) -> pd.DataFrame:
    """The archive as a table: ``point`` (K, sorted by the first objective, best
    first), raw levers, the values they set, objectives and outcome means."""
    from incentsim.design.exploratory.search import candidate

    names = problem.names if not problem.uncertainties else [p.name for p in problem.levers]
    index = {_key(candidate(problem, r)): i for i, r in candidates[names].iterrows()}
    rows = []
    for _, r in archive.iterrows():
        pt = candidate(problem, r)
        c = candidates.loc[index[_key(pt)]].drop(labels=["generation", *names])
        rows.append({**pt, **problem.levers_only().lever_values(pt), **c.to_dict()})
    table = pd.DataFrame(rows)
    first = objectives[0]
    table = table.sort_values(
        first.column, ascending=first.direction == "minimize", kind="stable"
    ).reset_index(drop=True)
    table.insert(0, "point", range(len(table)))
    return table


def _key(point: dict[str, Any]) -> tuple:
    return tuple(sorted(point.items()))


def place(shipped: pd.DataFrame, pareto: pd.DataFrame, objectives: list[Objective]) -> pd.DataFrame:
    """Mark each compared scenario as dominated by the Pareto set or on the front."""
    from incentsim.design.exploratory.objectives import dominated

    cols = [o.column for o in objectives]
    n = dominated(shipped[cols].to_numpy(float), pareto[cols].to_numpy(float), objectives)
    out = shipped.copy()
    out["dominated_by"] = n
    out["status"] = ["dominated" if k else "on the front" for k in n]
    return out


# ---------------------------------------------------------------------- files


def write_results(res: OptimizeResult, out: Path) -> Path:
    """The result files (see the module docstring) into ``out``, each written whole."""
    from incentsim.analysis.plots import save_png
    from incentsim.design.exploratory import tradeoffs
    from incentsim.runs.experiment import written_atomically

    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "pareto": res.pareto,
        "candidates": res.candidates,
        "evaluations": res.evaluations,
        "convergence": res.convergence,
        "shipped": res.shipped,
    }
    for name, frame in tables.items():
        with written_atomically(out / f"{name}.csv") as tmp:
            frame.to_csv(tmp, index=False)
    x, y = res.settings.tradeoff or (res.objectives[0].column, res.objectives[1].column)
    if res.settings.robust:
        x, y = (next(o.column for o in res.objectives if o.outcome.column == c) for c in (x, y))
    title = f"{res.problem.name}{' (robust)' if res.settings.robust else ''}"
    figures = {
        "tradeoffs": tradeoffs.tradeoff_figure(
            res.candidates, res.pareto, res.shipped, res.objectives, x, y, title
        ),
        "parallel": tradeoffs.parallel_figure(res.pareto, res.shipped, res.objectives, title),
        "convergence": tradeoffs.convergence_figure(res.convergence, title),
    }
    for name, fig in figures.items():
        save_png(fig, out / f"{name}.png")
    with written_atomically(out / "optimize.json") as tmp:
        tmp.write_text(json.dumps(_summary(res), indent=2, default=str))
    return out


def _summary(res: OptimizeResult) -> dict[str, Any]:
    return {
        "problem": res.problem.name,
        "spec": res.problem.source,
        "fingerprint": fingerprint(res.problem, res.settings),
        "settings": _settings_dict(res.settings),
        "seeds": res.problem.seeds,
        "objectives": [
            {"column": o.column, "direction": o.direction, "epsilon": o.epsilon}
            for o in res.objectives
        ],
        "candidates": len(res.candidates),
        "runs": res.runs,
        "generations": len(res.convergence),
        "pareto_points": len(res.pareto),
        "hypervolume": res.hypervolume,
        "seconds": round(res.seconds, 1),
        "shipped": (
            res.shipped[["scenario", "status"]].to_dict(orient="records")
            if len(res.shipped)
            else []
        ),
    }


def _record(res: OptimizeResult, runs_dir: str | Path | None) -> str:
    files = {f: res.out / f for f in RESULT_FILES} if res.out is not None else {}
    return record_analysis(
        res.problem,
        "optimize",
        _settings_dict(res.settings),
        files,
        runs_dir=runs_dir,
        info={k: v for k, v in _summary(res).items() if k != "spec"},
    )


def export_point(
    problem: Problem, s: Settings, out: Path, k: int, dest: Path | None = None
) -> Path:
    """Write Pareto point ``k`` of the finished search in ``out`` as a scenario file
    (the fully resolved scenario; it validates and runs with ``incentsim run``)."""
    import yaml

    from incentsim.design.exploratory.search import candidate
    from incentsim.runs.experiment import written_atomically
    from incentsim.scenario import load_scenario

    where = out / "optimize.json"
    try:
        meta = json.loads(where.read_text())
        pareto = pd.read_csv(out / "pareto.csv")
    except (OSError, ValueError):
        raise ScenarioError(
            [
                (
                    "--export",
                    f"no finished search in {out}; run incentsim "
                    "optimize SPEC first (with the same --out)",
                )
            ]
        ) from None
    if meta.get("fingerprint") != fingerprint(problem, s):
        raise ScenarioError(
            [
                (
                    "--export",
                    f"the search in {out} was made from another spec or settings; re-run it first",
                )
            ]
        )
    if not 0 <= k < len(pareto):
        raise ScenarioError(
            [
                (
                    "--export",
                    f"point {k} does not exist: the Pareto set has "
                    f"{len(pareto)} points (0..{len(pareto) - 1})",
                )
            ]
        )
    row = pareto.iloc[k]
    sc = problem.levers_only().scenario(candidate(problem, row))
    data = sc.to_dict()
    data["name"] = f"{problem.name}_pareto_{k}"
    data["description"] = f"Pareto point {k} of incentsim optimize {problem.name}: " + ", ".join(
        f"{o['column']} {row[o['column']]:.4g}" for o in meta["objectives"]
    )
    load_scenario(data)  # what is written validates
    dest = dest or out / f"pareto_{k}.yaml"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with written_atomically(dest) as tmp:
        tmp.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


# ---------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim optimize``."""
    from incentsim.interfaces.cli_options import add_run_options, add_seeds, add_set, spec_parser

    p = spec_parser(
        "incentsim optimize",
        "Many-objective search (EMA workbench, epsilon-NSGA-II) over the "
        "levers of a problem SPEC for its outcomes with a direction and "
        "an epsilon; writes the Pareto set, convergence and figures, "
        "places the shipped scenarios against the front. Evaluations "
        "are cached: an interrupted search resumes when re-run.",
        "specs/optimize_evaluation.yaml",
    )
    p.add_argument("--nfe", type=int, help="candidate evaluations (default: the spec's)")
    p.add_argument("--population", type=int, help="population size (default: the spec's)")
    p.add_argument(
        "--optimizer-seed",
        type=int,
        dest="seed",
        help="seed of the optimiser's random stream (default: the spec's, else 0)",
    )
    p.add_argument(
        "--robust",
        action="store_true",
        help="score each candidate across a sample of the spec's uncertainties",
    )
    p.add_argument(
        "--measure",
        choices=MEASURES,
        help="robustness measure with --robust (default: the spec's, else percentile)",
    )
    p.add_argument("--scenarios", type=int, help="uncertainty sample size with --robust")
    add_seeds(
        p, None, "override the spec's seeds (replicates): a count, a range 0-4 or a list 0,3,7"
    )
    add_set(p, "fixed scenario overrides added to the spec's `set`")
    p.add_argument(
        "--export",
        type=int,
        metavar="K",
        help="write Pareto point K of the finished search (in --out) as a scenario file, then stop",
    )
    p.add_argument(
        "--export-to", metavar="FILE", help="where --export writes (default: OUT/pareto_K.yaml)"
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="result directory (default: <runs dir>/_optimize/<name>[-robust])",
    )
    add_run_options(p)
    return p


def _main(argv: list[str]) -> int:
    from incentsim.design.exploratory.sensitivity import load_with_cli
    from incentsim.interfaces.cli_options import check_jobs, out_dir_of, runs_dir_of

    args = build_parser().parse_args(argv)
    check_jobs(args)
    problem = load_with_cli(args)
    s = settings(
        problem,
        args.robust,
        nfe=args.nfe,
        population=args.population,
        seed=args.seed,
        scenarios=args.scenarios,
        measure=args.measure,
    )
    runs_dir = runs_dir_of(args)
    out = out_dir_of(args, runs_dir, "optimize", f"{problem.name}{'-robust' if s.robust else ''}")
    if args.export is not None:
        dest = export_point(
            problem, s, out, args.export, Path(args.export_to) if args.export_to else None
        )
        print(f"Pareto point {args.export} written to {dest} (run it: incentsim run {dest})")
        return 0
    res = run_optimize(
        problem,
        s,
        runs_dir=runs_dir,
        out=out,
        executor="dask" if args.scheduler else args.executor,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=args.progress,
    )
    print(report(res, runs_dir))
    return 0


def report(res: OptimizeResult, runs_dir: Path) -> str:
    """What the command prints: the run, the Pareto set and the shipped scenarios."""
    from incentsim.interfaces.cli_text import table

    s, p = res.settings, res.problem
    per = f" x {s.scenarios} uncertainty scenarios" if s.robust else ""
    lines = [
        f"optimize '{p.name}': {len(res.candidates)} candidates x {len(p.seeds)} seeds"
        f"{per} = {res.runs} runs (cached in {runs_dir}/_evals); {len(res.convergence)} "
        f"generations; {res.seconds:.0f} s",
        f"Pareto set: {len(res.pareto)} points; hypervolume {res.hypervolume:.3f} "
        "(normalised to the final archive's range)",
        "",
    ]
    cols = [o.column for o in res.objectives]
    levers = [c for c in res.pareto.columns if "." in c]
    show = res.pareto.head(12)
    short = [".".join(c.split(".")[-2:]) for c in levers]  # weights.growth, ...
    lines.append(
        table(
            [
                [str(int(r["point"])), *(f"{r[c]:.4g}" for c in cols + levers)]
                for _, r in show.iterrows()
            ],
            ["K", *cols, *short],
        )
    )
    if len(res.pareto) > len(show):
        lines.append(f"... {len(res.pareto) - len(show)} more in pareto.csv")
    if len(res.shipped):
        lines += [
            "",
            table(
                [
                    [r["scenario"], *(f"{r[c]:.4g}" for c in cols), r["status"]]
                    for _, r in res.shipped.iterrows()
                ],
                ["scenario", *cols, "against the front"],
            ),
        ]
    lines += [
        "",
        f"Results: {res.out}/ (pareto.csv, tradeoffs.png, parallel.png, convergence.png, ...)",
        f"Export a point: incentsim optimize {p.source} --export K"
        f"{' --robust' if s.robust else ''}",
        f"Search run: {res.run_id} (incentsim runs show {res.run_id})",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """``incentsim optimize SPEC [--nfe N] [--robust] [--export K] ...``."""
    from incentsim.design.exploratory.sensitivity import run_cli

    return run_cli(argv, "optimize", _main)
