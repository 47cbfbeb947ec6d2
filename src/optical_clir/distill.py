"""OPTICAL: cross-lingual token alignment as optimal transport, used to distil the
English teacher into a student for one target language with bitext only.

For a bitext pair (english, foreign), the frozen teacher encodes the English side
and the student (initialised from the teacher) the foreign side. For each
configured layer, the cost between student token i and teacher token j is
``1 - cos(h_i, h_j)``; special and padding tokens carry no mass. The entropic OT
plan T (Sinkhorn, regularisation ``reg``) aligns the two token sets without any
word alignment, and the loss is the transport cost ``<T, C>``, averaged over
layers and pairs. (Huang, Yu & Allan, WSDM 2023.)
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from optical_clir.formats import read_bitext
from optical_clir.layers import resolve_layers
from optical_clir.models.collapse import CollapseGuard
from optical_clir.models.cross_encoder import load_ranker, save_ranker
from optical_clir.models.freezing import (
    first_layers,
    freeze_rows,
    train_only_embeddings,
    train_only_lower,
    transformer_layers,
)
from optical_clir.models.runtime import precision_in_use, set_seed
from optical_clir.models.trainer import train_stage
from optical_clir.ot import cosine_cost, ot_loss, uniform_marginals, weighted_marginals
from optical_clir.specs import DistillSpec

logger = logging.getLogger(__name__)


def idf_table(tokenizer, texts: Sequence[str]) -> torch.Tensor:
    """Smoothed IDF of every vocabulary id over ``texts`` (one text = one document).

    Returns
    -------
    torch.Tensor
        Shape: (vocab_size,); ``log((N + 1) / (df + 1)) + 1``.
    """
    df: Counter[int] = Counter()
    for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]:
        df.update(set(ids))
    counts = torch.tensor(
        [df.get(i, 0) for i in range(len(tokenizer))], dtype=torch.float
    )
    return torch.log((len(texts) + 1) / (counts + 1)) + 1


class OpticalLoss:
    """The OT alignment loss between teacher (English) and student (foreign) tokens.

    Parameters
    ----------
    teacher, student:
        Rankers with the same architecture; ``teacher`` is frozen. ``student``
        None: only the teacher's states are computed (:meth:`teacher_batch`).
    tokenizer:
        The teacher's tokenizer (the student's too, unless ``student_tokenizer``).
    params:
        The ``distill`` settings (``layers``, ``reg``, ``marginals``,
        ``grad_mode``, ``max_iter``, ``tol``, ``max_length``, ``english_anchor``).
    idf:
        Per-token IDF (shape: (vocab_size,)) when ``marginals == 'idf'``.
    student_tokenizer:
        The student's own tokenizer, when it has new pieces
        (:mod:`~optical_clir.models.new_pieces`); it cuts English as
        ``tokenizer`` does.
    """

    def __init__(
        self,
        teacher,
        student,
        tokenizer,
        params: DistillSpec,
        device,
        idf=None,
        student_tokenizer=None,
    ):
        self.teacher = teacher.eval().to(device)
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.student = student.to(device) if student is not None else None
        self.tokenizer = tokenizer
        self.student_tokenizer = student_tokenizer or tokenizer
        self.params = params
        self.device = device
        #: the teacher's states of the English side computed once, or None
        self.teacher_states = None
        self.idf = idf.to(device) if idf is not None else None
        self.output = params.target == "output"
        if self.output:
            # the ranker's own token vectors (late interaction: the projected,
            # normalised vectors MaxSim scores), one "layer"
            for model in (teacher, student):
                if not hasattr(model, "encode"):
                    raise ValueError(
                        "distill.target: output needs a late-interaction ranker "
                        "(token vectors); a cross-encoder has none"
                    )
            self.layers = [0]
            self.depth = teacher.config.num_hidden_layers
            return
        n_states = teacher.config.num_hidden_layers + 1
        self.layers = resolve_layers(params.layers, n_states)
        # layers above the highest aligned one never reach the loss: skip them
        # (one layer at least: transformers collects hidden states per layer)
        self.depth = max(1, max(self.layers))

    def _tokenize(self, model, texts: Sequence[str]):
        """``texts`` cut by ``model``'s tokenizer: the encoding (``input_ids``,
        ``attention_mask``, each (batch, length)) and the mask of shape (batch,
        length) of the tokens that carry transport mass (real, not special)."""
        tokenizer = self.tokenizer if model is self.teacher else self.student_tokenizer
        enc = tokenizer(
            list(texts),
            truncation=True,
            max_length=self.params.max_length,
            padding=True,
            return_tensors="pt",
            return_special_tokens_mask=True,
        ).to(self.device)
        special = enc.pop("special_tokens_mask")
        return enc, enc["attention_mask"].bool() & ~special.bool()

    def encode(self, model, texts: Sequence[str]):
        """Hidden states (up to the highest aligned layer) and OT marginals of
        ``texts`` read by ``model`` (with its own tokenizer): a tuple of
        (batch, length, hidden) tensors, and weights of shape (batch, length)
        summing to 1 over real tokens."""
        enc, mask = self._tokenize(model, texts)
        return self.encode_batch(model, enc, mask)

    def encode_batch(self, model, enc, mask: torch.Tensor):
        """:meth:`encode` from token ids: ``enc`` holds ``input_ids`` and
        ``attention_mask`` (batch, length); ``mask`` (batch, length) marks the
        tokens that carry transport mass."""
        return self._states(model, enc), self._marginals(mask, enc["input_ids"])

    def _states(self, model, enc) -> tuple[torch.Tensor, ...]:
        """``model``'s states of the encoded batch: the hidden states up to the
        highest aligned layer, or (``target: output``) its token vectors; each
        (batch, length, hidden)."""
        if self.output:
            return (model.encode(enc["input_ids"], enc["attention_mask"]),)
        with first_layers(model, self.depth):
            return model.base_model(**enc, output_hidden_states=True).hidden_states

    def _marginals(self, mask: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
        """OT weights of shape (batch, length) over the tokens of ``mask``."""
        if self.idf is not None:
            return weighted_marginals(mask, self.idf[input_ids])
        return uniform_marginals(mask)

    def teacher_batch(self, english: Sequence[str]):
        """The frozen teacher's states of ``english`` at the aligned layers.

        Returns
        -------
        tuple
            Layer -> states of shape (batch, length, hidden); input ids and the
            mass mask, each of shape (batch, length).
        """
        enc, mask = self._tokenize(self.teacher, english)
        with torch.no_grad():
            states = self._states(self.teacher, enc)
        return {layer: states[layer] for layer in self.layers}, enc["input_ids"], mask

    def teacher_encode(self, english: Sequence[str]):
        """:meth:`encode` of ``english`` by the teacher: from the states computed
        once (:attr:`teacher_states`, :mod:`optical_clir.teacher_states`) when
        set, else now. States indexed by aligned layer, and OT weights of
        shape (batch, length)."""
        if self.teacher_states is not None:
            states, ids, mask = self.teacher_states.batch(english, self.device)
        else:
            states, ids, mask = self.teacher_batch(english)
        return states, self._marginals(mask, ids)

    def states_settings(self, precision: str) -> dict:
        """What the teacher's states depend on besides the teacher and the text
        (stored with shared states: :class:`~.teacher_states.TeacherStates`)."""
        return {
            "max_length": self.params.max_length,
            "layers": list(self.layers),
            "target": self.params.target,
            "precision": precision_in_use(self.device, precision),
        }

    def __call__(self, english: Sequence[str], foreign: Sequence[str]) -> torch.Tensor:
        """Mean over layers and pairs of ``<T, C>``, plus the English anchor when
        ``params.english_anchor`` > 0 and the in-batch contrastive term when
        ``params.contrastive`` > 0. Shape: () scalar."""
        teacher = self.teacher_encode(english)
        student = self.encode(self.student, foreign)
        if self.params.contrastive > 0:
            costs = self.batch_costs(teacher, student)  # (batch, batch)
            loss = costs.diagonal().mean()
            loss = loss + self.params.contrastive * self._contrastive(costs)
        else:
            loss = self.transport(teacher, student).mean()
        weight = self.params.english_anchor
        if weight > 0:
            loss = loss + weight * self._anchor(teacher, english)
        return loss

    def batch_costs(self, teacher, student) -> torch.Tensor:
        """``<T, C>`` of every (foreign i, English j) pair of a batch, averaged
        over the aligned layers: the diagonal holds the translations.

        Returns
        -------
        torch.Tensor
            Shape: (batch, batch); row i is foreign sentence i.
        """
        (t_states, b), (s_states, a) = teacher, student
        n = len(a)
        total = torch.zeros(n, n, device=self.device)
        for layer in self.layers:
            s = s_states[layer].float()  # (batch, n_s, hidden)
            t = t_states[layer].float()  # (batch, n_t, hidden)
            s_rep = s.repeat_interleave(n, dim=0)  # (batch * batch, n_s, hidden)
            t_rep = t.repeat(n, 1, 1)  # (batch * batch, n_t, hidden)
            cost = cosine_cost(s_rep, t_rep)
            total = total + ot_loss(
                cost,
                a.repeat_interleave(n, dim=0).to(cost.dtype),
                b.repeat(n, 1).to(cost.dtype),
                self.params.reg,
                grad_mode=self.params.grad_mode,
                solver=self.params.solver,
                max_iter=self.params.max_iter,
                tol=self.params.tol,
            ).view(n, n)
        return total / len(self.layers)

    def _contrastive(self, costs: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of each foreign sentence finding its own translation
        among the batch's English sentences, with logits ``-cost / temperature``
        (both directions). A student that makes every foreign sentence look like
        English in general lowers the matching cost, and this term rises.
        Shape: () scalar."""
        logits = -costs / self.params.contrastive_temperature
        target = torch.arange(len(costs), device=costs.device)
        return 0.5 * (
            torch.nn.functional.cross_entropy(logits, target)
            + torch.nn.functional.cross_entropy(logits.T, target)
        )

    def pair_costs(
        self, english: Sequence[str], foreign: Sequence[str]
    ) -> torch.Tensor:
        """``<T, C>`` of each pair, averaged over layers. Shape: (n_pairs,)."""
        teacher = self.teacher_encode(english)
        return self.transport(teacher, self.encode(self.student, foreign))

    def transport(self, teacher, student) -> torch.Tensor:
        """``<T, C>`` per pair, averaged over the aligned layers, from two
        :meth:`encode` results. Shape: (batch,)."""
        (t_states, b), (s_states, a) = teacher, student
        total = torch.zeros(len(a), device=self.device)
        for layer in self.layers:
            cost = cosine_cost(s_states[layer].float(), t_states[layer].float())
            total = total + ot_loss(
                cost,
                a.to(cost.dtype),
                b.to(cost.dtype),
                self.params.reg,
                grad_mode=self.params.grad_mode,
                solver=self.params.solver,
                max_iter=self.params.max_iter,
                tol=self.params.tol,
            )
        return total / len(self.layers)

    def _anchor(self, teacher, english: Sequence[str]) -> torch.Tensor:
        """The student's English states kept on the teacher's: mean over real
        tokens and layers of ``1 - cos`` between the two models' states of the
        same English tokens. The student reads English queries at reranking time
        with the same weights, so this keeps what the teacher does with English
        while the OT term moves the foreign side. Shape: () scalar."""
        t_states, mask = teacher
        s_states, _ = self.encode(self.student, english)
        real = (mask > 0).float()  # (batch, length)
        total = torch.zeros((), device=self.device)
        for layer in self.layers:
            cos = torch.nn.functional.cosine_similarity(
                s_states[layer].float(), t_states[layer].float(), dim=-1
            )  # (batch, length)
            total = total + ((1 - cos) * real).sum() / real.sum().clamp(min=1)
        return total / len(self.layers)


def pivot_rows(tokenizer, english: Sequence[str]) -> torch.Tensor:
    """Ids of every token the English texts use, special tokens included.

    Shape: (n_tokens,), sorted."""
    used = set(tokenizer.all_special_ids)
    for ids in tokenizer(list(english), add_special_tokens=False)["input_ids"]:
        used.update(ids)
    return torch.tensor(sorted(used), dtype=torch.long)


def _after_steps(hooks: Sequence, guard):
    """One training callback: ``hooks`` after every step, then the guard."""
    if not hooks:
        return guard

    def callback(done: int) -> bool:
        for hook in hooks:
            hook()
        return bool(guard(done)) if guard is not None else False

    return callback


def set_trainable(student, params: DistillSpec) -> int:
    """Apply ``distill.trainable`` to the student; returns its trainable count."""
    if params.trainable == "embeddings":
        return train_only_embeddings(student)
    if params.trainable == "lower":
        return train_only_lower(student, params.lower_layers)
    transformer_layers(student)  # a BERT-style model, as the loss needs
    return sum(p.numel() for p in student.parameters() if p.requires_grad)


def split_heldout(
    pairs: list[tuple[str, str]], n: int, seed: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Hold ``n`` seeded pairs out of training (none when the bitext is too small
    to spare them: fewer than ``4 n`` pairs)."""
    if n <= 1 or len(pairs) < 4 * n:
        return pairs, []
    rng = np.random.default_rng([seed, 17])
    held = set(rng.choice(len(pairs), n, replace=False).tolist())
    train_pairs = [p for i, p in enumerate(pairs) if i not in held]
    return train_pairs, [pairs[i] for i in sorted(held)]


def cap_pairs(
    pairs: list[tuple[str, str]], budget: int | None, seed: int, source: str
) -> list[tuple[str, str]]:
    """A seeded sample of ``budget`` pairs (the language's ``bitext_pairs``) when
    the bitext has more; all of them, with a warning, when it has fewer."""
    if budget is None or len(pairs) == budget:
        return pairs
    if len(pairs) < budget:
        logger.warning(
            "%s has %d pairs, fewer than bitext_pairs = %d: using all of them",
            source,
            len(pairs),
            budget,
        )
        return pairs
    rng = np.random.default_rng([seed, 19])
    keep = sorted(rng.choice(len(pairs), budget, replace=False).tolist())
    logger.info(
        "bitext: %d of the %d pairs of %s (bitext_pairs)", budget, len(pairs), source
    )
    return [pairs[i] for i in keep]


def distill(
    teacher_dir: str | Path,
    bitext_path: str | Path,
    params: DistillSpec,
    out: str | Path,
    checkpoints: str | Path,
    seed: int,
    device: torch.device,
    precision: str = "auto",
    bitext_pairs: int | None = None,
    new_pieces: int = 0,
    teacher_states: str | Path | None = None,
) -> dict[str, float]:
    """Distil the teacher into a student for one language; save it to ``out``.

    ``bitext_pairs`` caps the bitext (a seeded sample); ``params.heldout_pairs``
    of it are held out to watch for collapse (:class:`CollapseGuard`);
    ``new_pieces`` > 0 adds up to that many words of the training pairs' target
    side to the student's vocabulary (:mod:`optical_clir.models.new_pieces`);
    ``teacher_states`` is a file of the teacher's states of the English side,
    computed once (:func:`encode_bitext_states`), else they are computed at
    every step.
    """
    set_seed(seed)
    pairs = distilled_pairs(bitext_path, bitext_pairs, seed)
    pairs, heldout = split_heldout(pairs, params.heldout_pairs, seed)
    teacher, tokenizer = load_ranker(teacher_dir)
    student, _ = load_ranker(teacher_dir)
    student_tokenizer, vocabulary = tokenizer, {}
    if new_pieces > 0:
        from optical_clir.models.new_pieces import extend_student

        student_tokenizer, vocabulary = extend_student(
            student,
            tokenizer,
            [f for _, f in pairs],
            [e for e, _ in pairs + heldout],
            new_pieces,
        )
    trainable = set_trainable(student, params)
    after_step = []
    if params.freeze_pivot_rows:
        rows = pivot_rows(tokenizer, [e for e, _ in pairs + heldout])
        after_step.append(freeze_rows(student, rows))
        logger.info(
            "embedding rows of the %d tokens of the English side are frozen", len(rows)
        )
    idf = None
    if params.marginals == "idf":
        idf = idf_table(
            student_tokenizer, [e for e, _ in pairs] + [f for _, f in pairs]
        )
    loss = OpticalLoss(
        teacher, student, tokenizer, params, device, idf, student_tokenizer
    )
    if teacher_states is not None:
        from optical_clir.teacher_states import TeacherStates

        loss.teacher_states = TeacherStates.load(teacher_states)
        loss.teacher_states.require(
            [e for e, _ in pairs + heldout],
            loss.states_settings(precision),
            teacher_states,
        )
        logger.info("the teacher's states of the English side: %s", teacher_states)
    logger.info(
        "OPTICAL: %d bitext pairs (+%d held out), layers %s, reg %g, %s marginals, "
        "%s gradients, training %s (%.2fM parameters)",
        len(pairs),
        len(heldout),
        loss.layers,
        params.reg,
        params.marginals,
        params.grad_mode,
        params.trainable,
        trainable / 1e6,
    )
    batch_size = params.batch_size

    def loss_fn(step: int, micro: int) -> torch.Tensor:
        rng = np.random.default_rng([seed, step, micro])
        batch = [pairs[i] for i in rng.integers(0, len(pairs), batch_size)]
        return loss([e for e, _ in batch], [f for _, f in batch])

    guard = None
    if heldout:
        guard = CollapseGuard(
            loss,
            heldout,
            check_every=params.collapse.check_every,
            min_ratio=params.collapse.min_ratio,
            action=params.collapse.action,
            last_step=params.steps,
        )
    stats = train_stage(
        student,
        params,
        loss_fn,
        checkpoints=checkpoints,
        device=device,
        precision=precision,
        desc="optical",
        seed=seed,
        inputs=[teacher_dir, bitext_path, *filter(None, [teacher_states])],
        settings={"bitext_pairs": bitext_pairs, "new_pieces": new_pieces},
        callback=_after_steps(after_step, guard),
    )
    if guard is not None:
        stats.update(guard.summary())
    stats.update(vocabulary)
    save_ranker(student, student_tokenizer, out)
    if math.isnan(stats["last_loss"]):
        logger.warning("no loss window completed; raise distill.steps")
    return stats


def distilled_pairs(
    bitext_path: str | Path, bitext_pairs: int | None, seed: int
) -> list[tuple[str, str]]:
    """The pairs :func:`distill` reads from ``bitext_path`` (training and held
    out): the seeded sample of ``bitext_pairs``."""
    return cap_pairs(read_bitext(bitext_path), bitext_pairs, seed, str(bitext_path))


def encode_bitext_states(
    teacher_dir: str | Path,
    bitexts: Sequence[str | Path],
    bitext_pairs: Sequence[int | None],
    params: DistillSpec,
    out: str | Path,
    seed: int,
    device: torch.device,
    precision: str = "auto",
) -> None:
    """The teacher's states of the English side of every language's bitext,
    each distinct sentence once, saved to ``out`` for :func:`distill`
    (``teacher_states``). ``bitext_pairs`` caps each file as :func:`distill`
    does, with the same ``seed``."""
    from optical_clir.models.runtime import autocast, autocast_dtype
    from optical_clir.teacher_states import encode_teacher_states

    english = [
        e
        for path, budget in zip(bitexts, bitext_pairs, strict=True)
        for e, _ in distilled_pairs(path, budget, seed)
    ]
    teacher, tokenizer = load_ranker(teacher_dir)
    loss = OpticalLoss(teacher, None, tokenizer, params, device)
    with autocast(device, autocast_dtype(device, precision)):
        states = encode_teacher_states(
            loss, english, params.batch_size, loss.states_settings(precision)
        )
    states.save(out)
    logger.info(
        "teacher states of %d English sentences (%d in %d bitext files), layers %s",
        len(states.texts),
        len(english),
        len(bitexts),
        loss.layers,
    )
