"""A late-interaction ranker whose query and passage sides are different models.

OPTICAL's student is the tower that reads the foreign language; the tower that
reads English stays the teacher's, bit for bit (Huang, Yu & Allan, WSDM 2023:
the cross-lingual knowledge is separated from query-passage matching). So, per
setting (``optical_clir.settings``):

- ``en2x`` (English queries, foreign passages): query tower = teacher, passage
  tower = student;
- ``x2en`` (foreign queries, English passages): query tower = student, passage
  tower = teacher;
- ``mono``: both towers are the student.

Both towers are :class:`~optical_clir.models.late_interaction.BertLateInteraction`
folders with the same vocabulary and dimension; a score is MaxSim between the
query tower's vectors of the query and the passage tower's vectors of the
passage (:mod:`optical_clir.models.token_index`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from optical_clir.models import token_index

logger = logging.getLogger(__name__)


@dataclass
class Towers:
    """The query tower and the passage tower, each a (model, tokenizer)."""

    query: tuple
    passage: tuple

    @classmethod
    def load(
        cls,
        query_dir: str | Path,
        passage_dir: str | Path | None = None,
        loaded: tuple | None = None,
    ) -> Towers:
        """Load both towers (``passage_dir`` None: one model reads both sides).

        ``loaded`` is the query tower already loaded from ``query_dir``.

        Raises
        ------
        ValueError
            When a tower is not late interaction, or the two disagree in
            vector size.
        """
        from optical_clir.models.cross_encoder import load_ranker
        from optical_clir.models.late_interaction import BertLateInteraction

        query = loaded or load_ranker(query_dir)
        same = passage_dir is None or str(passage_dir) == str(query_dir)
        passage = query if same else load_ranker(passage_dir)
        for path, (model, _) in ((query_dir, query), (passage_dir, passage)):
            if not isinstance(model, BertLateInteraction):
                raise ValueError(f"{path} is not a late-interaction ranker")
        if query[0].dim != passage[0].dim:
            raise ValueError(
                f"the towers' vectors differ in size: {query_dir} has "
                f"{query[0].dim}, {passage_dir} {passage[0].dim}"
            )
        if not same:
            logger.info(
                "two towers: queries read by %s, passages by %s", query_dir, passage_dir
            )
        return cls(query, passage)

    def encode_queries(
        self,
        queries: Mapping[str, str],
        max_length: int,
        batch_size: int,
        device: torch.device,
        precision: str = "auto",
    ) -> token_index.TokenIndex:
        """The query tower's vectors of ``queries`` (``qid -> text``)."""
        model, tokenizer = self.query
        return token_index.encode_mapping(
            model,
            tokenizer,
            queries,
            max_length,
            batch_size,
            device,
            precision,
            "queries",
        )

    def encode_passages(
        self,
        passages: Mapping[str, str],
        max_length: int,
        batch_size: int,
        device: torch.device,
        precision: str = "auto",
    ) -> token_index.TokenIndex:
        """The passage tower's vectors of ``passages`` (``docid -> text``)."""
        model, tokenizer = self.passage
        return token_index.encode_mapping(
            model,
            tokenizer,
            passages,
            max_length,
            batch_size,
            device,
            precision,
            "passages",
        )

    def score(
        self,
        pairs: Sequence[tuple[str, str]],
        queries: Mapping[str, str],
        collection: Mapping[str, str],
        batch_size: int,
        max_length: int,
        device: torch.device,
        precision: str = "auto",
    ) -> np.ndarray:
        """MaxSim of (qid, docid) pairs; each query and passage encoded once.

        Returns
        -------
        numpy.ndarray
            Shape: (len(pairs),), float32, in the order of ``pairs``.
        """
        qids = dict.fromkeys(q for q, _ in pairs)
        docids = dict.fromkeys(d for _, d in pairs)
        q_index = self.encode_queries(
            {q: queries[q] for q in qids}, max_length, batch_size, device, precision
        )
        p_index = self.encode_passages(
            {d: collection[d] for d in docids},
            max_length,
            batch_size,
            device,
            precision,
        )
        return token_index.score_pairs(q_index, p_index, pairs)
