"""EMA workbench adapter (``incentsim.ema.model(spec)`` -> ``ReplicatorModel``).

A thin re-export of :mod:`incentsim.exploratory.ema`; importing it does not import
the EMA workbench (that happens when :func:`model` is called).
"""

from incentsim.exploratory.ema import Runner, model, parameters

__all__ = ["Runner", "model", "parameters"]
