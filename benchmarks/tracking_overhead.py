"""What tracking costs on top of the runs: K members stepped as one ensemble, stored as K
tracked runs, against the same K members not stored, in one process.

    INCENTSIM_THREADS=1 python benchmarks/tracking_overhead.py --scale province -k 8

(a) :func:`incentsim.ensemble.simulate_ensemble` of K seeds of ``configs/gdp_tournament.yaml``
(untracked); (b) :func:`incentsim.runs.tracking.run_tracked_batch` of the same members into
a runs directory under ``--dir`` (tracked). Alternated ``--repeat`` times (a, b, b, a,
a, b, ...) after a warm-up of each; prints the wall and CPU time (this process's, threads
included) of every pair, the overhead of (b) over (a), and the load average at the start
and the end. Under load, runs of the same work differ by tens of per cent from one to the
next; so it also prints the *in-run share*: the wall time (b) spent inside the batch's
storage (its hooks and sync points) over the rest of (b), measured within the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from incentsim.ensemble import simulate_ensemble
from incentsim.runs import tracking
from incentsim.runs.tracking import Member, run_tracked_batch
from incentsim.scenario import load_scenario

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "gdp_tournament.yaml"


def _timed(fn) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


class _Clock:
    """Wall time spent in the storage of tracked batches (outermost calls only)."""

    def __init__(self) -> None:
        self.depth, self.wall = 0, 0.0
        for name in ("start", "finish", "sync", "beat", "fail", "interrupt"):
            setattr(tracking._Batch, name, self._timed(getattr(tracking._Batch, name)))
        tracking.ensure_runs_dir = self._timed(tracking.ensure_runs_dir)

    def _timed(self, fn):
        def timed(*args, **kwargs):
            self.depth += 1
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                if not self.depth:
                    self.wall += time.perf_counter() - t

        return timed


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    """Measure (a) and (b), alternated, and print each pair and the overheads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province")
    parser.add_argument("-k", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--dir", default=None, help="where the runs directories go")
    args = parser.parse_args()
    sc = load_scenario(CONFIG, {"world.scale": args.scale})
    members = [Member(sc, seed) for seed in range(args.k)]
    root = Path(tempfile.mkdtemp(prefix="track-bench-", dir=args.dir))

    def untracked() -> None:
        simulate_ensemble([(m.scenario, m.seed) for m in members])

    def tracked(_n: int) -> None:  # one runs directory, as the runs of a study share one
        run_tracked_batch(members, root / "runs")

    print(f"load at start: {os.getloadavg()}")
    untracked()  # warm-up
    tracked(0)
    clock = _Clock()
    ratios_w, ratios_c, shares = [], [], []
    try:
        for n in range(1, args.repeat + 1):  # the order alternates too: drifts cancel
            clock.wall = 0.0
            if n % 2:
                aw, ac = _timed(untracked)
                bw, bc = _timed(lambda n=n: tracked(n))
            else:
                bw, bc = _timed(lambda n=n: tracked(n))
                aw, ac = _timed(untracked)
            ratios_w.append(bw / aw - 1)
            ratios_c.append(bc / ac - 1)
            shares.append(clock.wall / (bw - clock.wall))
            print(
                f"pair {n}: untracked {aw:.3f} s wall {ac:.3f} s CPU; tracked {bw:.3f} s wall "
                f"{bc:.3f} s CPU; overhead wall {100 * ratios_w[-1]:+.1f} % "
                f"CPU {100 * ratios_c[-1]:+.1f} %; in-run share {100 * shares[-1]:.1f} % "
                f"({1000 * clock.wall / args.k:.1f} ms of storage per member)"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"{args.scale} K={args.k}: tracking wall overhead median {100 * _median(ratios_w):+.1f} % "
        f"(range {100 * min(ratios_w):+.1f} .. {100 * max(ratios_w):+.1f}), CPU median "
        f"{100 * _median(ratios_c):+.1f} %; in-run share median {100 * _median(shares):.1f} % "
        f"(range {100 * min(shares):.1f} .. {100 * max(shares):.1f})"
    )
    print(f"load at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
