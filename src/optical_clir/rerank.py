"""Rerank first-stage candidates with a ranker of either family.

The scores are the run itself: nothing else is written. A job killed part-way
starts again from the beginning (its retry gets twice the runtime, see
docs/cluster.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import torch

from optical_clir.errors import InputError
from optical_clir.formats import Run
from optical_clir.models.cross_encoder import (
    check_query_lengths,
    load_ranker,
    score_pairs,
)

logger = logging.getLogger(__name__)
_CHUNK = 4096


def rerank(
    candidates: Run,
    queries: Mapping[str, str],
    collection: Mapping[str, str],
    model_dir: str | Path,
    depth: int,
    batch_size: int,
    max_length: int,
    device: torch.device,
    precision: str = "auto",
    paths: Mapping[str, str] | None = None,
) -> Run:
    """Score each query's top-``depth`` candidates; return ``qid -> docid -> score``.

    Parameters
    ----------
    candidates:
        First-stage run; its top ``depth`` (by score, then docid) are reranked.
    queries, collection:
        Texts the model reads (for example English queries and target passages).
    paths:
        ``candidates``, ``queries`` and ``collection`` file names, for messages.

    Raises
    ------
    InputError
        Before any scoring, when a candidate is not in the collection (every
        language must use the English passage ids: ``teacher_en`` reads the
        English originals of the same candidates), a query of the run has no
        text, or a query leaves no room for a passage under ``max_length``.
    """
    paths = {
        "candidates": "candidates",
        "queries": "queries",
        "collection": "collection",
        **(paths or {}),
    }
    wanted: list[tuple[str, str]] = []
    for qid, docs in candidates.items():
        if qid not in queries:
            raise InputError(
                paths["queries"],
                f"query '{qid}' of {paths['candidates']} has no text here; every "
                "language must use the English query ids",
            )
        top = sorted(docs, key=lambda d: (-docs[d], d))[:depth]
        wanted.extend((qid, d) for d in top)
    missing = [(q, d) for q, d in wanted if d not in collection]
    if missing:
        raise InputError(
            paths["collection"],
            f"{len(missing)} candidates of {paths['candidates']} are not in this "
            f"collection (e.g. passage '{missing[0][1]}' for query '{missing[0][0]}'); "
            "every language must use the English passage ids, because teacher_en "
            "reranks the English originals of the same candidates",
        )
    logger.info("%d pairs to rerank on %s", len(wanted), device)
    out: Run = {q: {} for q in candidates}
    if not wanted:
        return out
    model, tokenizer = load_ranker(model_dir)
    check_query_lengths(
        tokenizer,
        [(f"query '{q}'", queries[q]) for q in dict.fromkeys(q for q, _ in wanted)],
        max_length,
        paths["queries"],
        "rerank.max_length",
    )
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        pairs = [(queries[q], collection[d]) for q, d in chunk]
        scores = score_pairs(
            model, tokenizer, pairs, batch_size, max_length, device, precision
        )
        for (qid, docid), score in zip(chunk, scores, strict=True):
            out[qid][docid] = float(score)
    return out
