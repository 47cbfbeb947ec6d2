"""Vocabulary pruning: keep only the word pieces that occur in the configured text.

A multilingual encoder spends most of its parameters on its input embedding
matrix (XLM-R's 250k pieces x 384 = 96M of multilingual-E5-small's 118M; 120k x
768 in mBERT), and every optimiser step of a stage that trains it pays for that
matrix. Like BLADE (Nair et al., SIGIR 2023) and Geotrend's smaller multilingual
BERTs, :func:`prune_encoder` keeps the special tokens and the pieces that the
tokenizer produces on the given texts, renumbers them in their original order,
and slices the embedding matrix accordingly.

On the given texts the pruned tokenizer produces the same pieces as the original
(unigram: every piece of the best segmentation is kept, and removing unused
pieces cannot create a better one; WordPiece: the greedy longest match only ever
picks kept pieces), mapped to their new ids. Text outside them may segment
differently or fall back to the unknown token, so prune on every text the
workflow will read. Only fast (``tokenizer.json``) tokenizers with a unigram or
WordPiece model are supported.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from tqdm import tqdm

from optical_clir.atomic import atomic_dir
from optical_clir.errors import InputError

logger = logging.getLogger(__name__)
_BATCH = 2048


def used_ids(tokenizer, texts: Iterable[str]) -> set[int]:
    """Ids of every piece ``tokenizer`` produces on ``texts`` (no special tokens)."""
    used: set[int] = set()
    batch: list[str] = []

    def flush() -> None:
        for ids in tokenizer(batch, add_special_tokens=False)["input_ids"]:
            used.update(ids)
        batch.clear()

    for text in tqdm(texts, desc="prune: tokenise", unit=" texts", mininterval=5):
        batch.append(text)
        if len(batch) == _BATCH:
            flush()
    if batch:
        flush()
    return used


def _remap_special(node, new_id: dict[int, int]) -> None:
    """Remap special-token ids inside a serialised post-processor (in place)."""
    if isinstance(node, dict):
        if node.get("type") == "Sequence":
            for child in node.get("processors", []):
                _remap_special(child, new_id)
        for token in (node.get("special_tokens") or {}).values():
            token["ids"] = [new_id[i] for i in token["ids"]]
        for key in ("sep", "cls"):  # BertProcessing / RobertaProcessing: [token, id]
            if isinstance(node.get(key), list):
                node[key][1] = new_id[node[key][1]]


def prune_tokenizer_json(serialised: str, keep: Sequence[int]) -> str:
    """A ``tokenizer.json`` restricted to the ids in ``keep`` (ascending).

    Raises
    ------
    ValueError
        For a model type other than Unigram or WordPiece.
    """
    data = json.loads(serialised)
    new_id = {old: new for new, old in enumerate(keep)}
    model = data["model"]
    if model["type"] == "Unigram":
        model["vocab"] = [model["vocab"][old] for old in keep]
        if model.get("unk_id") is not None:
            model["unk_id"] = new_id[model["unk_id"]]
    elif model["type"] == "WordPiece":
        model["vocab"] = {
            piece: new_id[old] for piece, old in model["vocab"].items() if old in new_id
        }
    else:
        raise ValueError(
            f"model.prune_vocab supports unigram and WordPiece tokenizers, "
            f"not {model['type']}; set it to false"
        )
    for token in data.get("added_tokens") or []:
        token["id"] = new_id[token["id"]]
    _remap_special(data.get("post_processor"), new_id)
    return json.dumps(data, ensure_ascii=False)


def rebuilt_tokenizer(tokenizer, serialised: str):
    """A fast tokenizer with ``tokenizer``'s special tokens, maximum length and
    input names around the backend ``serialised`` (a ``tokenizer.json``)."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    specials = {
        name: getattr(tokenizer, name)
        for name in (
            "bos_token",
            "eos_token",
            "unk_token",
            "sep_token",
            "pad_token",
            "cls_token",
            "mask_token",
        )
        if getattr(tokenizer, name, None) is not None
    }
    return PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(serialised),
        model_max_length=tokenizer.model_max_length,
        model_input_names=list(tokenizer.model_input_names),
        **specials,
    )


def prune_encoder(
    source: str | Path, texts: Iterable[str], out: str | Path
) -> dict[str, int]:
    """Save ``source`` (model + fast tokenizer) with only the pieces used by ``texts``.

    Returns
    -------
    dict[str, int]
        ``pieces_before``, ``pieces_after``, ``embedding_rows_before``,
        ``parameters_before`` and ``parameters_after``.
    """
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
    if not getattr(tokenizer, "is_fast", False):
        raise InputError(
            source, "model.prune_vocab needs a fast tokenizer (tokenizer.json)"
        )
    model = AutoModel.from_pretrained(
        source, use_safetensors=True, trust_remote_code=False
    )
    keep = sorted(used_ids(tokenizer, texts) | set(tokenizer.all_special_ids))
    keep_set = set(keep)
    keep += [
        i
        for i in sorted(tokenizer.added_tokens_decoder)
        if i not in keep_set and i < len(tokenizer)
    ]
    keep.sort()
    pruned_tokenizer = rebuilt_tokenizer(
        tokenizer, prune_tokenizer_json(tokenizer.backend_tokenizer.to_str(), keep)
    )
    before = sum(p.numel() for p in model.parameters())
    rows = model.get_input_embeddings().weight.shape[0]
    index = torch.tensor(keep, dtype=torch.long)
    with torch.no_grad():
        weight = model.get_input_embeddings().weight[index].clone()
    embedding = torch.nn.Embedding(len(keep), weight.shape[1], padding_idx=None)
    embedding.weight.data.copy_(weight)
    model.set_input_embeddings(embedding)
    model.config.vocab_size = len(keep)
    if model.config.pad_token_id is not None:
        model.config.pad_token_id = keep.index(model.config.pad_token_id)
    after = sum(p.numel() for p in model.parameters())
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        pruned_tokenizer.save_pretrained(tmp)
    stats = {
        "pieces_before": len(tokenizer),
        "pieces_after": len(keep),
        "embedding_rows_before": rows,
        "parameters_before": before,
        "parameters_after": after,
    }
    logger.info(
        "pruned the vocabulary from %d to %d pieces; parameters %.1fM -> %.1fM",
        len(tokenizer),
        len(keep),
        before / 1e6,
        after / 1e6,
    )
    return stats
