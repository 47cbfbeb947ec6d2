"""The teacher's states of the English side of the bitext, computed once.

OPTICAL's teacher is frozen, so the states it gives an English sentence do not
change during distillation. Where several languages distil on the same English
sentences (the real-text tier: all five draw the same 2,000 verses), rule
``encode_teacher_bitext`` encodes each sentence once per teacher
(``distill.share_teacher_states``), instead of at every step of every language
and at every check of the collapse guard. :class:`TeacherStates` holds them,
padding dropped, and gives back the padded batch that
:meth:`~optical_clir.distill.OpticalLoss.encode` would have computed. A text's
states then come from another batch than the step's, so with bf16 autocast they
differ at bf16 rounding (docs/realtext.md#what-it-costs).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save
from tqdm import tqdm

from optical_clir.atomic import atomic_open
from optical_clir.errors import InputError
from optical_clir.models.token_index import packed_index

logger = logging.getLogger(__name__)


@dataclass
class TeacherStates:
    """Token states of texts read by the teacher, packed without padding.

    Attributes
    ----------
    texts
        The English texts, each once.
    lengths
        Shape: (n_texts,), int64: tokens of each text (special tokens included,
        padding not).
    input_ids
        Shape: (n_tokens,), int64; text ``i`` owns rows
        ``offsets[i]:offsets[i + 1]``.
    mass
        Shape: (n_tokens,), bool: the tokens that carry transport mass (not
        special).
    states
        Aligned layer -> shape (n_tokens, hidden), float32.
    settings
        What the states depend on besides the teacher (``max_length``,
        ``layers``, ``target``, ``precision``): a student refuses states made
        with other settings.
    """

    texts: list[str]
    lengths: torch.Tensor
    input_ids: torch.Tensor
    mass: torch.Tensor
    states: dict[int, torch.Tensor]
    settings: dict

    def __post_init__(self) -> None:
        self.row = {text: i for i, text in enumerate(self.texts)}
        self.offsets = torch.cat(
            [torch.zeros(1, dtype=torch.long), self.lengths.cumsum(0)]
        )

    def require(self, texts: Sequence[str], settings: dict, path: str | Path) -> None:
        """Refuse (naming ``path``) states made with other ``settings``, or
        without one of ``texts``."""
        if settings != self.settings:
            raise InputError(
                path,
                f"teacher states made with {self.settings}, the student needs "
                f"{settings}: delete the file so that rule encode_teacher_bitext "
                "makes it again",
            )
        missing = [t for t in dict.fromkeys(texts) if t not in self.row]
        if missing:
            raise InputError(
                path,
                f"{len(missing)} English bitext texts have no teacher states (the "
                f"first: {missing[0][:80]!r}): the file was made from another "
                "bitext; delete it so that rule encode_teacher_bitext makes it again",
            )

    def batch(
        self, texts: Sequence[str], device: torch.device
    ) -> tuple[dict[int, torch.Tensor], torch.Tensor, torch.Tensor]:
        """The padded states of ``texts``, as the teacher computes them in one batch.

        Returns
        -------
        tuple
            Layer -> states of shape (batch, length, hidden), float32; input ids
            of shape (batch, length), 0 at padding; and the mass mask of shape
            (batch, length), True at tokens that carry transport mass.
        """
        index, real = packed_index(
            self.offsets, self.lengths, [self.row[t] for t in texts]
        )
        states = {
            layer: torch.where(real[..., None], packed[index], 0.0).to(device)
            for layer, packed in self.states.items()
        }  # each (batch, length, hidden)
        ids = torch.where(real, self.input_ids[index], 0)
        return states, ids.to(device), (self.mass[index] & real).to(device)

    def save(self, path: str | Path) -> None:
        """One safetensors file (texts and settings in its metadata), atomically."""
        tensors = {
            "lengths": self.lengths,
            "input_ids": self.input_ids,
            "mass": self.mass.to(torch.uint8),
            **{f"layer{layer}": s.contiguous() for layer, s in self.states.items()},
        }
        metadata = {
            "texts": json.dumps(self.texts),
            "settings": json.dumps(self.settings),
        }
        with atomic_open(path, "wb") as handle:
            handle.write(save(tensors, metadata=metadata))

    @classmethod
    def load(cls, path: str | Path) -> TeacherStates:
        """Read a file written by :meth:`save` (safetensors: no pickle)."""
        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata()
        tensors = load_file(str(path))
        states = {
            int(key[len("layer") :]): value
            for key, value in tensors.items()
            if key.startswith("layer")
        }
        return cls(
            texts=json.loads(meta["texts"]),
            lengths=tensors["lengths"],
            input_ids=tensors["input_ids"],
            mass=tensors["mass"].bool(),
            states=states,
            settings=json.loads(meta["settings"]),
        )


def encode_teacher_states(
    loss, texts: Sequence[str], batch_size: int, settings: dict
) -> TeacherStates:
    """The states ``loss``'s teacher gives each of ``texts`` (duplicates read
    once), in batches of similar length, under the caller's autocast.

    Parameters
    ----------
    loss
        An :class:`~optical_clir.distill.OpticalLoss`: its teacher, tokenizer,
        aligned layers and ``max_length``.
    texts
        English sentences.
    batch_size
        Texts per forward pass.
    settings
        Stored with the states (:attr:`TeacherStates.settings`).
    """
    unique = list(dict.fromkeys(texts))
    tokenizer = loss.tokenizer
    lengths = [
        len(ids)
        for ids in tokenizer(
            unique, truncation=True, max_length=loss.params.max_length
        )["input_ids"]
    ]
    order = sorted(range(len(unique)), key=lambda i: (lengths[i], i))
    per_text: list[tuple[torch.Tensor, torch.Tensor, dict[int, torch.Tensor]]] = [
        None
    ] * len(unique)  # type: ignore[list-item]
    with torch.no_grad():
        for start in tqdm(
            range(0, len(order), batch_size), desc="teacher states", unit="batch"
        ):
            rows = order[start : start + batch_size]
            states, ids, mass = loss.teacher_batch([unique[i] for i in rows])
            for k, row in enumerate(rows):
                n = lengths[row]
                per_text[row] = (
                    ids[k, :n].cpu(),
                    mass[k, :n].cpu(),
                    {layer: s[k, :n].float().cpu() for layer, s in states.items()},
                )
    layers = list(per_text[0][2]) if per_text else []
    return TeacherStates(
        texts=unique,
        lengths=torch.tensor(lengths, dtype=torch.long),
        input_ids=torch.cat([t[0] for t in per_text]) if per_text else torch.zeros(0),
        mass=torch.cat([t[1] for t in per_text]) if per_text else torch.zeros(0),
        states={layer: torch.cat([t[2][layer] for t in per_text]) for layer in layers},
        settings=settings,
    )
