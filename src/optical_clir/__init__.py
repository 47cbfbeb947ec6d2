"""OPTICAL-style zero-shot cross-lingual retrieval: library behind the workflow."""

from __future__ import annotations

__version__ = "0.1.0"
