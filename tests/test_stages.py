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


def test_cut_job_writes_the_runs_reranking_without_torch(tmp_path):
    """``cut_pivot_run`` (one per language and seed) cuts a language's top
    ``rerank.depth`` out of the union's scores without loading torch; a
    candidate that the scores lack is an error that names both files."""
    (tmp_path / "union.trec").write_text(
        "q1 Q0 d1 1 2.500000 teacher_en\n"
        "q1 Q0 d2 2 1.500000 teacher_en\n"
        "q1 Q0 d3 3 0.500000 teacher_en\n"
    )
    (tmp_path / "bm25.trec").write_text(
        "q1 Q0 d3 1 9.0 bm25\nq1 Q0 d2 2 8.0 bm25\nq1 Q0 d9 3 7.0 bm25\n"
    )
    code = (
        "import sys\n"
        "from optical_clir.stages.rerank import cut_pivot_run\n"
        "cut_pivot_run(scores='union.trec', candidates='bm25.trec', "
        "rerank={'depth': int(sys.argv[1])}, run='out.trec', tag='teacher_en')\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "2"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert done.stdout.strip() == "False"
    assert (tmp_path / "out.trec").read_text() == (
        "q1 Q0 d2 1 1.500000 teacher_en\nq1 Q0 d3 2 0.500000 teacher_en\n"
    )
    failed = subprocess.run(
        [sys.executable, "-c", code, "3"], capture_output=True, text=True, cwd=tmp_path
    )
    assert failed.returncode != 0
    assert "union.trec" in failed.stderr and "'d9'" in failed.stderr
    assert "bm25.trec" in failed.stderr
