"""The Slurm profile against a real single-node Slurm on localhost.

Marked ``slurm``: needs root and apt (or slurm-wlm and munge already installed);
skipped with the reason otherwise. The cluster has no accounting daemon, so the
plugin polls ``squeue`` instead of ``sacct`` (../shared/reference/toolchain.md).
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest
import yaml

from conftest import ROOT, SNAKEMAKE, TINY, run_snakemake
from slurm_cluster import NO_ACCOUNTING, LocalSlurm, cluster_or_skip

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

DATASET = "synthetic-tiny"
PROFILE = ROOT / "profiles" / "slurm"
# The GPU rules pick their device as on a cluster: CUDA if Slurm gave one.
AUTO_DEVICE = ("--config", "device=auto")


# The Slurm comment of the cross-encoder teacher's job (rule and wildcard values).
def is_ce_teacher_job(name: str) -> bool:
    """The cross-encoder teacher's Slurm job (wildcards: a seed and ``teacher``)."""
    return name.startswith("rule_train_teacher_wildcards_") and name.endswith(
        "_teacher"
    )


# The resumed teacher's steps: about 8 s of training on 2 cores, so the job still
# runs when its first checkpoint (step 25) appears and scancel follows.
RESUME_STEPS = 600
ON_CPU = "no CUDA device found: running this GPU stage on the CPU"
# The rules marked `localrule: True` (light bookkeeping: evaluation, tables).
LIGHT_RULES = {
    m[1]
    for smk in (ROOT / "workflow" / "rules").glob("*.smk")
    for m in re.finditer(r"rule (\w+):\n\s+localrule: True", smk.read_text())
}


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    yield from cluster_or_skip(tmp_path_factory.mktemp("slurm"))


def _slurm_env(cluster: LocalSlurm, monkeypatch) -> None:
    monkeypatch.setenv("SLURM_CONF", cluster.env["SLURM_CONF"])


def test_tiny_workflow_runs_through_the_slurm_profile(slurm, tmp_path, monkeypatch):
    _slurm_env(slurm, monkeypatch)
    done = run_snakemake(
        tmp_path,
        "all",
        "--profile",
        str(PROFILE),
        *NO_ACCOUNTING,
        *AUTO_DEVICE,
        # one ranker family's whole table through Slurm (both run locally in
        # test_workflow.py): every kind of job, half the neural ones
        'rankers=["cross_encoder"]',
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-4000:] + slurm.daemon_logs()
    assert (tmp_path / "results" / "table.csv").exists()
    assert (tmp_path / "results" / DATASET / "en2x" / "report.md").exists()

    jobs = slurm.jobs()
    rules = {
        comment.split("_wildcards_")[0].removeprefix("rule_")
        for _, state, comment in jobs
        if state == "COMPLETED"
    }
    for rule in (
        "generate_language",
        "index_bm25",
        "train_teacher",
        "distill_ot",
        "rerank",
        "analyze_gap",
    ):
        assert rule in rules, (rule, jobs)
    # The light bookkeeping rules (localrule) ran beside Snakemake, not in Slurm.
    assert {"evaluate_run", "aggregate_metrics"} <= LIGHT_RULES
    assert not rules & LIGHT_RULES, (rules & LIGHT_RULES, jobs)
    assert (tmp_path / "results" / DATASET / "en2x" / "okhali" / "metrics.csv").exists()
    assert not [job for job in jobs if job[1] in ("FAILED", "CANCELLED", "TIMEOUT")]
    # The GPU rules got a (virtual) GPU from Slurm and said that they ran on the CPU.
    teacher_log = (
        tmp_path / "logs" / "train_teacher" / DATASET / "seed7" / "teacher.log"
    )
    assert ON_CPU in teacher_log.read_text()


def _wait_for(predicate, timeout: float, what: str, process, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            raise AssertionError(
                f"snakemake ended before {what}: " + log.read_text()[-3000:]
            )
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_cancelled_training_job_resumes_from_its_checkpoint(
    slurm, tmp_path, monkeypatch
):
    """scancel sends SIGTERM (as on preemption); the profile's retry resumes."""
    _slurm_env(slurm, monkeypatch)
    config = yaml.safe_load(TINY.read_text())
    config["teacher"].update(steps=RESUME_STEPS, checkpoint_every=25)
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    work = tmp_path / "work"
    work.mkdir()
    target = f"results/{DATASET}/models/seed7/teacher"
    # The teacher's inputs are built beside Snakemake first, so that only the
    # teacher goes through Slurm (the whole DAG does in the test above).
    inputs = run_snakemake(
        work,
        f"results/{DATASET}/models/seed7/encoder",
        f"resources/{DATASET}/en/triples.tsv",
        configfile=configfile,
    )
    assert inputs.returncode == 0, inputs.stderr[-3000:]
    cmd = [
        SNAKEMAKE,
        target,
        "--snakefile",
        str(ROOT / "workflow" / "Snakefile"),
        "--directory",
        str(work),
        "--configfile",
        str(configfile),
        "--profile",
        str(PROFILE),
        *NO_ACCOUNTING,
        *AUTO_DEVICE,
    ]
    log = tmp_path / "snakemake.log"
    env = {**slurm.env, "PYTHONPATH": str(ROOT / "src")}
    with open(log, "w") as handle:
        outer = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env)
        try:
            checkpoints = work / "results" / DATASET / "checkpoints"
            _wait_for(
                lambda: any(checkpoints.glob("seed7/teacher-*/step-*")),
                600,
                "the first teacher checkpoint",
                outer,
                log,
            )
            running = [
                job
                for job in slurm.jobs()
                if is_ce_teacher_job(job[2]) and job[1] == "RUNNING"
            ]
            assert len(running) == 1, slurm.jobs()
            assert slurm.run("scancel", running[0][0]).returncode == 0
            assert outer.wait(timeout=900) == 0, log.read_text()[-4000:]
        finally:
            if outer.poll() is None:
                outer.kill()
                outer.wait()

    states = [job[1] for job in slurm.jobs() if is_ce_teacher_job(job[2])]
    assert "CANCELLED" in states and states[-1] == "COMPLETED", states
    assert (work / target / "model.safetensors").exists()
    # The cancelled attempt checkpointed on SIGTERM (its Slurm log keeps its
    # stderr); the retry resumed from that checkpoint.
    attempts = sorted((work / ".snakemake" / "slurm_logs").rglob("*.log"))
    said = "\n".join(path.read_text(errors="replace") for path in attempts)
    assert "SIGTERM received: checkpointing and stopping" in said
    teacher_log = (
        work / "logs" / "train_teacher" / DATASET / "seed7" / "teacher.log"
    ).read_text()
    assert re.search(
        rf"resuming \S+ from \S+ \(step \d+ of {RESUME_STEPS}\)", teacher_log
    ), teacher_log[-2000:]
