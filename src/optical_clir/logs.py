"""Logging for Snakemake ``script:`` entry points."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def script_logging(
    log_path: str | Path, level: int = logging.INFO
) -> Iterator[logging.Logger]:
    """Send all logging (and uncaught errors) to ``log_path`` and to stderr.

    An exception is logged with its message, then re-raised so that the job
    fails with a non-zero exit status.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [
        logging.FileHandler(log_path, mode="w", encoding="utf-8"),
        logging.StreamHandler(sys.stderr),
    ]
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(fmt)
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(
        True
    )  # warnings (e.g. Sinkhorn not converged) go to the log
    logger = logging.getLogger("optical_clir")
    try:
        yield logger
    except Exception as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        raise
    finally:
        logging.captureWarnings(False)
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
