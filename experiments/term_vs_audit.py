"""Study: term length x statistical-audit intensity (a resumable grid sweep).

    .venv/bin/python experiments/term_vs_audit.py            # sweeps/term_vs_audit.yaml
    .venv/bin/python experiments/term_vs_audit.py --seeds 20 --scheduler tcp://HOST:8786

Re-running skips finished runs; per-point means go to results/sweeps/term_vs_audit/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from incentsim.interfaces import cli

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    sys.exit(cli.main(["sweep", str(ROOT / "sweeps" / "term_vs_audit.yaml"), *sys.argv[1:]]))
