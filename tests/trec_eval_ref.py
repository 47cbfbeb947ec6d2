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


def precision(scores: dict[str, float], qrels: dict[str, int], k: int) -> float:
    return sum(1 for d in ranking(scores)[:k] if qrels.get(d, 0) >= 1) / k


def judged(scores: dict[str, float], qrels: dict[str, int], k: int) -> float:
    """Share of the top k with a judgment of any grade (not a trec_eval measure)."""
    return sum(1 for d in ranking(scores)[:k] if d in qrels) / k


def measure(name: str):
    """The function of an ir-measures name: nDCG@k, RR@k, AP, R@k, P@k, Judged@k."""
    if name == "AP":
        return average_precision
    kind, k = name.split("@")
    functions = {
        "nDCG": ndcg_cut,
        "RR": recip_rank,
        "R": recall,
        "P": precision,
        "Judged": judged,
    }
    return lambda s, q: functions[kind](s, q, int(k))


def evaluate(
    run: dict, qrels: dict, qids, recall_depth: int = 100, names=None
) -> dict[str, float]:
    """Means over ``qids`` (a query missing from the run scores 0) of ``names``
    (default: nDCG@10, RR@10, AP and recall at ``recall_depth``)."""
    names = names or ["nDCG@10", "RR@10", "AP", f"R@{recall_depth}"]
    qids = list(qids)
    return {
        name: sum(measure(name)(run.get(q, {}), qrels[q]) for q in qids) / len(qids)
        for name in names
    }
