"""BM25 first stage with Pyserini (Lucene): indexing and batch retrieval.

The analyzer is always explicit (:mod:`optical_clir.analyzers`). ``whitespace``
lowercases and splits on non-word characters in Python (identically for
passages and queries) and indexes pre-tokenized text with Lucene's
``WhitespaceAnalyzer``: no stemming, no stop words, safe for any language or
script. A language code selects Lucene's analyzer for that language.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from optical_clir.analyzers import check_analyzer
from optical_clir.atomic import atomic_dir
from optical_clir.formats import Run, read_collection
from optical_clir.java_env import prepare_pyserini

logger = logging.getLogger(__name__)


_WORD = re.compile(r"\w+")


def pretokenize(text: str) -> str:
    """Lowercase ``text`` and keep its word tokens, space separated.

    >>> pretokenize("Hello, World-42!")
    'hello world 42'
    """
    return " ".join(_WORD.findall(text.lower()))


def build_index(
    collection: str | Path, index_dir: str | Path, analyzer: str, threads: int = 1
) -> int:
    """Index a ``docid<TAB>text`` collection with Lucene; return the document count.

    The index is written to a temporary directory and moved onto ``index_dir``
    only once Lucene has indexed every passage.
    """
    check_analyzer(analyzer)
    docs = read_collection(collection)
    prepare_pyserini()
    from pyserini.index.lucene import LuceneIndexReader
    from pyserini.pyclass import autoclass

    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="jsonl-") as jsonl,
        atomic_dir(index_dir) as tmp,
    ):
        with open(Path(jsonl) / "docs.jsonl", "w", encoding="utf-8") as handle:
            for docid, text in docs.items():
                contents = pretokenize(text) if analyzer == "whitespace" else text
                handle.write(
                    json.dumps({"id": docid, "contents": contents}, ensure_ascii=False)
                    + "\n"
                )
        args = [
            "-collection",
            "JsonCollection",
            "-input",
            jsonl,
            "-index",
            str(tmp),
            "-generator",
            "DefaultLuceneDocumentGenerator",
            "-threads",
            str(threads),
            "-storeRaw",
        ]
        args += (
            ["-pretokenized"] if analyzer == "whitespace" else ["-language", analyzer]
        )
        autoclass("io.anserini.index.IndexCollection").main(args)
        indexed = int(LuceneIndexReader(str(tmp)).stats()["documents"])
        if indexed != len(docs):
            raise RuntimeError(
                f"Lucene indexed {indexed} of {len(docs)} passages from {collection}"
            )
    logger.info(
        "indexed %d passages in %.1fs (analyzer=%s)",
        indexed,
        time.perf_counter() - start,
        analyzer,
    )
    return indexed


def search(
    index_dir: str | Path,
    queries: Mapping[str, str],
    analyzer: str,
    k1: float,
    b: float,
    depth: int,
    threads: int = 1,
    exclude_self: bool = False,
) -> Run:
    """BM25 top-``depth`` for every query with ``LuceneSearcher.batch_search``.

    ``exclude_self`` leaves out the passage whose id is the query's (a query
    that is itself a passage of the collection, as in cross-reference
    retrieval): one more hit is fetched, so every query still gets ``depth``.

    Returns
    -------
    dict[str, dict[str, float]]
        ``qid -> docid -> score``; queries with no hit map to an empty dict.
    """
    check_analyzer(analyzer)
    prepare_pyserini()
    from pyserini.analysis import JWhiteSpaceAnalyzer
    from pyserini.search.lucene import LuceneSearcher

    searcher = LuceneSearcher(str(index_dir))
    if analyzer == "whitespace":
        searcher.set_analyzer(JWhiteSpaceAnalyzer())
    else:
        searcher.set_language(analyzer)
    searcher.set_bm25(k1=k1, b=b)
    qids = list(queries)
    texts = [
        pretokenize(queries[q]) if analyzer == "whitespace" else queries[q]
        for q in qids
    ]
    start = time.perf_counter()
    extra = 1 if exclude_self else 0
    hits = searcher.batch_search(texts, qids, k=depth + extra, threads=threads)
    elapsed = time.perf_counter() - start
    logger.info(
        "searched %d queries in %.2fs (%.0f q/s, %d threads)",
        len(qids),
        elapsed,
        len(qids) / max(elapsed, 1e-9),
        threads,
    )
    searcher.close()
    out = {}
    for q in qids:
        found = [h for h in hits.get(q, []) if not (exclude_self and h.docid == q)]
        out[q] = {h.docid: float(h.score) for h in found[:depth]}
    return out
