"""A ColBERT-style late-interaction ranker: queries and passages encoded apart.

Each text becomes token vectors (the encoder's last states through a linear
projection to ``dim`` dimensions, L2-normalised); the score of a (query, passage)
pair is the sum over query tokens of the highest cosine with any passage token
(MaxSim; Khattab & Zaharia, SIGIR 2020). OPTICAL fits it naturally: it aligns
token states, and MaxSim scores token states.

The class lives in this package (no ``trust_remote_code``); it saves and loads as
safetensors through ``save_pretrained``/``from_pretrained``, and its encoder is
``base_model`` (``.bert``), which is what OPTICAL aligns.
"""

from __future__ import annotations

import torch
from transformers import BertModel, BertPreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

#: Token vector size (ColBERT's).
DIM = 128


class BertLateInteraction(BertPreTrainedModel):
    """BERT encoder + ``Linear(hidden, dim, bias=False)``, scored by MaxSim.

    Parameters
    ----------
    config
        A ``BertConfig``; ``late_interaction_dim`` (default 128) sets ``dim``.
    """

    def __init__(self, config):
        super().__init__(config)
        self.dim = int(getattr(config, "late_interaction_dim", DIM))
        config.late_interaction_dim = self.dim
        self.bert = BertModel(config, add_pooling_layer=False)
        self.projection = torch.nn.Linear(config.hidden_size, self.dim, bias=False)
        self.post_init()

    def encode(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """Normalised token vectors, zero at padding.

        Parameters
        ----------
        input_ids, attention_mask
            Shape: (batch, length).

        Returns
        -------
        torch.Tensor
            Shape: (batch, length, dim).
        """
        states = self.bert(input_ids=input_ids, attention_mask=attention_mask)
        vectors = self.projection(states.last_hidden_state)
        vectors = torch.nn.functional.normalize(vectors.float(), dim=-1)
        return vectors * attention_mask.unsqueeze(-1).to(vectors.dtype)

    def encode_unique(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """:meth:`encode` of a batch that repeats texts (the teacher's pairs
        repeat each query: once with its positive, once with its negative),
        each distinct text encoded once.

        Parameters
        ----------
        input_ids, attention_mask
            Shape: (batch, length); equal rows (ids and mask) are one text.

        Returns
        -------
        torch.Tensor
            Shape: (batch, length, dim), row i the vectors of text i.
        """
        rows = torch.cat([input_ids, attention_mask.to(input_ids.dtype)], dim=1)
        unique, inverse = torch.unique(rows, dim=0, return_inverse=True)
        if len(unique) == len(input_ids):
            return self.encode(input_ids, attention_mask)
        first = torch.full((len(unique),), len(input_ids), dtype=torch.long)
        first = first.scatter_reduce(
            0, inverse.cpu(), torch.arange(len(input_ids)), reduce="amin"
        ).to(input_ids.device)
        return self.encode(input_ids[first], attention_mask[first])[inverse]

    @staticmethod
    def maxsim(
        queries: torch.Tensor,
        query_mask: torch.Tensor,
        passages: torch.Tensor,
        passage_mask: torch.Tensor,
    ) -> torch.Tensor:
        """Sum over query tokens of the best cosine with a passage token.

        Parameters
        ----------
        queries
            Shape: (batch, q_len, dim), normalised.
        query_mask
            Shape: (batch, q_len); 0 marks padding (it adds nothing).
        passages
            Shape: (batch, p_len, dim), normalised.
        passage_mask
            Shape: (batch, p_len); 0 marks padding (it is never the best match).

        Returns
        -------
        torch.Tensor
            Shape: (batch,).
        """
        sim = torch.einsum("bqd,bpd->bqp", queries, passages)  # (batch, q_len, p_len)
        sim = sim.masked_fill(~passage_mask.bool().unsqueeze(1), float("-inf"))
        best = sim.max(dim=-1).values  # (batch, q_len)
        return (best * query_mask.to(best.dtype)).sum(dim=-1)

    def forward(
        self,
        query_input_ids: torch.Tensor,
        query_attention_mask: torch.Tensor,
        passage_input_ids: torch.Tensor,
        passage_attention_mask: torch.Tensor,
        **kwargs,
    ) -> SequenceClassifierOutput:
        """Relevance scores of (query, passage) pairs.

        Parameters
        ----------
        query_input_ids, query_attention_mask
            Shape: (batch, q_len).
        passage_input_ids, passage_attention_mask
            Shape: (batch, p_len).

        Returns
        -------
        SequenceClassifierOutput
            ``logits`` of shape (batch, 1).
        """
        q = self.encode_unique(query_input_ids, query_attention_mask)
        p = self.encode_unique(passage_input_ids, passage_attention_mask)
        scores = self.maxsim(q, query_attention_mask, p, passage_attention_mask)
        return SequenceClassifierOutput(logits=scores.unsqueeze(-1))
