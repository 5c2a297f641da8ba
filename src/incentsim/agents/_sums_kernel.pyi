"""Types of the compiled float32 row sums (_sums_kernel.pyx)."""

import numpy as np

def row_sums(x: np.ndarray) -> np.ndarray: ...
