"""Exceptions that carry a precise location (file, line or config key)."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Malformed or inconsistent input data.

    The message always names the file, and the line when there is one, and says
    how to fix the problem.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


class ConfigError(ValueError):
    """Invalid configuration; the message names the offending key."""

    def __init__(self, key: str, message: str, source: str = "config"):
        super().__init__(f"{source}: key '{key}': {message}")
        self.key = key
