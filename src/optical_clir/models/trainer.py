"""One resumable training loop shared by MLM pretraining, the teacher and OPTICAL.

Each step's batch is drawn from an RNG seeded by ``(seed, step)``, and dropout's
RNG state is checkpointed, so a killed-and-resumed run follows the same
trajectory as an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from safetensors.torch import load_file
from tqdm import tqdm

from optical_clir.models import checkpoint
from optical_clir.models.runtime import autocast, autocast_dtype

logger = logging.getLogger(__name__)

#: loss_fn(step, micro_batch) -> scalar loss (already on the model's device)
LossFn = Callable[[int, int], torch.Tensor]
#: callback(steps_done) -> True to stop training now (e.g. a collapse guard)
StepCallback = Callable[[int], bool]


@dataclass(frozen=True)
class TrainSpec:
    """Optimisation settings of one training stage (see ``config/simulation.yaml``)."""

    steps: int
    lr: float
    warmup: float = 0.1
    grad_accum: int = 1
    checkpoint_every: int = 100
    max_grad_norm: float = 1.0
    weight_decay: float = 0.01
    log_every: int = 25

    @classmethod
    def from_stage(cls, stage: StageSettings) -> TrainSpec:
        """From a stage's typed spec (:mod:`optical_clir.specs`). The loss is
        logged every ``steps // 10`` steps (at least 1, at most 25), so a short
        run logs too."""
        return cls(
            steps=stage.steps,
            lr=stage.lr,
            grad_accum=stage.grad_accum,
            checkpoint_every=stage.checkpoint_every,
            log_every=min(25, max(1, stage.steps // 10)),
        )


class StageSettings(Protocol):
    """What every training stage's spec carries (pretraining, teacher, OPTICAL)."""

    steps: int
    lr: float
    grad_accum: int
    checkpoint_every: int


def _schedule(spec: TrainSpec) -> Callable[[int], float]:
    warm = max(1, int(spec.steps * spec.warmup))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (spec.steps - step) / max(1, spec.steps - warm))

    return factor


def _restore(model: torch.nn.Module, path: Path) -> None:
    weights = load_file(str(path / "model.safetensors"))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    tied = {k for k in missing if "decoder" in k or k.endswith("predictions.bias")}
    if unexpected or set(missing) - tied:
        raise RuntimeError(
            f"checkpoint {path} does not match the model: missing "
            f"{sorted(set(missing) - tied)[:5]}, unexpected {unexpected[:5]}; "
            "delete the checkpoint directory to start over"
        )


class Optimisation:
    """The optimiser side of one training step, as every stage runs it: AdamW
    with linear warm-up and decay, gradient accumulation, autocast on GPU (with
    loss scaling for fp16), gradient clipping.

    Parameters
    ----------
    model:
        Its parameters that require gradients are optimised.
    spec:
        Learning rate, steps (for the schedule), accumulation, clipping.
    device, precision:
        Where the loss is computed, and the autocast setting
        (:func:`~optical_clir.models.runtime.autocast_dtype`).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        spec: TrainSpec,
        device: torch.device,
        precision: str = "auto",
    ):
        self.spec = spec
        self.device = device
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(
            self.params, lr=spec.lr, weight_decay=spec.weight_decay
        )
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, _schedule(spec)
        )
        self.dtype = autocast_dtype(device, precision)
        self.scaler = torch.amp.GradScaler(enabled=self.dtype == torch.float16)

    def backward(self, loss: torch.Tensor) -> None:
        """Accumulate the gradients of a scalar ``loss`` (scaled under fp16)."""
        self.scaler.scale(loss).backward()

    def update(self) -> None:
        """Clip, step the optimiser and the schedule, clear the gradients."""
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.params, self.spec.max_grad_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        self.scheduler.step()

    def step(self, loss_fn: LossFn, step: int) -> float:
        """One optimiser step over ``spec.grad_accum`` micro-batches of
        ``loss_fn(step, micro)`` under autocast; returns the step's loss."""
        total = 0.0
        for micro in range(self.spec.grad_accum):
            with autocast(self.device, self.dtype):
                loss = loss_fn(step, micro) / self.spec.grad_accum
            self.backward(loss)
            total += float(loss.detach())
        self.update()
        return total


def train(
    model: torch.nn.Module,
    spec: TrainSpec,
    loss_fn: LossFn,
    checkpoints: str | Path,
    device: torch.device,
    precision: str = "auto",
    desc: str = "train",
    context: str = "",
    callback: StepCallback | None = None,
) -> dict[str, float]:
    """Optimise ``model`` for ``spec.steps`` steps, resuming from ``checkpoints``.

    ``context`` identifies the starting point (for example a fingerprint of the
    initial weights and data); checkpoints written under another context are
    discarded instead of resumed. ``callback`` is called after every step with
    the number of steps done; when it returns True, training ends there.

    Raises
    ------
    checkpoint.Interrupted
        After writing a checkpoint, when SIGTERM arrived during training.

    Returns
    -------
    dict[str, float]
        ``first_loss``, ``last_loss`` (means over the first/last logging window;
        a run shorter than one window uses its partial window), ``seconds``,
        ``resumed_from`` and ``steps_done``.
    """
    opt = Optimisation(model, spec, device, precision)
    start = 0
    found = checkpoint.latest(checkpoints)
    state = checkpoint.load_state(found[1]) if found is not None else None
    if state is not None and state.get("context") != context:
        logger.warning("discarding checkpoints of another run in %s", checkpoints)
        shutil.rmtree(checkpoints)
        state = None
    if state is not None:
        start, path = found
        _restore(model, path)
        opt.optimizer.load_state_dict(state["optimizer"])
        opt.scheduler.load_state_dict(state["scheduler"])
        checkpoint.set_rng_state(state["rng"])
        logger.info(
            "resuming %s from %s (step %d of %d)", desc, path, start, spec.steps
        )
    model.to(device).train()
    losses: list[float] = []
    first = last = math.nan
    done = start
    began = time.perf_counter()
    with checkpoint.StopFlag() as stop:
        bar = tqdm(range(start, spec.steps), desc=desc, initial=start, total=spec.steps)
        for step in bar:
            losses.append(opt.step(loss_fn, step))
            if len(losses) == spec.log_every:
                mean = sum(losses) / len(losses)
                first = mean if math.isnan(first) else first
                last = mean
                bar.set_postfix(loss=f"{mean:.4f}")
                logger.info("%s step %d/%d loss %.4f", desc, step + 1, spec.steps, mean)
                losses = []
            done = step + 1
            if stop.requested or done % spec.checkpoint_every == 0:
                state = {
                    "optimizer": opt.optimizer.state_dict(),
                    "scheduler": opt.scheduler.state_dict(),
                    "rng": checkpoint.rng_state(),
                    "context": context,
                }
                checkpoint.save(checkpoints, done, model, state)
            if stop.requested:
                raise checkpoint.Interrupted(
                    f"{desc} stopped by SIGTERM at step {done}; rerun to resume"
                )
            if callback is not None and callback(done):
                logger.info("%s: stopped at step %d by its guard", desc, done)
                break
    if losses:
        last = sum(losses) / len(losses)
        first = last if math.isnan(first) else first
        logger.info("%s step %d/%d loss %.4f", desc, done, spec.steps, last)
    return {
        "first_loss": first,
        "last_loss": last,
        "seconds": time.perf_counter() - began,
        "resumed_from": start,
        "steps_done": done,
    }


def train_stage(
    model: torch.nn.Module,
    stage: StageSettings,
    loss_fn: LossFn,
    *,
    checkpoints: str | Path,
    device: torch.device,
    precision: str,
    desc: str,
    seed: int,
    inputs: Sequence[str | Path],
    settings: Mapping[str, Any] | None = None,
    callback: StepCallback | None = None,
) -> dict[str, float]:
    """:func:`train` with a stage's typed spec (``stage``), resuming only from
    checkpoints of the same start: the fingerprint of ``inputs`` (the starting
    model and the data), of the spec, the seed and any further ``settings``."""
    from optical_clir.fingerprint import fingerprint
    from optical_clir.specs import as_settings

    context = fingerprint(
        *inputs, settings={**as_settings(stage), "seed": seed, **(settings or {})}
    )
    return train(
        model,
        TrainSpec.from_stage(stage),
        loss_fn,
        checkpoints,
        device,
        precision,
        desc=desc,
        context=context,
        callback=callback,
    )
