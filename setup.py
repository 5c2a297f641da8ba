"""Build configuration beyond pyproject.toml: the shipped files as package data.

The top-level folders configs/ (scenarios), sweeps/ (sweep specs) and specs/ (problem
specs) stay where they are in the checkout; each is mapped to a data-only package
``incentsim._shipped.<folder>`` so that every file in it goes into the wheel, without a
list of files (see incentsim.shipped, which finds them in either place).
"""

from setuptools import find_packages, setup

SHIPPED = ("configs", "sweeps", "specs")
DATA = {f"incentsim._shipped.{name}": name for name in SHIPPED}

setup(
    packages=find_packages("src") + list(DATA),
    package_dir={"": "src", **DATA},
    package_data={"incentsim": ["py.typed"], **{pkg: ["*", "**/*"] for pkg in DATA}},
    exclude_package_data={pkg: ["__pycache__/*", "*.pyc"] for pkg in DATA},
)
