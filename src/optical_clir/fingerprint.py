"""Content fingerprints of models and data files (cache and checkpoint keys)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def fingerprint(*paths: str | Path, settings: Mapping[str, Any] | None = None) -> str:
    """SHA-256 (first 16 hex digits) of files, and of the safetensors weights and
    vocabulary of directories, in order, then of ``settings`` (as sorted JSON)."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            files += sorted(item.glob("*.safetensors")) + sorted(item.glob("vocab.txt"))
        else:
            files.append(item)
    for path in files:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    if settings is not None:
        digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]
