"""Which first-stage candidates a reranker scores, and a run cut out of scores
computed once for several runs (no torch here: the cut is a light job)."""

from __future__ import annotations

from collections.abc import Mapping

from optical_clir.errors import InputError
from optical_clir.formats import Run


def select_candidates(
    candidates: Run,
    queries: Mapping[str, str],
    depth: int,
    paths: Mapping[str, str],
) -> list[tuple[str, str]]:
    """(qid, docid) of each query's top ``depth`` candidates, by score then docid.

    Raises
    ------
    InputError
        When a query of the run has no text in ``queries``.
    """
    wanted: list[tuple[str, str]] = []
    for qid, docs in candidates.items():
        if qid not in queries:
            raise InputError(
                paths["queries"],
                f"query '{qid}' of {paths['candidates']} has no text here; every "
                "language must use the English query ids",
            )
        wanted.extend((qid, d) for d in _top(docs, depth))
    return wanted


def _top(docs: Mapping[str, float], depth: int) -> list[str]:
    """The ``depth`` best docids of one query's candidates (score, then docid)."""
    return sorted(docs, key=lambda d: (-docs[d], d))[:depth]


def cut_run(scores: Run, candidates: Run, depth: int, paths: Mapping[str, str]) -> Run:
    """One run's reranking out of
    :func:`optical_clir.rerank.rerank_union`'s scores.

    Parameters
    ----------
    scores:
        ``qid -> docid -> score`` that cover the run's top-``depth`` candidates.
    candidates:
        The first-stage run; its top ``depth`` (by score, then docid) are kept.
    paths:
        ``scores`` and ``candidates`` file names, for messages.

    Raises
    ------
    InputError
        When a candidate has no score: the scores came from other candidates.
    """
    out: Run = {q: {} for q in candidates}
    for qid, docs in candidates.items():
        for docid in _top(docs, depth):
            score = scores.get(qid, {}).get(docid)
            if score is None:
                raise InputError(
                    paths["scores"],
                    f"no score for passage '{docid}' of query '{qid}' of "
                    f"{paths['candidates']}: these scores were computed for other "
                    "candidates; rerun the rule that wrote them",
                )
            out[qid][docid] = score
    return out
