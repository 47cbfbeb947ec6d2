"""ir-measures through our evaluator equals an independent trec_eval computation."""

from __future__ import annotations

import numpy as np
import pytest

import trec_eval_ref
from optical_clir.errors import InputError
from optical_clir.evaluate.metrics import MEASURES, evaluate_run
from optical_clir.formats import read_qrels, read_run, write_qrels, write_run


def _fixture(tmp_path, seed=0, n_queries=25, n_docs=300):
    rng = np.random.default_rng(seed)
    qids = [str(1000 + i) for i in range(n_queries)]
    qrels = {}
    for q in qids:
        judged = rng.choice(n_docs, size=int(rng.integers(1, 12)), replace=False)
        grades = rng.integers(0, 4, size=len(judged))
        grades[0] = max(grades[0], 1)  # every query has a relevant passage
        qrels[q] = {str(d): int(g) for d, g in zip(judged, grades, strict=True)}
    run = {}
    for q in qids[:-2]:  # the last two queries retrieve nothing
        docs = rng.choice(n_docs, size=150, replace=False)
        # coarse scores force many ties, which trec_eval breaks by docno
        run[q] = {str(d): float(rng.integers(0, 20)) for d in docs}
    (tmp_path / "queries.tsv").write_text(
        "".join(f"{q}\tquery {q}\n" for q in qids), encoding="utf-8"
    )
    write_qrels(tmp_path / "qrels.txt", qrels)
    write_run(tmp_path / "run.trec", run, tag="test")
    return qids


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_independent_trec_eval(tmp_path, seed):
    qids = _fixture(tmp_path, seed)
    summary, per_query = evaluate_run(
        tmp_path / "run.trec", tmp_path / "qrels.txt", tmp_path / "queries.tsv"
    )
    expected = trec_eval_ref.evaluate(
        read_run(tmp_path / "run.trec"), read_qrels(tmp_path / "qrels.txt"), qids
    )
    for name in MEASURES:
        assert summary[name] == pytest.approx(expected[name], abs=1e-9), name
    assert summary["n_queries"] == len(qids)
    assert list(per_query.columns) == list(MEASURES)
    assert per_query.loc[qids[-1]].sum() == 0.0  # unretrieved query counts as 0


def test_equals_pytrec_eval(tmp_path):
    import pytrec_eval

    qids = _fixture(tmp_path, seed=5)
    summary, _ = evaluate_run(
        tmp_path / "run.trec", tmp_path / "qrels.txt", tmp_path / "queries.tsv"
    )
    evaluator = pytrec_eval.RelevanceEvaluator(
        read_qrels(tmp_path / "qrels.txt"), {"ndcg_cut.10", "map", "recall.100"}
    )
    scores = evaluator.evaluate(read_run(tmp_path / "run.trec"))
    ndcg = sum(scores.get(q, {}).get("ndcg_cut_10", 0.0) for q in qids) / len(qids)
    assert summary["nDCG@10"] == pytest.approx(ndcg, abs=1e-12)


def test_query_without_qrels_names_line(tmp_path):
    _fixture(tmp_path)
    with open(tmp_path / "queries.tsv", "a", encoding="utf-8") as handle:
        handle.write("999\tan unjudged query\n")
    with pytest.raises(
        InputError, match=r"queries\.tsv:26: query '999' has no relevant"
    ):
        evaluate_run(
            tmp_path / "run.trec", tmp_path / "qrels.txt", tmp_path / "queries.tsv"
        )


def _mean_over_every_order(ranked, kept, qrels, names, depth):
    """trec_eval's measures of ``qrels``, averaged over every order of
    ``ranked`` (each run keeping its first ``kept``; ``R@depth`` at ``depth``)."""
    import itertools

    orders = list(itertools.permutations(ranked))
    totals: dict[str, float] = {}
    for order in orders:
        run = {d: float(len(order) - i) for i, d in enumerate(order[:kept])}
        got = trec_eval_ref.evaluate(
            {"q": run},
            {"q": qrels},
            ["q"],
            names=[n.replace("depth", str(depth)) for n in names],
        )
        for name, value in got.items():
            totals[name] = totals.get(name, 0.0) + value / len(orders)
    return totals


def _assert_equal(expected, totals):
    assert set(expected) == set(totals)
    for name, value in totals.items():
        assert expected[name] == pytest.approx(value, abs=1e-12), name


@pytest.mark.parametrize(
    "qrels",
    [
        {"a": 1},
        {"a": 2, "c": 1, "zz": 1},  # graded, and one relevant outside the candidates
        {"b": 1, "d": 1, "e": 2},
        {"q": 1},  # nothing relevant among the candidates
    ],
)
def test_expected_random_order_equals_the_mean_over_every_permutation(qrels):
    from optical_clir.evaluate.metrics import expected_random

    candidates = {d: float(10 - i) for i, d in enumerate("abcdefg")}
    depth = 6  # "g" is beyond the rerank depth
    top = sorted(candidates, key=lambda d: -candidates[d])[:depth]
    names = [
        "nDCG@10",
        "nDCG@3",
        "RR@10",
        "RR@2",
        "AP",
        "R@depth",
        "R@3",
        "P@4",
        "Judged@10",
        "Judged@2",
    ]
    _assert_equal(
        expected_random(candidates, qrels, depth, names),
        _mean_over_every_order(top, depth, qrels, names, depth),
    )


@pytest.mark.parametrize(
    ("qrels", "leave_out"),
    [
        ({"a": 1, "c": 2}, None),
        ({"a": 1, "c": 2, "zz": 1}, "a"),  # the query's own passage is left out
        ({"b": 1, "d": 1, "e": 2, "f": 1}, "g"),
        ({"q": 1}, None),  # nothing relevant in the collection
    ],
)
def test_random_order_of_the_collection_equals_the_mean_over_every_permutation(
    qrels, leave_out
):
    """Full ranking's chance level: every order of the whole collection (less
    the query's own passage), each run cut at the depth rank_full keeps."""
    from optical_clir.evaluate.metrics import expected_random_collection

    docids = set("abcdefg")
    depth = 3
    names = ["nDCG@10", "nDCG@2", "RR@10", "AP", "R@depth", "P@2", "Judged@10"]
    _assert_equal(
        expected_random_collection(docids, qrels, depth, names, leave_out),
        _mean_over_every_order(
            sorted(docids - {leave_out}), depth, qrels, names, depth
        ),
    )


CIRAL_LIKE = ["nDCG@10", "nDCG@20", "RR@10", "R@100", "P@5", "Judged@10", "AP"]


@pytest.mark.parametrize("seed", [0, 3])
def test_a_configured_measure_list_equals_trec_eval(tmp_path, seed):
    qids = _fixture(tmp_path, seed)
    summary, per_query = evaluate_run(
        tmp_path / "run.trec",
        tmp_path / "qrels.txt",
        tmp_path / "queries.tsv",
        names=CIRAL_LIKE,
    )
    assert list(per_query.columns) == CIRAL_LIKE
    expected = trec_eval_ref.evaluate(
        read_run(tmp_path / "run.trec"),
        read_qrels(tmp_path / "qrels.txt"),
        qids,
        names=CIRAL_LIKE,
    )
    for name in CIRAL_LIKE:
        assert summary[name] == pytest.approx(expected[name], abs=1e-9), name


def test_every_trec_eval_measure_equals_pytrec_eval_directly(tmp_path):
    import pytrec_eval

    qids = _fixture(tmp_path, seed=4)
    summary, _ = evaluate_run(
        tmp_path / "run.trec",
        tmp_path / "qrels.txt",
        tmp_path / "queries.tsv",
        names=["nDCG@10", "nDCG@20", "R@100", "P@5", "AP"],
    )
    official = {
        "ndcg_cut_10": "nDCG@10",
        "ndcg_cut_20": "nDCG@20",
        "recall_100": "R@100",
        "P_5": "P@5",
        "map": "AP",
    }
    evaluator = pytrec_eval.RelevanceEvaluator(
        read_qrels(tmp_path / "qrels.txt"),
        {"ndcg_cut.10,20", "recall.100", "P.5", "map"},
    )
    scores = evaluator.evaluate(read_run(tmp_path / "run.trec"))
    for key, name in official.items():
        mean = sum(scores.get(q, {}).get(key, 0.0) for q in qids) / len(qids)
        assert summary[name] == pytest.approx(mean, abs=1e-12), name


@pytest.mark.parametrize("bad", ["MRR@10", "nDCG", "ERR@20"])
def test_an_unsupported_measure_is_named(bad):
    from optical_clir.evaluate.metrics import resolve_names

    with pytest.raises(ValueError, match=f"'{bad}' is not supported"):
        resolve_names(["nDCG@10", bad], 100)
    with pytest.raises(ValueError, match="primary measure nDCG@10"):
        resolve_names(["AP"], 100)
