"""Types of the compiled member-by-member draws (_draws_kernel.pyx)."""

import numpy as np

def traits(
    generators: list[np.random.Generator],
    member: np.ndarray,
    shape: np.ndarray,
    term_length: np.ndarray,
    initial: bool,
    out: np.ndarray,
) -> None: ...
def permutations(generators: list[np.random.Generator], counts: np.ndarray) -> np.ndarray: ...
def normals_then_uniforms(
    generators: list[np.random.Generator], normals: int, uniforms: int
) -> tuple[np.ndarray, np.ndarray]: ...
def ties(
    generators: list[np.random.Generator], per: int, first: np.ndarray, out: np.ndarray
) -> None: ...
def seed_states(entropy: np.ndarray, n_words: int) -> np.ndarray: ...
def integers(
    generators: list[np.random.Generator], low: np.ndarray, high: np.ndarray, out: np.ndarray
) -> None: ...
