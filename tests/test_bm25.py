"""Lucene BM25 through Pyserini: real indexes, real searches."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from optical_clir import bm25
from optical_clir.errors import InputError

DOCS = {
    "0": "the quick brown fox jumps over the lazy dog",
    "1": "running runners run in the running race",
    "2": "a Brown bear eats honey in the forest",
    "3": "fox and hound are friends",
    "4": "zebra zebra zebra stripes",
}


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    root = tmp_path_factory.mktemp("bm25")
    path = root / "collection.tsv"
    path.write_text("".join(f"{d}\t{t}\n" for d, t in DOCS.items()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def whitespace_index(collection):
    index = collection.parent / "ws_index"
    assert bm25.build_index(collection, index, "whitespace") == len(DOCS)
    return index


def _lucene_bm25(query: str, docid: str, k1: float, b: float) -> float:
    """Lucene 9 BM25 (no (k1+1) factor) over whitespace-lowercased tokens."""
    tokens = {d: t.lower().split() for d, t in DOCS.items()}
    avgdl = sum(len(t) for t in tokens.values()) / len(tokens)
    tf = Counter(tokens[docid])
    score = 0.0
    for term in query.lower().split():
        df = sum(term in t for t in tokens.values())
        if not tf[term]:
            continue
        idf = math.log(1 + (len(DOCS) - df + 0.5) / (df + 0.5))
        norm = tf[term] + k1 * (1 - b + b * len(tokens[docid]) / avgdl)
        score += idf * tf[term] / norm
    return score


def test_search_ranks_and_scores(whitespace_index):
    run = bm25.search(
        whitespace_index, {"q1": "brown fox"}, "whitespace", 0.82, 0.68, 3
    )
    ranked = sorted(run["q1"], key=lambda d: -run["q1"][d])
    assert ranked[0] == "0"  # both terms
    assert set(ranked) == {"0", "2", "3"}
    for docid, score in run["q1"].items():
        # Lucene stores document lengths lossily (one byte), hence the tolerance
        assert score == pytest.approx(
            _lucene_bm25("brown fox", docid, 0.82, 0.68), rel=0.05
        )


def test_whitespace_analyzer_does_not_stem(whitespace_index, collection):
    run = bm25.search(whitespace_index, {"q": "run"}, "whitespace", 0.9, 0.4, 10)
    assert list(run["q"]) == ["1"]  # only the exact token
    stemmed = collection.parent / "en_index"
    bm25.build_index(collection, stemmed, "en")
    run = bm25.search(stemmed, {"q": "run"}, "en", 0.9, 0.4, 10)
    assert list(run["q"]) == ["1"]
    run_w = bm25.search(whitespace_index, {"q": "runners"}, "whitespace", 0.9, 0.4, 10)
    run_e = bm25.search(stemmed, {"q": "runners"}, "en", 0.9, 0.4, 10)
    assert run_w["q"]["1"] < run_e["q"]["1"]  # Porter merges runners/running/run


def test_query_without_hits_is_empty(whitespace_index):
    run = bm25.search(whitespace_index, {"q": "unicorn"}, "whitespace", 0.9, 0.4, 10)
    assert run == {"q": {}}


def test_unknown_analyzer_is_rejected(collection, tmp_path):
    with pytest.raises(ValueError, match="unsupported BM25 analyzer 'xx'"):
        bm25.build_index(collection, tmp_path / "idx", "xx")


def test_empty_collection_leaves_no_index(tmp_path):
    empty = tmp_path / "collection.tsv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="collection is empty"):
        bm25.build_index(empty, tmp_path / "idx", "whitespace")
    assert not (tmp_path / "idx").exists()
