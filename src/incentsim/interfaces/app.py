"""Explorer: a Mesa ``SolaraViz`` page to play with the levers in a browser.

``incentsim app [CONFIG]`` (or ``python -m incentsim.interfaces.app``) starts a Solara
server on localhost (``incentsim app --runs DIR`` serves the runs browser of
:mod:`incentsim.interfaces.runs_app` instead).
The sidebar holds Mesa's run / step / reset controls and
one control per lever: the promotion rule and its weights, the term length,
each accountability mechanism on/off with its strength, the world scale and the
seed. Changed controls take effect on **Reset** (Mesa rebuilds the model from
them). The main area shows live time-series plots, the prefecture network
coloured by a chosen outcome and a table of the sitting leaders.

Every set of controls becomes a scenario dict layered on CONFIG (or the
embedded defaults) and is validated by :func:`incentsim.load_scenario` before a
model is built, exactly as for ``simulate``.
"""

from __future__ import annotations

import argparse
import copy
import functools
import os
import socket
import sys
import threading
from collections.abc import Sequence
from typing import Any

# Solara reads its settings when first imported: no usage telemetry from the explorer.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import solara  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from incentsim import shipped  # noqa: E402
from incentsim.analysis.plots import colour, png_bytes  # noqa: E402
from incentsim.interfaces.cli_options import Parser, seed_type  # noqa: E402
from incentsim.interfaces.runs_app import ENV_RUNS  # noqa: E402
from incentsim.model import IncentModel  # noqa: E402
from incentsim.rules.accountability import MECHANISMS  # noqa: E402
from incentsim.rules.promotion import PROMOTION_RULES, WEIGHTED_INDICATORS  # noqa: E402
from incentsim.scenario import SCALES, Promotion, Scenario, ScenarioError, load_scenario, read_file  # noqa: E402

#: environment variables through which ``main`` hands its arguments to the page
ENV_CONFIG = "INCENTSIM_APP_CONFIG"
ENV_SCALE = "INCENTSIM_APP_SCALE"
ENV_SEED = "INCENTSIM_APP_SEED"

#: years before the first step is recorded are kept short so plots start at once
EXPLORER_BURN_IN = 0
DEFAULT_PORT = 8765

#: time-series panels: title -> {record key: label}
PLOTS: dict[str, dict[str, str]] = {
    "GDP growth": {"gdp_growth_true": "true", "gdp_growth_reported": "reported"},
    "Investment / GDP": {"investment_rate": "total", "public_investment_rate": "public"},
    "Trust": {"trust_local": "local government", "trust_central": "central government"},
    "Pollution": {"pollution": "mean concentration"},
    "Debt / GDP": {"debt_to_gdp": "local-government debt"},
    "Promotions and turnover": {
        "promotion_rate": "promoted",
        "dismissal_rate": "dismissed",
        "turnover_rate": "new leader",
    },
}


def _leader_attr(name: str):
    return lambda m: getattr(m.leaders, name).astype(float)


#: outcomes the network can be coloured by: label -> (values(model), colormap)
NETWORK_OUTCOMES: dict[str, tuple[Any, str]] = {
    "GDP growth (true)": (lambda m: m.state.growth_true, "viridis"),
    "GDP growth (reported)": (lambda m: m.state.growth_reported, "viridis"),
    "manipulation (reported - true)": (
        lambda m: m.state.growth_reported - m.state.growth_true,
        "magma_r",
    ),
    "pollution": (lambda m: m.state.pollution, "magma_r"),
    "debt / GDP": (lambda m: m.state.debt_to_gdp, "magma_r"),
    "satisfaction": (lambda m: m.state.satisfaction_mean, "viridis"),
    "firm trust": (lambda m: m.state.firm_trust, "viridis"),
    "leader score": (lambda m: m.state.last_score, "coolwarm"),
    "leader rank (percentile)": (lambda m: m.state.rank_pct, "coolwarm"),
    "leader tenure year": (_leader_attr("tenure_year"), "cividis"),
    "leader age": (_leader_attr("age"), "cividis"),
    "insider leader": (_leader_attr("insider"), "cividis"),
}
DEFAULT_NETWORK_OUTCOME = "GDP growth (true)"


# --------------------------------------------------------------------------- levers


def strength_field(mechanism) -> tuple[str, float, float, float]:
    """The parameter a mechanism's strength slider sets: (name, default, min, max).

    It is the first parameter the mechanism declares after ``enabled``; the
    slider spans its validated range (capped at four times the default for
    open-ended parameters).
    """
    for name, info in mechanism.Params.model_fields.items():
        if name == "enabled":
            continue
        lo, hi = 0.0, 1.0
        for meta in info.metadata:
            lo = float(getattr(meta, "ge", getattr(meta, "gt", lo)) or lo)
            le = getattr(meta, "le", getattr(meta, "lt", None))
            if le is not None:
                hi = float(le)
        default = float(info.default)
        if hi > 10.0:
            hi = max(1.0, 4.0 * default)
        return name, default, lo, hi
    raise ValueError(f"mechanism {mechanism.name!r} has no parameter besides 'enabled'")


def _base_data(config: str | os.PathLike | dict | None) -> dict[str, Any]:
    if config is None or config == "":
        from incentsim.api import default_scenario_path

        config = default_scenario_path()
    if isinstance(config, dict):
        return copy.deepcopy(config)
    return read_file(os.fspath(config))


def control_defaults(
    config: str | os.PathLike | dict | None = None, scale: str | None = None, seed: int = 0
) -> dict[str, Any]:
    """Initial value of every control, read from CONFIG (validated) or the defaults."""
    sc = load_scenario(_base_data(config))
    out: dict[str, Any] = {"rule": sc.promotion.rule}
    for k in WEIGHTED_INDICATORS:
        out[f"w_{k}"] = float(getattr(sc.promotion.weights, k))
    out["term_length"] = int(sc.tenure.term_length)
    enabled = dict(sc.mechanisms())
    for mech in MECHANISMS:
        field, default, _, _ = strength_field(mech)
        params = getattr(sc.accountability, mech.name)
        out[f"on_{mech.name}"] = mech.name in enabled
        out[f"s_{mech.name}"] = float(getattr(params, field)) if params is not None else default
    out["scale"] = scale or sc.world.scale
    out["seed"] = int(seed)
    return out


def normalised_weights(controls: dict[str, Any]) -> dict[str, float]:
    """The weight sliders scaled to sum to 1 (all on growth when every slider is 0)."""
    raw = {k: max(float(controls.get(f"w_{k}", 0.0)), 0.0) for k in WEIGHTED_INDICATORS}
    total = sum(raw.values())
    if total <= 0:
        return {k: float(k == "growth") for k in WEIGHTED_INDICATORS}
    return {k: v / total for k, v in raw.items()}


def scenario_from_controls(
    config: str | os.PathLike | dict | None, controls: dict[str, Any]
) -> Scenario:
    """Layer the explorer's controls on CONFIG and validate the result.

    Controls not given keep CONFIG's value. Raises :class:`ScenarioError` like
    any other scenario.
    """
    data = _base_data(config)
    promotion = data.setdefault("promotion", {})
    if "rule" in controls:
        promotion["rule"] = controls["rule"]
    name = promotion.get("rule", Promotion.model_fields["rule"].default)
    rule = PROMOTION_RULES.get(name)
    if rule is not None:  # the parameters of the rule picked, not those of CONFIG's rule
        for name in rule.foreign_params():
            promotion.pop(name, None)
    if any(f"w_{k}" in controls for k in WEIGHTED_INDICATORS) and (
        rule is None or rule.uses_weights
    ):
        promotion["weights"] = normalised_weights(controls)
    if "term_length" in controls:
        data.setdefault("tenure", {})["term_length"] = int(controls["term_length"])
    world = data.setdefault("world", {})
    if controls.get("scale"):
        for key in SCALES[controls["scale"]]:  # the preset replaces CONFIG's sizes
            world.pop(key, None)
        world["scale"] = controls["scale"]
    world["burn_in"] = EXPLORER_BURN_IN
    acc = data.setdefault("accountability", {})
    for mech in MECHANISMS:
        on = controls.get(f"on_{mech.name}")
        if on is None:
            continue
        if not on:
            acc.pop(mech.name, None)
            continue
        field, _, lo, hi = strength_field(mech)
        params = dict(acc.get(mech.name) or {})
        params["enabled"] = True
        if f"s_{mech.name}" in controls:
            params[field] = float(np.clip(float(controls[f"s_{mech.name}"]), lo, 1e6))
        acc[mech.name] = params
    data["name"] = data.get("name", "explorer")
    return load_scenario(data)


class ExplorerModel(IncentModel):
    """``IncentModel`` built from the explorer's flat controls (SolaraViz model_params).

    Keyword arguments are the keys of :func:`control_defaults` (``rule``,
    ``w_<indicator>``, ``term_length``, ``on_<mechanism>``, ``s_<mechanism>``,
    ``scale``, ``seed``) plus ``config`` (a path or dict the controls are
    layered on). Mesa's reset may pass its own ``scenario`` object; it is ignored
    (this model's scenario lives in ``config``, as for ``IncentModel``).
    """

    def __init__(
        self, config: str | dict | None = None, scenario: Any = None, **controls: Any
    ) -> None:
        seed = int(controls.pop("seed", 0) or 0)
        sc = scenario_from_controls(config, controls)
        super().__init__(sc, seed=seed)
        self.base_config = config
        self.controls = dict(controls, seed=seed)


def _slider(kind: str, value: Any, lo: float, hi: float, step: float, label: str) -> dict:
    """A SolaraViz slider input (``SliderInt`` or ``SliderFloat``)."""
    return {"type": kind, "value": value, "min": lo, "max": hi, "step": step, "label": label}


def model_params(
    config: str | os.PathLike | dict | None = None, scale: str | None = None, seed: int = 0
) -> dict[str, Any]:
    """SolaraViz ``model_params``: one input per control, defaults from CONFIG."""
    d = control_defaults(config, scale, seed)
    params: dict[str, Any] = {
        "config": config if not isinstance(config, os.PathLike) else str(config),
        "rule": {
            "type": "Select",
            "value": d["rule"],
            "values": PROMOTION_RULES.names(),
            "label": "Promotion rule",
        },
    }
    for k in WEIGHTED_INDICATORS:
        label = f"Weight: {k.replace('_', ' ')} (normalised)"
        params[f"w_{k}"] = _slider("SliderFloat", d[f"w_{k}"], 0.0, 1.0, 0.05, label)
    params["term_length"] = _slider("SliderInt", d["term_length"], 1, 10, 1, "Term length (years)")
    for mech in MECHANISMS:
        field, _, lo, hi = strength_field(mech)
        label = mech.name.replace("_", " ")
        params[f"on_{mech.name}"] = {
            "type": "Checkbox",
            "value": d[f"on_{mech.name}"],
            "label": label.capitalize(),
        }
        step = round((hi - lo) / 100, 4)
        strength = f"  {label}: {field.replace('_', ' ')}"
        params[f"s_{mech.name}"] = _slider(
            "SliderFloat", d[f"s_{mech.name}"], lo, hi, step, strength
        )
    params["scale"] = {
        "type": "Select",
        "value": d["scale"],
        "values": list(SCALES),
        "label": "World scale",
    }
    params["seed"] = _slider("SliderInt", d["seed"], 0, 99, 1, "Seed")
    return params


# --------------------------------------------------------------------------- drawing


class TimeSeriesFigure:
    """The time-series panels of one model, kept between updates (redrawn, not rebuilt)."""

    def __init__(self) -> None:
        self.fig = Figure(figsize=(11.0, 4.8), dpi=80)
        self.axes = self.fig.subplots(2, 3, sharex=True).ravel()
        self.lines = {}
        self.empty = []
        for ax, (title, series) in zip(self.axes, PLOTS.items(), strict=True):
            for j, (key, label) in enumerate(series.items()):
                (self.lines[key],) = ax.plot(
                    [], [], label=label, marker=".", markersize=4, color=colour(j)
                )
            ax.set_title(title, fontsize=10)
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            if len(series) > 1:
                ax.legend(fontsize=7, loc="upper left")
            self.empty.append(
                ax.text(
                    0.5,
                    0.5,
                    "step to record",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    color="grey",
                )
            )
        for ax in self.axes[3:]:
            ax.set_xlabel("year", fontsize=8)
        self.fig.subplots_adjust(
            left=0.05, right=0.99, top=0.94, bottom=0.1, wspace=0.25, hspace=0.25
        )
        self.lock = threading.Lock()

    def png(self, records: list[dict]) -> bytes:
        with self.lock:
            years = [r["year"] for r in records]
            for key, line in self.lines.items():
                line.set_data(years, [r[key] for r in records])
                line.set_marker("." if len(records) < 40 else "")
            for ax, txt in zip(self.axes, self.empty, strict=True):
                txt.set_visible(not records)
                ax.relim()
                ax.autoscale_view()
            return _png(self.fig)


class NetworkFigure:
    """The prefecture network of one model; only colours and title change between updates."""

    def __init__(self, model: IncentModel) -> None:
        pos = model.geo.positions
        self.xy = np.array([pos[p] for p in range(model.n_prefectures)])
        self.fig = Figure(figsize=(6.0, 5.2), dpi=80)
        self.ax = self.fig.add_axes((0.0, 0.0, 0.84, 0.93))
        segs = [(pos[u], pos[v]) for u, v in model.geo.graph.edges()]
        self.ax.add_collection(LineCollection(segs, colors="0.75", linewidths=0.8, zorder=1))
        size = 220 if model.n_prefectures <= 60 else 60
        self.nodes = self.ax.scatter(
            self.xy[:, 0], self.xy[:, 1], c=np.zeros(len(self.xy)), s=size, zorder=2
        )
        self.cbar = self.fig.colorbar(self.nodes, cax=self.fig.add_axes((0.86, 0.1, 0.03, 0.75)))
        self.cbar.ax.tick_params(labelsize=8)
        self.ax.set_aspect("equal")
        self.ax.set_axis_off()
        self.title = self.fig.suptitle("", fontsize=10)
        self.lock = threading.Lock()

    def png(self, model: IncentModel, outcome: str) -> bytes:
        values_of, cmap = NETWORK_OUTCOMES[outcome]
        vals = np.asarray(values_of(model), dtype=float)
        new = np.asarray(getattr(model.state, "turnover", np.zeros(len(vals), bool)), bool)
        with self.lock:
            self.nodes.set_array(np.ma.masked_invalid(vals))
            self.nodes.set_cmap(cmap)
            finite = vals[np.isfinite(vals)]
            lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
            if hi - lo < 1e-12:
                lo, hi = lo - 0.5, hi + 0.5
            self.nodes.set_clim(lo, hi)
            self.nodes.set_edgecolor(np.where(new, "black", "white").tolist())
            self.nodes.set_linewidth(np.where(new, 2.0, 0.8).tolist())
            self.title.set_text(f"{outcome}, {year_label(model)}  (black ring: new leader)")
            return _png(self.fig)


def _cached(model, attr: str, make):
    fig = getattr(model, attr, None)
    if fig is None:
        fig = make()
        setattr(model, attr, fig)
    return fig


def timeseries_png(model: IncentModel) -> bytes:
    """All time-series panels of the model's records in one PNG."""
    return _cached(model, "_explorer_timeseries", TimeSeriesFigure).png(model.records)


def network_png(model: IncentModel, outcome: str = DEFAULT_NETWORK_OUTCOME) -> bytes:
    """The prefecture network, nodes coloured by ``outcome``; a black ring marks a new leader."""
    return _cached(model, "_explorer_network", lambda: NetworkFigure(model)).png(model, outcome)


def _png(fig: Figure) -> bytes:
    """A redrawn-in-place figure as PNG (:func:`incentsim.analysis.plots.png_bytes`, kept open)."""
    return png_bytes(fig, "figure", tight=False, close=False)


def _maybe(x) -> float | str:
    """Rounded value, or blank when not yet evaluated."""
    x = float(x)
    return round(x, 3) if np.isfinite(x) else ""


def leaders_frame(model: IncentModel) -> pd.DataFrame:
    """One row per prefecture with its sitting leader and the latest evaluation score/rank."""
    n = model.n_prefectures
    if model.year > 0:  # scored every year on the term record
        score, rank = np.asarray(model.state.last_score), np.asarray(model.state.rank_pct)
    else:
        score = rank = np.full(n, np.nan)
    return pd.DataFrame(
        {
            "prefecture": np.arange(model.n_prefectures),
            "province": np.asarray(model.province),
            "tenure": [f"{ld.tenure_year}/{ld.term_length}" for ld in model.leaders],
            "years in post": [int(ld.years_in_post) for ld in model.leaders],
            "age": [round(float(ld.age), 1) for ld in model.leaders],
            "insider": [bool(ld.insider) for ld in model.leaders],
            "connected": [bool(ld.connected) for ld in model.leaders],
            "score": [_maybe(x) for x in score],
            "rank pct": [_maybe(x) for x in rank],
        }
    )


# --------------------------------------------------------------------------- components


def _version(model) -> tuple:
    """Changes whenever the picture of ``model`` may have changed."""
    return (id(model), model.year, len(model.records))


def year_label(model: IncentModel) -> str:
    """The year just simulated, as the plots show it (``Year 4`` after four steps)."""
    return f"Year {model.year}" if model.year >= 1 else "Not stepped yet"


@solara.component
def TimeSeries(model):
    """The explorer's time-series panel: the national outcomes so far, redrawn each step."""
    update_counter.get()
    png = solara.use_memo(lambda: timeseries_png(model), [_version(model)])
    sc = model.config
    mechs = ", ".join(n for n, _ in sc.mechanisms()) or "none"
    with solara.Column(classes=["incentsim-timeseries"], gap="4px") as main:
        solara.HTML(
            tag="div",
            style="font-size: 0.85em",
            unsafe_innerHTML=(
                f"<b>{year_label(model)}</b> · rule <code>{sc.promotion.rule}</code> · "
                f"{sc.tenure.term_length}-year terms · mechanisms: {mechs} · "
                f"{model.n_prefectures} prefectures ({sc.world.scale}) · "
                f"seed {model.seed_value}<br>"
                "Controls in the sidebar take effect on <b>Reset</b>."
            ),
        )
        solara.Image(png, width="100%", classes=["incentsim-timeseries-img"])
    return main


#: the network's colouring, shared by Reset (a new model keeps the chosen outcome)
network_outcome = solara.reactive(DEFAULT_NETWORK_OUTCOME)


@solara.component
def PrefectureNetwork(model):
    """The explorer's map: prefectures coloured by the outcome picked, new leaders ringed."""
    update_counter.get()
    outcome = network_outcome.value
    png = solara.use_memo(lambda: network_png(model, outcome), [_version(model), outcome])
    with solara.Column(classes=["incentsim-network"], gap="4px") as main:
        solara.Select(
            "Colour prefectures by",
            values=list(NETWORK_OUTCOMES),
            value=network_outcome,
            dense=True,
        )
        solara.Image(png, width="100%", classes=["incentsim-network-img"])
    return main


@solara.component
def LeadersTable(model):
    """The explorer's table of sitting leaders, one row per prefecture."""
    update_counter.get()
    df = solara.use_memo(lambda: leaders_frame(model), [_version(model)])
    with solara.Column(classes=["incentsim-leaders"], gap="4px") as main:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<b>Sitting leaders</b> ({len(df)} prefectures; "
                "tenure = year of term / term length)"
            ),
        )
        solara.DataFrame(df, items_per_page=10)
    return main


COMPONENTS = [(TimeSeries, 0), (PrefectureNetwork, 0), (LeadersTable, 0)]

#: grid layout of COMPONENTS: time series across the top, network and table below
LAYOUT = [
    {"i": 0, "x": 0, "y": 0, "w": 12, "h": 13, "moved": False},
    {"i": 1, "x": 0, "y": 13, "w": 6, "h": 14, "moved": False},
    {"i": 2, "x": 6, "y": 13, "w": 6, "h": 14, "moved": False},
]


def _use_explorer_layout() -> None:
    """Give SolaraViz's grid the explorer's layout (others keep Mesa's default)."""
    from mesa.visualization import solara_viz

    original = getattr(
        solara_viz.make_initial_grid_layout, "__wrapped__", solara_viz.make_initial_grid_layout
    )

    def layout(num_components):
        if num_components == len(LAYOUT):
            return copy.deepcopy(LAYOUT)
        return original(num_components)

    functools.update_wrapper(layout, original, assigned=(), updated=())  # __wrapped__ only
    solara_viz.make_initial_grid_layout = layout


def make_page(config=None, scale: str | None = None, seed: int = 0):
    """The SolaraViz element for CONFIG (used by :data:`Page` and in notebooks)."""
    params = model_params(config, scale, seed)
    initial = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    model = ExplorerModel(**initial)
    _use_explorer_layout()
    return SolaraViz(
        model,
        components=COMPONENTS,
        model_params=params,
        name="incentsim explorer",
        play_interval=150,
    )


@solara.component
def Page():
    """Solara entry point; reads what ``main`` passed in the environment."""
    config = os.environ.get(ENV_CONFIG) or None
    scale = os.environ.get(ENV_SCALE) or None
    seed = int(os.environ.get(ENV_SEED) or 0)
    page = solara.use_memo(lambda: make_page(config, scale, seed), [])
    return page


# --------------------------------------------------------------------------- server


def free_port(host: str = "127.0.0.1", preferred: int | None = None) -> int:
    """``preferred`` if it can be bound on ``host``, else a free port."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError(f"no free port on {host}")


def quiet_session_cookie_warning() -> None:
    """Drop Solara's "no session cookie" warning: the explorer keeps no per-user state,
    and a browser that sends no cookie (a local file, a headless one) works the same."""
    import logging

    logging.getLogger("solara.server.fastapi").addFilter(
        lambda record: "no session cookie" not in record.getMessage()
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``incentsim app``."""
    p = Parser(
        prog="incentsim app", description="Start the explorer (a Mesa SolaraViz page) on localhost."
    )
    p.add_argument(
        "config",
        nargs="?",
        help="scenario file (YAML/TOML) or shipped name the controls start from",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port (default {DEFAULT_PORT}, or a free one if it is taken; 0 = free)",
    )
    p.add_argument("--scale", choices=list(SCALES), help="initial world scale")
    p.add_argument("--seed", type=seed_type, default=0, help="initial seed")
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.add_argument(
        "--runs",
        metavar="DIR",
        help="serve the runs browser on the tracked runs in DIR instead of the "
        "explorer: filter, inspect, plot with seed bands, export a report",
    )
    return p


def _bad_arguments(args: argparse.Namespace) -> str | None:
    """What is wrong with the command line, checked before anything is served."""
    if args.runs is not None:
        if args.config:
            return "give a CONFIG for the explorer or --runs DIR for the runs browser, not both"
        if not os.path.isdir(args.runs):
            return f"--runs: no runs directory {args.runs}"
    else:
        try:
            control_defaults(args.config, args.scale, args.seed)  # validate before serving
        except ScenarioError as exc:
            return exc.one_line()
    if args.port not in (None, 0) and free_port(args.host, args.port) != args.port:
        return (
            f"port {args.port} on {args.host} is in use; choose another "
            "with --port, or leave --port out (or 0) for a free one"
        )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """``incentsim app``: start the explorer (or, with ``--runs``, the runs browser)."""
    args = build_parser().parse_args(argv)
    bad = _bad_arguments(args)
    if bad:
        print(f"incentsim app: {bad}", file=sys.stderr)
        return 2
    if args.port is None:
        port = free_port(args.host, DEFAULT_PORT)
    elif args.port == 0:
        port = free_port(args.host)
    else:
        port = args.port
    quiet_session_cookie_warning()
    os.environ[ENV_CONFIG] = (
        os.path.abspath(shipped.resolve(args.config, "scenario")) if args.config else ""
    )
    os.environ[ENV_SCALE] = args.scale or ""
    os.environ[ENV_SEED] = str(args.seed)
    os.environ[ENV_RUNS] = os.path.abspath(args.runs) if args.runs else ""
    url = f"http://{args.host}:{port}/"
    what = "runs browser" if args.runs else "explorer"
    print(f"incentsim {what}: {url}  (Ctrl-C to stop)", flush=True)

    from solara.__main__ import cli as solara_cli

    page = "incentsim.interfaces.runs_app:Page" if args.runs else "incentsim.interfaces.app:Page"
    solara_args = [
        "run",
        page,
        "--host",
        args.host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--log-level",
        "warning",
        "--no-open" if args.no_browser else "--open",
    ]
    try:
        solara_cli.main(args=solara_args, prog_name="incentsim app", standalone_mode=False)
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:  # pragma: no cover - click may exit on errors
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
