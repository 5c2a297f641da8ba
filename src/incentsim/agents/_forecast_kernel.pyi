"""Types of the compiled leaders' forecasts and choice (_forecast_kernel.pyx)."""

import numpy as np

N_INPUTS: int
N_OUTPUTS: int

def forecast_plans(inputs: np.ndarray, cand: np.ndarray, out: np.ndarray) -> None: ...
def choose(
    util: np.ndarray, temperature: np.ndarray, streams: list[np.random.BitGenerator]
) -> np.ndarray: ...
