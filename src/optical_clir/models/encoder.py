"""The multilingual encoder of the simulation: a WordPiece tokenizer and a tiny
BERT pretrained from scratch by masked-language modelling.

The pretraining corpus concatenates every language's ``pretrain.txt``, whose
sizes follow the configured shares: that imbalance is how real multilingual
encoders acquire their language bias.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

from optical_clir.atomic import atomic_dir
from optical_clir.models.runtime import set_seed
from optical_clir.models.trainer import train_stage
from optical_clir.specs import PretrainSpec

logger = logging.getLogger(__name__)
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _canonical_order(vocab: Path) -> None:
    """Rewrite ``vocab`` as the special tokens, then every other piece sorted.

    The WordPiece trainer breaks frequency ties in hash-map order, which differs
    between processes: the same corpus gives the same pieces in a different
    order (different ids), so nothing downstream would be reproducible. Piece
    order does not change how text is split (longest match first).
    """
    pieces = vocab.read_text(encoding="utf-8").splitlines()
    head = pieces[: len(SPECIAL_TOKENS)]
    if head != list(SPECIAL_TOKENS):
        raise RuntimeError(f"{vocab}: expected {SPECIAL_TOKENS} first, got {head}")
    body = sorted(pieces[len(SPECIAL_TOKENS) :])
    vocab.write_text("\n".join(head + body) + "\n", encoding="utf-8")


def _continuations(wordpiece, corpora: Sequence[str | Path]) -> list[str]:
    """Every ``##c`` piece the WordPiece trainer would create, sorted.

    The trainer (tokenizers 0.23) gives these pieces ids in the iteration order
    of a hash map, which changes from process to process, and breaks ties
    between equally frequent merges by id: the same corpus could then give
    another vocabulary (huggingface/tokenizers#1794; seen on the tiny test
    corpus). Passed first, in sorted order, they get the same ids in every run;
    they are in the vocabulary either way, so it keeps its size and pieces.

    Parameters
    ----------
    wordpiece:
        The ``BertWordPieceTokenizer`` about to be trained (its normaliser and
        pre-tokeniser split the corpus into words as training will).
    corpora:
        The training text files.
    """
    normalizer = wordpiece.normalizer
    pre = wordpiece.pre_tokenizer
    chars: set[str] = set()
    for path in corpora:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                for word, _ in pre.pre_tokenize_str(normalizer.normalize_str(line)):
                    chars.update(word[1:])
    return sorted(f"##{c}" for c in chars)


def train_tokenizer(
    corpora: Sequence[str | Path], vocab_size: int, out: str | Path
) -> int:
    """Train a lower-casing WordPiece tokenizer (accents kept) on text files.

    Returns the vocabulary size; ``out`` is a ``save_pretrained`` directory.
    """
    from tokenizers import BertWordPieceTokenizer

    wordpiece = BertWordPieceTokenizer(lowercase=True, strip_accents=False)
    wordpiece.train(
        [str(p) for p in corpora],
        vocab_size=vocab_size,
        min_frequency=2,
        # the continuation characters first, in sorted order: see _continuations
        special_tokens=SPECIAL_TOKENS + _continuations(wordpiece, corpora),
        show_progress=False,
    )
    with atomic_dir(out) as tmp:
        wordpiece.save_model(str(tmp))
        _canonical_order(tmp / "vocab.txt")
        tokenizer = BertTokenizerFast(
            vocab=str(tmp / "vocab.txt"), do_lower_case=True, strip_accents=False
        )
        if len(tokenizer) != wordpiece.get_vocab_size():
            raise RuntimeError(
                f"tokenizer has {len(tokenizer)} entries, WordPiece trained "
                f"{wordpiece.get_vocab_size()}: the vocabulary was not loaded"
            )
        tokenizer.save_pretrained(tmp)
    logger.info("tokenizer: %d word pieces", len(tokenizer))
    return len(tokenizer)


def tiny_bert_config(vocab_size: int, arch: Mapping) -> BertConfig:
    """A small BERT configuration from the ``model`` config section."""
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=arch["hidden"],
        num_hidden_layers=arch["layers"],
        num_attention_heads=arch["heads"],
        intermediate_size=arch["intermediate"],
        max_position_embeddings=arch["max_length"],
        hidden_dropout_prob=arch["dropout"],
        attention_probs_dropout_prob=arch["dropout"],
    )


def _read_lines(paths: Sequence[str | Path]) -> list[str]:
    lines: list[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            lines.extend(line.strip() for line in handle if line.strip())
    return lines


def pretrain_mlm(
    tokenizer_dir: str | Path,
    corpora: Sequence[str | Path],
    arch: Mapping,
    pretrain: PretrainSpec,
    out: str | Path,
    checkpoints: str | Path,
    seed: int,
    device: torch.device,
    precision: str = "auto",
) -> dict[str, float]:
    """Pretrain a tiny BERT with MLM on the multilingual corpus; save it to ``out``.

    Each step samples ``batch_size`` lines uniformly from the pooled corpus, so
    a language is seen in proportion to its share. 15% of the tokens (by
    default) are selected; 80% of those become ``[MASK]``, 10% a random token.
    """
    set_seed(seed)
    tokenizer = BertTokenizerFast.from_pretrained(tokenizer_dir)
    lines = _read_lines(corpora)
    logger.info("MLM corpus: %d lines from %d files", len(lines), len(corpora))
    model = BertForMaskedLM(tiny_bert_config(len(tokenizer), arch))
    special = torch.tensor(tokenizer.all_special_ids)
    prob = pretrain.mlm_probability

    def loss_fn(step: int, micro: int) -> torch.Tensor:
        rng = np.random.default_rng([seed, step, micro])
        batch = [lines[i] for i in rng.integers(0, len(lines), pretrain.batch_size)]
        enc = tokenizer(
            batch,
            truncation=True,
            max_length=arch["max_length"],
            padding=True,
            return_tensors="pt",
        )
        ids = enc["input_ids"]
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        candidates = enc["attention_mask"].bool() & ~torch.isin(ids, special)
        chosen = (torch.rand(ids.shape, generator=gen) < prob) & candidates
        roll = torch.rand(ids.shape, generator=gen)
        inputs = ids.clone()
        inputs[chosen & (roll < 0.8)] = tokenizer.mask_token_id
        swap = chosen & (roll >= 0.8) & (roll < 0.9)
        inputs[swap] = torch.randint(len(tokenizer), ids.shape, generator=gen)[swap]
        hidden = model.bert(
            input_ids=inputs.to(device),
            attention_mask=enc["attention_mask"].to(device),
        ).last_hidden_state
        # the vocabulary projection only for masked positions: (n_masked, vocab)
        logits = model.cls(hidden[chosen.to(device)])
        return torch.nn.functional.cross_entropy(logits.float(), ids[chosen].to(device))

    stats = train_stage(
        model,
        pretrain,
        loss_fn,
        checkpoints=checkpoints,
        device=device,
        precision=precision,
        desc="mlm",
        seed=seed,
        inputs=[tokenizer_dir, *corpora],
        settings=arch,
    )
    with atomic_dir(out) as tmp:
        model.bert.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    return stats
