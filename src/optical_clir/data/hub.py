"""Downloads from the Hugging Face hub: one file of a repository, checked.

The model side (:mod:`optical_clir.models.fetch`) builds on :func:`fetch_file`.

``huggingface_hub`` does the transfer: resumable (a partial ``.incomplete`` file
is continued), with a progress bar, and checked against the size the hub
announces. On top of that, a file stored with git-LFS is checked against the
SHA-256 that the hub publishes as its ETag. ``HF_ENDPOINT`` redirects every
request (the tests serve fixtures from a loopback server that way).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from optical_clir.atomic import write_text
from optical_clir.errors import InputError

logger = logging.getLogger(__name__)

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_of(path: str | Path, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in 4 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _offline_error(
    repo_id: str,
    repo_type: str,
    filename: str,
    revision: str,
    target: Path,
    exc: Exception,
) -> InputError:
    from huggingface_hub import constants

    kind = "datasets/" if repo_type == "dataset" else ""
    where = f"{constants.ENDPOINT}/{kind}{repo_id}"
    return InputError(
        target,
        f"cannot download {filename} (revision {revision}) from {where}: "
        f"{type(exc).__name__}: {exc}. Without network access, download that file "
        f"elsewhere and place it at {target} (it is then used as is), or set "
        "HF_ENDPOINT to a reachable mirror",
    )


def fetch_file(
    repo_id: str,
    filename: str,
    local_dir: str | Path,
    revision: str = "main",
    repo_type: str = "dataset",
) -> dict:
    """Download one file of a hub repository to ``local_dir/filename``.

    Parameters
    ----------
    repo_id, filename, revision, repo_type
        What to fetch, e.g. ``unicamp-dl/mmarco``, ``data/qrels.dev.small.tsv``.
    local_dir
        Mirror root; the file lands at ``local_dir/filename``. Partial downloads
        are kept under ``local_dir/.cache`` and resumed by the next call.

    Returns
    -------
    dict
        Manifest entry: ``file``, ``repo``, ``revision``, ``commit``, ``size``,
        ``sha256`` (or null when the hub publishes none), ``verified``.

    Raises
    ------
    InputError
        The download failed (the message says where to place the file by hand),
        or its checksum or size does not match the hub's.
    """
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

    target = Path(local_dir) / filename
    url = hf_hub_url(repo_id, filename, repo_type=repo_type, revision=revision)
    try:
        meta = get_hf_file_metadata(url)
        path = Path(
            hf_hub_download(
                repo_id,
                filename,
                repo_type=repo_type,
                revision=revision,
                local_dir=local_dir,
            )
        )
    except Exception as exc:  # network, HTTP, or offline-mode errors alike
        error = _offline_error(repo_id, repo_type, filename, revision, target, exc)
        raise error from exc
    size = path.stat().st_size
    if meta.size is not None and size != meta.size:
        path.unlink()
        raise InputError(
            path,
            f"size {size} differs from the hub's {meta.size}; "
            "the download was removed, run again",
        )
    etag = (meta.etag or "").lower()
    digest = None
    if SHA256.match(etag):
        digest = sha256_of(path)
        if digest != etag:
            path.unlink()
            raise InputError(
                path,
                f"SHA-256 {digest} differs from the hub's {etag}; "
                "the download was removed, run again",
            )
    logger.info(
        "fetched %s (%d bytes, %s)",
        path,
        size,
        "SHA-256 verified" if digest else "size verified",
    )
    return {
        "file": filename,
        "repo": repo_id,
        "revision": revision,
        "commit": meta.commit_hash,
        "size": size,
        "sha256": digest,
        "verified": "sha256" if digest else "size",
    }


def local_file_entry(path: Path, root: Path) -> dict:
    """Manifest entry of a file read from a local directory (size and SHA-256)."""
    return {
        "file": str(path.relative_to(root)),
        "repo": str(root),
        "revision": None,
        "commit": None,
        "size": path.stat().st_size,
        "sha256": sha256_of(path),
        "verified": "local",
    }


def write_manifest(path: str | Path, entries: Sequence[dict]) -> None:
    """Record what was fetched (commit, size, checksum) beside the data."""
    write_text(path, json.dumps(list(entries), indent=2, sort_keys=True) + "\n")
