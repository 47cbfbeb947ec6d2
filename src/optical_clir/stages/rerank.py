"""The stage of ``rerank.smk``: rerank a first stage's candidates with a ranker
of either family and write a TREC run; or, for a ranker that reads the pivot's
queries and passages whatever the language (``teacher_en``), score every
language's candidates once (rule ``rerank_union``, the same function) and cut
each language's run out of those scores (``cut_pivot_run``, a job without
torch)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from optical_clir.formats import read_collection, read_queries, read_run, write_run
from optical_clir.specs import RerankSpec

logger = logging.getLogger(__name__)


def rerank(
    *,
    candidates: str | Sequence[str],
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
    ``tag``. Several candidate runs (rule ``rerank_union``): the union of their
    top ``rerank.depth``, each pair scored once, in one run (per query, the
    union of its candidates)."""
    from optical_clir.models.runtime import pick_device, set_threads
    from optical_clir.rerank import rerank_union as score

    runs = [candidates] if isinstance(candidates, str) else list(candidates)
    logger.info(
        "reranking %s with %s: queries %s, passages %s",
        ", ".join(runs),
        model,
        queries,
        collection,
    )
    spec = RerankSpec.from_config(rerank)
    set_threads(threads)
    scores = score(
        [(path, read_run(path)) for path in runs],
        read_queries(queries),
        read_collection(collection),
        model,
        spec.depth,
        spec.batch_size,
        spec.max_length,
        pick_device(device),
        precision,
        paths={"queries": queries, "collection": collection},
    )
    write_run(run, scores, tag=tag)


def cut_pivot_run(
    *, scores: str, candidates: str, rerank: Mapping, run: str, tag: str
) -> None:
    """Write the reranking of the top ``rerank.depth`` of ``candidates`` from the
    run ``scores`` that :func:`rerank` wrote for several runs; the same file as
    :func:`rerank` would write from the same scores."""
    from optical_clir.candidates import cut_run

    spec = RerankSpec.from_config(rerank)
    cut = cut_run(
        read_run(scores),
        read_run(candidates),
        spec.depth,
        paths={"scores": scores, "candidates": candidates},
    )
    write_run(run, cut, tag=tag)
