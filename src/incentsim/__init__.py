"""incentsim: agent-based simulation of the career incentives of China's local officials.

Notebook entry points::

    import incentsim
    res = incentsim.simulate("configs/gdp_tournament.yaml", seed=0)
    res.timeseries.plot(x="year", y=["gdp_growth_true", "trust_local"])

The names below are imported on first use (PEP 562), so the command line starts
-- and handles Ctrl-C -- before the model's dependencies are loaded.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "IncentModel": "incentsim.model",
    "InvariantError": "incentsim.model",
    "Scenario": "incentsim.scenario",
    "ScenarioError": "incentsim.scenario",
    "SimulationResult": "incentsim.api",
    "load_scenario": "incentsim.scenario",
    "simulate": "incentsim.api",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'incentsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
