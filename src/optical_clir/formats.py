"""Readers and writers for the on-disk formats every stage exchanges.

- collection TSV: ``docid<TAB>text``
- queries TSV: ``qid<TAB>text``
- TREC qrels: ``qid 0 docid rel``
- TREC run: ``qid Q0 docid rank score tag``
- bitext TSV: ``english<TAB>foreign``
- triples TSV (MS MARCO ``triples.train.small`` layout):
  ``query<TAB>positive<TAB>negative``

Every reader validates each line and raises :class:`~optical_clir.errors.InputError`
naming the file and line on the first malformed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from optical_clir.atomic import atomic_open
from optical_clir.errors import InputError

Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found; check the path in your config")
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\n").rstrip("\r")
            if line.strip():
                yield number, line


def _read_pairs(path: str | Path, what: str, id_name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for number, line in _lines(path):
        parts = line.split("\t")
        if len(parts) != 2:
            raise InputError(
                path,
                f"expected 2 tab-separated fields `{id_name}<TAB>text` in a {what} "
                f"line, found {len(parts)}; replace tabs inside the text by spaces",
                number,
            )
        key, text = parts[0].strip(), parts[1].strip()
        if not key or not text:
            raise InputError(path, f"empty {id_name} or text in a {what} line", number)
        if key in out:
            raise InputError(
                path, f"duplicate {id_name} '{key}'; ids must be unique", number
            )
        out[key] = text
    return out


def read_collection(path: str | Path) -> dict[str, str]:
    """Read a ``docid<TAB>text`` collection; an empty collection is an error."""
    docs = _read_pairs(path, "collection", "docid")
    if not docs:
        raise InputError(path, "the collection is empty; it needs at least one passage")
    return docs


def read_queries(path: str | Path) -> dict[str, str]:
    """Read a ``qid<TAB>text`` query file; an empty file is an error."""
    queries = _read_pairs(path, "queries", "qid")
    if not queries:
        raise InputError(path, "the query file is empty")
    return queries


def read_qrels(path: str | Path) -> Qrels:
    """Read TREC qrels ``qid 0 docid rel`` (whitespace separated, integer rel)."""
    qrels: Qrels = {}
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 4:
            raise InputError(
                path,
                "expected 4 fields `qid 0 docid rel` in a qrels line,"
                f" found {len(parts)}",
                number,
            )
        qid, _, docid, rel = parts
        try:
            grade = int(rel)
        except ValueError:
            raise InputError(
                path, f"relevance '{rel}' is not an integer", number
            ) from None
        qrels.setdefault(qid, {})[docid] = grade
    if not qrels:
        raise InputError(path, "the qrels file is empty")
    return qrels


def read_run(path: str | Path) -> Run:
    """Read a TREC run ``qid Q0 docid rank score tag``."""
    run: Run = {}
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 6:
            raise InputError(
                path,
                f"expected 6 fields `qid Q0 docid rank score tag`, found {len(parts)}",
                number,
            )
        try:
            score = float(parts[4])
        except ValueError:
            raise InputError(
                path, f"score '{parts[4]}' is not a number", number
            ) from None
        run.setdefault(parts[0], {})[parts[2]] = score
    return run


def read_bitext(path: str | Path) -> list[tuple[str, str]]:
    """Read ``english<TAB>foreign`` sentence pairs."""
    pairs: list[tuple[str, str]] = []
    for number, line in _lines(path):
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise InputError(
                path, "expected `english<TAB>foreign` with both sides non-empty", number
            )
        pairs.append((parts[0].strip(), parts[1].strip()))
    if not pairs:
        raise InputError(path, "the bitext file is empty")
    return pairs


def read_triples(path: str | Path) -> list[tuple[str, str, str]]:
    """Read ``query<TAB>positive<TAB>negative`` training triples."""
    triples: list[tuple[str, str, str]] = []
    for number, line in _lines(path):
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise InputError(path, "expected `query<TAB>positive<TAB>negative`", number)
        triples.append((parts[0], parts[1], parts[2]))
    if not triples:
        raise InputError(path, "the triples file is empty")
    return triples


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def write_pairs(path: str | Path, rows: Iterable[tuple[str, str]]) -> None:
    """Write ``id<TAB>text`` (or ``en<TAB>foreign``) rows atomically."""
    with atomic_open(path) as handle:
        for key, text in rows:
            handle.write(f"{key}\t{_clean(text)}\n")


def write_triples(path: str | Path, rows: Iterable[tuple[str, str, str]]) -> None:
    """Write ``query<TAB>positive<TAB>negative`` rows atomically."""
    with atomic_open(path) as handle:
        for query, pos, neg in rows:
            handle.write(f"{_clean(query)}\t{_clean(pos)}\t{_clean(neg)}\n")


def write_qrels(path: str | Path, qrels: Mapping[str, Mapping[str, int]]) -> None:
    """Write TREC qrels atomically, in insertion order."""
    with atomic_open(path) as handle:
        for qid, docs in qrels.items():
            for docid, rel in docs.items():
                handle.write(f"{qid} 0 {docid} {rel}\n")


def rank_items(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """Order ``docid -> score`` by descending score, ties broken by docid."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def write_run(
    path: str | Path, run: Mapping[str, Mapping[str, float]], tag: str
) -> None:
    """Write a TREC run atomically: ``{score:.6f}``, ties broken by ``(-score, docid)``.

    Scores are rounded to 6 decimals *before* ordering, so the rank column agrees
    with what any evaluator that re-sorts by the printed score sees.
    """
    with atomic_open(path) as handle:
        for qid, scores in run.items():
            rounded = {d: round(float(s), 6) for d, s in scores.items()}
            for rank, (docid, score) in enumerate(rank_items(rounded), start=1):
                handle.write(f"{qid} Q0 {docid} {rank} {score:.6f} {tag}\n")


def stream_tsv(path: str | Path, fields: int = 2) -> Iterator[list[str]]:
    """Lines of a large upstream TSV, split into ``fields`` (file:line on errors)."""
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            parts = line.split("\t", fields - 1)
            if len(parts) != fields:
                raise InputError(
                    path, f"expected {fields} tab-separated fields", number
                )
            yield parts
