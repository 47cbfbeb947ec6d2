"""Device choice, mixed precision, seeding and thread settings for training jobs."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

logger = logging.getLogger(__name__)


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) for a deterministic run."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def pick_device(preference: str = "auto") -> torch.device:
    """``auto``: CUDA when available, else CPU (logged). ``cuda`` without a GPU
    falls back to the CPU with a warning, so GPU rules still run locally."""
    if preference == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        device = torch.device("cuda")
        logger.info("using GPU %s", torch.cuda.get_device_name(device))
        return device
    logger.warning("no CUDA device found: running this GPU stage on the CPU")
    return torch.device("cpu")


def set_threads(threads: int) -> None:
    """Use exactly the job's ``threads`` for intra-op parallelism."""
    torch.set_num_threads(max(1, int(threads)))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def autocast_dtype(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """The autocast dtype: on GPU, bf16 (or fp16 where bf16 is unsupported)
    for ``auto``; ``fp32`` disables autocast, ``bf16``/``fp16`` force one. On
    the CPU, bf16 only when asked for (``precision: bf16``; fast where the CPU
    has bf16 instructions, docs/benchmarks.md), else none: ``auto`` keeps fp32
    there, so a CPU run gives the same numbers on any CPU."""
    if precision == "fp32":
        return None
    if device.type != "cuda":
        return torch.bfloat16 if precision == "bf16" else None
    if precision == "bf16" or (precision == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16


@contextlib.contextmanager
def autocast(device: torch.device, dtype: torch.dtype | None) -> Iterator[None]:
    """``torch.autocast`` on ``device`` when ``dtype`` is set, else a no-op."""
    if dtype is None:
        yield
    else:
        with torch.autocast(device_type=device.type, dtype=dtype):
            yield


@dataclass(frozen=True)
class TrainingJob:
    """Where and how one training stage runs: its seed, device preference,
    precision, CPU threads, checkpoint folder, and the JSON file its statistics
    go to (none: logged only)."""

    seed: int
    device: str
    precision: str
    threads: int
    checkpoints: str
    stats: str | None = None

    def run(self, train: Callable[..., Mapping], *args: Any, **kwargs: Any) -> None:
        """Set the threads, pick the device, and call ``train(*args,
        checkpoints=, seed=, device=, precision=, **kwargs)`` with this job's
        settings; log (and write) the statistics it returns."""
        from optical_clir.atomic import write_text

        set_threads(self.threads)
        stats = train(
            *args,
            checkpoints=self.checkpoints,
            seed=self.seed,
            device=pick_device(self.device),
            precision=self.precision,
            **kwargs,
        )
        logger.info("training done: %s", dict(stats))
        if self.stats:
            write_text(self.stats, json.dumps(dict(stats), indent=2) + "\n")
