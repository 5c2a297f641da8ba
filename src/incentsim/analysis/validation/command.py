"""``incentsim validate``: whether the model reproduces the empirical record.

Runs the scenario arms the stylized facts of DESIGN.md §6, the direction claims of its
§8 reforms and the calibration moments of calibration.md need (every run tracked with
Sacred when :func:`incentsim.runs.experiment.run_tracked` is available), pools the leader-year
panels and timeseries across seeds, runs on them the statistics the papers ran
on real data, and writes ``report.{md,html,json}`` and figures.

Exit code: 0 if every fact is reproduced, 1 if any is not (2 for usage errors).
With ``--strict-calibration`` a moment outside its band also gives 1.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from incentsim.analysis.validation import calibration as cal, facts as fx, moments as mm
from incentsim.analysis.validation.report import fact_line, moment_line, write_report
from incentsim.analysis.validation.runs import ARMS, RunData, default_config_dir, run_arms
from incentsim.interfaces.cli_options import Parser, add_runs_dir

#: settings of the two modes; ``--seeds`` and ``--scale`` override them
MODES: dict[str, dict[str, Any]] = {
    "full": {"seeds": 40, "world": {"world.scale": "province"}},
    "quick": {"seeds": 6, "world": {"world.scale": "small", "world.horizon": 30}},
}

#: what was changed in the model because of a failed fact, and why (kept in the report)
#: what was changed in the model's mechanisms because a fact or moment failed, and why
#: (the expectations and bands never change)
MODEL_CHANGES: list[str] = [
    "Facts 3d/3e (science & technology spending falls before evaluations): leaders' budgets "
    "gained a fifth use, science and technology, which builds an innovation stock that moves "
    "the local and national technology frontier over years; no rule measures it within a "
    "term, so career weight crowds it out as the evaluation nears.",
    "Fact 8b (protection lowers TFP growth): the technology frontier no longer grows "
    "exogenously only; it also moves with creative destruction (entry above 5 %, "
    "`economy.churn_spillover`) and innovation, so protection, by slowing exit and entry, "
    "slows TFP growth rather than only its level.",
    "Fact 2c (lifelong accountability dampens the cycle): borrowing now funds investment "
    "only (the 2014 Budget Law's golden rule), so pre-evaluation surges are debt-financed; "
    "lifelong accountability penalises debt build-ups convexly and adds stewardship of local "
    "welfare. With a linear penalty the surge moved from debt to budget reallocation and, on "
    "a smaller base, investment growth rates rose instead of falling. Lifelong "
    "accountability cut the pre-evaluation borrowing surge by about three quarters, but the "
    "cycle in investment growth rates became detectably smaller only with evaluators' "
    "credit (fact 2b, below), which sharpens the cycle the accountability dampens.",
    "Fact 3b (balanced regime: no pre-evaluation growth surge): leaders' forecasts now "
    "include the compliance cost of environmental enforcement, and `balanced_scorecard` "
    "represents the post-2008 regime with its environmental veto and stronger statistical "
    "enforcement (2009 Statistics Law revision, 2012 direct reporting); before, "
    "pre-evaluation manipulation outweighed the real growth cost of the pre-evaluation "
    "environmental push.",
    "Fact 5d (an environmental target lowers growth): environmental enforcement holds back "
    "firm entry (permits and impact assessments, `economy.environmental_entry_cost`), a "
    "lasting growth effect; compliance costs alone only lowered the output level, which the "
    "burn-in absorbed.",
    "Evaluators average the whole term's record (`promotion.memory` 1.0, as Li & Zhou 2005 "
    "use tenure-average growth; each year weighted by the incumbent's credit for it, see "
    "fact 2b), so the weight of a final-year surge falls with the term length.",
    "Calibration: local growth shocks are partly transitory (AR coefficient -0.1) to offset "
    "propagation through firm investment (AR(1) of relative growth was 0.21 against about "
    "0.1); inspections cut pollution in the inspected year instead of permanently "
    "(compounding gave -73 % against about -9 %); promotion capacity set for provinces of "
    "10 prefectures.",
    "Fact 2b (longer terms dampen the cycle): with term-average evaluation and per-year "
    "discounting, a leader's weight on this year rises by the same factor per year to the "
    "evaluation whatever the term length, so the penultimate-year jump in investment was as "
    "large in 7-year as in 5-year terms (the 1/T scale of the weights moved it by about a "
    "tenth). Evaluators now credit the incumbent with a share 1 - 0.7^y of the outcomes of "
    "their y-th year in post (`promotion.attribution_lag`; early outcomes partly reflect the "
    "predecessor's projects and budget: Chen, Li & Zhou 2005 evaluate leaders against their "
    "predecessors, Yao & Zhang 2015 find leaders' growth effects build up over the tenure). "
    "Credit still rises at the end of a 5-year term but has nearly saturated by the end of a "
    "7-year one, so the pre-evaluation surge is smaller in longer terms (seed 002: short terms "
    "lead to investment spikes before promotion). Tried before and reverted: leaders counting "
    "next year's infrastructure/innovation pay-off (moved the surge a year earlier), mid-term "
    "evaluations (3d/3e weakened), older appointees. How much the result depends on the "
    "lag (full runs, before the entry-cost change below): 0.7 and 0.8 reproduce 2b and 2c; "
    "at 0.6 2c is not significant (p = 0.10), at 0.5 2b is not (p = 0.12). The credit also "
    "doubles the cycle's size: the penultimate-year GDP coefficient of Table 1 (3a) is "
    "about 3.4 times the published one.",
    "Fact 5d (an environmental target lowers growth) fell to p = 0.07 with evaluators' credit "
    "(the estimate is about a tenth of a point of growth and near the edge of detection at "
    "province scale); environmental permits hold back entry a little more "
    "(`economy.environmental_entry_cost` 0.3 to 0.4 per unit of abatement above reference), "
    "restoring it.",
    "Size of the budget cycle (Table 1, 3a): the penultimate-year coefficient on reported "
    "GDP growth was 3.82 pp against 1.118 published, and only about two thirds of a point "
    "of it was real growth; the rest was pre-evaluation inflation of reported growth, which "
    "followed the career weight (5.6 % inflation in the last year of a term, 0.9 % in the "
    "first). Growth a leader can fake in a year is now capped at 4.5 pp "
    "(`behaviour.max_manipulation` 0.08 to 0.045; also the cap on pollution "
    "under-reporting): beyond it a report no longer squares with the figures statistics "
    "bureaus cross-check (electricity, freight, tax revenue). The cap binds mostly in the "
    "year before an evaluation, so it flattens the within-term profile of inflation more "
    "than its mean (reported minus true growth 2.76 to 2.50 pp, inside 2-3.5; "
    "within-province growth SD 5.04 to 5.02, inside 5-8). Table 1's coefficient (3a) fell "
    "from 3.82 to 2.47 pp (about 2.2 times the published one; its real-growth part stays "
    "about two thirds of a point); the investment cycle (2a) and its dampening (2b, 2c) "
    "barely moved. A lower cap brings 3a closer (0.04: 2.12; 0.035: 1.86) but erases the "
    "difference between insiders, who fake less because they weigh local welfare more, and "
    "outsiders, through which insiders are promoted less: 4b held at 0.04 (p = 0.01) and "
    "failed at 0.035 (p = 0.41).",
]


def required_arms() -> list[str]:
    """The scenario arms the facts and calibration moments need, each once."""
    out = fx.needed_arms()
    for a in [*cal.needed_arms(), *fx.TABLE1_REGIMES.values()]:
        if a not in out:
            out.append(a)
    return out


def analyse(data: RunData, scenario: Any = None) -> dict[str, Any]:
    """Every fact and moment on pooled run data (no running, no writing)."""
    with mm.reusing():  # spells and quintiles of a panel are computed once
        return _analyse(data, scenario)


def _analyse(data: RunData, scenario: Any) -> dict[str, Any]:
    panels, ts = data.panels, data.timeseries
    facts = [fx.evaluate_fact(f, panels, ts) for f in fx.FACTS]
    summary = []
    for num in sorted({f["number"] for f in facts}):
        claims = [f for f in facts if f["number"] == num]
        summary.append(
            {
                "number": num,
                "title": _FACT_TITLES.get(num, claims[0]["title"]),
                "reproduced": all(c["reproduced"] for c in claims),
                "claims": [{"id": c["id"], "reproduced": c["reproduced"]} for c in claims],
            }
        )
    if scenario is None:
        from incentsim.scenario import load_scenario

        cfg = Path(data.settings.get("config_dir", default_config_dir())) / ARMS[cal.BASE].config
        scenario = load_scenario(cfg, data.settings.get("world") or None)
    moments = [cal.evaluate_moment(m, panels, ts, scenario) for m in cal.MOMENTS]
    notes = list(MODEL_CHANGES) or [
        "No model mechanism has been changed by the validation suite itself: the verdict "
        "rules and bands are fixed in code, and failures are handed to the model's "
        "mechanisms (model.py, agents/, personnel.py, rules/), never to the expectations. "
        "Open failures at this commit:"
    ]
    for f in facts:
        if not f["reproduced"]:
            notes.append(f"open: fact {f['id']} ({f['title']}) — " + _evidence(f))
    for m in moments:
        if not m["within"]:
            e = m["estimate"]
            v = e["value"]
            lo, hi = m["band"]
            sc = m["scale"]
            notes.append(
                f"open: moment {m['name']} = "
                f"{'n/a' if v is None else round(v * sc, 3)} {m['unit']}, "
                f"band {round(lo * sc, 3)}–{round(hi * sc, 3)}"
                + (f" ({e['detail']['error']})" if "error" in e["detail"] else "")
            )
    return {
        "facts": facts,
        "fact_summary": summary,
        "calibration": moments,
        "table1": fx.table1(panels),
        "all_facts_reproduced": all(s["reproduced"] for s in summary),
        "all_moments_within": all(m["within"] for m in moments),
        "notes": notes,
    }


def _evidence(f: dict) -> str:
    e = f["estimate"]
    if "error" in e["detail"]:
        return f"could not estimate: {e['detail']['error']}"
    extra = {
        k: v
        for k, v in e["detail"].items()
        if k.startswith(("coef_", "mean_", "diff_", "share_", "promotion_"))
    }
    more = "; ".join(f"{k} = {v:.4g}" for k, v in extra.items() if isinstance(v, float))
    return (
        f"estimate {e['value']:.4g} [{e['ci_low']:.4g}, {e['ci_high']:.4g}], "
        f"p = {e['p']:.3g}, expected {f['expected']}" + (f" ({more})" if more else "")
    )


_FACT_TITLES = {
    1: "promotion rises with relative growth",
    2: "political budget cycle, dampened by long terms and lifelong accountability",
    3: "seed 002 Table 1: penultimate-year priorities by regime",
    4: "insiders spend more on services and are promoted less",
    5: "multitask: growth-only under-provides services, raises pollution; "
    "environment target lowers pollution and growth",
    6: "manipulation rises with growth weight, falls with audits",
    7: "citizen-satisfaction weighting: more services and trust, less measured growth",
    8: "protection of incumbents lowers firm exit and TFP growth",
    9: "service halls raise satisfaction and local trust",
    10: "cadre capacity raises public services and satisfaction",
    11: "big-data monitoring cuts the manipulation gap",
    12: "regulatory consistency lowers protection and raises firm exit",
}


def _default_runs_dir() -> str:
    try:
        from incentsim.runs.experiment import default_runs_dir

        return str(default_runs_dir())
    except Exception:
        return "?"


def _git() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except Exception:
        return "?"


def run_validation(
    seeds: int | None = None,
    quick: bool = False,
    scale: str | None = None,
    out_dir: str | Path = "results/validation",
    workers: int | None = None,
    tracked: bool = True,
    config_dir: str | Path | None = None,
    progress: bool = False,
    runs_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Run, analyse and write the report; returns the result dict (as in report.json)."""
    mode = "quick" if quick else "full"
    cfg = MODES[mode]
    n = seeds or cfg["seeds"]
    world = dict(cfg["world"])
    if scale:
        world["world.scale"] = scale
    arms = required_arms()
    t0 = time.time()

    def _prog(done: int, total: int) -> None:
        if progress and (done == total or done % 10 == 0):
            print(f"  runs {done}/{total}  ({time.time() - t0:.0f} s)", file=sys.stderr)

    data = run_arms(
        arms,
        range(n),
        world=world,
        config_dir=config_dir,
        workers=workers,
        tracked=tracked,
        progress=_prog,
        runs_dir=runs_dir,
    )
    result = analyse(data)
    from incentsim import __version__ as version  # type: ignore[attr-defined]

    result["settings"] = {
        "mode": mode,
        "seeds": list(range(n)),
        "world": world,
        "n_runs": n * len(arms),
        "tracked": data.tracked,
        "runs_dir": (str(runs_dir or _default_runs_dir()) if data.tracked else None),
        "sacred_run_ids": data.run_ids,
        "seconds": round(time.time() - t0, 1),
        "version": version,
        "git": _git(),
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
    }
    result["arms"] = [_arm_entry(a) for a in arms]
    paths = write_report(result, out_dir, data.panels)
    result["paths"] = {k: str(v) for k, v in paths.items()}
    return result


def _arm_entry(name: str) -> dict[str, Any]:
    """An arm of the report: its name, config file, overrides and description."""
    arm = ARMS[name]
    return {
        "name": name,
        "config": arm.config,
        "overrides": dict(arm.overrides),
        "description": arm.description,
    }


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim validate``."""
    p = Parser(
        prog="incentsim validate",
        description="Check the stylized facts (DESIGN.md §6) and calibration moments "
        "(calibration.md) on simulated data; exit 1 if a fact is not reproduced.",
    )
    p.add_argument(
        "--seeds", type=int, default=None, help="seeds per scenario (default 40; 6 with --quick)"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="fewer seeds, small world, 30-year horizon (about a minute)",
    )
    p.add_argument(
        "--scale",
        choices=["small", "province", "national"],
        default=None,
        help="world.scale of every run (default province; small with --quick)",
    )
    p.add_argument("--out", default="results/validation", help="report directory")
    p.add_argument("--workers", type=int, default=None, help="parallel processes (default 2)")
    p.add_argument(
        "--no-track",
        action="store_true",
        help="call incentsim.simulate directly instead of tracked runs",
    )
    add_runs_dir(p)
    p.add_argument("--configs", default=None, help="directory of scenario configs")
    p.add_argument(
        "--strict-calibration",
        action="store_true",
        help="also exit 1 when a calibration moment is outside its band",
    )
    p.add_argument(
        "--copy-to",
        default=None,
        help="also copy the report and figures here (e.g. docs/validation)",
    )
    p.add_argument("--json", action="store_true", help="print the JSON summary to stdout")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``incentsim validate``; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else 2
    if args.workers is not None and args.workers < 1:
        print("incentsim validate: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.seeds is not None and args.seeds < 2:
        print(
            "incentsim validate: --seeds must be at least 2 (intervals across seeds)",
            file=sys.stderr,
        )
        return 2
    res = run_validation(
        seeds=args.seeds,
        quick=args.quick,
        scale=args.scale,
        out_dir=args.out,
        workers=args.workers,
        tracked=not args.no_track,
        config_dir=args.configs,
        progress=True,
        runs_dir=args.runs_dir,
    )
    if args.copy_to:
        import shutil

        dest = Path(args.copy_to)
        (dest / "figures").mkdir(parents=True, exist_ok=True)
        src = Path(res["paths"]["md"]).parent
        for name in ("report.md", "report.html", "report.json"):
            shutil.copy2(src / name, dest / name)
        for fig in (src / "figures").glob("*.png"):
            shutil.copy2(fig, dest / "figures" / fig.name)
    if args.json:
        print(
            json.dumps(
                {
                    "facts": {f["id"]: f["reproduced"] for f in res["facts"]},
                    "moments": {m["id"]: m["within"] for m in res["calibration"]},
                    "all_facts_reproduced": res["all_facts_reproduced"],
                }
            )
        )
    else:
        for f in res["facts"]:
            print(fact_line(f))
        print()
        for m in res["calibration"]:
            print(moment_line(m))
        print(f"\nreport: {res['paths']['md']} (html, json beside it)")
    code = 0 if res["all_facts_reproduced"] else 1
    if args.strict_calibration and not res["all_moments_within"]:
        code = 1
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
