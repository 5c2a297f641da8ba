"""Build configuration beyond pyproject.toml: the shipped files as package data, and
the compiled citizens' and firms' steps, leaders' forecasts, the upper level's draws
and float32 sums.

The top-level folders configs/ (scenarios), sweeps/ (sweep specs) and specs/ (problem
specs) stay where they are in the checkout; each is mapped to a data-only package
``incentsim._shipped.<folder>`` so that every file in it goes into the wheel, without a
list of files (see incentsim.shipped, which finds them in either place).

``incentsim.agents._citizens_kernel``, ``_firms_kernel`` and ``_forecast_kernel``
(Cython around citizens_kernel.h, firms_kernel.h and forecast_kernel.h, which share
kernel_math.h) are compiled with optimisation and without fused multiply-adds
(``-ffp-contract=off``): their results are then the same bits whatever instructions the
compiler picks (see kernel_math.h).
``incentsim.agents._draws_kernel`` draws member by member (evaluation noise,
vacancies' order, new leaders' traits, the yearly shocks) with numpy's own distributions: it is compiled
against numpy's headers and linked with its static ``npyrandom`` and ``npymath``
libraries (shipped in numpy's wheels for this use). ``incentsim.agents._sums_kernel``
sums float32 rows as numpy does (the recording's national means of citizens' columns).
"""

import os

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

SHIPPED = ("configs", "sweeps", "specs")
DATA = {f"incentsim._shipped.{name}": name for name in SHIPPED}
AGENTS = "src/incentsim/agents"
#: gcc and clang: optimise and vectorise, every float operation rounded on its own (no
#: fused multiply-adds); neither errno from sqrtf nor floating-point exception flags to
#: keep (both would keep the loops from being vectorised; neither changes a number). No
#: -march: the header has gcc compile the kernel for AVX-512, AVX2 and the baseline, the
#: CPU's best chosen at load time (same numbers), so a build runs on any x86-64
UNIX_FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"]


class BuildExt(build_ext):
    """build_ext with the kernel's flags for the compiler in use (MSVC: its defaults)."""

    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for ext in self.extensions:
                ext.extra_compile_args = UNIX_FLAGS
        super().build_extensions()


KERNELS = [
    Extension(
        f"incentsim.agents._{name}_kernel",
        [f"{AGENTS}/_{name}_kernel.pyx"],
        include_dirs=[AGENTS],
        depends=[
            f"{AGENTS}/{name}_kernel.h",
            f"{AGENTS}/kernel_math.h",
            f"{AGENTS}/_kernel_common.pxi",
            f"{AGENTS}/pairwise_sum.h",
        ],
    )
    for name in ("citizens", "firms", "forecast")
]
NUMPY = os.path.dirname(np.__file__)
KERNELS += [
    Extension(
        "incentsim.agents._draws_kernel",
        [f"{AGENTS}/_draws_kernel.pyx"],
        include_dirs=[np.get_include()],
        library_dirs=[os.path.join(NUMPY, "random", "lib"), os.path.join(NUMPY, "_core", "lib")],
        libraries=["npyrandom", "npymath", "m"],
    ),
    Extension(
        "incentsim.agents._sums_kernel",
        [f"{AGENTS}/_sums_kernel.pyx"],
        include_dirs=[AGENTS],
        depends=[f"{AGENTS}/pairwise_sum.h"],
    ),
]

setup(
    packages=find_packages("src") + list(DATA),
    package_dir={"": "src", **DATA},
    package_data={
        "incentsim": ["py.typed"],
        "incentsim.agents": ["*.pyi"],  # the kernel's types
        **{pkg: ["*", "**/*"] for pkg in DATA},
    },
    exclude_package_data={pkg: ["__pycache__/*", "*.pyc"] for pkg in DATA},
    ext_modules=cythonize(KERNELS, quiet=True, compiler_directives={"language_level": 3}),
    cmdclass={"build_ext": BuildExt},
)
