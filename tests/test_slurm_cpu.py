"""The Slurm profile on a CPU partition: a single-node Slurm whose node has no GPUs.

Marked ``slurm``: needs root and apt (or slurm-wlm and munge already installed);
skipped with the reason otherwise. With ``device: cpu`` no rule asks for a GPU,
and each job's memory follows the config and the sizes of its inputs
(optical_clir.job_resources).
"""

from __future__ import annotations

import pytest

from conftest import ROOT, run_snakemake
from optical_clir import job_resources as jobres
from slurm_cluster import NO_ACCOUNTING, cluster_or_skip

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

DATASET = "synthetic-tiny"
PROFILE = ROOT / "profiles" / "slurm"


@pytest.fixture(scope="module")
def cpu_slurm(tmp_path_factory):
    yield from cluster_or_skip(tmp_path_factory.mktemp("slurm-cpu"), gpus=0)


def test_a_cpu_partition_refuses_a_gpu_request(cpu_slurm):
    """The error a user met when the profile forced one GPU on every neural rule."""
    done = cpu_slurm.run("sbatch", "--gpus=1", "--wrap", "true")
    assert done.returncode != 0
    assert "gres" in done.stderr.lower() or "generic resource" in done.stderr.lower()


def test_tiny_workflow_runs_on_a_cpu_partition(cpu_slurm, tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_CONF", cpu_slurm.env["SLURM_CONF"])
    # One language, one ranker family: every kind of neural job, fewer of them
    # (the whole table goes through Slurm in test_slurm.py).
    target = f"results/{DATASET}/en2x/okhali/metrics.csv"
    config = ("--config", "device=cpu", 'rankers=["cross_encoder"]')
    # The data and BM25 jobs run beside Snakemake first (test_slurm.py sends them
    # through Slurm): here the neural jobs are the ones that matter.
    data = run_snakemake(tmp_path, target, *config, "--until", "retrieve_bm25")
    assert data.returncode == 0, data.stderr[-3000:]
    done = run_snakemake(
        tmp_path,
        target,
        "--profile",
        str(PROFILE),
        *NO_ACCOUNTING,
        *config,
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-4000:] + cpu_slurm.daemon_logs()
    metrics = (tmp_path / target).read_text()
    assert "optical" in metrics and "teacher_en" in metrics

    jobs = cpu_slurm.jobs("%i|%T|%k|%b|%m")
    finished = [job for job in jobs if job[1] == "COMPLETED"]
    rules = {job[2].split("_wildcards_")[0].removeprefix("rule_") for job in finished}
    assert {"pretrain_encoder", "train_teacher", "distill_ot", "rerank"} <= rules, jobs
    assert not [job for job in jobs if job[1] in ("FAILED", "CANCELLED", "TIMEOUT")]
    # No job asked for a generic resource (a GPU).
    assert {job[3] for job in jobs} == {"N/A"}, jobs

    # The teacher's memory is the estimate from its inputs, not a constant.
    models = tmp_path / "results" / DATASET / "models" / "seed7"
    expected = jobres.mem_mb(
        "train_teacher",
        model_mb=jobres.path_mb([models / "encoder"]),
        data_mb=jobres.path_mb(
            [tmp_path / "resources" / DATASET / "en" / "triples.tsv"]
        ),
        device="cpu",
    )
    teacher = [
        job
        for job in finished
        if job[2].startswith("rule_train_teacher_wildcards_")
        and job[2].endswith("_teacher")
    ]
    assert len(teacher) == 1, jobs
    assert teacher[0][4] == f"{expected}M", (teacher, expected)
