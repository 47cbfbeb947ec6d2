"""Stable, process-independent random streams (Python's ``hash`` is salted)."""

from __future__ import annotations

import zlib

import numpy as np


def stable_hash(text: str) -> int:
    """CRC32 of ``text``: identical across processes and machines."""
    return zlib.crc32(text.encode("utf-8"))


def stream(seed: int, *names: str) -> np.random.Generator:
    """A random generator keyed by ``seed`` and any number of stream names."""
    return np.random.default_rng([seed, *(stable_hash(n) for n in names)])
