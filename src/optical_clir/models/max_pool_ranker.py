"""BERT cross-encoders whose scoring head pools over all token states (max or mean).

The standard cross-encoder head (``BertForSequenceClassification``) reads the
``[CLS]`` state only. A pretrained mBERT has learnt to summarise a pair there
(next-sentence prediction), but the simulation's 2-layer BERT, trained for
minutes, never routes the query-passage match signal into ``[CLS]``: with that
head its held-out pairwise accuracy stays at chance while the training loss
falls (it memorises), whereas a max over the token states learns matching
(measurements in docs/simulation.md, "Where the simulation stands"). ``teacher.pooling``
picks the head; the real run keeps ``cls``.

The class lives in this package (no ``trust_remote_code``); weights are saved and
loaded as safetensors through the usual ``save_pretrained``/``from_pretrained``.
"""

from __future__ import annotations

import torch
from transformers import BertModel, BertPreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput


class BertMaxPoolRanker(BertPreTrainedModel):
    """BERT encoder + ``Linear(hidden, 1)`` over the element-wise max of the
    non-padding token states.

    Parameters
    ----------
    config:
        A ``BertConfig``; ``num_labels`` is forced to 1.
    """

    def __init__(self, config):
        config.num_labels = 1
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.classifier = torch.nn.Linear(config.hidden_size, 1)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        """Relevance logits.

        Parameters
        ----------
        input_ids, attention_mask, token_type_ids:
            Shape: (batch, length).

        Returns
        -------
        SequenceClassifierOutput
            ``logits`` of shape (batch, 1); ``hidden_states`` when asked for.
        """
        out = self.bert(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            output_hidden_states=output_hidden_states,
            **kwargs,
        )
        pooled = self.pool(out.last_hidden_state, attention_mask)  # (batch, hidden)
        return SequenceClassifierOutput(
            logits=self.classifier(pooled), hidden_states=out.hidden_states
        )

    @staticmethod
    def pool(states: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        """Element-wise max over the non-padding tokens.

        Parameters
        ----------
        states:
            Shape: (batch, length, hidden).
        attention_mask:
            Shape: (batch, length); 0 marks padding.

        Returns
        -------
        torch.Tensor
            Shape: (batch, hidden).
        """
        if attention_mask is not None:
            padding = ~attention_mask.bool().unsqueeze(-1)  # (batch, length, 1)
            states = states.masked_fill(padding, torch.finfo(states.dtype).min)
        return states.max(dim=1).values


class BertMeanPoolRanker(BertMaxPoolRanker):
    """BERT encoder + ``Linear(hidden, 1)`` over the mean of the non-padding token
    states: the pooling that E5 and sentence-transformers models are trained with,
    so a pretrained E5 starts from states its own pooling makes meaningful."""

    @staticmethod
    def pool(states: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        """Mean over the non-padding tokens (shapes: see ``BertMaxPoolRanker.pool``)."""
        if attention_mask is None:
            return states.mean(dim=1)
        mask = attention_mask.unsqueeze(-1).to(states.dtype)  # (batch, length, 1)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1)
