"""Token vectors of a late-interaction tower, computed once and searched by MaxSim.

A late-interaction ranker (``BertLateInteraction``)
reads the query and the passage apart, so a passage's vectors do not depend on
the query: each passage is encoded once per model, and every query that meets
it (a reranking's candidates, or the whole collection in full ranking) is
scored against those vectors. The two towers may be different models: the
English side read by the frozen teacher, the foreign side by the OPTICAL
student.

:class:`TokenIndex` packs one collection's vectors (padding dropped; float16
on disk) with their lengths and ids; :func:`search` ranks the whole collection for a set
of queries; :func:`score_pairs` scores given (query, passage) pairs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save
from tqdm import tqdm

from optical_clir.atomic import atomic_open
from optical_clir.models.runtime import autocast, autocast_dtype

logger = logging.getLogger(__name__)

#: Passages and queries per MaxSim block in :func:`search`: small blocks keep
#: the similarity matrix in cache (400 queries x 4,097 passages, one thread:
#: 15.6 s with 128 x 16, 27.9 s with 512 x 64; bench/token_index.py).
_BLOCK = 128
_QUERY_BLOCK = 16


def packed_index(
    offsets: torch.Tensor, lengths: torch.Tensor, rows: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Where the tokens of texts ``rows`` lie in a packed tensor (text ``i``
    owns rows ``offsets[i]:offsets[i + 1]``), padded to the longest.

    Returns
    -------
    tuple of torch.Tensor
        The packed row of each position, shape (len(rows), max_len), 0 at
        padding; and the mask of shape (len(rows), max_len), True at real tokens.
    """
    rows = torch.as_tensor(list(rows), dtype=torch.long)
    lengths = lengths[rows]
    width = int(lengths.max()) if len(rows) else 0
    mask = torch.arange(width) < lengths[:, None]
    index = torch.where(mask, offsets[rows][:, None] + torch.arange(width), 0)
    return index, mask


@dataclass
class TokenIndex:
    """Token vectors of texts, packed without padding.

    Attributes
    ----------
    ids
        One id per text (passage ids, or query ids).
    vectors
        Shape: (n_tokens, dim), float32, L2-normalised; text ``i`` owns rows
        ``offsets[i]:offsets[i + 1]``.
    lengths
        Shape: (n_texts,), int64: the tokens of each text.
    """

    ids: list[str]
    vectors: torch.Tensor
    lengths: torch.Tensor

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.lengths):
            raise ValueError(
                f"{len(self.ids)} ids for {len(self.lengths)} lengths in a TokenIndex"
            )
        if int(self.lengths.sum()) != len(self.vectors):
            raise ValueError("the lengths of a TokenIndex do not add up to its rows")

    @property
    def offsets(self) -> torch.Tensor:
        """Shape: (n_texts + 1,): where each text's rows start."""
        return torch.cat([torch.zeros(1, dtype=torch.long), self.lengths.cumsum(0)])

    def padded(self, rows: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """The vectors of texts ``rows``, zero-padded to the longest.

        Returns
        -------
        tuple of torch.Tensor
            Vectors of shape (len(rows), max_len, dim), float32, and a mask of
            shape (len(rows), max_len), True at real tokens.
        """
        index, mask = packed_index(self.offsets, self.lengths, rows)
        return torch.where(mask[..., None], self.vectors[index], 0.0), mask

    def save(self, path: str | Path) -> None:
        """Write one safetensors file (the ids in its metadata), atomically; the
        vectors as float16 (half the size; scores move by about 1e-3)."""
        save_sections(path, {"": (self, torch.float16)})

    @classmethod
    def load(cls, path: str | Path, section: str = "") -> TokenIndex:
        """Read one section of a file written by :meth:`save` or
        :func:`save_sections` (safetensors: no pickle)."""
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata()
            key = _key(section, "ids")
            if key not in metadata:
                names = (k.rpartition(".") for k in metadata)
                found = sorted(name for name, _, last in names if last == "ids")
                raise ValueError(
                    f"{path} holds no token vectors of {section!r} (it holds "
                    f"{', '.join(map(repr, found)) or 'none'}): encode them again"
                )
            ids = json.loads(metadata[key])
            vectors = handle.get_tensor(_key(section, "vectors"))
            lengths = handle.get_tensor(_key(section, "lengths"))
        return cls(ids, vectors.float(), lengths)


def _key(section: str, name: str) -> str:
    return f"{section}.{name}" if section else name


def save_sections(
    path: str | Path, sections: Mapping[str, tuple[TokenIndex, torch.dtype]]
) -> None:
    """Write several token indexes (a tower's passages and queries of one
    language) into one safetensors file, atomically, each in its own dtype
    (float16 halves a collection's size and moves scores by about 1e-3; float32
    keeps queries exact). :meth:`TokenIndex.load` reads one back by name."""
    tensors: dict[str, torch.Tensor] = {}
    metadata: dict[str, str] = {}
    for section, (index, dtype) in sections.items():
        tensors[_key(section, "vectors")] = index.vectors.to(dtype).contiguous()
        tensors[_key(section, "lengths")] = index.lengths
        metadata[_key(section, "ids")] = json.dumps(index.ids)
    blob = save(tensors, metadata=metadata)
    with atomic_open(path, "wb") as handle:
        handle.write(blob)


def encode_texts(
    model,
    tokenizer,
    ids: Sequence[str],
    texts: Sequence[str],
    max_length: int,
    batch_size: int,
    device: torch.device,
    precision: str = "auto",
    desc: str = "encode",
) -> TokenIndex:
    """Token vectors of ``texts`` read by one tower (a ``BertLateInteraction``).

    Texts are tokenised once, sorted by length and batched, so each batch pads
    only to its own longest; special tokens keep their vectors, as in training.

    Returns
    -------
    TokenIndex
        ``ids`` in input order; vectors of shape (n_tokens, dim).
    """
    model.eval().to(device)
    dtype = autocast_dtype(device, precision)
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
    lengths = [len(x) for x in encoded["input_ids"]]
    order = np.argsort(lengths, kind="stable")
    pieces: list[torch.Tensor | None] = [None] * len(texts)
    with torch.inference_mode():
        for start in tqdm(range(0, len(texts), batch_size), desc=desc):
            idx = order[start : start + batch_size]
            batch = tokenizer.pad(
                [{"input_ids": encoded["input_ids"][i]} for i in idx],
                return_tensors="pt",
            )
            with autocast(device, dtype):
                vectors = model.encode(
                    batch["input_ids"].to(device), batch["attention_mask"].to(device)
                )
            vectors = vectors.float().cpu()
            for k, i in enumerate(idx):
                pieces[i] = vectors[k, : lengths[i]]
    return TokenIndex(
        list(ids),
        torch.cat([p for p in pieces if p is not None])
        if texts
        else torch.zeros(0, model.dim),
        torch.tensor(lengths, dtype=torch.long),
    )


def _maxsim(
    queries: torch.Tensor,
    query_mask: torch.Tensor,
    passages: torch.Tensor,
    passage_mask: torch.Tensor,
) -> torch.Tensor:
    """Every query against every passage: the sum over query tokens of the best
    cosine with a passage token.

    One matrix product of all query tokens with all passage tokens, the
    passages' padding pushed below any cosine by an extra coordinate (1 in
    every query token, 0 at a real passage token, -4 at padding), then a max
    over each passage's tokens.

    Parameters
    ----------
    queries, query_mask
        Shape: (n_queries, q_len, dim) and (n_queries, q_len).
    passages, passage_mask
        Shape: (n_passages, p_len, dim) and (n_passages, p_len).

    Returns
    -------
    torch.Tensor
        Shape: (n_queries, n_passages).
    """
    n_q, q_len, dim = queries.shape
    n_p, p_len, _ = passages.shape
    ones = torch.ones(n_q, q_len, 1, dtype=queries.dtype)
    bias = (~passage_mask).to(passages.dtype).unsqueeze(-1) * -4.0
    q = torch.cat([queries, ones], dim=-1).reshape(n_q * q_len, dim + 1)
    p = torch.cat([passages, bias], dim=-1).reshape(n_p * p_len, dim + 1)
    sim = (q @ p.T).view(n_q, q_len, n_p, p_len)
    best = sim.amax(dim=-1)  # (n_queries, q_len, n_passages)
    return (best * query_mask.unsqueeze(-1).to(best.dtype)).sum(dim=1)


def search(
    queries: TokenIndex,
    passages: TokenIndex,
    depth: int,
    exclude_self: bool = False,
) -> dict[str, dict[str, float]]:
    """Rank every passage for every query by MaxSim; keep the top ``depth``.

    ``exclude_self`` drops the passage whose id is the query's (a query that is
    itself a passage of the collection, as a verse in cross-reference retrieval).

    Returns
    -------
    dict
        ``qid -> docid -> score``, ``depth`` passages per query.
    """
    n_q, n_p = len(queries.ids), len(passages.ids)
    scores = torch.empty(n_q, n_p)
    # queries and passages in blocks of similar length, each block padded only
    # to its own longest text
    q_order = torch.argsort(queries.lengths, stable=True).tolist()
    q_blocks = [
        (rows, *queries.padded(rows))
        for rows in (
            q_order[q0 : q0 + _QUERY_BLOCK] for q0 in range(0, n_q, _QUERY_BLOCK)
        )
    ]
    order = torch.argsort(passages.lengths, stable=True).tolist()
    for start in tqdm(range(0, n_p, _BLOCK), desc="maxsim"):
        rows = order[start : start + _BLOCK]
        p_vectors, p_mask = passages.padded(rows)
        for q_rows, q_vectors, q_mask in q_blocks:
            block = _maxsim(q_vectors, q_mask, p_vectors, p_mask)
            scores[torch.tensor(q_rows).unsqueeze(1), torch.tensor(rows)] = block
    if exclude_self:
        where = {docid: i for i, docid in enumerate(passages.ids)}
        for qi, qid in enumerate(queries.ids):
            if qid in where:
                scores[qi, where[qid]] = float("-inf")
    keep = min(depth + (1 if exclude_self else 0), n_p)
    top = torch.topk(scores, keep, dim=1)
    run: dict[str, dict[str, float]] = {}
    for qi, qid in enumerate(queries.ids):
        docs = {
            passages.ids[j]: float(s)
            for s, j in zip(
                top.values[qi].tolist(), top.indices[qi].tolist(), strict=True
            )
            if s != float("-inf")
        }
        run[qid] = dict(list(docs.items())[:depth])
    return run


def score_pairs(
    queries: TokenIndex,
    passages: TokenIndex,
    pairs: Sequence[tuple[str, str]],
) -> np.ndarray:
    """MaxSim of given (qid, docid) pairs, each id found in its index.

    Returns
    -------
    numpy.ndarray
        Shape: (len(pairs),), float32, in the order of ``pairs``.
    """
    q_row = {qid: i for i, qid in enumerate(queries.ids)}
    p_row = {docid: i for i, docid in enumerate(passages.ids)}
    by_query: dict[str, list[int]] = {}
    for k, (qid, _) in enumerate(pairs):
        by_query.setdefault(qid, []).append(k)
    out = np.empty(len(pairs), dtype=np.float32)
    for qid, ks in by_query.items():
        q_vectors, q_mask = queries.padded([q_row[qid]])
        p_vectors, p_mask = passages.padded([p_row[pairs[k][1]] for k in ks])
        out[ks] = _maxsim(q_vectors, q_mask, p_vectors, p_mask)[0].numpy()
    return out


def encode_mapping(
    model,
    tokenizer,
    texts: Mapping[str, str],
    max_length: int,
    batch_size: int,
    device: torch.device,
    precision: str = "auto",
    desc: str = "encode",
) -> TokenIndex:
    """:func:`encode_texts` of an ``id -> text`` mapping, in its order."""
    ids = list(texts)
    return encode_texts(
        model,
        tokenizer,
        ids,
        [texts[i] for i in ids],
        max_length,
        batch_size,
        device,
        precision,
        desc,
    )


def iter_rows(index: TokenIndex) -> Iterator[tuple[str, torch.Tensor]]:
    """Each text's id and vectors, shape (length, dim)."""
    offsets = index.offsets
    for i, text_id in enumerate(index.ids):
        yield text_id, index.vectors[int(offsets[i]) : int(offsets[i + 1])]
