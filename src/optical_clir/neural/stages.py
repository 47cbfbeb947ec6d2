"""One typed function per neural workflow stage; ``scripts/*.py`` call one each."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import torch

from optical_clir.atomic import write_text
from optical_clir.formats import read_collection, read_queries, read_run, write_run
from optical_clir.neural.runtime import pick_device, set_threads

logger = logging.getLogger(__name__)


def _train(
    threads: int,
    device: str,
    stats_out: str | Path | None,
    run: Callable[[torch.device], Mapping],
) -> None:
    """Set the job's threads, pick the device, run one training stage on it, and
    log (and optionally write) its statistics."""
    set_threads(threads)
    stats = run(pick_device(device))
    logger.info("training done: %s", dict(stats))
    if stats_out:
        write_text(stats_out, json.dumps(dict(stats), indent=2) + "\n")


def tokenizer(corpora: Sequence[str], model: Mapping, out: str) -> None:
    """Train the simulation's WordPiece tokenizer on every pretraining corpus."""
    from optical_clir.neural.encoder import train_tokenizer

    train_tokenizer(corpora, model["vocab_size"], out)


def pretrain(
    tokenizer_dir: str,
    corpora: Sequence[str],
    model: Mapping,
    seed: int,
    device: str,
    precision: str,
    threads: int,
    out: str,
    checkpoints: str,
    stats_out: str | None = None,
) -> None:
    """Pretrain the tiny multilingual BERT (MLM)."""
    from optical_clir.neural.encoder import pretrain_mlm

    _train(
        threads,
        device,
        stats_out,
        lambda dev: pretrain_mlm(
            tokenizer_dir,
            corpora,
            model,
            model["pretrain"],
            out,
            checkpoints,
            seed,
            dev,
            precision,
        ),
    )


def teacher(
    encoder: str,
    triples: str,
    params: Mapping,
    seed: int,
    device: str,
    precision: str,
    threads: int,
    out: str,
    checkpoints: str,
    stats_out: str | None = None,
    family: str = "cross_encoder",
) -> None:
    """Fine-tune the English teacher of a ranker family (``rankers:``)."""
    from optical_clir.neural.cross_encoder import train_teacher

    _train(
        threads,
        device,
        stats_out,
        lambda dev: train_teacher(
            encoder, triples, params, out, checkpoints, seed, dev, precision, family
        ),
    )


def optical(
    teacher_dir: str,
    bitext: str,
    params: Mapping,
    seed: int,
    device: str,
    precision: str,
    threads: int,
    out: str,
    checkpoints: str,
    stats_out: str | None = None,
    bitext_pairs: int | None = None,
) -> None:
    """OPTICAL distillation of the teacher for one target language, on at most
    ``bitext_pairs`` pairs of its bitext."""
    from optical_clir.neural.distill import distill

    _train(
        threads,
        device,
        stats_out,
        lambda dev: distill(
            teacher_dir,
            bitext,
            params,
            out,
            checkpoints,
            seed,
            dev,
            precision,
            bitext_pairs=bitext_pairs,
        ),
    )


def rerank(
    candidates: str,
    queries: str,
    collection: str,
    model_dir: str,
    params: Mapping,
    device: str,
    precision: str,
    threads: int,
    run: str,
    tag: str,
    cache: str,
) -> None:
    """Rerank the BM25 top-k with a ranker (either family) and write a TREC run."""
    from optical_clir.neural.rerank import rerank as rerank_run

    set_threads(threads)
    scores = rerank_run(
        read_run(candidates),
        read_queries(queries),
        read_collection(collection),
        model_dir,
        params["depth"],
        params["batch_size"],
        params["max_length"],
        pick_device(device),
        cache,
        precision,
        source=f"{queries}|{collection}",
        paths={"candidates": candidates, "queries": queries, "collection": collection},
    )
    write_run(run, scores, tag=tag)
