"""Run evaluation with ir-measures' pytrec_eval provider (trec_eval semantics).

Every query of the query file counts: a query with no retrieved passage scores
0 (like ``trec_eval -c``), and a query without qrels is an input error.

All four measures follow trec_eval: documents are ranked by score, ties broken
by docno descending. pytrec_eval has no cut-off for reciprocal rank, so RR@10
is ``recip_rank`` over each query's top 10 in that order (ir-measures would
otherwise route RR@10 to its MS MARCO provider, which breaks ties differently).
"""

from __future__ import annotations

import math
from pathlib import Path

import ir_measures
import pandas as pd
from ir_measures import AP, RR, R, nDCG

from optical_clir.errors import InputError
from optical_clir.formats import read_qrels, read_queries, read_run


def measures(recall_depth: int = 100) -> dict:
    """Reported measures, primary first; names are the table's column names.

    Recall is taken at ``recall_depth``, the rerank depth: a reranked run holds
    only that many candidates, so its recall at any deeper cut-off would be its
    recall at that depth under another name. The first stage is measured at the
    same cut-off, so the column compares like with like.
    """
    return {
        "nDCG@10": nDCG @ 10,
        "RR@10": RR @ 10,
        "AP": AP,
        f"R@{recall_depth}": R @ recall_depth,
    }


#: the measures at the default depth (100)
MEASURES = measures()
_RR_CUTOFF = 10


def trec_eval_top(scores: dict[str, float], k: int) -> dict[str, float]:
    """The ``k`` documents trec_eval ranks first: score descending, docno descending."""
    ranked = sorted(sorted(scores, reverse=True), key=lambda d: -scores[d])
    return {d: scores[d] for d in ranked[:k]}


def _line_of(path: str | Path, qid: str) -> int | None:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.split("\t", 1)[0].strip() == qid:
                return number
    return None


def evaluate_run(
    run_path: str | Path,
    qrels_path: str | Path,
    queries_path: str | Path,
    recall_depth: int = 100,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Evaluate a TREC run over every query of ``queries_path`` (recall at
    ``recall_depth``, see :func:`measures`).

    Returns
    -------
    tuple[dict[str, float], pandas.DataFrame]
        Mean of each measure over all queries (plus ``n_queries``), and the
        per-query table (one row per qid, one column per measure).
    """
    queries = read_queries(queries_path)
    qrels = read_qrels(qrels_path)
    for qid in queries:
        if qid not in qrels or not any(r > 0 for r in qrels[qid].values()):
            raise InputError(
                queries_path,
                f"query '{qid}' has no relevant passage in {qrels_path}; "
                "add its qrels or drop the query",
                _line_of(queries_path, qid),
            )
    qrels = {q: qrels[q] for q in queries}
    run = {q: docs for q, docs in read_run(run_path).items() if q in queries}
    chosen = measures(recall_depth)
    per_query = pd.DataFrame(
        0.0, index=pd.Index(sorted(queries), name="qid"), columns=list(chosen)
    )
    provider = ir_measures.pytrec_eval
    full = [m for name, m in chosen.items() if name != "RR@10"]
    names = {str(m): name for name, m in chosen.items() if name != "RR@10"}
    for metric in provider.iter_calc(full, qrels, run):
        per_query.loc[metric.query_id, names[str(metric.measure)]] = float(metric.value)
    top = {q: trec_eval_top(docs, _RR_CUTOFF) for q, docs in run.items()}
    for metric in provider.iter_calc([RR], qrels, top):
        per_query.loc[metric.query_id, "RR@10"] = float(metric.value)
    summary = {name: float(per_query[name].mean()) for name in chosen}
    summary["n_queries"] = len(queries)
    return summary, per_query


def _discount(n: int, k: int = 10) -> float:
    """Mean nDCG@k discount of a uniform rank in 1..n:
    (1/n) sum over r <= min(k, n) of 1/log2(r + 1)."""
    return sum(1.0 / math.log2(r + 1) for r in range(1, min(k, n) + 1)) / n


def expected_random(
    candidates: dict[str, float], qrels: dict[str, int], recall_depth: int
) -> dict[str, float]:
    """Exact expectations of the reported measures for a uniformly random order of
    the first ``recall_depth`` candidates (by score, then docid), as trec_eval
    computes them (gains are the graded qrels; relevant means rel > 0).

    With n candidates, k of them relevant, R relevant in the qrels:

    - nDCG@10: E[DCG@10] = (sum of the candidates' gains) x mean discount of a
      uniform rank, divided by the ideal DCG@10 of the qrels;
    - RR@10: sum over r <= 10 of P(first relevant at rank r) / r, with
      P = C(n - r, k - 1) / C(n, k);
    - AP: (k / R) x mean over a uniform rank r of
      (1 + (r - 1)(k - 1)/(n - 1)) / r (precision at a relevant passage);
    - recall: that of the candidates (every candidate stays in the run).
    """
    top = sorted(candidates, key=lambda d: (-candidates[d], d))[:recall_depth]
    n = len(top)
    gains = [qrels.get(d, 0) for d in top]
    k = sum(1 for g in gains if g > 0)
    relevant = sum(1 for g in qrels.values() if g > 0)
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    out = {"nDCG@10": 0.0, "RR@10": 0.0, "AP": 0.0, f"R@{recall_depth}": 0.0}
    if n == 0 or k == 0:
        return out
    out["nDCG@10"] = sum(g for g in gains if g > 0) * _discount(n) / idcg
    total = math.comb(n, k)
    out["RR@10"] = sum(
        math.comb(n - r, k - 1) / total / r for r in range(1, min(10, n - k + 1) + 1)
    )
    spread = (k - 1) / (n - 1) if n > 1 else 0.0
    mean_precision = sum((1 + (r - 1) * spread) / r for r in range(1, n + 1)) / n
    out["AP"] = k * mean_precision / relevant
    out[f"R@{recall_depth}"] = k / relevant
    return out


def evaluate_random(
    run_path: str | Path,
    qrels_path: str | Path,
    queries_path: str | Path,
    recall_depth: int,
) -> tuple[dict[str, float], pd.DataFrame]:
    """The random-order reference of a first-stage run: :func:`expected_random`
    per query of ``queries_path`` (same outputs as :func:`evaluate_run`)."""
    queries = read_queries(queries_path)
    qrels = read_qrels(qrels_path)
    run = read_run(run_path)
    rows = {
        q: expected_random(run.get(q, {}), qrels.get(q, {}), recall_depth)
        for q in sorted(queries)
    }
    per_query = pd.DataFrame.from_dict(rows, orient="index")
    per_query.index.name = "qid"
    summary = {name: float(per_query[name].mean()) for name in per_query.columns}
    summary["n_queries"] = len(queries)
    return summary, per_query
