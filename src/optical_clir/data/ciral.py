"""CIRAL v1.0 (FIRE 2023): English queries over Hausa, Somali, Swahili and Yoruba news.

Upstream files (Hugging Face dataset repos, read as raw files; paths are
``ciral.files`` templates with ``{name}`` = hausa|somali|swahili|yoruba,
``{code}`` = ha|so|sw|yo, ``{split}`` = dev|test-a|test-b):

- ``CIRAL/ciral-corpus``: ``passages-v1.0/{name}_passages.jsonl``, one JSON
  object per line with ``docid``, ``title``, ``text`` and ``url``; and the
  English machine translations of the same passages (same ``docid``s) under
  ``translated-passages-v1.0/``;
- ``CIRAL/ciral``: per language and split, English topics ``qid<TAB>query``,
  the same topics translated by people into the language (``-native``), and
  TREC qrels ``qid Q0 docid rel``.

:func:`prepare_language` writes the usual layout: ``collection.tsv`` (title and
text), ``collection_en.tsv`` (the English translation, for document-translation
BM25 and the translate-test teacher), ``queries.tsv`` (the native queries: BM25
with query translation, as CIRAL's baselines), ``queries_en.tsv`` and
``qrels.txt``. Passage ids are kept as CIRAL gives them. A malformed file is
refused with its name and line, and nothing is written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

from optical_clir.errors import InputError
from optical_clir.formats import read_queries, write_pairs, write_qrels

logger = logging.getLogger(__name__)

#: language code -> the name CIRAL's file paths use
NAMES = {"ha": "hausa", "so": "somali", "sw": "swahili", "yo": "yoruba"}
SPLITS = ("dev", "test-a", "test-b")
DEFAULT_FILES = {
    "passages": "passages-v1.0/{name}_passages.jsonl",
    "translated_passages": "translated-passages-v1.0/{name}_passages.jsonl",
    "topics": "ciral-{name}/{split}/topics.ciral-v1.0-{code}-{split}.tsv",
    "native_topics": "ciral-{name}/{split}/topics.ciral-v1.0-{code}-{split}-native.tsv",
    "qrels": "ciral-{name}/{split}/qrels.ciral-v1.0-{code}-{split}.tsv",
}
#: which repo each file comes from
CORPUS_FILES = ("passages", "translated_passages")


def repo_path(kind: str, code: str, params: Mapping) -> str:
    """The upstream path of one file of language ``code``."""
    template = {**DEFAULT_FILES, **(params.get("files") or {})}[kind]
    return template.format(name=NAMES[code], code=code, split=params["split"])


def read_passages(path: str | Path) -> Iterator[tuple[str, str]]:
    """``(docid, "title. text")`` of a CIRAL JSONL file, in file order.

    Raises
    ------
    InputError
        Naming the file and line of a line that is not a JSON object, or has no
        ``docid`` or no text, or repeats a ``docid``.
    """
    path = Path(path)
    seen: set[str] = set()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    path, f"not a JSON object: {exc.msg}", number
                ) from None
            if not isinstance(obj, dict):
                raise InputError(path, "not a JSON object", number)
            docid = str(obj.get("docid") or obj.get("id") or "").strip()
            if not docid:
                raise InputError(path, "passage without a docid", number)
            if docid in seen:
                raise InputError(path, f"duplicate docid '{docid}'", number)
            seen.add(docid)
            title = str(obj.get("title") or "").strip()
            text = str(obj.get("text") or "").strip()
            if not text and not title:
                raise InputError(path, f"passage '{docid}' has no text", number)
            yield docid, f"{title}. {text}" if title and text else (title or text)


def read_ciral_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """TREC qrels ``qid Q0 docid rel`` (whitespace separated), with line numbers
    kept for messages (a dict of dicts; duplicate judgments are an error)."""
    path = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise InputError(path, "expected `qid Q0 docid rel`", number)
            try:
                rel = int(parts[3])
            except ValueError:
                raise InputError(
                    path, f"relevance '{parts[3]}' is not an integer", number
                ) from None
            qrels.setdefault(parts[0], {})[parts[2]] = rel
    if not qrels:
        raise InputError(path, "no judgment in the qrels file")
    return qrels


def _line(path: str | Path, needle: str, field: int) -> int | None:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.split()
            if len(parts) > field and parts[field] == needle:
                return number
    return None


def prepare_language(
    code: str, raw: Mapping[str, str | Path], out: Mapping[str, str | Path]
) -> dict:
    """A CIRAL language in the workflow's layout (see the module docstring).

    ``raw`` keys: ``passages``, ``translated_passages``, ``topics``,
    ``native_topics``, ``qrels``; ``out`` keys: ``collection``,
    ``collection_en``, ``queries``, ``queries_en``, ``qrels``.
    """
    collection = dict(read_passages(raw["passages"]))
    english = dict(read_passages(raw["translated_passages"]))
    missing = [d for d in collection if d not in english]
    if missing:
        raise InputError(
            raw["translated_passages"],
            f"{len(missing)} passages of {raw['passages']} have no English "
            f"translation here (e.g. '{missing[0]}'); both files must list the "
            "same docids",
        )
    topics = read_queries(raw["topics"])
    native = read_queries(raw["native_topics"])
    qrels = read_ciral_qrels(raw["qrels"])
    for qid, docs in qrels.items():
        if qid not in topics:
            raise InputError(
                raw["qrels"],
                f"query '{qid}' is judged but not in {raw['topics']}",
                _line(raw["qrels"], qid, 0),
            )
        for docid in docs:
            if docid not in collection:
                raise InputError(
                    raw["qrels"],
                    f"passage '{docid}' is judged but not in {raw['passages']}",
                    _line(raw["qrels"], docid, 2),
                )
    judged = [q for q in topics if any(r > 0 for r in qrels.get(q, {}).values())]
    dropped = len(topics) - len(judged)
    if dropped:
        logger.info("%d topics without a relevant passage are left out", dropped)
    missing_native = [q for q in judged if q not in native]
    if missing_native:
        raise InputError(
            raw["native_topics"],
            f"query '{missing_native[0]}' has no translation here",
        )
    write_pairs(out["collection"], collection.items())
    write_pairs(out["collection_en"], ((d, english[d]) for d in collection))
    write_pairs(out["queries"], ((q, native[q]) for q in judged))
    write_pairs(out["queries_en"], ((q, topics[q]) for q in judged))
    write_qrels(out["qrels"], {q: qrels[q] for q in judged})
    stats = {
        "language": code,
        "passages": len(collection),
        "queries": len(judged),
        "judgments": sum(len(qrels[q]) for q in judged),
    }
    logger.info("%s", stats)
    return stats
