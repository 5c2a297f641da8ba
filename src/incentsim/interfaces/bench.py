"""``incentsim bench``: how fast is a year, at which scale, against which bounds.

Runs one full simulation (``burn_in + horizon`` years, as :func:`incentsim.simulate`
does) in a fresh subprocess, so peak memory (``ru_maxrss``) is that run's alone,
and reports:

* ``setup_s`` — building the model (world, 1.9 million agents at national scale);
* ``seconds_per_year`` — mean wall time of :meth:`IncentModel.step`;
* ``agent_updates_per_s`` — firm + citizen agents x years / time in the model
  year (everything: leaders, economy, recording); ``population_updates_per_s``
  counts only the time inside ``FirmPopulation.step`` and ``CitizenPopulation.step``;
* ``leader_s_per_year`` — leaders' decisions (:func:`incentsim.agents.leader.decide`)
  plus the upper level's evaluation (``UpperLevel.evaluate``), also separately;
* ``peak_memory_mib`` — peak resident memory of the run's process;
* ``total_run_s`` — the whole run including set-up and building the result tables;
* ``naive_speedup`` — per-agent throughput of the populations against the naive
  reference (``benchmarks/naive.py``: one Mesa agent per firm and citizen,
  ``AgentSet.shuffle_do``) timed on a small population in the same run;
* ``bandwidth_fraction`` — population throughput over the memory-bandwidth
  bound: a numpy copy of large arrays measured in the same run, divided by
  the bytes of state a year must read and write per agent.

The naive reference ships with the source tree, not with an installed wheel: there
it is skipped with a one-line note and ``naive_speedup`` is ``null``.

``--ensemble K`` also measures, in a fresh subprocess, K members (seeds ``seed ..
seed+K-1``) stepped together by :func:`incentsim.ensemble.simulate_ensemble` against
the same K runs one at a time, by CPU time of the process (all its threads), so the
ratio is per core-second; both ways are timed after a warm-up (one run alone and one
ensemble of K other seeds), as in a command that steps many of them:
``ensemble_runs_per_core_s``, ``solo_runs_per_core_s``, ``ensemble_speedup`` (their
ratio), ``ensemble_identical`` (every member's timeseries and leader panel equal to its
solo run, exactly), ``memory_per_member_mib`` (the :mod:`incentsim.sizes` estimate)
and ``ensemble_peak_memory_mib``.

Timings wrap the model's phases from outside (no change to the model). The
machine's load average is recorded before and after the run: wall-clock times
on a machine shared with other jobs are pessimistic.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

TARGETS = {
    "agent_updates_per_s": (">=", 50e6),
    "naive_speedup": (">=", 40.0),
    "total_run_s": ("<=", 5.0),
    "peak_memory_mib": ("<=", 1024.0),
    "leader_ms_per_year": ("<=", 5.0),
}
REPO = Path(__file__).resolve().parents[3]


class NaiveMissing(FileNotFoundError):
    """The naive reference is not there (an installed wheel has no ``benchmarks/``)."""


def load_naive():
    """The naive reference module (``benchmarks/naive.py`` of the source tree);
    :class:`NaiveMissing` outside a source checkout."""
    path = REPO / "benchmarks" / "naive.py"
    if not path.is_file():
        raise NaiveMissing(
            f"naive reference not measured: {path} is part of the source tree, not of "
            "an installed package; run from a source checkout to compare with it"
        )
    spec = importlib.util.spec_from_file_location("incentsim_bench_naive", path)
    if spec is None or spec.loader is None:
        raise NaiveMissing(f"naive reference not measured: cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------- state bytes per agent

#: state columns a year reads ("r"), writes ("w") or both ("rw"); index arrays count too
CITIZEN_COLUMNS = {
    "skill": "r",
    "_income": "rw",
    "_expected_growth": "rw",
    "_satisfaction": "w",
    "_trust_local": "rw",
    "_trust_central": "rw",
    "_petitioned": "w",
}
FIRM_COLUMNS = {
    "alive": "rw",
    "_productivity": "rw",
    "_capital": "rw",
    "_output": "w",
    "age": "rw",
    "protected": "w",
}


def bytes_per_agent(model) -> dict[str, float]:
    """Bytes of state the year-step must move per firm, per citizen, and on average."""

    def count(pop, cols):
        total = sum(getattr(pop, c).itemsize * len(mode) for c, mode in cols.items())
        return float(total)

    c, f = model.citizens, model.firms
    cb = count(c, CITIZEN_COLUMNS) + c._ties.itemsize * c._ties.shape[0]
    fb = count(f, FIRM_COLUMNS)
    nc, nf = len(c.prefecture), len(f.prefecture)
    return {"citizen": cb, "firm": fb, "mean": (cb * nc + fb * nf) / (nc + nf)}


def copy_bandwidth(nbytes: int = 256 * 2**20, repeats: int = 5) -> float:
    """Bytes per second moved by ``np.copyto`` of a large array (read + write), best of N."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2.0 * src.nbytes / best


# ----------------------------------------------------------------- the measured run


class _Timer:
    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, owner, name: str, key: str):
        fn = getattr(owner, name)

        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - t
                self.calls[key] = self.calls.get(key, 0) + 1

        setattr(owner, name, timed)


def _bench_scenario(scale: str, years: int | None):
    """The default scenario at ``scale`` (and ``years`` of horizon if given)."""
    from incentsim.scenario import load_scenario

    overrides: dict[str, Any] = {"world.scale": scale}
    if years is not None:
        overrides["world.horizon"] = years
    return load_scenario({}, overrides)


def _instrument(model_mod, upper_cls, firms_cls, citizens_cls) -> _Timer:
    """A timer wrapped around each phase measured (set-up, year, decide, evaluate, ...)."""
    timer = _Timer()
    timer.wrap(model_mod.IncentModel, "__init__", "setup")
    timer.wrap(model_mod.IncentModel, "step", "year")
    timer.wrap(model_mod, "decide", "decide")
    timer.wrap(upper_cls, "evaluate", "evaluate")
    timer.wrap(upper_cls, "turnover", "turnover")
    timer.wrap(firms_cls, "step", "firms")
    timer.wrap(citizens_cls, "step", "citizens")
    return timer


def _capture_model(model_mod) -> dict:
    """Patch ``IncentModel.__init__`` so the sizes of the model built by ``simulate``
    are kept (:func:`_model_sizes`: taken once it is built, as the model is released
    when its run ends)."""
    captured = {}
    orig_init = model_mod.IncentModel.__init__

    def init(self, *a, **k):
        orig_init(self, *a, **k)
        captured["sizes"] = _model_sizes(self)

    # the constructor wrapped in place, as _Timer.wrap does
    model_mod.IncentModel.__init__ = init  # type: ignore[method-assign]
    return captured


def _model_sizes(m) -> dict:
    """A built model's prefectures, firms and citizens and its :func:`bytes_per_agent`
    (none of which change as it runs)."""
    return {
        "prefectures": m.n_prefectures,
        "firms": len(m.firms.prefecture),
        "citizens": len(m.citizens.prefecture),
        "bytes_per_agent": bytes_per_agent(m),
    }


def _run_metrics(scale, seed, sc, res, sizes, timer, total, *, import_s, peak, rss_before) -> dict:
    """The row of measurements of one timed run (``sizes``: :func:`_model_sizes`,
    seconds per phase, memory)."""
    w = sc.world
    n_years = timer.calls["year"]
    n_firms, n_citizens = sizes["firms"], sizes["citizens"]
    agents = n_firms + n_citizens
    s = timer.seconds
    per_year = s["year"] / n_years
    pop_s = s["firms"] + s["citizens"]
    return {
        "scale": scale,
        "seed": seed,
        "prefectures": sizes["prefectures"],
        "firms": n_firms,
        "citizens": n_citizens,
        "agents": agents,
        "years_simulated": n_years,
        "recorded_years": w.horizon,
        "burn_in": w.burn_in,
        "timeseries_rows": len(res.timeseries),
        "import_s": import_s,
        "setup_s": s["setup"],
        "total_run_s": total,
        "seconds_per_year": per_year,
        "agent_updates_per_s": agents / per_year,
        "population_s_per_year": pop_s / n_years,
        "population_updates_per_s": agents * n_years / pop_s,
        "firm_s_per_year": s["firms"] / n_years,
        "citizen_s_per_year": s["citizens"] / n_years,
        "leader_ms_per_year": 1e3 * (s["decide"] + s["evaluate"]) / n_years,
        "decide_ms_per_year": 1e3 * s["decide"] / n_years,
        "evaluate_ms_per_year": 1e3 * s["evaluate"] / n_years,
        "turnover_ms_per_year": 1e3 * s["turnover"] / n_years,
        "other_model_s_per_year": (s["year"] - pop_s - s["decide"] - s["evaluate"] - s["turnover"])
        / n_years,
        "peak_memory_mib": peak,
        "rss_after_import_mib": rss_before,
        "bytes_per_agent": sizes["bytes_per_agent"],
        "threads": __import__("incentsim.agents.fastrng", fromlist=["n_threads"]).n_threads(),
    }


def measure_run(scale: str, years: int | None, seed: int) -> dict:
    """One full simulation with phase timings (run this in a fresh process)."""
    t_import = time.perf_counter()
    import incentsim.model as model_mod
    from incentsim.agents.citizens import CitizenPopulation
    from incentsim.agents.firms import FirmPopulation
    from incentsim.api import simulate
    from incentsim.personnel import UpperLevel

    import_s = time.perf_counter() - t_import
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    sc = _bench_scenario(scale, years)
    timer = _instrument(model_mod, UpperLevel, FirmPopulation, CitizenPopulation)
    captured = _capture_model(model_mod)
    t0 = time.perf_counter()
    res = simulate(sc, seed=seed)
    total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return _run_metrics(
        scale,
        seed,
        sc,
        res,
        captured["sizes"],
        timer,
        total,
        import_s=import_s,
        peak=peak,
        rss_before=rss_before,
    )


def measure_naive(n_agents: int, years: int, seed: int) -> dict:
    """Per-agent throughput of the naive reference on about ``n_agents`` agents."""
    from incentsim.scenario import load_scenario

    naive = load_naive()
    sc = load_scenario({})
    n_pref = 10
    firms_per = max(2, n_agents // (6 * n_pref))  # the national mix: 1 firm to 5 citizens
    citizens_per = max(2, 5 * firms_per)
    rng = np.random.default_rng(seed)
    env = np.exp(0.25 * rng.standard_normal(n_pref))
    t = time.perf_counter()
    world = naive.NaiveWorld(sc, n_pref, firms_per, citizens_per, env, seed=seed)
    setup = time.perf_counter() - t
    ones, zeros = np.ones(n_pref), np.zeros(n_pref)
    wage = np.full(n_pref, 1.1)
    firm_s = cit_s = 0.0
    for _ in range(years):
        t = time.perf_counter()
        world.step_firms(env, np.full(n_pref, 0.05), ones + 0.1, np.full(n_pref, 0.3), 1.0)
        firm_s += time.perf_counter() - t
        t = time.perf_counter()
        world.step_citizens(wage, ones, ones, zeros, zeros)
        cit_s += time.perf_counter() - t
    nf, nc = n_pref * firms_per, n_pref * citizens_per
    return {
        "agents": nf + nc,
        "firms": nf,
        "citizens": nc,
        "years": years,
        "setup_s": setup,
        "firm_updates_per_s": nf * years / firm_s,
        "citizen_updates_per_s": nc * years / cit_s,
        "population_updates_per_s": (nf + nc) * years / (firm_s + cit_s),
    }


def _same_frames(a, b) -> bool:
    """Whether two frames are equal exactly (NaN equal to NaN)."""
    import pandas as pd

    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError:
        return False
    return True


def measure_ensemble(scale: str, years: int | None, seed: int, k: int) -> dict:
    """K members stepped together against the same K runs one at a time, by the CPU
    time of this process (run it in a fresh process; see the module docstring)."""
    from incentsim.api import run_model
    from incentsim.ensemble import member_memory, simulate_ensemble

    sc = _bench_scenario(scale, years)
    seeds = list(range(seed, seed + k))
    # warm-up of both ways (imports, caches, worker threads, the heap's first pages):
    # a command steps many ensembles in one process, so neither way is timed cold
    run_model(sc, seed + k)
    simulate_ensemble([(sc, s) for s in range(seed + k, seed + 2 * k)])
    t = time.process_time()
    together = simulate_ensemble([(sc, s) for s in seeds])
    together_s = time.process_time() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    t = time.process_time()
    alone = [run_model(sc, s) for s in seeds]
    alone_s = time.process_time() - t
    identical = all(
        _same_frames(a.timeseries, b.timeseries) and _same_frames(a.leaders, b.leaders)
        for a, b in zip(together, alone, strict=True)
    )
    return {
        "ensemble_size": k,
        "ensemble_cpu_s": together_s,
        "solo_cpu_s": alone_s,
        "ensemble_runs_per_core_s": k / together_s,
        "solo_runs_per_core_s": k / alone_s,
        "ensemble_speedup": alone_s / together_s,
        "ensemble_identical": identical,
        "memory_per_member_mib": member_memory(sc) / 2**20,
        "ensemble_peak_memory_mib": peak,
    }


# ----------------------------------------------------------------- report


def machine() -> dict:
    """CPU model and count, memory and load average of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": mem,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_average": load_average(),
    }


def load_average() -> list[float] | None:
    """1-, 5- and 15-minute load averages (other jobs on the machine slow every timing)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not Unix
        return None


def _worker(args) -> int:
    if args.ensemble:
        out = measure_ensemble(args.scale, args.years, args.seed, args.ensemble)
    else:
        out = measure_run(args.scale, args.years, args.seed)
    print(json.dumps(out))
    return 0


def _in_subprocess(scale: str, years: int | None, seed: int, ensemble: int | None) -> dict:
    """A measurement made by ``incentsim bench --worker`` in a fresh process."""
    cmd = [
        sys.executable,
        "-m",
        "incentsim.interfaces.bench",
        "--worker",
        "--scale",
        scale,
        "--seed",
        str(seed),
    ]
    cmd += ["--years", str(years)] if years is not None else []
    cmd += ["--ensemble", str(ensemble)] if ensemble else []
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark run failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _naive_part(run_: dict, naive_size: int, naive_years: int, seed: int) -> dict:
    """The naive reference's throughput and the speed-up over it (``None`` where the
    reference is not installed, with a one-line note on stderr)."""
    try:
        nv = measure_naive(naive_size, naive_years, seed)
    except NaiveMissing as exc:
        print(f"incentsim bench: {exc}", file=sys.stderr)
        return {"naive": None, "naive_speedup": None}
    return {
        "naive": nv,
        "naive_speedup": run_["population_updates_per_s"] / nv["population_updates_per_s"],
    }


def run(
    scale: str = "national",
    years: int | None = None,
    seed: int = 0,
    naive_size: int = 12_000,
    naive_years: int = 3,
    in_process: bool = False,
    ensemble: int | None = None,
) -> dict:
    """Run the benchmark and return the report dict (see module docstring)."""
    load_before = load_average()
    if in_process:
        run_ = measure_run(scale, years, seed)
    else:
        run_ = _in_subprocess(scale, years, seed, None)
    bw = copy_bandwidth()
    bound = bw / run_["bytes_per_agent"]["mean"]
    report = dict(run_)
    report.update(
        {
            "copy_bandwidth_gb_s": bw / 1e9,
            "bandwidth_bound_updates_per_s": bound,
            "bandwidth_fraction": run_["population_updates_per_s"] / bound,
            **_naive_part(run_, naive_size, naive_years, seed),
            "machine": machine(),
            "load_average_before": load_before,
        }
    )
    if ensemble:
        measure = measure_ensemble if in_process else _in_subprocess
        report.update(measure(scale, years, seed, ensemble))
    report["targets"] = {
        k: {
            "target": f"{op} {v:g}",
            "value": report[k],
            "met": None
            if report[k] is None
            else bool(report[k] >= v if op == ">=" else report[k] <= v),
        }
        for k, (op, v) in TARGETS.items()
    }
    return report


ROWS = [
    ("setup", "setup_s", "{:.2f} s"),
    ("seconds per simulated year", "seconds_per_year", "{:.4f} s"),
    ("  of which firms + citizens", "population_s_per_year", "{:.4f} s"),
    ("firm+citizen agent-updates/s (whole year)", "agent_updates_per_s", "{:,.0f}"),
    ("firm+citizen agent-updates/s (population steps)", "population_updates_per_s", "{:,.0f}"),
    ("leaders: decide + evaluate per year", "leader_ms_per_year", "{:.2f} ms"),
    ("  decide / evaluate", None, None),
    ("full run incl. setup", "total_run_s", "{:.2f} s"),
    ("peak memory (RSS)", "peak_memory_mib", "{:.0f} MiB"),
    ("naive reference (per agent)", None, None),
    ("speed-up vs naive", "naive_speedup", "{:.0f}x"),
    ("ensemble: runs per core-second together", "ensemble_runs_per_core_s", "{:.2f}"),
    ("  one at a time", "solo_runs_per_core_s", "{:.2f}"),
    ("  speed-up / identical to solo runs", None, None),
    ("  memory per member (estimate)", "memory_per_member_mib", "{:.0f} MiB"),
    ("numpy copy bandwidth", "copy_bandwidth_gb_s", "{:.1f} GB/s"),
    ("bytes/agent/year (state moved)", None, None),
    ("bandwidth bound (agent-updates/s)", "bandwidth_bound_updates_per_s", "{:,.0f}"),
    ("fraction of bandwidth bound", "bandwidth_fraction", "{:.2f}"),
]


def table(r: dict) -> str:
    """The bench report ``r`` as a plain-text table, with each target met or missed."""
    lines = [
        f"incentsim bench — scale {r['scale']}: {r['prefectures']} prefectures, "
        f"{r['firms']:,} firms + {r['citizens']:,} citizens, {r['years_simulated']} years "
        f"({r['burn_in']} burn-in + {r['recorded_years']} recorded), {r['threads']} thread(s)",
        f"machine: {r['machine']['cpus']} CPUs, {r['machine']['cpu_model']}, "
        f"{r['machine']['memory_gib']} GiB; load average (1/5/15 min) before "
        f"{_fmt_load(r.get('load_average_before'))}, after "
        f"{_fmt_load(r['machine'].get('load_average'))} "
        f"(the run itself adds about 1-{r['threads']}; beyond {r['machine']['cpus']} "
        f"jobs compete for the CPUs)",
        "",
    ]
    width = max(len(name) for name, _, _ in ROWS) + 2
    for name, key, fmt in ROWS:
        if key is not None and key not in r:
            continue  # ensemble rows without --ensemble
        if key is not None and r[key] is None:
            val = "not measured"
        elif key is not None and fmt is not None:
            val = fmt.format(r[key])
        elif name.strip().startswith("speed-up /"):
            if "ensemble_speedup" not in r:
                continue
            same = "yes" if r["ensemble_identical"] else "NO"
            val = f"{r['ensemble_speedup']:.2f}x / {same} (K={r['ensemble_size']})"
        elif name.strip().startswith("decide"):
            val = f"{r['decide_ms_per_year']:.2f} / {r['evaluate_ms_per_year']:.2f} ms"
        elif name.startswith("naive"):
            nv = r["naive"]
            val = (
                f"{nv['population_updates_per_s']:,.0f} updates/s on {nv['agents']:,} agents"
                if nv
                else "not installed"
            )
        else:
            b = r["bytes_per_agent"]
            val = f"{b['mean']:.1f} B (citizen {b['citizen']:.0f}, firm {b['firm']:.0f})"
        target = r["targets"].get(key)
        mark = ""
        if target and target["met"] is not None:
            mark = f"   target {target['target']}: {'met' if target['met'] else 'MISSED'}"
        lines.append(f"{name:<{width}}{val:>28}{mark}")
    return "\n".join(lines)


def _positive(text: str) -> int:
    """A whole number >= 1 (argparse type)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return n


def _fmt_load(load) -> str:
    return "/".join(f"{x:.2f}" for x in load) if load else "n/a"


def main(argv: list[str] | None = None) -> int:
    """``incentsim bench``: measure one run at a scale; print the report (``--json``: save it)."""
    from incentsim.interfaces.cli_options import Parser, seed_type

    ap = Parser(prog="incentsim bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=["small", "province", "national"], default="national")
    ap.add_argument(
        "--years",
        type=int,
        default=None,
        help="recorded years (world.horizon); burn-in years are run too",
    )
    ap.add_argument("--seed", type=seed_type, default=0)
    ap.add_argument("--json", metavar="PATH", help="also write the report to PATH")
    ap.add_argument(
        "--naive-size",
        type=int,
        default=12_000,
        help="agents in the naive reference run (default 12000)",
    )
    ap.add_argument("--naive-years", type=int, default=3)
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="measure in this process (peak memory then includes the caller)",
    )
    ap.add_argument(
        "--ensemble",
        type=_positive,
        metavar="K",
        help="also measure K runs stepped together against the same K one at a time",
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return _worker(args)
    report = run(
        args.scale,
        args.years,
        args.seed,
        args.naive_size,
        args.naive_years,
        args.in_process,
        args.ensemble,
    )
    print(table(report))
    print()
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
