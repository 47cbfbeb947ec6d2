"""The stage of ``rerank.smk``: rerank a first stage's candidates with a ranker
of either family and write a TREC run; or, for a ranker that reads the pivot's
queries and passages whatever the language (``teacher_en``), score every
language's candidates once (rule ``rerank_union``, the same function) and cut
each language's run out of those scores (``cut_pivot_run``, a job without
torch)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

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
    passage_model: str | None = None,
) -> None:
    """Score the top ``rerank.depth`` of ``candidates`` with the ranker saved at
    ``model``, reading ``queries`` and ``collection``; write the run tagged
    ``tag``. A late-interaction ranker may read the passages with another tower
    (``passage_model``). Several candidate runs (rule ``rerank_union``): the
    union of their top ``rerank.depth``, each pair scored once, in one run (per
    query, the union of its candidates)."""
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
        passage_model_dir=passage_model,
    )
    write_run(run, scores, tag=tag)


def text_section(path: str) -> str:
    """The section of a token-vector file that holds the texts of ``path``: the
    file's stem (``collection``, ``queries``, ``queries_en``)."""
    return Path(path).stem


def encode_tokens(
    *,
    model: str,
    texts: Sequence[str],
    rerank: Mapping,
    device: str,
    precision: str,
    threads: int,
    vectors: str,
) -> None:
    """The token vectors of every text of ``texts`` (one language's collection
    and query files) read by the late-interaction tower saved at ``model``: one
    file, a section per input file (:func:`text_section`); passages in float16,
    queries in float32. The model is loaded once for all of them, so full
    ranking (:func:`rank_full`) only searches."""
    import torch

    from optical_clir.models.runtime import pick_device, set_threads
    from optical_clir.models.token_index import save_sections
    from optical_clir.models.towers import Towers

    spec = RerankSpec.from_config(rerank)
    set_threads(threads)
    tower = Towers.load(model)
    on = pick_device(device)
    sections = {}
    for path in texts:
        section = text_section(path)
        passages = section.startswith("collection")
        items = read_collection(path) if passages else read_queries(path)
        logger.info("encoding %d texts of %s with %s", len(items), path, model)
        encode = tower.encode_passages if passages else tower.encode_queries
        index = encode(items, spec.max_length, spec.batch_size, on, precision)
        sections[section] = (index, torch.float16 if passages else torch.float32)
    save_sections(vectors, sections)


def rank_full(
    *,
    query_vectors: str,
    query_section: str,
    passage_vectors: str,
    passage_section: str,
    rerank: Mapping,
    threads: int,
    exclude_self: bool,
    run: str,
    tag: str,
) -> None:
    """Rank every passage of section ``passage_section`` of the token-vector file
    ``passage_vectors`` for each query of section ``query_section`` of
    ``query_vectors`` (both written by :func:`encode_tokens`); keep the top
    ``rerank.depth`` (``exclude_self``: without the query's own passage)."""
    from optical_clir.models.runtime import set_threads
    from optical_clir.models.token_index import TokenIndex, search

    spec = RerankSpec.from_config(rerank)
    set_threads(threads)
    passages = TokenIndex.load(passage_vectors, passage_section)
    queries = TokenIndex.load(query_vectors, query_section)
    logger.info(
        "ranking %d passages (%s of %s) for %d queries (%s of %s)",
        len(passages.ids),
        passage_section,
        passage_vectors,
        len(queries.ids),
        query_section,
        query_vectors,
    )
    write_run(run, search(queries, passages, spec.depth, exclude_self), tag=tag)


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
