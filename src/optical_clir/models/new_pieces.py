"""New word pieces for a language the encoder's vocabulary fragments.

Chichewa is cut by XLM-R's unigram vocabulary into 2.5 pieces per word (English
1.4): the encoder knows it only as fragments. :func:`extend_student` adds whole
words of the bitext's target side as new pieces of the *student's* vocabulary:

- candidates are the words (after the tokenizer's own normaliser and
  pre-tokeniser, so ``▁word`` for a unigram vocabulary, with trailing
  punctuation cut off: ``Yehova,`` counts as ``Yehova``) that occur at least
  ``min_count`` times on the target side and that the vocabulary cuts into two
  pieces or more; the ``n`` that save the most pieces (count x (pieces - 1)) are
  added, ties broken by the word;
- a word that the English side of the bitext also uses is never added, and
  the extended tokenizer is checked to cut the English side exactly as before,
  so the teacher's English and the student's English stay the same tokens;
- a new piece's score is its log relative frequency among the target side's
  words, the unigram estimate; a piece the unigram search would still not pick
  for its own word is dropped;
- its embedding row starts at the mean of its old pieces' rows, and only the
  student has it: OPTICAL alone trains it (the teacher never reads it).

Only unigram (``tokenizer.json``) vocabularies are supported, as XLM-R's.
"""

from __future__ import annotations

import json
import logging
import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from optical_clir.models.prune import rebuilt_tokenizer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Piece:
    """A word to add: its piece string, count on the target side, and the ids
    of the old pieces that cut it."""

    text: str
    count: int
    old_ids: tuple[int, ...]


def _backend(tokenizer):
    """The fast tokenizer's backend, checked to hold a unigram model."""
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("new pieces need a fast tokenizer (tokenizer.json)")
    backend = tokenizer.backend_tokenizer
    kind = json.loads(backend.to_str())["model"]["type"]
    if kind != "Unigram":
        raise ValueError(
            f"new pieces need a unigram vocabulary (XLM-R's), not {kind}; "
            "set the language's new_pieces to 0"
        )
    return backend


def _strip_punctuation(word: str) -> str:
    """``word`` without its trailing punctuation (Unicode category P)."""
    end = len(word)
    while end and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[:end]


def words(backend, texts: Sequence[str]) -> Counter[str]:
    """Counts of the pre-tokenised words of ``texts`` (normalised as the
    tokenizer normalises, ``▁``-prefixed for a unigram vocabulary), trailing
    punctuation cut off; a word of punctuation only is left out."""
    counts: Counter[str] = Counter()
    for text in texts:
        if backend.normalizer is not None:
            text = backend.normalizer.normalize_str(text)
        if backend.pre_tokenizer is not None:
            found = [w for w, _ in backend.pre_tokenizer.pre_tokenize_str(text)]
        else:
            found = text.split()
        counts.update(
            word for word in map(_strip_punctuation, found) if word.removeprefix("▁")
        )
    return counts


def choose_pieces(
    tokenizer,
    foreign: Sequence[str],
    english: Sequence[str],
    n: int,
    min_count: int = 2,
) -> list[Piece]:
    """The ``n`` target-side words whose own piece saves the most pieces.

    Parameters
    ----------
    tokenizer:
        The teacher's fast tokenizer (unigram).
    foreign, english:
        The two sides of the training bitext.
    n:
        How many pieces to add at most.
    min_count:
        A word must occur at least this often on the target side.
    """
    backend = _backend(tokenizer)
    english_words = set(words(backend, english))
    vocab = backend.get_vocab()
    chosen = []
    for word, count in words(backend, foreign).items():
        if count < min_count or word in english_words or word in vocab:
            continue
        ids = tuple(token.id for token in backend.model.tokenize(word))
        if len(ids) >= 2:
            chosen.append(Piece(word, count, ids))
    chosen.sort(key=lambda p: (-p.count * (len(p.old_ids) - 1), p.text))
    return chosen[:n]


def extend_tokenizer_json(serialised: str, pieces: Sequence[tuple[str, float]]) -> str:
    """A unigram ``tokenizer.json`` with ``pieces`` (text, score) appended: their
    ids follow the last existing id, in the given order."""
    data = json.loads(serialised)
    model = data["model"]
    if model["type"] != "Unigram":
        raise ValueError(f"new pieces need a unigram vocabulary, not {model['type']}")
    highest = max(
        [len(model["vocab"]) - 1] + [t["id"] for t in data.get("added_tokens") or []]
    )
    if highest != len(model["vocab"]) - 1:
        raise ValueError("the vocabulary has added tokens past its unigram pieces")
    model["vocab"] = model["vocab"] + [[text, score] for text, score in pieces]
    return json.dumps(data, ensure_ascii=False)


def extended_tokenizer(tokenizer, pieces: Sequence[Piece], total: int):
    """``tokenizer`` with ``pieces`` appended (score: log of count / ``total``)."""
    scores = [(p.text, math.log(p.count / total)) for p in pieces]
    serialised = extend_tokenizer_json(tokenizer.backend_tokenizer.to_str(), scores)
    return rebuilt_tokenizer(tokenizer, serialised)


def _ids(tokenizer, texts: Sequence[str]) -> list[list[int]]:
    return tokenizer(list(texts), add_special_tokens=False)["input_ids"]


def extend_student(
    student,
    tokenizer,
    foreign: Sequence[str],
    english: Sequence[str],
    n: int,
    min_count: int = 2,
):
    """Add up to ``n`` new pieces of the target side to ``student``'s vocabulary.

    Parameters
    ----------
    student:
        The student ranker (a copy of the teacher), changed in place: its input
        embedding matrix grows from (vocab, hidden) to (vocab + added, hidden),
        each new row the mean of its old pieces' rows.
    tokenizer:
        The teacher's tokenizer (unchanged).
    foreign, english:
        The two sides of the training bitext.

    Returns
    -------
    tuple
        The student's tokenizer, and a dict of figures: ``new_pieces``,
        ``pieces_per_word_before`` and ``pieces_per_word_after`` on ``foreign``.
    """
    backend = _backend(tokenizer)
    total = sum(words(backend, foreign).values())
    pieces = choose_pieces(tokenizer, foreign, english, n, min_count)
    before = len(tokenizer)
    english_ids = _ids(tokenizer, english)
    while True:
        extended = extended_tokenizer(tokenizer, pieces, total)
        # drop the pieces the unigram search does not pick for their own word,
        # and those that reach the English side, then build again
        model = extended.backend_tokenizer.model
        dropped = {
            i
            for i, piece in enumerate(pieces)
            if [t.id for t in model.tokenize(piece.text)] != [before + i]
        }
        for old, new in zip(english_ids, _ids(extended, english), strict=True):
            if old != new:
                dropped.update(i - before for i in new if i >= before)
        if not dropped:
            break
        pieces = [p for i, p in enumerate(pieces) if i not in dropped]
    words_count = max(total, 1)
    figures = {
        "new_pieces": len(pieces),
        "new_pieces_asked": n,
        "pieces_per_word_before": sum(map(len, _ids(tokenizer, foreign))) / words_count,
        "pieces_per_word_after": sum(map(len, _ids(extended, foreign))) / words_count,
    }
    if pieces:
        _grow_embeddings(student, [p.old_ids for p in pieces])
    logger.info(
        "added %d word pieces to the student's vocabulary (%d asked): %.2f -> %.2f "
        "pieces per word on the bitext's target side; most saved: %s",
        len(pieces),
        n,
        figures["pieces_per_word_before"],
        figures["pieces_per_word_after"],
        ", ".join(p.text for p in pieces[:10]),
    )
    return extended, figures


def _grow_embeddings(model, old_ids: Sequence[Sequence[int]]) -> None:
    """Append one input-embedding row per entry of ``old_ids``: the mean of
    those rows. Shape: (vocab, hidden) -> (vocab + len(old_ids), hidden)."""
    embedding = model.get_input_embeddings()
    weight = embedding.weight.detach()
    rows = torch.stack([weight[list(ids)].mean(0) for ids in old_ids])
    grown = torch.nn.Embedding(
        weight.shape[0] + len(rows),
        weight.shape[1],
        padding_idx=embedding.padding_idx,
        device=weight.device,
        dtype=weight.dtype,
    )
    with torch.no_grad():
        grown.weight.copy_(torch.cat([weight, rows]))
    model.set_input_embeddings(grown)
    model.config.vocab_size = grown.weight.shape[0]
