"""An independent, pure-Python re-implementation of trec_eval's measures.

It follows trec_eval 9.x semantics and shares no code with ir-measures or
pytrec_eval: documents are ranked by score descending with ties broken by docno
*descending* (trec_eval's ``comp_sim_docno``), gains are the integer relevance
grades (``ndcg_cut``), and a judged grade >= 1 counts as relevant.
"""

from __future__ import annotations

import math


def ranking(scores: dict[str, float]) -> list[str]:
    """Docids in trec_eval order: score descending, then docno descending."""
    by_docno = sorted(scores, reverse=True)
    return sorted(by_docno, key=lambda d: -scores[d])


def ndcg_cut(scores: dict[str, float], qrels: dict[str, int], k: int = 10) -> float:
    ranked = ranking(scores)[:k]
    dcg = sum(max(qrels.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(ranked))
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recip_rank(scores: dict[str, float], qrels: dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranking(scores)[:k]):
        if qrels.get(d, 0) >= 1:
            return 1.0 / (i + 1)
    return 0.0


def average_precision(scores: dict[str, float], qrels: dict[str, int]) -> float:
    n_rel = sum(1 for g in qrels.values() if g >= 1)
    hits, total = 0, 0.0
    for i, d in enumerate(ranking(scores)):
        if qrels.get(d, 0) >= 1:
            hits += 1
            total += hits / (i + 1)
    return total / n_rel if n_rel else 0.0


def recall(scores: dict[str, float], qrels: dict[str, int], k: int = 100) -> float:
    n_rel = sum(1 for g in qrels.values() if g >= 1)
    found = sum(1 for d in ranking(scores)[:k] if qrels.get(d, 0) >= 1)
    return found / n_rel if n_rel else 0.0


def evaluate(run: dict, qrels: dict, qids, recall_depth: int = 100) -> dict[str, float]:
    """Means over ``qids`` (a query missing from the run scores 0)."""
    measures = {
        "nDCG@10": ndcg_cut,
        "RR@10": recip_rank,
        "AP": average_precision,
        f"R@{recall_depth}": lambda s, q: recall(s, q, recall_depth),
    }
    qids = list(qids)
    return {
        name: sum(fn(run.get(q, {}), qrels[q]) for q in qids) / len(qids)
        for name, fn in measures.items()
    }
