"""Sacred-tracked simulation runs.

One Sacred ``Experiment`` whose configuration is a scenario (the same schema as
:func:`incentsim.simulate`) plus ``seed``. Every run

* validates its configuration with :func:`incentsim.load_scenario` before it
  starts (a config hook) and again inside the main function, so a typo in a
  nested key is a :class:`~incentsim.scenario.ScenarioError`, never silently
  accepted;
* logs every outcome of every simulated year with ``log_scalar`` (step = year);
* stores ``timeseries.parquet`` and ``leaders.parquet`` as artifacts (and
  ``outcomes.png`` when asked for figures);
* keeps a summary in ``info`` (``info.json``): scenario name, rule,
  mechanisms, seed and ``summary`` (``<outcome>_mean`` / ``<outcome>_final``);
* is stored by :class:`SafeFileStorageObserver`: every file is written to a
  temporary name and renamed into place (a reader never sees half a file),
  ``run.json`` names the writing process (``host.pid``) so a run whose process
  died is recognisably incomplete, and a run any of whose files could not be
  written is never marked ``COMPLETED`` (:class:`StorageError` instead).

Python callers use :func:`run_tracked`; Sacred users run::

    python -m incentsim.runs.experiment with configs/gdp_tournament.yaml seed=3
    python -m incentsim.runs.experiment print_config with tenure.term_length=7

(Sacred's ``with`` reads YAML or JSON files; ``incentsim run`` also reads TOML.)
Runs go to ``results/runs/`` unless ``$INCENTSIM_RUNS_DIR`` or ``-F DIR`` says
otherwise.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # Sacred 0.8.7 imports pkg_resources (setuptools<81)
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
    from sacred import SETTINGS, Experiment
    from sacred.observers import FileStorageObserver

from incentsim.api import SimulationResult, simulate
from incentsim.outcomes import OUTCOME_NAMES
from incentsim.runs import interrupts
from incentsim.runs.atomic import replace_durably, written_atomically  # noqa: F401 (documented here)
from incentsim.runs.frames import write_parquet
from incentsim.scenario import Scenario, ScenarioError, load_scenario

# Keep Sacred lean: no py-cpuinfo / nvidia-smi probes per run (they cost ~1 s),
# capture stdout through sys (no tee subprocess), no deep config read-only proxies.
SETTINGS.CAPTURE_MODE = "sys"
SETTINGS.HOST_INFO.INCLUDE_CPU_INFO = False
SETTINGS.HOST_INFO.INCLUDE_GPU_INFO = False
SETTINGS.DISCOVER_DEPENDENCIES = "none"

#: environment variable naming the default runs directory
RUNS_DIR_ENV = "INCENTSIM_RUNS_DIR"
#: default runs directory (relative to the working directory)
DEFAULT_RUNS_DIR = "results/runs"
#: scenario sections that are config entries of the experiment
SECTIONS = ("world", "economy", "behaviour", "promotion", "tenure", "accountability")

_LOCK = threading.Lock()


class StorageError(OSError):
    """The runs directory could not be written (unwritable, full, gone).

    The run concerned is not marked ``COMPLETED``; the command line reports it
    in one line and exits with status 2.
    """


def process_start_ticks(pid: int | str = "self") -> int | None:
    """Start time of a process in clock ticks since boot (Linux), to tell a live
    process from a later one that reused its pid; ``None`` where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


#: md5 digests of the source files Sacred stores with every run (they do not change
#: while the process runs: the imported code is what ran)
_DIGESTS: dict[str, str] = {}


def _plain_json(obj: Any) -> bool:
    """Whether ``obj`` is JSON as it is (dicts with string keys, lists, strings, numbers,
    booleans, ``None``): Sacred's ``flatten`` would return it unchanged."""
    t = type(obj)
    if t is dict:
        return all(type(k) is str for k in obj) and all(map(_plain_json, obj.values()))
    if t is list:
        return all(map(_plain_json, obj))
    return t in _JSON_SCALARS


_JSON_SCALARS = (str, int, float, bool, type(None))


def _plain_text(obj: Any) -> str | None:
    """``json.dumps(obj, sort_keys=True, indent=2)`` if ``obj`` is plain JSON, else
    ``None``."""
    return json.dumps(obj, sort_keys=True, indent=2) if _plain_json(obj) else None


def _json_text(obj: Any) -> str:
    """What Sacred's observer writes for ``obj``: ``json.dumps(flatten(obj),
    sort_keys=True, indent=2)`` (``flatten``, slow, is a no-op for plain JSON)."""
    text = _plain_text(obj)
    if text is None:
        from sacred.serializer import flatten

        text = json.dumps(flatten(obj), sort_keys=True, indent=2)
    return text


def _dict_text(texts: list[tuple[str, str]]) -> str:
    """The text :func:`_json_text` writes for a dict of string keys, from its values'
    texts (sorted by key): each value's lines indented one level deeper (a JSON text's
    line breaks are all between tokens: strings escape theirs)."""
    if not texts:
        return "{}"
    items = [f"  {json.dumps(k)}: " + t.replace("\n", "\n  ") for k, t in texts]
    return "{\n" + ",\n".join(items) + "\n}"


#: the entries of ``run.json`` no event changes once the run has started
_FIXED_ENTRIES = ("experiment", "host", "meta")


def _atomic_copy(src: str | Path, dest: str | Path) -> None:
    with written_atomically(dest) as tmp:
        shutil.copyfile(src, tmp)


class SafeFileStorageObserver(FileStorageObserver):
    """Sacred's ``FileStorageObserver``, made safe for shared, long-lived runs directories.

    * every JSON file and artifact is written to a temporary file in the run
      directory, flushed to disk and renamed into place
      (:func:`replace_durably`), so readers, a crash and a power loss see
      either the previous or the new version, never a torn file;
    * ``run.json`` records ``host.pid`` and ``host.pid_start`` (the process's
      start time), so :func:`incentsim.runs.results.run_state` can tell a run whose
      process was killed (``kill -9``, power loss) from one still running;
    * a write that fails (disk full, directory removed or read-only) is
      remembered: the run is then stored as ``FAILED`` with the reason, never
      ``COMPLETED``, and :func:`run_tracked` raises :class:`StorageError`.
      (Sacred itself only logs a warning for failed observer writes.)

    Run ids are allocated as Sacred does: ``max(existing) + 1`` created with
    ``os.mkdir``, moving on to the next id when another process took it, so
    concurrent writers get distinct ids.
    """

    #: set by Sacred's started_event, before anything is saved
    dir: str
    run_entry: dict[str, Any]
    config: Any

    def initialize(self, *args, **kwargs):
        super().initialize(*args, **kwargs)
        self.write_errors: list[str] = []

    def _note(self, what: str, exc: OSError) -> None:
        self.write_errors.append(f"{what}: {exc.strerror or exc}")

    def started_event(self, ex_info, command, host_info, start_time, config, meta_info, _id):
        host = dict(host_info)
        host["pid"] = os.getpid()
        host["pid_start"] = process_start_ticks()
        return super().started_event(ex_info, command, host, start_time, config, meta_info, _id)

    #: lowest run id to try first (set by a batch that allocates consecutive ids, so the
    #: runs directory is listed once per batch, not once per run); ``None``: Sacred's way
    first_id: int | None = None

    def _maximum_existing_run_id(self):
        if self.first_id is not None:
            return self.first_id - 1
        return super()._maximum_existing_run_id()

    def save_json(self, obj, filename):
        path = Path(self.dir) / filename
        text = None
        if filename == "run.json" and obj is self.run_entry:
            text = self._run_text()
        elif filename == "config.json" and obj is self.config:
            text = self._fixed_text("config", obj)
        if text is None:
            text = _json_text(obj)
        try:
            with written_atomically(path) as tmp, open(tmp, "w") as f:
                f.write(text)  # one write, not thousands
        except OSError as exc:
            self._note(f"cannot write {path}", exc)
            raise

    def _fixed_text(self, name: str, obj: Any) -> str | None:
        """The JSON text of ``obj``, a part of the run no event changes (the config,
        :data:`_FIXED_ENTRIES`), rendered once per run (``run.json`` is written two or
        more times, and its ``meta.config_updates`` is the config again: ~0.4 ms of a
        province run's storage); ``None`` when it is not plain JSON."""
        texts: dict[str, tuple[Any, str | None]] = self.__dict__.setdefault("_texts", {})
        known = texts.get(name)
        if known is not None and known[0] is obj:
            return known[1]
        text: str | None
        if name == "meta" and type(obj) is dict:
            text = self._keyed_text(obj, lambda k, v: self._part_text(v))
        else:
            text = _plain_text(obj)
        texts[name] = (obj, text)
        return text

    def _part_text(self, v: Any) -> str | None:
        return self._fixed_text("config", v) if v is self.config else _plain_text(v)

    def _run_text(self) -> str | None:
        """``run.json``'s text, its fixed entries as rendered before; ``None`` when it is
        not plain JSON (Sacred's ``flatten`` then sees the whole entry, as before)."""
        fixed = self._fixed_text
        return self._keyed_text(
            self.run_entry, lambda k, v: fixed(k, v) if k in _FIXED_ENTRIES else _plain_text(v)
        )

    @staticmethod
    def _keyed_text(d: dict, text_of: Callable[[str, Any], str | None]) -> str | None:
        if not all(type(k) is str for k in d):
            return None
        texts = [(k, text_of(k, v)) for k, v in sorted(d.items())]
        if any(t is None for _, t in texts):
            return None
        return _dict_text(texts)  # type: ignore[arg-type]

    def save_file(self, filename, target_name=None):
        target_name = target_name or os.path.basename(filename)
        if target_name in ("run.json", "config.json", "cout.txt", "metrics.json"):
            return super().save_file(filename, target_name)  # Sacred's refusal
        if Path(filename).resolve() != (Path(self.dir) / target_name).resolve():
            self.save_artifact(target_name, lambda tmp: shutil.copyfile(filename, tmp))

    def save_artifact(self, name: str, write: Callable[[Path], Any]) -> None:
        """Write file ``name`` of this run (an artifact, or ``metrics.json`` written
        whole) with ``write(path)``, atomically; a failure is remembered (the run is
        then never ``COMPLETED``) and raised."""
        dest = Path(self.dir) / name
        try:
            with written_atomically(dest) as tmp:
                write(tmp)
        except OSError as exc:
            self._note(f"cannot write {dest}", exc)
            raise

    def find_or_save(self, filename, store_dir: Path):
        # the same as Sacred's, but the shared copy (_sources/) appears atomically
        from sacred.dependencies import get_digest

        store_dir = Path(store_dir)
        digest = _DIGESTS.get(filename)  # a source is digested once per process
        if digest is None:
            digest = _DIGESTS.setdefault(filename, get_digest(filename))
        source_name, ext = os.path.splitext(os.path.basename(filename))
        store_path = store_dir / f"{source_name}_{digest}{ext}"
        if not store_path.exists():
            store_dir.mkdir(parents=True, exist_ok=True)
            _atomic_copy(filename, store_path)
        return store_path

    def save_cout(self):
        try:
            super().save_cout()
        except OSError as exc:
            self._note("cannot write cout.txt", exc)
            raise

    def completed_event(self, stop_time, result):
        if self.write_errors:  # something is missing: never claim COMPLETED
            self.run_entry["stop_time"] = stop_time.isoformat()
            self.run_entry["status"] = "FAILED"
            self.run_entry["fail_trace"] = ["incomplete run: " + "; ".join(self.write_errors)]
            with contextlib.suppress(OSError):  # else left RUNNING with a dead process:
                self.save_json(self.run_entry, "run.json")  # detected as incomplete
            return
        super().completed_event(stop_time, result)


def default_runs_dir() -> Path:
    """``$INCENTSIM_RUNS_DIR`` if set, else ``results/runs``."""
    return Path(os.environ.get(RUNS_DIR_ENV) or DEFAULT_RUNS_DIR)


def default_config() -> dict[str, Any]:
    """The embedded default scenario as a Sacred config (plus ``seed``).

    ``world`` keeps only ``scale`` and the keys a scale preset does not set, so
    ``with world.scale=province`` still picks the preset's sizes.
    """
    d = Scenario().to_dict()
    from incentsim.scenario import SCALES

    d["world"] = {k: v for k, v in d["world"].items() if k not in SCALES["small"]}
    d["seed"] = 0
    return d


def _plain(obj: Any) -> Any:
    """Sacred's read-only containers -> plain dicts/lists (via JSON)."""
    return json.loads(json.dumps(obj))


#: the modules that run a simulation; with every incentsim module they import at module
#: level (:func:`model_files`), their code decides what a simulation produces
_MODEL_ROOTS = ("incentsim.api", "incentsim.ensemble", "incentsim.model", "incentsim.rules")
_FINGERPRINT: str | None = None


def _module_file(root: Path, name: str) -> Path | None:
    """The source file of module ``name`` (``incentsim.x.y``) under package ``root``."""
    p = root.joinpath(*name.split(".")[1:])
    for f in (p / "__init__.py", p.with_suffix(".py")):
        if f.is_file():
            return f
    return None


def _imported(path: Path) -> list[str]:
    """The ``incentsim`` modules (and possible submodules) ``path`` imports at module level."""
    out: list[str] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append(node.module)
            out.extend(f"{node.module}.{a.name}" for a in node.names)
    return [m for m in out if m == "incentsim" or m.startswith("incentsim.")]


def model_files(root: Path | None = None) -> list[Path]:
    """The source files of the simulation: :data:`_MODEL_ROOTS` and, transitively, every
    incentsim module they import at module level (the model, economy, personnel,
    recording, indicators, agents, rules, scenario, seeding, ...), sorted."""
    root = root or Path(__file__).resolve().parents[1]  # the incentsim package
    seen: set[Path] = set()
    todo = list(_MODEL_ROOTS)
    while todo:
        f = _module_file(root, todo.pop())
        if f is not None and f not in seen:
            seen.add(f)
            todo.extend(_imported(f))
    return sorted(seen)


def fingerprint_of(root: Path) -> str:
    """Short hash of the names and contents of :func:`model_files` under ``root``."""
    h = hashlib.sha256()
    for f in model_files(root):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def code_fingerprint() -> str:
    """Short hash of the simulation code (a finished run is reused only if it matches)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        _FINGERPRINT = fingerprint_of(Path(__file__).resolve().parents[1])
    return _FINGERPRINT


_CODE_VERSION: dict[str, str] | None = None


def code_version() -> dict[str, str]:
    """incentsim's version, the simulation-code fingerprint and, when installed from a
    git checkout, ``git describe --dirty`` (stored in every run's ``info.json``)."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        import platform
        import subprocess

        import incentsim

        v = {
            "incentsim": incentsim.__version__,
            "python": platform.python_version(),
            "fingerprint": code_fingerprint(),
        }
        try:
            out = subprocess.run(
                ["git", "describe", "--always", "--dirty", "--abbrev=7"],
                cwd=Path(__file__).parent,
                capture_output=True,
                text=True,
                timeout=10,
            )
            if out.returncode == 0 and out.stdout.strip():
                v["git"] = out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
        _CODE_VERSION = v
    return dict(_CODE_VERSION)


def task_key(scenario: Scenario | Mapping[str, Any], seed: int) -> str:
    """Stable hash of a fully resolved scenario, a seed and the simulation code.

    Two runs with the same key produce identical outcomes; a resumed sweep
    skips a point whose key already completed.
    """
    d = scenario.to_dict() if isinstance(scenario, Scenario) else dict(scenario)
    blob = json.dumps(
        {"scenario": d, "seed": int(seed), "code": code_fingerprint()}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def scenario_of(config: Mapping[str, Any]) -> Scenario:
    """Validate a Sacred config (scenario + seed) as a :class:`Scenario`."""
    data = {k: v for k, v in _plain(dict(config)).items() if k != "seed"}
    return load_scenario(data)


def _outcome_figure(res: SimulationResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from incentsim.analysis.plots import save_png, timeseries_figure

    fig = timeseries_figure(
        {res.scenario.name: [res.timeseries]},
        title=f"{res.scenario.name}, seed {res.seed}, {res.scenario.world.label()}",
    )
    save_png(fig, path, dpi=110)


def run_info(res: SimulationResult) -> dict[str, Any]:
    """What a tracked run stores in ``info.json`` about ``res``: scenario name, rule,
    mechanisms, seed, years, task key, code version and the ``summary``."""
    sc = res.scenario
    return {
        "scenario": sc.name,
        "rule": sc.promotion.rule,
        "mechanisms": [name for name, _ in sc.mechanisms()],
        "seed": int(res.seed),
        "years": len(res.timeseries),
        "task_key": task_key(sc, res.seed),
        "code": code_version(),
        "summary": {k: float(v) for k, v in res.summary().items()},
    }


def run_result(summary: Mapping[str, float]) -> dict[str, float]:
    """The ``result`` of a tracked run (in ``run.json``): two headline outcomes."""
    return {k: summary[k] for k in ("gdp_growth_true_mean", "trust_local_final")}


def artifact_writers(res: SimulationResult, *, figures: bool) -> dict[str, Callable[[Path], Any]]:
    """How to write each artifact of ``res`` to a path: ``timeseries.parquet``,
    ``leaders.parquet`` and, with ``figures``, ``outcomes.png``."""
    writers: dict[str, Callable[[Path], Any]] = {
        "timeseries.parquet": lambda p: write_parquet(res.timeseries, p),
        "leaders.parquet": lambda p: write_parquet(res.leaders, p),
    }
    if figures:
        writers["outcomes.png"] = lambda p: _outcome_figure(res, p)
    return writers


def record(run: Any, res: SimulationResult, *, figures: bool = False) -> dict[str, float]:
    """Log outcomes, artifacts and the summary of ``res`` into a Sacred ``run``."""
    ts = res.timeseries
    years = [int(y) for y in ts["year"]]
    for name in OUTCOME_NAMES:
        for year, value in zip(years, ts[name].tolist()):
            run.log_scalar(name, float(value), year)
    info = run_info(res)
    run.info.update(info)
    with tempfile.TemporaryDirectory(prefix="incentsim-") as tmp:
        for name, write in artifact_writers(res, figures=figures).items():
            write(Path(tmp) / name)
            run.add_artifact(str(Path(tmp) / name), name)
    return info["summary"]


def make_experiment(
    holder: dict[str, Any] | None = None,
    figures: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Experiment:
    """Build the incentsim Sacred experiment (no observers attached).

    ``holder`` (a dict) receives the :class:`SimulationResult` of the run under
    ``"result"``, so Python callers get it back without Sacred serialising it.
    """
    ex = Experiment(
        "incentsim", save_git_info=False, base_dir=str(Path(__file__).resolve().parents[1])
    )
    ex.add_config(default_config())

    @ex.config_hook
    def _validate_before_start(config, command_name, logger):  # noqa: ARG001
        scenario_of(config)  # raises ScenarioError before any run directory exists
        return {}

    @ex.main
    def main(
        _run,
        _config,
        seed,
        name,
        description,
        world,
        economy,
        behaviour,  # noqa: ARG001
        promotion,
        tenure,
        accountability,
    ):
        """Simulate one scenario with one seed and track everything it produced."""
        sc = scenario_of(_config)
        with interrupts.delivered():
            res = simulate(sc, seed=int(seed), progress=progress)
        summary = record(_run, res, figures=figures)
        if holder is not None:
            holder["result"] = res
        return run_result(summary)

    return ex


def ensure_runs_dir(runs_dir: str | Path) -> Path:
    """Create ``runs_dir`` if needed and check that a file can be written in it;
    :class:`StorageError` (an ``OSError``) with a clear message if not."""
    return ensure_writable_dir(runs_dir, "runs directory")


def ensure_writable_dir(path: str | Path, what: str = "output directory") -> Path:
    """Create directory ``path`` if needed and check, by writing a probe file, that a
    file can be written in it; :class:`StorageError` naming ``what`` and the path if not
    (checked before any run starts, so no finished run waits on a folder it cannot use)."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {what} {p}: {exc.strerror or exc}") from None
    if not p.is_dir() or not os.access(p, os.W_OK | os.X_OK):
        raise StorageError(f"{what} {p} is not writable")
    try:  # a read-only or full filesystem passes os.access (e.g. for root)
        fd, probe = tempfile.mkstemp(dir=p, prefix=".probe-")
        try:
            os.write(fd, b"incentsim")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise StorageError(f"{what} {p} is not writable: {exc.strerror or exc}") from None
    return p


def mark_done(runs_dir: Path, key: str, run_id: Any) -> None:
    """Record (atomically) that task ``key`` completed as run ``run_id``."""
    done = runs_dir / "_done"
    try:
        done.mkdir(exist_ok=True)
        with written_atomically(done / f"{key}.json") as tmp:
            tmp.write_text(json.dumps({"run_id": str(run_id)}))
    except OSError as exc:
        raise StorageError(
            f"cannot record finished run {run_id} in {done}: {exc.strerror or exc}"
        ) from None


def finished_run(runs_dir: str | Path, key: str, invocation: str | None = None) -> str | None:
    """Id of the latest COMPLETED run of task ``key`` in ``runs_dir``, or ``None``.

    With ``invocation``, only a run made by that invocation counts (a retried
    batch does not repeat what its first attempt finished).
    """
    runs_dir = Path(runs_dir)
    marker = runs_dir / "_done" / f"{key}.json"
    try:
        run_id = json.loads(marker.read_text())["run_id"]
        status = json.loads((runs_dir / str(run_id) / "run.json").read_text())["status"]
        if invocation is not None:
            info = json.loads((runs_dir / str(run_id) / "info.json").read_text())
            if info.get("invocation") != invocation:
                return None
    except (OSError, ValueError, KeyError):
        return None
    return str(run_id) if status == "COMPLETED" else None


def run_tracked(
    scenario: str | Path | Mapping[str, Any] | Scenario | None,
    seed: int = 0,
    runs_dir: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    info: Mapping[str, Any] | None = None,
    figures: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, SimulationResult]:
    """Run one Sacred-tracked simulation; return ``(run_id, SimulationResult)``.

    ``scenario``/``overrides`` as for :func:`incentsim.simulate` (validated first:
    :class:`ScenarioError` before anything is written). The run is stored by a
    ``FileStorageObserver`` in ``runs_dir`` (default: :func:`default_runs_dir`).
    ``info`` entries are added to the run's ``info.json`` (e.g. a sweep name).
    ``figures=True`` also stores ``outcomes.png``. Thread-safe (runs in one
    process are serialised).

    A ``KeyboardInterrupt`` (Ctrl-C; SIGTERM under the command line) stores the
    run as ``INTERRUPTED`` and propagates. :class:`StorageError` if any file of
    the run could not be written (the run is then not ``COMPLETED``). It is a batch of
    one: :func:`incentsim.runs.tracking.run_tracked_batch`.
    """
    from incentsim.runs.ranges import check_seed
    from incentsim.runs.tracking import Member, run_tracked_batch

    sc = load_scenario(scenario if scenario is not None else {}, overrides)
    member = Member(sc, check_seed(seed), dict(info or {}))
    runs = runs_dir if runs_dir is not None else default_runs_dir()
    (out,) = run_tracked_batch([member], runs, figures=figures, progress=progress)
    if out.error is not None:
        raise out.error
    assert out.run_id is not None and out.result is not None
    return out.run_id, out.result


def _sacred_main(argv: list[str]) -> None:  # pragma: no cover - exercised via subprocess
    """``python -m incentsim.runs.experiment ...``: Sacred's own command line."""
    argv = list(argv)
    # a YAML/JSON config file without `name` names the scenario after the file
    if "with" in argv:
        for tok in argv[argv.index("with") + 1 :]:
            p = Path(tok)
            if "=" not in tok and p.suffix in (".yaml", ".yml", ".json") and p.is_file():
                import yaml

                data = yaml.safe_load(p.read_text()) or {}
                if isinstance(data, dict) and "name" not in data:
                    argv.append(f"name={p.stem}")
    if (
        not any(a in ("-F", "--file_storage") or a.startswith("--file_storage=") for a in argv)
        and "-u" not in argv
        and "--unobserved" not in argv
    ):
        ex_obs = SafeFileStorageObserver(str(ensure_runs_dir(default_runs_dir())))
    else:
        ex_obs = None
    ex = make_experiment()
    if ex_obs is not None:
        ex.observers.append(ex_obs)
    try:
        ex.run_commandline(argv)
    except ScenarioError as exc:
        print(f"incentsim.runs.experiment: {exc.one_line()}", file=sys.stderr)
        raise SystemExit(2) from None


# Sacred users who import the module get a ready experiment object.
ex = make_experiment()

if __name__ == "__main__":  # pragma: no cover
    _sacred_main(sys.argv)
