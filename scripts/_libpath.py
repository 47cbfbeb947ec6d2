"""Put the checkout's ``src/`` on ``sys.path`` so ``optical_clir`` imports in every
job (local, conda env or Slurm node) without an install step.

Snakemake adds this directory to ``sys.path`` before running a ``script:``.
"""

import sys
from pathlib import Path

_SRC = str(Path(__file__).resolve().parents[1] / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)
