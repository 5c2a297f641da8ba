"""``incentsim moments PANEL``: the calibration moments of a real leader-year panel.

Computes every panel moment of :mod:`incentsim.analysis.validation.moments` on the panel (CSV or
Stata ``.dta``; ``--map field=column,...`` names its columns), beside the target of the
chosen period, and optionally beside the same moments on a simulated scenario
(``--scenario CONFIG``, tracked runs over ``--seeds``). Bad mapping, missing column or
bad file: one line on stderr, exit status 2.

    incentsim moments panel.dta --map prefecture=city,promoted=prom,growth=gdp_g --percent
    incentsim moments panel.csv --map growth=gdp_g --scenario configs/china_2000s.yaml
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from incentsim.analysis.validation import moments as mm
from incentsim.analysis.validation.econometrics import Estimate
from incentsim.analysis.validation.targets import PERIODS, targets_for
from incentsim.design.estimation.panel import FIELDS, PanelError, parse_mapping, read_panel


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim moments``."""
    from incentsim.interfaces.cli_options import SEEDS_HELP, Parser, add_runs_dir, add_seeds

    fields = "; ".join(f"{k}: {v[1]}" for k, v in FIELDS.items())
    p = Parser(
        prog="incentsim moments", description=__doc__.split("\n\n")[0], epilog=f"fields: {fields}"
    )
    p.add_argument("panel", help="leader-year panel, .csv or .dta")
    p.add_argument(
        "--map",
        default="",
        metavar="FIELD=COLUMN,...",
        help="which panel column holds each field (unmapped fields are taken from "
        "a column of the same name)",
    )
    p.add_argument(
        "--percent", action="store_true", help="growth columns are in percent (divided by 100)"
    )
    p.add_argument(
        "--period",
        choices=PERIODS,
        default="2000-07",
        help="targets shown beside the moments (default 2000-07)",
    )
    p.add_argument("--scenario", metavar="CONFIG", help="also compute on this scenario")
    add_seeds(p, "8", f"with --scenario, {SEEDS_HELP} (default 8)")
    p.add_argument(
        "--scale",
        choices=("small", "province", "national"),
        default="province",
        help="world.scale of the simulated runs (default province)",
    )
    add_runs_dir(p)
    p.add_argument("--jobs", type=int, default=None, help="parallel processes")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


def _cell(e: Estimate | None, scale: float) -> str:
    if e is None:
        return ""
    if not math.isfinite(e.value):
        return "n/a (" + str(e.detail.get("error", "?"))[:40] + ")"
    v = f"{e.value * scale:.3g}"
    return v + (f" ± {2 * e.se * scale:.2g}" if math.isfinite(e.se) else "")


def rows(data: dict[str, Estimate], sim: dict[str, Estimate] | None, period: str) -> list[dict]:
    """One row per panel moment: data, simulated, the period's target."""
    targets = {t.moment: t for t in targets_for(period, ("panel",))}
    out = []
    for mid, m in mm.MOMENTS.items():
        t = targets.get(mid)
        out.append(
            {
                "id": mid,
                "name": m.name,
                "unit": m.unit,
                "scale": m.scale,
                "data": data[mid],
                "simulated": (sim or {}).get(mid),
                "target": t.target if t else "",
                "period": period if t else "",
            }
        )
    return out


def _print_table(out: list[dict], with_sim: bool) -> None:
    from incentsim.interfaces.cli_text import table

    header = [
        "moment",
        "unit",
        "panel (±2 SE)",
        *(["simulated (±2 SE)"] if with_sim else []),
        "target",
    ]
    body = [
        [
            r["name"],
            r["unit"],
            _cell(r["data"], r["scale"]),
            *([_cell(r["simulated"], r["scale"])] if with_sim else []),
            r["target"],
        ]
        for r in out
    ]
    print(table(body, header))


def _simulate(args) -> dict[str, Estimate]:
    from incentsim.design.estimation.simulated import simulated_panel
    from incentsim.interfaces.cli_options import runs_dir_of
    from incentsim.runs.ranges import parse_seeds
    from incentsim.scenario import load_scenario

    sc = load_scenario(args.scenario, {"world.scale": args.scale})
    seeds = parse_seeds(args.seeds, what="--seeds")
    panel, _ = simulated_panel(
        sc, seeds, runs_dir_of(args), jobs=args.jobs, info={"purpose": "incentsim moments"}
    )
    return mm.compute(panel)


def main(argv: list[str]) -> int:
    """``incentsim moments``: the calibration moments of a leader-year panel file."""
    from incentsim.interfaces.cli_options import check_jobs

    args = build_parser().parse_args(argv)
    check_jobs(args)  # UsageError: one line, exit 2 (incentsim.interfaces.cli)
    try:
        panel, used = read_panel(args.panel, parse_mapping(args.map), args.percent)
    except PanelError as exc:
        print(f"incentsim moments: {exc}", file=sys.stderr)
        return 2
    data = mm.compute(panel)
    sim = _simulate(args) if args.scenario else None
    out = rows(data, sim, args.period)
    if args.json:
        print(
            json.dumps(
                {
                    "columns": used,
                    "moments": [
                        {
                            **{k: v for k, v in r.items() if k not in ("data", "simulated")},
                            "data": r["data"].to_dict(),
                            "simulated": r["simulated"].to_dict() if r["simulated"] else None,
                        }
                        for r in out
                    ],
                },
                indent=1,
            )
        )
    else:
        print("columns used: " + ", ".join(f"{f}={c}" for f, c in used.items()))
        _print_table(out, sim is not None)
    return 0
