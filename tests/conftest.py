"""Shared fixtures: repository paths, the tiny config, and a workflow runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "config" / "tiny.yaml"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def run_snakemake(
    workdir: Path,
    *args: str,
    configfile: Path = TINY,
    timeout: int = 1200,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run the real workflow of this checkout in ``workdir`` with ``configfile``."""
    cmd = [
        SNAKEMAKE,
        "--snakefile",
        str(ROOT / "workflow" / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        "2",
        *args,
    ]
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


@pytest.fixture(scope="session")
def tiny_workflow(tmp_path_factory) -> Path:
    """The tiny config run to the end once per session; returns its directory."""
    workdir = tmp_path_factory.mktemp("tiny")
    done = run_snakemake(workdir, "all")
    assert done.returncode == 0, done.stderr[-4000:]
    (workdir / "snakemake.stderr").write_text(done.stderr)  # for the end summary
    return workdir
