"""Types of the compiled firms' step (_firms_kernel.pyx)."""

import numpy as np

N_PARAMETERS: int

def step_chunk(
    productivity: np.ndarray,
    capital: np.ndarray,
    output: np.ndarray,
    alive: np.ndarray,
    protected: np.ndarray,
    age: np.ndarray,
    entered: np.ndarray,
    par: np.ndarray,
    agg: np.ndarray,
    lo: int,
    per: int,
    seg_row: np.ndarray,
    streams: list[np.random.SFC64],
) -> tuple[int, int]: ...
def first_broken(capital: np.ndarray, output: np.ndarray, alive: np.ndarray) -> tuple[int, int]: ...
