"""Resumable training: atomic checkpoints and a SIGTERM-aware stop flag.

A checkpoint is a directory ``<root>/step-<N>/`` with the model in safetensors
(``save_pretrained``), and the optimizer, scheduler, step and RNG states in a
``state.pt`` loaded with ``weights_only=True``. It appears only once complete
(written to a temporary directory, then renamed), so a job killed while saving
resumes from the previous one.
"""

from __future__ import annotations

import logging
import re
import shutil
import signal
from pathlib import Path
from typing import Any

import torch

from optical_clir.atomic import atomic_dir

logger = logging.getLogger(__name__)
_STEP = re.compile(r"^step-(\d+)$")


def _checkpoints(root: Path) -> list[tuple[int, Path]]:
    """Complete checkpoints under ``root`` as ``(step, path)``, oldest first."""
    if not root.is_dir():
        return []
    return sorted(
        (int(m[1]), p)
        for p in root.iterdir()
        if (m := _STEP.match(p.name)) and p.is_dir()
    )


def latest(root: str | Path) -> tuple[int, Path] | None:
    """The newest complete checkpoint under ``root`` as ``(step, path)``."""
    found = _checkpoints(Path(root))
    return found[-1] if found else None


def save(
    root: str | Path,
    step: int,
    model: Any,
    state: dict[str, Any],
    keep: int = 2,
) -> Path:
    """Write checkpoint ``step`` atomically and prune all but the last ``keep``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"step-{step}"
    with atomic_dir(final) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        torch.save(state, tmp / "state.pt")
    for _, path in _checkpoints(root)[:-keep]:
        shutil.rmtree(path, ignore_errors=True)
    logger.info("checkpoint saved: %s", final)
    return final


def load_state(path: str | Path) -> dict[str, Any]:
    """Optimizer/scheduler/step/RNG state of a checkpoint (``weights_only``)."""
    return torch.load(Path(path) / "state.pt", weights_only=True, map_location="cpu")


def rng_state() -> dict[str, Any]:
    """torch CPU (and CUDA) RNG states, as tensors."""
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class StopFlag:
    """Turns SIGTERM (Slurm preemption or time limit) into a clean stop request.

    The training loop checks :attr:`requested` after each step, saves a
    checkpoint and exits non-zero, so the job is rerun and resumes.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self) -> StopFlag:
        self._previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGTERM, self._previous or signal.SIG_DFL)

    def _handle(self, signum: int, frame: object) -> None:
        logger.warning("SIGTERM received: checkpointing and stopping")
        self.requested = True


class Interrupted(RuntimeError):
    """Training stopped on SIGTERM after writing a checkpoint."""
