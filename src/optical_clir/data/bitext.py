"""Bitext for OPTICAL: parallel mMARCO passages, or an external corpus.

mMARCO is parallel by construction: a passage and its translation share a pid.
:func:`mmarco_bitext` samples N such pairs (never a passage judged for a dev
query) and splits a pair into sentence pairs where both sides have the same
number of sentences; otherwise the whole passage pair is kept.
:func:`external_bitext` reads a local TSV or a Hugging Face dataset instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from optical_clir.errors import ConfigError, InputError
from optical_clir.formats import read_bitext, read_qrels, stream_tsv, write_pairs

logger = logging.getLogger(__name__)

# Sentence ends: Latin, Arabic and Devanagari marks before a space; CJK marks
# need no space after them.
_SENTENCE_END = re.compile(r"(?<=[.!?\u061f\u0964])\s+|(?<=[\u3002\uff01\uff1f])")


def split_sentences(text: str) -> list[str]:
    """Split a passage into sentences (empty pieces dropped)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def align_sentences(english: str, foreign: str) -> list[tuple[str, str]]:
    """Sentence pairs when the sentence counts agree, else the passage pair."""
    en, fx = split_sentences(english), split_sentences(foreign)
    if len(en) == len(fx) and len(en) > 1:
        return list(zip(en, fx, strict=True))
    return [(english.strip(), foreign.strip())]


def mmarco_bitext(
    english_collection: str | Path,
    foreign_collection: str | Path,
    qrels: str | Path,
    pairs: int,
    seed: int,
    out: str | Path,
) -> dict:
    """Sample ``pairs`` parallel passages (no judged one) and write sentence pairs.

    Parameters
    ----------
    english_collection, foreign_collection
        The full upstream collections (``pid<TAB>passage``).
    qrels
        mMARCO's dev qrels: their passages are never used as bitext.
    pairs
        Passages to sample (the per-language bitext budget).

    Returns
    -------
    dict
        ``passages`` sampled, ``sentence_pairs`` written, ``split_share`` (the
        share of passages split into sentences).
    """
    judged = {pid for docs in read_qrels(qrels).values() for pid in docs}
    foreign: dict[str, str] = {}
    candidates = [
        p[0].strip()
        for p in stream_tsv(foreign_collection)
        if p[1].strip() and p[0].strip() not in judged
    ]
    if pairs > len(candidates):
        raise InputError(
            foreign_collection,
            f"only {len(candidates)} unjudged passages for a bitext budget of {pairs}",
        )
    rng = np.random.default_rng([seed, 3])
    chosen = [
        candidates[i] for i in sorted(rng.choice(len(candidates), pairs, replace=False))
    ]
    wanted = set(chosen)
    for pid, text in stream_tsv(foreign_collection):
        if pid.strip() in wanted:
            foreign[pid.strip()] = text
    english = {
        pid.strip(): text
        for pid, text in stream_tsv(english_collection)
        if pid.strip() in wanted
    }
    rows: list[tuple[str, str]] = []
    split = 0
    for pid in chosen:
        if pid not in english:
            continue
        aligned = align_sentences(english[pid], foreign[pid])
        split += len(aligned) > 1
        rows.extend(aligned)
    write_pairs(out, rows)
    stats = {
        "passages": len(chosen),
        "sentence_pairs": len(rows),
        "split_share": round(split / max(len(chosen), 1), 4),
    }
    logger.info("bitext %s: %s", out, stats)
    return stats


def external_bitext(spec: Mapping, pairs: int, seed: int, out: str | Path) -> dict:
    """Take ``pairs`` sentence pairs from a local TSV or a Hugging Face dataset.

    ``spec``: ``{tsv: path}`` (``english<TAB>foreign`` lines), or
    ``{hf_dataset: id or local dir, config: name, split: train,
    columns: [english_column, foreign_column]}`` (``translation.en`` reads a
    nested field, as OPUS-style datasets store pairs).
    """
    if "tsv" in spec:
        if not Path(spec["tsv"]).exists():
            raise InputError(
                spec["tsv"],
                "bitext file not found: place an english<TAB>foreign file there "
                "(for example sentence pairs from OPUS), or configure hf_dataset",
            )
        rows = read_bitext(spec["tsv"])
    elif "hf_dataset" in spec:
        rows = _hf_rows(spec)
    else:
        raise ConfigError("languages[].bitext", "needs 'tsv' or 'hf_dataset'")
    if pairs > len(rows):
        logger.warning(
            "bitext has %d pairs, fewer than the budget %d: using all", len(rows), pairs
        )
        pairs = len(rows)
    rng = np.random.default_rng([seed, 4])
    picked = [rows[i] for i in sorted(rng.choice(len(rows), pairs, replace=False))]
    write_pairs(out, picked)
    return {"sentence_pairs": len(picked)}


def _hf_rows(spec: Mapping) -> list[tuple[str, str]]:
    import datasets

    columns = spec.get("columns")
    if not columns or len(columns) != 2:
        raise ConfigError(
            "languages[].bitext.columns", "give [english_column, foreign_column]"
        )
    data = datasets.load_dataset(
        spec["hf_dataset"],
        spec.get("config"),
        split=spec.get("split", "train"),
        revision=spec.get("revision"),
    )
    missing = [c for c in columns if c.split(".")[0] not in data.column_names]
    if missing:
        raise ConfigError(
            "languages[].bitext.columns",
            f"{missing} not in {spec['hf_dataset']} (columns: {data.column_names})",
        )
    rows = []
    for r in data:
        en, fx = (str(_field(r, c)).strip() for c in columns)
        if en and fx:
            rows.append((en, fx))
    return rows


def _field(row: Mapping, column: str):
    """``row[column]``, where ``a.b`` reads a nested field (OPUS-style
    ``translation.en``)."""
    value = row
    for part in column.split("."):
        value = value[part]
    return value
