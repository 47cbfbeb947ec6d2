"""Rerank first-stage candidates with a ranker of either family.

The scores are the run itself: nothing else is written. A job killed part-way
starts again from the beginning (its retry gets twice the runtime, see
docs/cluster.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from optical_clir.candidates import select_candidates
from optical_clir.errors import InputError
from optical_clir.formats import Run
from optical_clir.models.cross_encoder import (
    check_query_lengths,
    load_ranker,
    score_pairs,
)
from optical_clir.models.late_interaction import BertLateInteraction
from optical_clir.models.towers import Towers

logger = logging.getLogger(__name__)
_CHUNK = 4096


def _check_collection(
    wanted: list[tuple[str, str]],
    collection: Mapping[str, str],
    paths: Mapping[str, str],
) -> None:
    missing = [(q, d) for q, d in wanted if d not in collection]
    if missing:
        raise InputError(
            paths["collection"],
            f"{len(missing)} candidates of {paths['candidates']} are not in this "
            f"collection (e.g. passage '{missing[0][1]}' for query '{missing[0][0]}'); "
            "every language must use the English passage ids, because teacher_en "
            "reranks the English originals of the same candidates",
        )


def _paths(paths: Mapping[str, str] | None) -> dict[str, str]:
    return {
        "candidates": "candidates",
        "queries": "queries",
        "collection": "collection",
        **(paths or {}),
    }


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
    passage_model_dir: str | Path | None = None,
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
    paths = _paths(paths)
    return rerank_union(
        [(paths["candidates"], candidates)],
        queries,
        collection,
        model_dir,
        depth,
        batch_size,
        max_length,
        device,
        precision,
        paths,
        passage_model_dir,
    )


def rerank_union(
    candidate_runs: Sequence[tuple[str, Run]],
    queries: Mapping[str, str],
    collection: Mapping[str, str],
    model_dir: str | Path,
    depth: int,
    batch_size: int,
    max_length: int,
    device: torch.device,
    precision: str = "auto",
    paths: Mapping[str, str] | None = None,
    passage_model_dir: str | Path | None = None,
) -> Run:
    """Score the union of several runs' top-``depth`` candidates once.

    For a ranker that reads the same queries and passages whichever run the
    candidates come from (``teacher_en``: English queries, English originals),
    each run's reranking is a subset of these scores (:func:`cut_run`); a pair
    shared by several runs is scored once.

    Parameters
    ----------
    candidate_runs:
        ``(path, run)`` of each first-stage run; the path names it in messages.
    queries, collection, model_dir, depth, batch_size, max_length, device, precision:
        As for :func:`rerank`.
    paths:
        ``queries`` and ``collection`` file names, for messages.
    passage_model_dir:
        For a late-interaction ranker, the tower that reads the passages when it
        is not ``model_dir`` (two towers: :class:`Towers`); None: the same model.

    Returns
    -------
    Run
        ``qid -> docid -> score`` over every run's queries and top-``depth``
        candidates.

    Raises
    ------
    InputError
        As :func:`rerank`, naming the run whose candidate or query is at fault.
    """
    base = _paths(paths)
    wanted: dict[tuple[str, str], None] = {}
    out: Run = {}
    total = 0
    for path, run in candidate_runs:
        named = {**base, "candidates": str(path)}
        selected = select_candidates(run, queries, depth, named)
        _check_collection(selected, collection, named)
        wanted.update(dict.fromkeys(selected))
        total += len(selected)
        for qid in run:
            out.setdefault(qid, {})
    if len(candidate_runs) > 1:
        logger.info(
            "%d distinct pairs of %d across %d runs",
            len(wanted),
            total,
            len(candidate_runs),
        )
    logger.info("%d pairs to rerank on %s", len(wanted), device)
    if not wanted:
        return out
    model, tokenizer = load_ranker(model_dir)
    check_query_lengths(
        tokenizer,
        [(f"query '{q}'", queries[q]) for q in dict.fromkeys(q for q, _ in wanted)],
        max_length,
        base["queries"],
        "rerank.max_length",
    )
    pairs_in_order = list(wanted)
    if isinstance(model, BertLateInteraction):
        towers = Towers.load(model_dir, passage_model_dir, (model, tokenizer))
        scores = towers.score(
            pairs_in_order,
            queries,
            collection,
            batch_size,
            max_length,
            device,
            precision,
        )
        for (qid, docid), score in zip(pairs_in_order, scores, strict=True):
            out[qid][docid] = float(score)
        return out
    if passage_model_dir is not None and str(passage_model_dir) != str(model_dir):
        raise ValueError(
            "a cross-encoder reads the query and the passage together: one model, "
            f"not {model_dir} and {passage_model_dir}"
        )
    for start in range(0, len(pairs_in_order), _CHUNK):
        chunk = pairs_in_order[start : start + _CHUNK]
        pairs = [(queries[q], collection[d]) for q, d in chunk]
        scores = score_pairs(
            model, tokenizer, pairs, batch_size, max_length, device, precision
        )
        for (qid, docid), score in zip(chunk, scores, strict=True):
            out[qid][docid] = float(score)
    return out
