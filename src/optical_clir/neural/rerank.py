"""Rerank BM25 candidates with a cross-encoder, with a resumable score cache.

The cache (``<run>.cache.tsv`` beside the output) stores ``qid<TAB>docid<TAB>score``
lines under a header naming the model's fingerprint (SHA-256 of its weights)
and the query/passage sources. It is appended chunk by chunk, so a killed or
repeated job only scores pairs it has not scored with the same model.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import torch

from optical_clir.errors import InputError
from optical_clir.fingerprint import fingerprint
from optical_clir.formats import Run
from optical_clir.neural.cross_encoder import (
    check_query_lengths,
    load_ranker,
    score_pairs,
)

logger = logging.getLogger(__name__)
_CHUNK = 4096


def _load_cache(path: Path, header: str) -> dict[tuple[str, str], float]:
    if not path.exists():
        return {}
    cached: dict[tuple[str, str], float] = {}
    with open(path, encoding="utf-8") as handle:
        if handle.readline().rstrip("\n") != header:
            logger.info("score cache %s is for another model; ignoring it", path)
            return {}
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:  # a line cut by a kill is skipped
                try:
                    cached[(parts[0], parts[1])] = float(parts[2])
                except ValueError:
                    continue
    return cached


def rerank(
    candidates: Run,
    queries: Mapping[str, str],
    collection: Mapping[str, str],
    model_dir: str | Path,
    depth: int,
    batch_size: int,
    max_length: int,
    device: torch.device,
    cache: str | Path,
    precision: str = "auto",
    source: str = "",
    paths: Mapping[str, str] | None = None,
) -> Run:
    """Score each query's top-``depth`` candidates; return ``qid -> docid -> score``.

    Parameters
    ----------
    candidates:
        First-stage run; its top ``depth`` (by score, then docid) are reranked.
    queries, collection:
        Texts the model reads (for example English queries and target passages).
    source:
        Free text identifying the query/passage sources, part of the cache key.
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
    cache = Path(cache)
    header = f"# model={fingerprint(model_dir)} source={source} max_length={max_length}"
    cached = _load_cache(cache, header)
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
    todo = [key for key in wanted if key not in cached]
    logger.info(
        "%d pairs to rerank, %d from the cache, %d to score on %s",
        len(wanted),
        len(wanted) - len(todo),
        len(todo),
        device,
    )
    if todo:
        model, tokenizer = load_ranker(model_dir)
        check_query_lengths(
            tokenizer,
            [(f"query '{q}'", queries[q]) for q in dict.fromkeys(q for q, _ in todo)],
            max_length,
            paths["queries"],
            "rerank.max_length",
        )
        fresh = not cached
        cache.parent.mkdir(parents=True, exist_ok=True)
        with open(cache, "w" if fresh else "a", encoding="utf-8") as handle:
            if fresh:
                handle.write(header + "\n")
            for start in range(0, len(todo), _CHUNK):
                chunk = todo[start : start + _CHUNK]
                pairs = [(queries[q], collection[d]) for q, d in chunk]
                scores = score_pairs(
                    model, tokenizer, pairs, batch_size, max_length, device, precision
                )
                for (qid, docid), score in zip(chunk, scores, strict=True):
                    cached[(qid, docid)] = float(score)
                    handle.write(f"{qid}\t{docid}\t{float(score)!r}\n")
                handle.flush()
    out: Run = {q: {} for q in candidates}
    for qid, docid in wanted:
        out[qid][docid] = cached[(qid, docid)]
    return out
