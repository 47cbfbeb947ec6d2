"""The stage of ``rerank.smk``: rerank a first stage's candidates with a ranker
of either family and write a TREC run."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from optical_clir.formats import read_collection, read_queries, read_run, write_run
from optical_clir.models.runtime import pick_device, set_threads
from optical_clir.specs import RerankSpec

logger = logging.getLogger(__name__)


def rerank(
    *,
    candidates: str,
    queries: str,
    collection: str,
    model: str,
    rerank: Mapping,
    device: str,
    precision: str,
    threads: int,
    run: str,
    tag: str,
) -> None:
    """Score the top ``rerank.depth`` of ``candidates`` with the ranker saved at
    ``model``, reading ``queries`` and ``collection``; write the run tagged
    ``tag``."""
    from optical_clir.rerank import rerank as score

    logger.info(
        "reranking %s with %s: queries %s, passages %s",
        candidates,
        model,
        queries,
        collection,
    )
    spec = RerankSpec.from_config(rerank)
    set_threads(threads)
    scores = score(
        read_run(candidates),
        read_queries(queries),
        read_collection(collection),
        model,
        spec.depth,
        spec.batch_size,
        spec.max_length,
        pick_device(device),
        precision,
        paths={"candidates": candidates, "queries": queries, "collection": collection},
    )
    write_run(run, scores, tag=tag)
