"""Types of the compiled leaders' forecasts, choice and z-scores (_forecast_kernel.pyx)."""

import numpy as np

N_INPUTS: int
N_OUTPUTS: int

def forecast_plans(
    inputs: np.ndarray, cand: np.ndarray, out: np.ndarray, plan_rows: np.ndarray | None = None
) -> None: ...
def same_rows(values: np.ndarray, table: np.ndarray, rows: np.ndarray) -> bool: ...
def choose(
    util: np.ndarray, temperature: np.ndarray, streams: list[np.random.BitGenerator]
) -> np.ndarray: ...
def utility(
    career: np.ndarray,
    score: np.ndarray,
    welfare: np.ndarray,
    intrinsic: np.ndarray,
    drift: np.ndarray,
    budget_inertia: np.ndarray,
    borrow: np.ndarray,
    borrowing: np.ndarray,
    budget: np.ndarray,
    borrowing_inertia: np.ndarray,
    drift_rows: np.ndarray | None = None,
    borrow_rows: np.ndarray | None = None,
) -> np.ndarray: ...
def peer_z(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray: ...
