"""The BM25 analyzers a config may name (checked before any job runs).

The analyzer is always explicit: a Lucene language code, or ``whitespace``
(lowercase, split on non-word characters; safe for any language or script).
An unknown code is rejected rather than silently falling back to the English
analyzer, as Pyserini would. :mod:`optical_clir.bm25` applies them.
"""

from __future__ import annotations

#: Lucene analyzers that Pyserini 1.6 selects with ``-language`` / ``set_language``
#: (measured in docs/toolchain.md), plus ``en`` (Porter stemming) and ``whitespace``.
LUCENE_LANGUAGES = frozenset(
    (
        "ar bn da de es fa fi fr hi hu id it ja ko zh nl no pl pt ru sv te th tr uk en"
    ).split()
)
ANALYZERS = LUCENE_LANGUAGES | {"whitespace"}


def check_analyzer(analyzer: str) -> None:
    """Raise ``ValueError`` unless ``analyzer`` is supported."""
    if analyzer not in ANALYZERS:
        raise ValueError(
            f"unsupported BM25 analyzer '{analyzer}': use one of {sorted(ANALYZERS)}; "
            "use 'whitespace' for languages without a Lucene analyzer"
        )
