"""The historical baselines against the real record: the numbers and figures of
docs/calibration/report.md.

Simulates ``china_2000s``, ``china_2010s`` and the first release's stand-in
(``gdp_tournament``) on the same seeds at province scale (tracked runs), computes every
panel target of both periods (and the manipulation gap, the one model-only target
``incentsim calibrate`` estimates on) with the estimators ``incentsim validate`` and
``incentsim calibrate`` use, and writes ``baselines.json`` and figures to OUT.

    PYTHONPATH=src python experiments/calibration_report.py [--seeds 8] [--out docs/calibration]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from incentsim.analysis.validation import moments as mm
from incentsim.analysis.validation.targets import BY_ID, targets_for
from incentsim.design.estimation.msm import moments_and_ses
from incentsim.design.estimation.simulated import simulated_panel
from incentsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ARMS = {"china_2000s": "2000-07", "china_2010s": "2008-15", "gdp_tournament": "2000-07"}
EXTRA = [
    "promotion_gradient",
    "li_zhou_logit",
    "ability_selection",
    "spell_median",
    "manipulation_gap",
]


def arm_moments(name: str, seeds: list[int], runs_dir: Path) -> dict:
    """Scenario ``name``'s moments (value, SE, and its targets where it has some) on ``seeds``."""
    sc = load_scenario(ROOT / "configs" / f"{name}.yaml", {"world.scale": "province"})
    panel, ts = simulated_panel(sc, seeds, runs_dir, info={"purpose": "calibration report"})
    targets = targets_for(ARMS[name], ("panel",))
    if ARMS[name] == BY_ID["manipulation_gap"].period:
        targets.append(BY_ID["manipulation_gap"])
    ids = list(dict.fromkeys([t.moment for t in targets] + EXTRA))
    values, ses = moments_and_ses(panel, ids, ts)
    rows: dict[str, dict] = {
        i: {"value": float(v), "se": float(s)} for i, v, s in zip(ids, values, ses)
    }
    for t in targets:
        rows[t.moment].update(
            target=t.centre(),
            target_text=t.target,
            band=list(t.band),
            matched=t.matched(rows[t.moment]["value"]),
            scale=t.scale,
            unit=t.unit,
            name=t.name,
        )
    rows["trust_local"] = {"value": float(ts.groupby("seed")["trust_local"].mean().mean())}
    rows["trust_central"] = {"value": float(ts.groupby("seed")["trust_central"].mean().mean())}
    spells = mm.spells(panel)["length"]
    rows["spell_distribution"] = {
        int(k): float(v) for k, v in spells.value_counts(normalize=True).sort_index().items()
    }
    return rows


def quintile_figure(res: dict, path: Path) -> None:
    """Promotion rate by growth quintile: the real record and two arms, to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    q = np.arange(1, 6)
    real = [9.1, 10.4, 9.6, 9.5, 8.0]
    ax.plot(q, real, "k-o", label="real record 2000-07 (Landry et al. data)")
    for name, style in (("china_2000s", "tab:blue"), ("gdp_tournament", "tab:red")):
        v = [100 * res[name][f"promotion_q{i}"]["value"] for i in q]
        e = [196 * res[name][f"promotion_q{i}"]["se"] for i in q]
        ax.errorbar(q, v, yerr=e, fmt="o--", color=style, capsize=3, label=name)
    ax.set_xticks(q, ["1 (lowest)", "2", "3", "4", "5 (highest)"])
    ax.set_xlabel("quintile of relative GDP growth (within province-year)")
    ax.set_ylabel("annual promotion rate (%)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    """Compute every arm's moments and write ``baselines.json`` and the figure."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--out", default=str(ROOT / "docs" / "calibration"))
    ap.add_argument("--runs-dir", default=str(ROOT / "results" / "runs"))
    args = ap.parse_args()
    out = Path(args.out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    seeds = list(range(1000, 1000 + args.seeds))  # not the estimation's seeds (0-7)
    res = {name: arm_moments(name, seeds, Path(args.runs_dir)) for name in ARMS}
    (out / "baselines.json").write_text(json.dumps({"seeds": seeds, "arms": res}, indent=1))
    quintile_figure(res, out / "figures" / "promotion_by_quintile.png")
    print(
        json.dumps(
            {
                k: {m: round(v["value"], 4) for m, v in r.items() if "value" in v}
                for k, r in res.items()
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
