"""mMARCO v2 (Bonifacio et al.): the upstream files and their conversion.

The raw files are the TSVs of the Hugging Face dataset repo ``unicamp-dl/mmarco``
(Google-translated variant), the same files ir_datasets reads for
``mmarco/v2/<lang>/dev/small``:

- ``data/google/collections/<name>_collection.tsv``: ``pid<TAB>passage``,
  8,841,823 lines per language, the same pids in every language;
- ``data/google/queries/dev/<name>_queries.dev.small.tsv``: ``qid<TAB>query``
  (6,980 queries);
- ``data/qrels.dev.small.tsv``: ``qid<TAB>0<TAB>pid<TAB>1`` (7,437 judgements);
- ``data/google/queries/train/english_queries.train.tsv`` and
  ``data/triples.train.ids.small.tsv`` (``qid<TAB>pos_pid<TAB>neg_pid``): the
  English training triples of the teacher.

They are converted into the per-language layout the synthetic generator writes
(``collection.tsv``, ``queries.tsv``, ``queries_en.tsv``, ``qrels.txt``, plus
``triples.tsv`` for English and ``bitext.tsv`` for the targets).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from optical_clir.errors import InputError
from optical_clir.formats import (
    read_qrels,
    read_queries,
    stream_tsv,
    write_pairs,
    write_qrels,
    write_triples,
)

logger = logging.getLogger(__name__)

REPO = "unicamp-dl/mmarco"
PASSAGES = 8_841_823
# ISO 639-1 code -> the language name in mMARCO's file names.
NAMES = {
    "en": "english",
    "ar": "arabic",
    "zh": "chinese",
    "nl": "dutch",
    "fr": "french",
    "de": "german",
    "hi": "hindi",
    "id": "indonesian",
    "it": "italian",
    "ja": "japanese",
    "pt": "portuguese",
    "ru": "russian",
    "es": "spanish",
    "vi": "vietnamese",
}
# ir_datasets ids of the same data (Dutch is "dt" there), for cross-checking.
IR_DATASETS_IDS = {
    code: (
        "msmarco-passage/dev/small"
        if code == "en"
        else f"mmarco/v2/{'dt' if code == 'nl' else code}/dev/small"
    )
    for code in NAMES
}
QRELS = "data/qrels.dev.small.tsv"
TRAIN_QUERIES = "data/google/queries/train/english_queries.train.tsv"
TRAIN_TRIPLES = "data/triples.train.ids.small.tsv"


def collection_file(code: str) -> str:
    """Repo path of a language's collection."""
    return f"data/google/collections/{_name(code)}_collection.tsv"


def dev_queries_file(code: str) -> str:
    """Repo path of a language's dev/small queries."""
    return f"data/google/queries/dev/{_name(code)}_queries.dev.small.tsv"


def _name(code: str) -> str:
    if code not in NAMES:
        raise InputError(
            "config",
            f"'{code}' is not an mMARCO language; use one of "
            f"{', '.join(sorted(NAMES))}",
        )
    return NAMES[code]


def pivot_files() -> dict[str, str]:
    """Repo paths the English pivot needs."""
    return {
        "collection": collection_file("en"),
        "queries": dev_queries_file("en"),
        "qrels": QRELS,
        "train_queries": TRAIN_QUERIES,
        "train_triples": TRAIN_TRIPLES,
    }


def language_files(code: str) -> dict[str, str]:
    """Repo paths a target language needs (besides the pivot's)."""
    return {"collection": collection_file(code), "queries": dev_queries_file(code)}


def select_queries(
    qrels: Mapping, queries: Mapping, max_queries: int | None, seed: int
) -> list[str]:
    """Judged queries, all or a seeded sample of ``max_queries``, in qid order."""
    judged = sorted((q for q in queries if q in qrels), key=_id_key)
    if not judged:
        raise InputError("qrels", "no query of the dev set has a judgement")
    if max_queries is None or max_queries >= len(judged):
        return judged
    rng = np.random.default_rng([seed, 1])
    picked = rng.choice(len(judged), size=max_queries, replace=False)
    return [judged[i] for i in sorted(picked)]


def _log_empty(path: str | Path, empty: list[str]) -> None:
    if empty:
        logger.warning(
            "%s: %d passages with empty text left out (e.g. %s)",
            path,
            len(empty),
            empty[:3],
        )


def _id_key(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (1 << 62, key)


def select_passages(
    all_ids: list[str], keep: set[str], subset: int | None, seed: int
) -> set[str]:
    """Every judged passage, plus a seeded sample of the others up to ``subset``."""
    if subset is None or subset >= len(all_ids):
        return set(all_ids)
    others = [pid for pid in all_ids if pid not in keep]
    room = max(subset - len(keep), 0)
    rng = np.random.default_rng([seed, 2])
    picked = rng.choice(len(others), size=min(room, len(others)), replace=False)
    return keep | {others[i] for i in picked}


def prepare_pivot(
    raw: Mapping[str, str | Path],
    params: Mapping,
    seed: int,
    out: Mapping[str, str | Path],
) -> dict[str, int]:
    """English pivot: dev queries, qrels, collection (subset), training triples.

    ``params``: ``max_queries`` and ``collection_subset`` (null = all), and
    ``train_triples`` (the first N lines of the shuffled MS MARCO triples).
    """
    qrels_all = read_qrels(raw["qrels"])
    queries = read_queries(raw["queries"])
    qids = select_queries(qrels_all, queries, params.get("max_queries"), seed)
    qrels = {q: qrels_all[q] for q in qids}
    judged = {pid for docs in qrels.values() for pid in docs}

    want_triples = int(params.get("train_triples") or 0)
    id_triples = []
    for parts in stream_tsv(raw["train_triples"], 3):
        if len(id_triples) >= want_triples:
            break
        id_triples.append(tuple(p.strip() for p in parts))
    train_queries = {}
    needed_q = {t[0] for t in id_triples}
    for qid, text in stream_tsv(raw["train_queries"]):
        if qid in needed_q:
            train_queries[qid] = text
    needed_p = {p for t in id_triples for p in t[1:]}

    all_ids = [parts[0].strip() for parts in stream_tsv(raw["collection"])]
    missing = judged - set(all_ids)
    if missing:
        raise InputError(
            raw["collection"],
            f"{len(missing)} judged passages are missing (e.g. {sorted(missing)[:3]})",
        )
    keep = select_passages(all_ids, judged, params.get("collection_subset"), seed)
    texts: dict[str, str] = {}
    empty: list[str] = []

    def subset_rows() -> Iterator[tuple[str, str]]:
        for pid, text in stream_tsv(raw["collection"]):
            pid = pid.strip()
            if not text.strip():
                empty.append(pid)
            elif pid in needed_p:
                texts[pid] = text
            if pid in keep and text.strip():
                yield pid, text

    write_pairs(out["collection"], subset_rows())
    _log_empty(raw["collection"], empty)
    rows = [(q, queries[q]) for q in qids]
    write_pairs(out["queries"], rows)
    write_pairs(out["queries_en"], rows)
    write_qrels(out["qrels"], qrels)
    triples = [
        (train_queries[q], texts[p], texts[n])
        for q, p, n in id_triples
        if q in train_queries and p in texts and n in texts
    ]
    if want_triples and not triples:
        raise InputError(
            raw["train_triples"],
            "no training triple could be resolved to query and passage texts",
        )
    write_triples(out["triples"], triples)
    stats = {
        "queries": len(qids),
        "passages": len(keep),
        "judged": len(judged),
        "triples": len(triples),
    }
    logger.info("pivot prepared: %s", stats)
    return stats


def prepare_language(
    code: str,
    raw: Mapping[str, str | Path],
    pivot: Mapping[str, str | Path],
    out: Mapping[str, str | Path],
) -> dict[str, int]:
    """One target language on the pivot's queries and passages (same ids).

    ``raw``: the language's ``collection`` and dev ``queries``; ``pivot``: the
    English ``collection``, ``queries`` and ``qrels`` written by
    :func:`prepare_pivot`. The bitext is made separately
    (:mod:`optical_clir.data.bitext`).
    """
    pivot_queries = read_queries(pivot["queries"])
    translated = read_queries(raw["queries"])
    missing = [q for q in pivot_queries if q not in translated]
    if missing:
        raise InputError(
            raw["queries"],
            f"{len(missing)} pivot queries have no "
            f"{code} translation (e.g. {missing[:3]})",
        )
    keep = {parts[0].strip() for parts in stream_tsv(pivot["collection"])}
    found: set[str] = set()
    empty: list[str] = []

    def subset_rows() -> Iterator[tuple[str, str]]:
        for pid, text in stream_tsv(raw["collection"]):
            pid = pid.strip()
            if pid in keep:
                found.add(pid)
                if text.strip():
                    yield pid, text
                else:
                    empty.append(pid)

    write_pairs(out["collection"], subset_rows())
    _log_empty(raw["collection"], empty)
    if found != keep:
        Path(out["collection"]).unlink()
        lost = sorted(keep - found)
        raise InputError(
            raw["collection"],
            f"{len(lost)} passages of the pivot are missing (e.g. {lost[:3]})",
        )
    write_pairs(out["queries"], [(q, translated[q]) for q in pivot_queries])
    write_pairs(out["queries_en"], list(pivot_queries.items()))
    write_qrels(out["qrels"], read_qrels(pivot["qrels"]))
    stats = {"queries": len(pivot_queries), "passages": len(found)}
    logger.info("%s prepared: %s", code, stats)
    return stats
