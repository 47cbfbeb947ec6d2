"""How a ranker family turns (query, passage) pairs into model inputs.

Both families implement :class:`PairScorer`; training (the teacher's pairwise
loss) and reranking (:func:`optical_clir.models.cross_encoder.score_pairs`) call
it, so a family is added here and in its model class only.

- ``cross_encoder``: ``[CLS] query [SEP] passage [SEP]`` in one sequence,
  truncated on the passage side.
- ``late_interaction``: the query and the passage tokenised apart
  (:class:`~optical_clir.models.late_interaction.BertLateInteraction`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import torch

FAMILIES = ("cross_encoder", "late_interaction")


class PairScorer(Protocol):
    """Tokenises pairs once and pads batches of them for the model."""

    def features(
        self, tokenizer, pairs: Sequence[tuple[str, str]], max_length: int
    ) -> list[dict[str, Any]]:
        """One unpadded feature dict per pair."""
        ...

    def length(self, feature: dict[str, Any]) -> int:
        """Tokens of one pair (batches group pairs of similar length)."""
        ...

    def batch(
        self, tokenizer, features: Sequence[dict[str, Any]]
    ) -> dict[str, torch.Tensor]:
        """Padded tensors, the keyword arguments of the model's ``forward``."""
        ...


class CrossEncoderScorer:
    """Query and passage in one sequence (``truncation="only_second"``)."""

    def features(self, tokenizer, pairs, max_length):
        encoded = tokenizer(
            [q for q, _ in pairs],
            [p for _, p in pairs],
            truncation="only_second",
            max_length=max_length,
        )
        return [{key: encoded[key][i] for key in encoded} for i in range(len(pairs))]

    def length(self, feature):
        return len(feature["input_ids"])

    def batch(self, tokenizer, features):
        return dict(tokenizer.pad(list(features), return_tensors="pt"))


class LateInteractionScorer:
    """Query and passage tokenised apart, each truncated to ``max_length``."""

    def features(self, tokenizer, pairs, max_length):
        queries = tokenizer(
            [q for q, _ in pairs], truncation=True, max_length=max_length
        )
        passages = tokenizer(
            [p for _, p in pairs], truncation=True, max_length=max_length
        )
        return [
            {
                "query": {"input_ids": queries["input_ids"][i]},
                "passage": {"input_ids": passages["input_ids"][i]},
            }
            for i in range(len(pairs))
        ]

    def length(self, feature):
        return len(feature["query"]["input_ids"]) + len(feature["passage"]["input_ids"])

    def batch(self, tokenizer, features):
        out: dict[str, torch.Tensor] = {}
        for side in ("query", "passage"):
            padded = tokenizer.pad([f[side] for f in features], return_tensors="pt")
            out[f"{side}_input_ids"] = padded["input_ids"]
            out[f"{side}_attention_mask"] = padded["attention_mask"]
        return out


def scorer_for(model) -> PairScorer:
    """The scorer of a loaded ranker, by its class."""
    from optical_clir.models.late_interaction import BertLateInteraction

    if isinstance(model, BertLateInteraction):
        return LateInteractionScorer()
    return CrossEncoderScorer()
