"""The stage layer (``optical_clir.stages``): what a job pays to start."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("stage", ["data", "evaluate", "retrieve"])
def test_stages_without_models_start_without_torch(stage):
    """A data, BM25 or evaluation job does not pay torch's import (about 1.5 s
    per job, 40 such jobs per demo run); only the model stages load it."""
    code = (
        f"import sys, optical_clir.stages.{stage}, optical_clir.stages; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
