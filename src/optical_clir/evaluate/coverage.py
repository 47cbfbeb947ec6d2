"""How well the encoder's vocabulary covers each language, and what transfer it
goes with.

A language the encoder barely knows is cut into many short pieces (or unknown
ones). :func:`segmentation` measures that on the language's own text;
:func:`transfer_by_language` sets each language's zero-shot share of the
teacher's gain beside it and beside the resource evidence of the config, so that
"how does zero-shot compare across resource levels" is answered with a measured
covariate, not only a label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from optical_clir import methods as registry

#: Word-piece markers stripped before a piece's length is taken.
_MARKERS = ("▁", "##", "Ġ")


def segmentation(tokenizer, texts: Iterable[str]) -> dict[str, float]:
    """Pieces per whitespace word, and the shares of unknown and one-character
    pieces, over ``texts`` (special tokens excluded).

    Returns
    -------
    dict
        ``words``, ``pieces``, ``pieces_per_word``, ``unk_share``,
        ``char_piece_share``.
    """
    texts = list(texts)
    words = sum(len(t.split()) for t in texts)
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    flat = [i for row in ids for i in row]
    unk = tokenizer.unk_token_id
    pieces = tokenizer.convert_ids_to_tokens(flat)
    single = 0
    for piece in pieces:
        for marker in _MARKERS:
            piece = piece.removeprefix(marker)
        single += len(piece) == 1
    n = max(len(flat), 1)
    return {
        "words": words,
        "pieces": len(flat),
        "pieces_per_word": len(flat) / max(words, 1),
        "unk_share": sum(i == unk for i in flat) / n,
        "char_piece_share": single / n,
    }


def zero_shot_share(table: pd.DataFrame) -> pd.DataFrame:
    """Per target language and ranker family: zero-shot's share of the teacher's
    gain over the family's chance level, ``(zeroshot - chance) / (teacher_en -
    chance)`` of the mean nDCG@10 over seeds. The chance level is a random order
    of what the family ranks (:func:`optical_clir.methods.chance_level`): the
    reranked candidates (``random``), or the whole collection where late
    interaction ranks it in full (``random_collection``).

    Returns
    -------
    pandas.DataFrame
        Columns ``lang``, ``family``, ``zero_shot_share``, ``chance`` (the
        reference taken as the chance level).
    """
    rows = []
    targets = table[table["resource"] != "pivot"]
    means = targets.groupby(["lang", "method"])["nDCG@10"].mean()
    present = list(dict.fromkeys(targets["method"]))
    for lang in dict.fromkeys(targets["lang"]):
        for family in registry.FAMILIES:
            suffix = registry.SUFFIX[family]
            chance = registry.chance_level(family, present)
            keys = [
                (lang, m) for m in (chance, f"zeroshot{suffix}", f"teacher_en{suffix}")
            ]
            if chance is None or not all(k in means.index for k in keys):
                continue
            level, zeroshot, teacher = (float(means[k]) for k in keys)
            above = teacher - level
            share = (zeroshot - level) / above if above > 0 else float("nan")
            rows.append(
                {
                    "lang": lang,
                    "family": family,
                    "zero_shot_share": share,
                    "chance": chance,
                }
            )
    return pd.DataFrame(rows, columns=["lang", "family", "zero_shot_share", "chance"])


def transfer_by_language(
    table: pd.DataFrame,
    coverage: pd.DataFrame,
    languages: Sequence[Mapping],
) -> pd.DataFrame:
    """Each target language's zero-shot share (per family) beside its
    segmentation and its resource evidence (``languages[*].evidence``).

    Returns
    -------
    pandas.DataFrame
        One row per (language, family).
    """
    evidence = pd.DataFrame(
        [
            {
                "lang": entry["name"],
                "resource": entry["resource"],
                **{
                    key: (entry.get("evidence") or {}).get(key)
                    for key in ("joshi_class", "cc100_gib", "in_mbert")
                },
            }
            for entry in languages
        ]
    )
    shares = zero_shot_share(table)
    merged = shares.merge(evidence, on="lang", how="left").merge(
        coverage[["lang", "pieces_per_word", "unk_share", "char_piece_share"]],
        on="lang",
        how="left",
    )
    return merged


def rank_correlation(frame: pd.DataFrame, column: str) -> dict[str, float]:
    """Spearman's rank correlation, per family, between zero-shot's share and
    ``column`` across languages (``nan`` with fewer than three languages)."""
    from scipy.stats import spearmanr

    out = {}
    for family, group in frame.groupby("family", sort=False):
        pairs = group[["zero_shot_share", column]].dropna()
        if len(pairs) < 3:
            out[family] = float("nan")
            continue
        out[family] = float(
            spearmanr(pairs["zero_shot_share"], pairs[column]).statistic
        )
    return out


def coverage_lines(frame: pd.DataFrame) -> list[str]:
    """The report's statements about segmentation and transfer."""
    if frame.empty:
        return []
    lines = []
    for family, rho in rank_correlation(frame, "pieces_per_word").items():
        if np.isnan(rho):
            continue
        n = int((frame["family"] == family).sum())
        lines.append(
            f"- Zero-shot's share of the teacher's gain against the encoder's "
            f"pieces per word, across {n} languages ({family}): Spearman "
            f"{rho:+.2f} (negative: the more a language is fragmented, the less "
            "transfers; a handful of languages, so a description, not a test)."
        )
    return lines
