"""Stages of ``retrieve.smk``: the Lucene index and BM25 runs (Pyserini)."""

from __future__ import annotations

from optical_clir import bm25
from optical_clir.formats import read_queries, write_run


def index_bm25(*, collection: str, index: str, analyzer: str, threads: int) -> None:
    """Index ``collection`` with Lucene under ``analyzer``."""
    bm25.build_index(collection, index, analyzer, threads)


def retrieve_bm25(
    *,
    index: str,
    queries: str,
    run: str,
    analyzer: str,
    k1: float,
    b: float,
    depth: int,
    threads: int,
    tag: str = "bm25",
    exclude_self: bool = False,
) -> None:
    """BM25 top-``depth`` for every query; writes a TREC run tagged ``tag``
    (``exclude_self``: without the passage whose id is the query's)."""
    hits = bm25.search(
        index, read_queries(queries), analyzer, k1, b, depth, threads, exclude_self
    )
    write_run(run, hits, tag=tag)
