"""Types of the upper level's compiled draws (_leaders_kernel.pyx)."""

import numpy as np

def bitgens(generators: list[np.random.Generator]) -> np.ndarray: ...
def traits(
    streams: np.ndarray,
    member: np.ndarray,
    shape: np.ndarray,
    term_length: np.ndarray,
    initial: bool,
    out: np.ndarray,
) -> None: ...
def permutations(streams: np.ndarray, counts: np.ndarray) -> np.ndarray: ...
def normals_then_uniforms(
    streams: np.ndarray, normals: int, uniforms: int
) -> tuple[np.ndarray, np.ndarray]: ...
