"""Which weights of a BERT-style ranker train: the separation OPTICAL relies on.

OPTICAL separates cross-lingual knowledge (learnt from bitext) from
query-passage matching (learnt by the English teacher). In a cross-encoder the
matching lives in the upper transformer layers and the scoring head; how a
language's words map into the shared space lives in the token embeddings and the
lower layers. These helpers set ``requires_grad`` accordingly:

- the teacher may keep its embeddings and lower layers frozen
  (:func:`freeze_lower`), so English-only fine-tuning does not pull English
  token rows away from their translations;
- the student may train only its token embeddings
  (:func:`train_only_embeddings`) or its embeddings and first k layers
  (:func:`train_only_lower`), so the teacher's matching layers stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch


def transformer_layers(model: torch.nn.Module) -> torch.nn.ModuleList:
    """The encoder's layer list (``base_model.encoder.layer``, BERT-style)."""
    encoder = getattr(model.base_model, "encoder", None)
    layers = getattr(encoder, "layer", None)
    if not isinstance(layers, torch.nn.ModuleList):
        raise ValueError(
            f"{type(model).__name__} has no BERT-style encoder.layer list; freezing "
            "by layer needs a BERT/XLM-R-style model"
        )
    return layers


def _check_depth(model: torch.nn.Module, k: int, key: str) -> torch.nn.ModuleList:
    layers = transformer_layers(model)
    if not 0 <= k <= len(layers):
        raise ValueError(f"{key}: {k} is out of range for a {len(layers)}-layer model")
    return layers


def freeze_lower(model: torch.nn.Module, k: int) -> int:
    """Freeze the embedding layer and the first ``k`` transformer layers.

    Returns
    -------
    int
        Number of parameters that still train.
    """
    layers = _check_depth(model, k, "teacher.frozen_layers")
    frozen = [model.base_model.embeddings, *layers[:k]]
    for module in frozen:
        for parameter in module.parameters():
            parameter.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def train_only_embeddings(model: torch.nn.Module) -> int:
    """Leave only the input token embeddings (shape: (vocab_size, hidden)) trainable.

    Every other weight (positions, layer norms, attention, the scoring head) is
    shared by English and the target language and holds the teacher's matching
    knowledge; the alignment loss can then only move token rows, which for a
    target-language token means its meaning. Returns the trainable count.
    """
    embeddings = model.get_input_embeddings().weight
    for parameter in model.parameters():
        parameter.requires_grad_(parameter is embeddings)
    return embeddings.numel()


def train_only_lower(model: torch.nn.Module, k: int) -> int:
    """Train the token embeddings and the first ``k`` transformer layers only.

    Returns the number of trainable parameters.
    """
    layers = _check_depth(model, k, "distill.lower_layers")
    train_only_embeddings(model)
    for layer in layers[:k]:
        for parameter in layer.parameters():
            parameter.requires_grad_(True)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def freeze_rows(model: torch.nn.Module, rows: torch.Tensor) -> Callable[[], None]:
    """Keep the input embedding rows ``rows`` (token ids) as they are.

    Their gradient is zeroed by a hook; the optimiser's decoupled weight decay
    would still shrink them, so the returned function copies the saved rows
    back and is meant to run after every optimiser step. Used by
    ``distill.freeze_pivot_rows``: the rows of every token of the English side
    stay the teacher's, so only tokens that English never uses can move.
    """
    weight = model.get_input_embeddings().weight
    mask = torch.ones(weight.shape[0], 1, dtype=weight.dtype, device=weight.device)
    mask[rows] = 0
    weight.register_hook(lambda grad: grad * mask.to(grad.device))
    saved = weight.detach()[rows].clone()

    def restore() -> None:
        with torch.no_grad():
            weight[rows] = saved.to(weight.device)

    return restore


@contextmanager
def first_layers(model: torch.nn.Module, n: int) -> Iterator[None]:
    """Run only the first ``n`` transformer layers inside the block.

    States above the highest aligned layer are never needed by the alignment
    loss; skipping those layers saves their forward and backward passes. Inside
    the block ``hidden_states`` has ``n + 1`` entries; ``n`` must be at least 1
    (transformers collects hidden states around the layers it runs).
    """
    if n < 1:
        raise ValueError(f"first_layers needs at least one layer, not {n}")
    encoder = model.base_model.encoder
    full = transformer_layers(model)
    encoder.layer = full[:n]
    try:
        yield
    finally:
        encoder.layer = full
