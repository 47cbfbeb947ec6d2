"""Rankers: cross-encoders (``[CLS] query [SEP] passage [SEP]`` -> one relevance
logit) and, through the same loading, training and scoring, late-interaction
rankers (:mod:`optical_clir.models.late_interaction`).

The teacher is the encoder plus a scoring head (``AutoModelForSequenceClassification``
with one label over ``[CLS]``, or a max over token states:
:mod:`optical_clir.models.max_pool_ranker`), fine-tuned on English training
triples with a pairwise softmax loss. Models load without ``trust_remote_code``
and save as safetensors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from optical_clir.atomic import atomic_dir
from optical_clir.errors import InputError
from optical_clir.formats import read_triples
from optical_clir.models.freezing import freeze_lower
from optical_clir.models.late_interaction import BertLateInteraction
from optical_clir.models.max_pool_ranker import BertMaxPoolRanker, BertMeanPoolRanker
from optical_clir.models.runtime import autocast, autocast_dtype, set_seed
from optical_clir.models.scorers import FAMILIES, scorer_for
from optical_clir.models.trainer import train_stage
from optical_clir.specs import TeacherSpec

logger = logging.getLogger(__name__)


POOLINGS = ("cls", "max", "mean")
#: the pooled heads, by name (``cls`` is transformers' own sequence classifier)
POOLED_HEADS = {"max": BertMaxPoolRanker, "mean": BertMeanPoolRanker}


def load_ranker(
    path: str | Path,
    device: torch.device | None = None,
    pooling: str | None = None,
    family: str | None = None,
):
    """Load a ranker, or an encoder with a fresh head of a ranker family.

    Parameters
    ----------
    path:
        Directory (or hub id) with ``config.json``, safetensors weights and a tokenizer.
    pooling:
        Cross-encoder head for a fresh model: ``cls``
        (``AutoModelForSequenceClassification``), ``max``
        (:class:`BertMaxPoolRanker`) or ``mean`` (:class:`BertMeanPoolRanker`).
        None: the head the saved model has (``cls`` for a bare encoder).
    family:
        ``cross_encoder`` or ``late_interaction``
        (:class:`~optical_clir.models.late_interaction.BertLateInteraction`, a
        fresh projection on a bare encoder). None: the saved model's family
        (``cross_encoder`` for a bare encoder).
    """
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    config = AutoConfig.from_pretrained(path, trust_remote_code=False)
    saved = (config.architectures or [""])[0]
    if family is None:
        family = (
            "late_interaction"
            if saved == BertLateInteraction.__name__
            else "cross_encoder"
        )
    if family not in FAMILIES:
        raise ValueError(f"ranker family must be one of {FAMILIES}, not {family!r}")
    if family == "late_interaction":
        if config.model_type != "bert":
            raise ValueError(
                f"rankers: late_interaction needs a BERT encoder, {path} is a "
                f"{config.model_type!r} model"
            )
        model = BertLateInteraction.from_pretrained(path, use_safetensors=True)
        if device is not None:
            model.to(device)
        return model, tokenizer
    if pooling is None:
        by_class = {cls.__name__: name for name, cls in POOLED_HEADS.items()}
        pooling = by_class.get(saved, "cls")
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, not {pooling!r}")
    if pooling in POOLED_HEADS and config.model_type != "bert":
        raise ValueError(
            f"teacher.pooling: {pooling} needs a BERT encoder, {path} is a "
            f"{config.model_type!r} model; use pooling: cls"
        )
    if pooling in POOLED_HEADS:
        model = POOLED_HEADS[pooling].from_pretrained(path, use_safetensors=True)
    else:
        model = AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=1, trust_remote_code=False, use_safetensors=True
        )
    if device is not None:
        model.to(device)
    return model, tokenizer


def tie_query_key(model) -> None:
    """Start every self-attention layer with its key projection equal to its query
    projection (weights and biases).

    The attention logit between tokens x and y is then ``x W W^T y``, a positive
    semi-definite form, so identical tokens (a query word and its occurrence in
    the passage) attend to each other from the first step: a lexical-matching
    prior for a cross-encoder whose encoder has never seen a query-passage
    pair. Fine-tuning then moves the two projections apart freely.

    Raises
    ------
    ValueError
        For a model without BERT-style ``attention.self.query``/``key`` layers.
    """
    layers = [
        module
        for name, module in model.named_modules()
        if name.endswith("attention.self")
        and hasattr(module, "query")
        and hasattr(module, "key")
    ]
    if not layers:
        raise ValueError(
            "teacher.tie_query_key: the model has no BERT-style self-attention "
            "(attention.self.query/key); set it to false"
        )
    with torch.no_grad():
        for attention in layers:
            attention.key.weight.copy_(attention.query.weight)
            attention.key.bias.copy_(attention.query.bias)


def check_query_lengths(
    tokenizer,
    queries: Sequence[tuple[str, str]],
    max_length: int,
    source: str | Path,
    key: str,
) -> None:
    """Fail before any work when a query leaves no room for its passage.

    A (query, passage) pair is truncated on the passage side only; a query of
    ``max_length`` tokens or more makes the tokenizer fail mid-stage ("Sequence
    to truncate too short"). ``queries`` are ``(where, text)`` pairs, ``where``
    naming the query (a qid or a line) in the message.

    Raises
    ------
    InputError
        Naming ``source``, the query, its length and the config ``key``.
    """
    if not queries:
        return
    room = max_length - tokenizer.num_special_tokens_to_add(pair=True) - 1
    lengths = [
        len(ids)
        for ids in tokenizer([q for _, q in queries], add_special_tokens=False)[
            "input_ids"
        ]
    ]
    too_long = [(w, n) for (w, _), n in zip(queries, lengths, strict=True) if n > room]
    if too_long:
        where, n = max(too_long, key=lambda item: item[1])
        raise InputError(
            source,
            f"{len(too_long)} queries leave no room for a passage under {key} = "
            f"{max_length} (at most {room} query tokens fit); the longest, {where}, "
            f"has {n} tokens. Raise {key} or shorten those queries",
        )


def save_ranker(model, tokenizer, out: str | Path) -> None:
    """Save model (safetensors) and tokenizer atomically to ``out``."""
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)


def train_teacher(
    encoder: str | Path,
    triples_path: str | Path,
    params: TeacherSpec,
    out: str | Path,
    checkpoints: str | Path,
    seed: int,
    device: torch.device,
    precision: str = "auto",
    family: str = "cross_encoder",
) -> dict[str, float]:
    """Fine-tune the English teacher on ``query<TAB>positive<TAB>negative`` triples.

    Loss: softmax cross-entropy over (positive, negative) logits per triple,
    i.e. pairwise RankNet-style, for either ranker ``family`` (the pairs go
    through the family's :mod:`~optical_clir.models.scorers`);
    ``params.max_triples`` caps the sample and ``params.pooling`` picks
    the cross-encoder's scoring head (see :func:`load_ranker`);
    ``params.tie_query_key`` starts attention from :func:`tie_query_key`;
    during the first ``params.random_negatives`` share of the steps each
    negative is a random passage of the pool (:func:`triples_loss`);
    ``params.frozen_layers`` freezes the embeddings and lower layers
    (:func:`~optical_clir.models.freezing.freeze_lower`).
    """
    set_seed(seed)
    triples = read_triples(triples_path)
    if params.max_triples:
        triples = triples[: params.max_triples]
    model, tokenizer = load_ranker(encoder, pooling=params.pooling, family=family)
    scorer = scorer_for(model)
    check_query_lengths(
        tokenizer,
        [(f"triple {i + 1}", q) for i, (q, _, _) in enumerate(triples)],
        params.max_length,
        triples_path,
        "teacher.max_length",
    )
    if params.tie_query_key:
        tie_query_key(model)
    if params.frozen_layers is not None:
        trainable = freeze_lower(model, params.frozen_layers)
        logger.info(
            "teacher: embeddings and the first %d layers frozen; %.2fM of %.2fM "
            "parameters train",
            params.frozen_layers,
            trainable / 1e6,
            sum(p.numel() for p in model.parameters()) / 1e6,
        )

    easy_steps = int(params.steps * params.random_negatives)
    if easy_steps:
        logger.info(
            "teacher: random negatives for the first %d of %d steps",
            easy_steps,
            params.steps,
        )

    def loss_fn(step: int, micro: int) -> torch.Tensor:
        rng = np.random.default_rng([seed, step, micro])
        return triples_loss(
            model,
            scorer,
            tokenizer,
            triples,
            rng,
            params.batch_size,
            params.max_length,
            device,
            random_negatives=step < easy_steps,
        )

    stats = train_stage(
        model,
        params,
        loss_fn,
        checkpoints=checkpoints,
        device=device,
        precision=precision,
        desc="teacher",
        seed=seed,
        inputs=[encoder, triples_path],
    )
    save_ranker(model, tokenizer, out)
    return stats


def triples_loss(
    model,
    scorer,
    tokenizer,
    triples: Sequence[tuple[str, str, str]],
    rng: np.random.Generator,
    batch_size: int,
    max_length: int,
    device: torch.device,
    random_negatives: bool = False,
) -> torch.Tensor:
    """The teacher's loss on one batch of :func:`draw_pairs` (the positives
    first; :func:`pairwise_loss`). Returns a scalar; the caller runs backward
    and the optimiser (and any autocast)."""
    pairs = draw_pairs(triples, rng, batch_size, random_negatives)
    features = scorer.features(tokenizer, pairs, max_length)
    enc = {k: v.to(device) for k, v in scorer.batch(tokenizer, features).items()}
    return pairwise_loss(model(**enc).logits, batch_size)


def draw_pairs(
    triples: Sequence[tuple[str, str, str]],
    rng: np.random.Generator,
    batch_size: int,
    random_negatives: bool = False,
) -> list[tuple[str, str]]:
    """One training batch: ``batch_size`` triples drawn by ``rng`` (with
    replacement) as 2 * batch_size (query, passage) pairs, the positives first,
    then each query's negative in the same order.

    With ``random_negatives`` each negative is the positive of another triple
    drawn by ``rng`` (an easy negative: it rarely shares the query's concepts)
    instead of the triple's own mined negative. Every passage of the pool is then
    as likely to be drawn as a negative as a positive, so the passage alone
    still does not predict the label.
    """
    n = len(triples)
    picked = rng.integers(0, n, batch_size)
    batch = [triples[i] for i in picked]
    if random_negatives and n > 1:
        # an offset of 1..n-1 never lands on the query's own triple
        others = (picked + rng.integers(1, n, batch_size)) % n
        negatives = [triples[j][1] for j in others]
    else:
        negatives = [neg for _, _, neg in batch]
    queries = [q for q, _, _ in batch]
    positives = [p for _, p, _ in batch]
    return list(zip(queries * 2, positives + negatives, strict=True))


def pairwise_loss(logits: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The teacher's loss: softmax cross-entropy of each triple's positive
    against its negative.

    ``logits`` has shape (2 * batch_size, 1) or (2 * batch_size,): the positives
    first, then the negatives, in the same order. Returns a scalar."""
    pairs = logits.view(2, batch_size).T.float()  # (batch, 2)
    target = torch.zeros(batch_size, dtype=torch.long, device=logits.device)
    return torch.nn.functional.cross_entropy(pairs, target)


def score_pairs(
    model,
    tokenizer,
    pairs: Sequence[tuple[str, str]],
    batch_size: int,
    max_length: int,
    device: torch.device,
    precision: str = "auto",
    progress: bool = True,
) -> np.ndarray:
    """Relevance logits of (query, passage) pairs.

    Pairs are sorted by length and batched with dynamic padding under
    ``torch.inference_mode`` (autocast on GPU); scores come back in input order.

    Returns
    -------
    numpy.ndarray
        Shape: (len(pairs),), float32.
    """
    model.eval().to(device)
    dtype = autocast_dtype(device, precision)
    scorer = scorer_for(model)
    # tokenise everything once (fast tokenizers are quickest on big batches), then
    # batch by token length so that each batch is padded only to its own longest
    features = scorer.features(tokenizer, pairs, max_length)
    order = np.argsort([scorer.length(f) for f in features], kind="stable")
    scores = np.empty(len(pairs), dtype=np.float32)
    starts = range(0, len(pairs), batch_size)
    with torch.inference_mode():
        for start in tqdm(starts, desc="rerank", disable=not progress):
            idx = order[start : start + batch_size]
            batch = scorer.batch(tokenizer, [features[i] for i in idx])
            with autocast(device, dtype):
                logits = model(**{k: v.to(device) for k, v in batch.items()}).logits
            scores[idx] = logits.float().view(-1).cpu().numpy()
    return scores
