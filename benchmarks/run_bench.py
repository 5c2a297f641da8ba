"""Run the incentsim benchmark: ``python benchmarks/run_bench.py [--scale national] [--json PATH]``.

Same as ``incentsim bench``; see :mod:`incentsim.interfaces.bench`.
"""

import sys

from incentsim.interfaces.bench import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
