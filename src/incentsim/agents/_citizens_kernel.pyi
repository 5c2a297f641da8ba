"""Types of the compiled citizens' step (_citizens_kernel.pyx)."""

import numpy as np

N_PARAMETERS: int

def step_chunk(
    income: np.ndarray,
    expected_growth: np.ndarray,
    satisfaction: np.ndarray,
    trust_local: np.ndarray,
    trust_central: np.ndarray,
    skill: np.ndarray,
    petitioned: np.ndarray,
    sums: np.ndarray,
    petitions: np.ndarray,
    par: np.ndarray,
    lo: int,
    per: int,
    n_lattice: int,
    ties: np.ndarray,
    a: int,
    seg_row: np.ndarray,
    streams: list[np.random.SFC64],
) -> int: ...
def normals(bitgen: np.random.BitGenerator, out: np.ndarray) -> None: ...
