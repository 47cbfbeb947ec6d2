"""What one job of a stage asks a cluster for: GPUs, host memory and wall time.

Derived from the config and from the sizes of the job's inputs, so that the demo
asks for little and the real run for what mBERT on mMARCO needs. Snakemake
evaluates these when a job's inputs exist (before that the inputs count as
empty), and a profile's ``set-resources`` still overrides any of them.

The estimates err on the generous side; their constants are measured or stated
in ``docs/cluster.md`` ("What a job asks for").
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

#: Stages that run a neural model and can use a GPU.
GPU_STAGES = (
    "pretrain_encoder",
    "train_teacher",
    "distill_ot",
    "encode_teacher_bitext",
    "rerank",
    "encode_tokens",
)
#: Stages that only run the model forward.
FORWARD_STAGES = ("rerank", "encode_tokens", "encode_teacher_bitext")
#: Host memory of a Python process with torch and transformers imported: the
#: demo's neural jobs peak at 465-1,522 MiB; CUDA's libraries add about 1 GiB.
BASE_MB = {"cpu": 2000, "gpu": 3000}
#: Sustained dense TFLOP/s assumed per CPU core and per GPU. The CPU figure is
#: below what bench/real_costs.py measured on 2 cores (0.11-0.31 TFLOP/s); the
#: GPU figure is 2.5% of an H100's dense bf16 peak, within reach of a V100.
TFLOPS = {"cpu_core": 0.05, "gpu": 25.0}
#: Model loading, tokenisation warm-up and the JVM's start, in minutes.
OVERHEAD_MIN = 10
#: Headroom on the compute estimate.
SAFETY = 2.0
MIN_RUNTIME_MIN = 15
BYTES_PER_PARAM = 4  # checkpoints are saved in float32


def path_mb(paths: Iterable[str | os.PathLike[str]]) -> float:
    """Total size in MiB of the files under ``paths`` (folders recursively).

    A path that does not exist yet counts as empty: Snakemake evaluates resources
    again once a job's inputs exist.
    """
    total = 0
    for path in map(Path, paths):
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total / 2**20


def line_count(path: str | os.PathLike[str]) -> int:
    """Lines of a text file (0 while it does not exist)."""
    try:
        with open(path, "rb") as handle:
            return sum(
                chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")
            )
    except FileNotFoundError:
        return 0


def gpus(stage: str, device: str) -> int:
    """GPUs a job asks for: one for a neural stage unless ``device: cpu``."""
    return int(stage in GPU_STAGES and device != "cpu")


def _device_class(stage: str, device: str) -> str:
    return "gpu" if gpus(stage, device) else "cpu"


def mem_mb(
    stage: str, *, model_mb: float, data_mb: float, device: str, attempt: int = 1
) -> int:
    """Host memory (MB) of one job, doubled on each retry (an out-of-memory kill).

    Parameters
    ----------
    stage
        The rule's name.
    model_mb
        Size of the model folders the job reads (0 for BM25).
    data_mb
        Size of the text the job reads into memory (triples, bitext, collection,
        queries, candidates; for ``retrieve_bm25`` the index).
    device
        The config's ``device``.
    attempt
        Snakemake's attempt number, from 1.

    Returns
    -------
    int
        Megabytes, rounded up to a multiple of 500.
    """
    kind = _device_class(stage, device)
    if stage in ("index_bm25", "retrieve_bm25"):
        # The collection is read into Python before Lucene indexes it; the JVM
        # takes a quarter of the job's limit as heap by default.
        need = BASE_MB["cpu"] + (3 if stage == "index_bm25" else 0.5) * data_mb
    else:
        # Training keeps weights, gradients and two Adam moments (4x the model)
        # on the device; on a GPU the host holds one copy while loading.
        copies = {
            "pretrain_encoder": 4,
            "train_teacher": 4,
            "distill_ot": 5,  # a frozen teacher and a trained student
            "rerank": 1,
            "encode_tokens": 1,
            "rank_full": 0,  # token vectors only
            "encode_teacher_bitext": 1,
        }[stage]
        if kind == "gpu":
            copies = 2 if stage == "distill_ot" else 1
        need = BASE_MB[kind] + copies * model_mb + 3 * data_mb
        if kind == "cpu":
            need += 2000  # activations of a batch
    return int(math.ceil(need / 500) * 500) * 2 ** (attempt - 1)


def train_flops_per_item(model_mb: float, length: int) -> float:
    """FLOPs of one training sequence: 3 x (2 x parameters x tokens).

    Counting every parameter (the embeddings too) over-counts, as it should for a
    time limit.
    """
    params = model_mb * 2**20 / BYTES_PER_PARAM
    return 3 * 2 * params * length


def runtime_min(
    stage: str,
    *,
    model_mb: float,
    items: int,
    length: int,
    device: str,
    threads: int,
    attempt: int = 1,
) -> int:
    """Wall time (minutes) of one job, doubled on each retry.

    Parameters
    ----------
    stage
        The rule's name (a neural stage).
    model_mb
        Size of the model the job runs (for ``distill_ot`` the teacher's).
    items
        Sequences the job processes: steps x batch x accumulation for training
        (pairs of a triple and bitext pairs count once: the estimate doubles
        them), candidate pairs for reranking, passages to encode, queries of a
        full ranking.
    length
        Their maximum length in tokens.
    device, threads
        The config's ``device`` and the job's CPU threads.
    attempt
        Snakemake's attempt number, from 1.
    """
    flops = train_flops_per_item(model_mb, length)
    if stage in FORWARD_STAGES:
        flops /= 3  # a forward pass only
    elif stage in ("train_teacher", "distill_ot"):
        flops *= 2  # two passages per triple; teacher and student per pair
    if _device_class(stage, device) == "gpu":
        rate = TFLOPS["gpu"]
    else:
        rate = TFLOPS["cpu_core"] * max(threads, 1)
    compute = SAFETY * items * flops / (rate * 1e12) / 60
    minutes = max(MIN_RUNTIME_MIN, OVERHEAD_MIN + compute)
    return int(math.ceil(minutes)) * 2 ** (attempt - 1)


def maxsim_runtime_min(
    *, query_mb: float, passage_mb: float, threads: int, attempt: int = 1
) -> int:
    """Wall time (minutes) of a full ranking by MaxSim (rule ``rank_full``: no
    model, every query token against every passage token), doubled on each retry.

    The token counts are bounded from the token-vector files' sizes (2 bytes a
    number, the smallest dtype they hold; both files may hold other sections too)
    and vectors of at least 128 numbers: 2 x query tokens x passage tokens x
    dimension FLOPs.
    """
    dim = 128
    query_tokens = query_mb * 2**20 / 2 / dim
    passage_tokens = passage_mb * 2**20 / 2 / dim
    flops = 2 * query_tokens * passage_tokens * dim
    rate = TFLOPS["cpu_core"] * max(threads, 1)
    compute = SAFETY * flops / (rate * 1e12) / 60
    minutes = max(MIN_RUNTIME_MIN, OVERHEAD_MIN + compute)
    return int(math.ceil(minutes)) * 2 ** (attempt - 1)


def bm25_runtime_min(
    stage: str, *, collection_mb: float, queries: int, attempt: int = 1
) -> int:
    """Wall time (minutes) of a BM25 job, doubled on each retry.

    Pyserini indexed mMARCO collections (about 3 GB) in 4-5 minutes and searched
    their 6,980 queries to depth 1,000 in 1-4 minutes on 2 threads
    (docs/benchmarks.md); the estimate assumes 100 MB a minute and 10 queries a
    second, a fifth of that.
    """
    if stage == "index_bm25":
        compute = collection_mb / 100
    else:
        compute = queries / 10 / 60
    minutes = max(MIN_RUNTIME_MIN, OVERHEAD_MIN + SAFETY * compute)
    return int(math.ceil(minutes)) * 2 ** (attempt - 1)


def training_items(spec: TrainingWork) -> int:
    """Sequences a training stage processes: steps x batch x accumulation (its
    typed spec, :mod:`optical_clir.specs`)."""
    return spec.steps * spec.batch_size * spec.grad_accum


class TrainingWork(Protocol):
    """The fields of a training spec that size its work."""

    steps: int
    batch_size: int
    grad_accum: int
