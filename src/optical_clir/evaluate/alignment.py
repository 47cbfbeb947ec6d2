"""Word-level cross-lingual alignment of an encoder's embedding layer.

The probe behind docs/simulation.md's alignment figures: does the embedding of
an English word lie closest to the embedding of its translation, among the
translations of the other probed words? Chance is ``1 / len(pairs)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import PreTrainedTokenizerBase


def word_vectors(
    embeddings: torch.Tensor, tokenizer: PreTrainedTokenizerBase, words: Sequence[str]
) -> torch.Tensor:
    """Mean of each word's word-piece embeddings.

    Parameters
    ----------
    embeddings:
        The encoder's input embedding matrix, shape ``(vocab, hidden)``.
    tokenizer:
        The encoder's tokenizer.
    words:
        ``W`` words, each split into its pieces without special tokens.

    Returns
    -------
    torch.Tensor
        Shape ``(W, hidden)``.
    """
    rows = []
    for word in words:
        ids = tokenizer(word, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"the tokenizer splits '{word}' into no pieces")
        rows.append(embeddings[torch.tensor(ids)].mean(0))
    return torch.stack(rows)


def translation_precision(
    embeddings: torch.Tensor,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[tuple[str, str]],
) -> float:
    """Share of English words whose nearest translation (cosine) is their own.

    Parameters
    ----------
    embeddings:
        Input embedding matrix, shape ``(vocab, hidden)``.
    tokenizer:
        The encoder's tokenizer.
    pairs:
        ``(english, foreign)`` word pairs, ``P`` of them; every foreign word is a
        candidate for every English word.

    Returns
    -------
    float
        Precision at 1 over the ``P`` English words (chance ``1 / P``).
    """
    source = torch.nn.functional.normalize(
        word_vectors(embeddings, tokenizer, [e for e, _ in pairs]), dim=-1
    )
    target = torch.nn.functional.normalize(
        word_vectors(embeddings, tokenizer, [f for _, f in pairs]), dim=-1
    )
    nearest = (source @ target.T).argmax(dim=1)  # (P,)
    return float((nearest == torch.arange(len(pairs))).float().mean())
