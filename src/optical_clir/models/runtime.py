"""Device choice, mixed precision, seeding and thread settings for training jobs."""

from __future__ import annotations

import contextlib
import functools
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


@functools.cache
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX512-BF16 or AMX), logged
    once per process. Without it, bf16 autocast is emulated: 8-20x slower than
    fp32 on an AVX2 EPYC (docs/benchmarks.md)."""
    native = bool(
        torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    )
    logger.info(
        "this CPU %s bf16 instructions (AVX512-BF16 or AMX)",
        "has" if native else "has no",
    )
    return native


def autocast_dtype(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """The autocast dtype: on GPU, bf16 (or fp16 where bf16 is unsupported)
    for ``auto`` and ``bf16_native``; ``fp32`` disables autocast,
    ``bf16``/``fp16`` force one. On the CPU, ``bf16`` runs bf16 (fast only where
    the CPU has bf16 instructions, docs/benchmarks.md), ``bf16_native`` runs bf16
    where it has them (:func:`cpu_has_native_bf16`) and fp32 elsewhere, and
    ``auto`` keeps fp32, so a CPU run gives the same numbers on any CPU."""
    if precision == "fp32":
        return None
    if device.type != "cuda":
        if precision == "bf16_native":
            return torch.bfloat16 if cpu_has_native_bf16() else None
        return torch.bfloat16 if precision == "bf16" else None
    if precision == "bf16" or (
        precision in ("auto", "bf16_native") and torch.cuda.is_bf16_supported()
    ):
        return torch.bfloat16
    return torch.float16


def precision_in_use(device: torch.device, precision: str) -> str:
    """What ``precision`` runs as on ``device``: ``fp32``, ``bf16`` or ``fp16``."""
    dtype = autocast_dtype(device, precision)
    return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[dtype]


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
        device = pick_device(self.device)
        stats = train(
            *args,
            checkpoints=self.checkpoints,
            seed=self.seed,
            device=device,
            precision=self.precision,
            **kwargs,
        )
        stats = {**stats, "precision": precision_in_use(device, self.precision)}
        logger.info("training done: %s", dict(stats))
        if self.stats:
            write_text(self.stats, json.dumps(dict(stats), indent=2) + "\n")
