"""Run evaluation with trec_eval semantics, for a configured list of measures.

Every query of the query file counts: a query with no retrieved passage scores
0 (like ``trec_eval -c``), and a query without qrels is an input error.

Measures are named as in ir-measures (``nDCG@10``, ``nDCG@20``, ``RR@10``,
``AP``, ``R@100``, ``P@10``, ``Judged@10``) and follow trec_eval: documents are
ranked by score, ties broken by docno descending. Those that trec_eval computes
(nDCG@k, AP, R@k, P@k) come from ir-measures' pytrec_eval provider.
pytrec_eval has no cut-off for reciprocal rank, so RR@k is ``recip_rank`` over
each query's top k in that order (ir-measures would otherwise route it to its
MS MARCO provider, which breaks ties differently). Judged@k, the share of the
top k that has a judgment (any grade), is not a trec_eval measure; it is counted
here on the same top k.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import ir_measures
import pandas as pd

from optical_clir.errors import InputError
from optical_clir.formats import read_collection, read_qrels, read_queries, read_run

#: the measures a config may name, as patterns of ir-measures names
SUPPORTED = re.compile(r"^(nDCG@\d+|RR@\d+|AP|R@\d+|P@\d+|Judged@\d+)$")
#: names of the default list; R@depth is recall at rerank.depth
DEFAULT_NAMES = ("nDCG@10", "RR@10", "AP", "R@depth")
PRIMARY = "nDCG@10"


def resolve_names(names: Sequence[str], recall_depth: int) -> list[str]:
    """The configured measure names with ``R@depth`` made concrete.

    Recall is taken at the rerank depth by default: a reranked run holds only
    that many candidates, so its recall at any deeper cut-off would be its
    recall at that depth under another name.

    Raises
    ------
    ValueError
        For a name that is not supported (naming it), or without nDCG@10.
    """
    out = []
    for name in names:
        name = f"R@{recall_depth}" if name == "R@depth" else name
        if not SUPPORTED.match(name):
            raise ValueError(
                f"measure '{name}' is not supported; use nDCG@k, RR@k, AP, R@k, "
                "R@depth, P@k or Judged@k"
            )
        if name not in out:
            out.append(name)
    if PRIMARY not in out:
        raise ValueError(f"the primary measure {PRIMARY} must be in the list")
    return out


def measures(recall_depth: int = 100) -> dict:
    """The default measures (name -> ir-measures measure), primary first."""
    return {
        name: ir_measures.parse_measure(name)
        for name in resolve_names(DEFAULT_NAMES, recall_depth)
    }


#: the default measures at depth 100
MEASURES = measures()


def _cutoff(name: str) -> int:
    return int(name.split("@")[1])


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


def _judged_queries(
    queries_path: str | Path, qrels_path: str | Path
) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """The queries and their qrels; a query without a relevant passage is an
    input error (naming the query file and line)."""
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
    return queries, {q: qrels[q] for q in queries}


def evaluate_run(
    run_path: str | Path,
    qrels_path: str | Path,
    queries_path: str | Path,
    recall_depth: int = 100,
    names: Sequence[str] = DEFAULT_NAMES,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Evaluate a TREC run over every query of ``queries_path``.

    Parameters
    ----------
    names:
        Measure names (see :func:`resolve_names`; ``R@depth`` is recall at
        ``recall_depth``).

    Returns
    -------
    tuple[dict[str, float], pandas.DataFrame]
        Mean of each measure over all queries (plus ``n_queries``), and the
        per-query table (one row per qid, one column per measure).
    """
    names = resolve_names(names, recall_depth)
    queries, qrels = _judged_queries(queries_path, qrels_path)
    run = {q: docs for q, docs in read_run(run_path).items() if q in queries}
    per_query = pd.DataFrame(
        0.0, index=pd.Index(sorted(queries), name="qid"), columns=names
    )
    provider = ir_measures.pytrec_eval
    trec = [n for n in names if not n.startswith(("RR@", "Judged@"))]
    parsed = {str(ir_measures.parse_measure(n)): n for n in trec}
    for metric in provider.iter_calc(
        [ir_measures.parse_measure(n) for n in trec], qrels, run
    ):
        per_query.loc[metric.query_id, parsed[str(metric.measure)]] = float(
            metric.value
        )
    for name in names:
        if name.startswith("RR@"):
            top = {q: trec_eval_top(docs, _cutoff(name)) for q, docs in run.items()}
            for metric in provider.iter_calc([ir_measures.RR], qrels, top):
                per_query.loc[metric.query_id, name] = float(metric.value)
        elif name.startswith("Judged@"):
            k = _cutoff(name)
            for q, docs in run.items():
                top = trec_eval_top(docs, k)
                per_query.loc[q, name] = sum(d in qrels[q] for d in top) / k
    summary = {name: float(per_query[name].mean()) for name in names}
    summary["n_queries"] = len(queries)
    return summary, per_query


def _discount(n: int, k: int) -> float:
    """Mean nDCG@k discount of a uniform rank in 1..n:
    (1/n) sum over r <= min(k, n) of 1/log2(r + 1)."""
    return sum(1.0 / math.log2(r + 1) for r in range(1, min(k, n) + 1)) / n


def expected_random(
    candidates: dict[str, float],
    qrels: dict[str, int],
    recall_depth: int,
    names: Sequence[str] = DEFAULT_NAMES,
) -> dict[str, float]:
    """Exact expectations of the measures for a uniformly random order of the
    first ``recall_depth`` candidates (by score, then docid), as trec_eval
    computes them (gains are the graded qrels; relevant means rel > 0).

    With n candidates, m of them relevant, j judged, R relevant in the qrels, and
    a uniform rank r in 1..n for any one candidate:

    - nDCG@k: (sum of the candidates' gains) x E[1{r <= k} / log2(r + 1)],
      divided by the ideal DCG@k of the qrels;
    - RR@k: sum over r <= k of P(first relevant at rank r) / r, with
      P = C(n - r, m - 1) / C(n, m);
    - AP: (m / R) x E[(1 + (r - 1)(m - 1)/(n - 1)) / r], the expected precision
      at a relevant passage;
    - P@k and Judged@k: m (or j) x min(k, n) / n, divided by k;
    - R@k: m / R when k >= n (every candidate stays in the run), else m k / (n R).
    """
    top = sorted(candidates, key=lambda d: (-candidates[d], d))[:recall_depth]
    gains = [qrels.get(d, 0) for d in top]
    judged = sum(1 for d in top if d in qrels)
    return _expectations(len(top), len(top), gains, judged, qrels, recall_depth, names)


def expected_random_collection(
    docids: set[str],
    qrels: dict[str, int],
    recall_depth: int,
    names: Sequence[str] = DEFAULT_NAMES,
    leave_out: str | None = None,
) -> dict[str, float]:
    """Exact expectations of the measures for a uniformly random order of a whole
    collection (``docids``, less ``leave_out``: a query left out of its own
    ranking): the chance level of a method that ranks every passage and keeps
    the top ``recall_depth`` (as rank_full does). The formulas of
    :func:`expected_random` with n the collection's size, each sum cut at the
    ranks the run keeps (AP: the expected precision at a relevant passage
    within them)."""
    n = len(docids) - (leave_out in docids)
    judged = [d for d in qrels if d in docids and d != leave_out]
    gains = [qrels[d] for d in judged]
    return _expectations(
        n, recall_depth, gains, len(judged), qrels, recall_depth, names
    )


def _expectations(
    n: int,
    kept: int,
    gains: Sequence[int],
    judged: int,
    qrels: dict[str, int],
    recall_depth: int,
    names: Sequence[str],
) -> dict[str, float]:
    """The expectations of :func:`expected_random` for ``n`` candidates in a
    uniformly random order of which the run keeps the first ``kept``; ``judged``
    of the n are judged, and ``gains`` are their grades (zeros allowed)."""
    names = resolve_names(names, recall_depth)
    kept = min(kept, n)
    m = sum(1 for g in gains if g > 0)
    relevant = sum(1 for g in qrels.values() if g > 0)
    out = dict.fromkeys(names, 0.0)
    if n == 0:
        return out
    for name in names:
        k = _cutoff(name) if "@" in name else n
        if name.startswith("Judged@"):
            out[name] = judged * min(k, kept) / n / k
        elif m == 0:
            continue
        elif name.startswith("nDCG@"):
            ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
            idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
            out[name] = (
                sum(g for g in gains if g > 0) * _discount(n, min(k, kept)) / idcg
            )
        elif name.startswith("RR@"):
            total = math.comb(n, m)
            out[name] = sum(
                math.comb(n - r, m - 1) / total / r
                for r in range(1, min(k, kept, n - m + 1) + 1)
            )
        elif name == "AP":
            spread = (m - 1) / (n - 1) if n > 1 else 0.0
            mean = sum((1 + (r - 1) * spread) / r for r in range(1, kept + 1)) / n
            out[name] = m * mean / relevant
        elif name.startswith("P@"):
            out[name] = m * min(k, kept) / n / k
        elif name.startswith("R@"):
            out[name] = m * min(k, kept) / n / relevant
    return out


def evaluate_random(
    run_path: str | Path,
    qrels_path: str | Path,
    queries_path: str | Path,
    recall_depth: int,
    names: Sequence[str] = DEFAULT_NAMES,
) -> tuple[dict[str, float], pd.DataFrame]:
    """The random-order reference of a first-stage run: :func:`expected_random`
    per query of ``queries_path`` (same outputs as :func:`evaluate_run`)."""
    queries, qrels = _judged_queries(queries_path, qrels_path)
    run = read_run(run_path)
    rows = {
        q: expected_random(run.get(q, {}), qrels[q], recall_depth, names)
        for q in sorted(queries)
    }
    return _summarised(rows)


def evaluate_random_collection(
    collection_path: str | Path,
    qrels_path: str | Path,
    queries_path: str | Path,
    recall_depth: int,
    names: Sequence[str] = DEFAULT_NAMES,
    exclude_self: bool = False,
) -> tuple[dict[str, float], pd.DataFrame]:
    """The random-order reference of full ranking: :func:`expected_random_collection`
    of the passages of ``collection_path`` per query of ``queries_path``
    (``exclude_self``: each query left out of its own ranking, as the ranked runs
    leave it out); same outputs as :func:`evaluate_run`."""
    queries, qrels = _judged_queries(queries_path, qrels_path)
    docids = set(read_collection(collection_path))
    rows = {
        q: expected_random_collection(
            docids, qrels[q], recall_depth, names, q if exclude_self else None
        )
        for q in sorted(queries)
    }
    return _summarised(rows)


def _summarised(
    rows: dict[str, dict[str, float]],
) -> tuple[dict[str, float], pd.DataFrame]:
    """Per-query expectations (qid -> measure -> value) as :func:`evaluate_run`
    returns its values: the means (and ``n_queries``) and the per-query table."""
    per_query = pd.DataFrame.from_dict(rows, orient="index")
    per_query.index.name = "qid"
    summary = {name: float(per_query[name].mean()) for name in per_query.columns}
    summary["n_queries"] = len(rows)
    return summary, per_query
