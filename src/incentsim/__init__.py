"""incentsim: agent-based simulation of the career incentives of China's local officials.

Notebook entry points::

    import incentsim
    res = incentsim.simulate("configs/gdp_tournament.yaml", seed=0)
    res.timeseries.plot(x="year", y=["gdp_growth_true", "trust_local"])
"""

from incentsim.api import SimulationResult, simulate
from incentsim.model import IncentModel, InvariantError
from incentsim.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "IncentModel",
    "InvariantError",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "load_scenario",
    "simulate",
]
__version__ = "0.1.0"
