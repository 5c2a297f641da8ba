"""Evaluating a problem's points and recording an analysis as a tracked run.

The analyses (:mod:`.sensitivity`, :mod:`.discovery`) only see
:func:`evaluate_points`: a list of points (``{parameter name: value}``) in, one row
per point (outcome means over the problem's seeds) out. Two kinds of model:

* ``model=None`` (the default): each point x seed is a Sacred-tracked simulation
  run through :func:`incentsim.runs.executors.execute` — a process pool, in-process or
  Dask, resumable (a finished (scenario, seed) is not run again), tagged
  ``sweep=<problem name>``, ``analysis``, ``point`` and ``levers`` in its
  ``info.json``;
* any callable ``model(point, seed) -> {outcome column: value}`` — a stub or
  meta-model, called in this process (tests use it to check the analyses on
  problems whose answer is known by construction).

:func:`record_analysis` stores an analysis itself (its configuration, the problem
spec and the result files as artifacts) as a Sacred run in the same runs
directory, so it is listed by ``incentsim runs list`` and readable with
:func:`incentsim.runs.results.load_run` / ``read_artifact`` like any other run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from incentsim.design.exploratory.problem import Problem

Model = Callable[[dict[str, Any], int], Mapping[str, float]]


class EvaluationError(RuntimeError):
    """Some runs of an analysis failed (re-running resumes from what finished)."""


class ThinDesignWarning(UserWarning):
    """A design too small for its intervals or boxes to mean much (it still runs)."""


def warn_if_thin(size: int, enough: int, what: str, consequence: str) -> None:
    """Warn (:class:`ThinDesignWarning`) when ``size`` is below ``enough``."""
    if size < enough:
        import warnings

        warnings.warn(
            f"{size} {what} is few: {consequence} mean little (use at least {enough})",
            ThinDesignWarning,
            stacklevel=3,
        )


def _progress_bar(total: int, enabled: bool | None, desc: str = "runs"):
    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit="run", disable=not enabled, file=sys.stderr)


def run_options(
    runs_dir: str | Path | None, executor: str, jobs: int | None, scheduler: str | None
) -> dict[str, Any]:
    """Where and how runs are made, as keyword arguments of :func:`evaluate_points`."""
    return {"runs_dir": runs_dir, "executor": executor, "jobs": jobs, "scheduler": scheduler}


def evaluate_points(
    problem: Problem,
    points: Sequence[Mapping[str, Any]],
    model: Model | None = None,
    *,
    runs_dir: str | Path | None = None,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    analysis: str = "analysis",
    progress: bool | None = False,
    track: bool = True,
    bar: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every point x seed; return ``(per_point, per_run)`` frames.

    ``per_point``: ``point``, every parameter, every outcome column (mean over
    seeds), ``runs``, ``run_ids``. ``per_run``: ``point``, ``seed``, ``run_id``,
    outcome columns. Raises :class:`EvaluationError` if any run failed.
    ``track=False`` runs the simulations untracked, their summaries cached
    (:mod:`incentsim.design.exploratory.cache`); ``bar`` is a progress bar to advance
    instead of opening one.
    """
    cols = problem.outcome_names
    seeds = problem.seeds
    rows: list[dict[str, Any]] = []
    own = bar is None
    bar = _progress_bar(len(points) * len(seeds), progress) if own else bar
    try:
        if model is not None:
            rows = _evaluate_with(model, points, seeds, cols, bar)
        else:
            rows = _evaluate_tracked(
                problem,
                points,
                runs_dir=runs_dir,
                executor=executor,
                jobs=jobs,
                scheduler=scheduler,
                analysis=analysis,
                track=track,
                bar=bar,
            )
    finally:
        if own:
            bar.close()
    per_run = pd.DataFrame(rows, columns=["point", "seed", "run_id", *cols])
    return _per_point(points, per_run, cols), per_run


def _evaluate_with(model: Model, points, seeds, cols, bar) -> list[dict[str, Any]]:
    """Rows of ``per_run`` from a model function called in this process."""
    rows = []
    for i, pt in enumerate(points):
        for s in seeds:
            out = model(dict(pt), int(s))
            rows.append(
                {"point": i, "seed": int(s), "run_id": None, **{c: float(out[c]) for c in cols}}
            )
            bar.update(1)
    return rows


def _per_point(points, per_run: pd.DataFrame, cols) -> pd.DataFrame:
    """Mean of each outcome over seeds, the number of runs and their ids, per point."""
    agg = per_run.groupby("point", sort=True)
    means = agg[cols].mean()
    per_point = pd.DataFrame([dict(pt) for pt in points])
    per_point.insert(0, "point", range(len(points)))
    for c in cols:
        per_point[c] = means[c].reindex(per_point["point"]).to_numpy()
    per_point["runs"] = agg.size().reindex(per_point["point"]).to_numpy()
    per_point["run_ids"] = [
        " ".join(str(r) for r in g["run_id"] if r is not None)
        for _, g in per_run.groupby("point", sort=True)
    ]
    return per_point


def _evaluate_tracked(
    problem, points, *, runs_dir, executor, jobs, scheduler, analysis, track, bar
) -> list[dict[str, Any]]:
    scenarios = [problem.scenario(pt) for pt in points]
    infos = [
        {
            "sweep": problem.name,
            "analysis": analysis,
            "point": i,
            "levers": {k: (v.item() if isinstance(v, np.generic) else v) for k, v in pt.items()},
        }
        for i, pt in enumerate(points)
    ]
    results = run_scenarios(
        scenarios,
        problem.seeds,
        infos,
        runs_dir=runs_dir,
        executor=executor,
        jobs=jobs,
        scheduler=scheduler,
        track=track,
        bar=bar,
    )
    return [
        {
            "point": i,
            "seed": int(s),
            "run_id": r.run_id,
            **{o.column: o.of(r.summary) for o in problem.outcomes},
        }
        for i, row in enumerate(results)
        for s, r in zip(problem.seeds, row)
    ]


def run_scenarios(
    scenarios: Sequence[Any],
    seeds: Sequence[int],
    infos: Sequence[Mapping[str, Any]] | None = None,
    *,
    runs_dir: str | Path | None = None,
    executor: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    track: bool = True,
    bar: Any = None,
) -> list[list[Any]]:
    """Run every scenario x seed once (a repeated (scenario, seed) is the same
    deterministic run) and return the results, ``[scenario][seed]``.

    ``track=True``: Sacred-tracked runs, resumable (a finished run is not run
    again); ``False``: untracked, summaries cached by task key
    (:class:`~incentsim.design.exploratory.cache.CachedTask`; cached ones are read here,
    not sent to workers). Raises :class:`EvaluationError` if any run failed.
    """
    from incentsim.design.exploratory.cache import CachedTask, read_cached
    from incentsim.runs.executors import Task, execute
    from incentsim.runs.experiment import default_runs_dir, ensure_runs_dir

    runs_dir = ensure_runs_dir(runs_dir if runs_dir is not None else default_runs_dir())
    unique, keys = _unique_tasks(Task if track else CachedTask, scenarios, seeds, infos)
    done: dict[str, Any] = {}
    if not track:
        for k, t in unique.items():
            summary = read_cached(runs_dir, k)
            if summary is not None:
                done[k] = _cached_result(t, summary)
    todo = [t for k, t in unique.items() if k not in done]
    if bar is not None:
        bar.update(sum(len(r) for r in keys) - len(todo))
    results = execute(
        todo,
        runs_dir,
        executor=executor,
        jobs=jobs,
        scheduler=scheduler,
        skip_done=track,
        keep_timeseries=False,
        on_result=(lambda r: bar.update(1)) if bar is not None else None,
    )
    done.update({t.key: r for t, r in zip(todo, results)})
    failed = [r for r in done.values() if not r.ok]
    if failed:
        raise EvaluationError(
            f"{len(failed)} of {len(done)} runs failed (first: seed "
            f"{failed[0].seed}: {failed[0].error}); run again to resume"
        )
    return [[done[k] for k in row] for row in keys]


def _unique_tasks(kind, scenarios, seeds, infos) -> tuple[dict[str, Any], list[list[str]]]:
    """One task per distinct (scenario, seed), and the task keys ``[scenario][seed]``."""
    unique: dict[str, Any] = {}
    keys = []
    for i, sc in enumerate(scenarios):
        row = []
        for s in seeds:
            t = kind.of(sc, s, **dict(infos[i] if infos else {}))
            unique.setdefault(t.key, t)
            row.append(t.key)
        keys.append(row)
    return unique, keys


def _cached_result(task: Any, summary: dict[str, float]) -> Any:
    from incentsim.runs.executors import TaskResult

    return TaskResult(
        task.key, task.seed, task.scenario.get("name", ""), summary=summary, skipped=True
    )


def write_outputs(out: str | Path, frames: Mapping[str, pd.DataFrame], fig) -> Path:
    """Write an analysis's tables (``name.csv``) and figure (``figure.png``) to ``out``."""
    from incentsim.analysis.plots import save_png
    from incentsim.runs.atomic import written_atomically

    o = Path(out)
    o.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        with written_atomically(o / f"{name}.csv") as tmp:
            frame.to_csv(tmp, index=False)
    save_png(fig, o / "figure.png")
    return o


def record_analysis(
    problem: Problem,
    kind: str,
    config: Mapping[str, Any],
    files: Mapping[str, str | Path],
    *,
    runs_dir: str | Path | None = None,
    info: Mapping[str, Any] | None = None,
) -> str:
    """Store an analysis as a Sacred run (config, info, result files as artifacts).

    Returns the run id. ``info.json`` holds ``scenario`` (the problem name),
    ``sweep`` (same, so ``load_runs(sweep=name)`` finds the analysis and its
    runs), ``analysis`` (``kind``) and whatever ``info`` adds.
    """
    import tempfile

    import yaml
    from sacred import Experiment
    from sacred.observers import FileStorageObserver

    from incentsim.runs.experiment import default_runs_dir, ensure_runs_dir

    runs = ensure_runs_dir(runs_dir if runs_dir is not None else default_runs_dir())
    ex = Experiment(f"incentsim-{kind}", save_git_info=False)
    cfg = {
        "problem": problem.name,
        "spec": problem.source or "",
        "analysis": kind,
        **{k: v for k, v in config.items()},
    }
    ex.add_config(_jsonable(cfg))

    with tempfile.TemporaryDirectory(prefix="incentsim-") as tmp:
        spec_path = Path(tmp) / "problem.yaml"
        spec_path.write_text(yaml.safe_dump(_jsonable(problem.spec), sort_keys=False))

        @ex.main
        def main(_run):
            _run.info.update(
                _jsonable(
                    {
                        "scenario": problem.name,
                        "sweep": problem.name,
                        "analysis": kind,
                        **dict(info or {}),
                    }
                )
            )
            _run.add_artifact(str(spec_path), "problem.yaml")
            for name, path in files.items():
                _run.add_artifact(str(path), name)

        ex.observers.append(FileStorageObserver(str(runs)))
        run = ex.run(options={"--force": True, "--capture": "no", "--loglevel": "ERROR"})
    return str(run._id)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj
