"""EMA workbench adapter (``incentsim.ema.model(spec)`` -> ``ReplicatorModel``).

The documented entry point: a thin re-export of
:mod:`incentsim.design.exploratory.workbench`; importing it does not import the EMA
workbench (that happens when :func:`model` is called).
"""

from incentsim.design.exploratory.workbench import Runner, model, parameters

__all__ = ["Runner", "model", "parameters"]
