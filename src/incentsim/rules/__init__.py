"""Promotion rules and accountability mechanisms, as registered classes.

Importing the package registers every mechanism: those of :mod:`.accountability`
first, then the seeds' reforms of :mod:`.reforms`, then the career mechanisms the real
record demands (:mod:`.careers`); registry order is the order in which mechanisms act
within a year.
"""

# the import order is the registry order: keep it
# isort: off
from incentsim.rules import accountability as _accountability  # noqa: F401
from incentsim.rules import reforms as _reforms  # noqa: F401
from incentsim.rules import careers as _careers  # noqa: F401
# isort: on
