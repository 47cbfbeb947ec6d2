"""Fetch a BERT-style checkpoint (hub id or local directory) into one local copy."""

from __future__ import annotations

import logging
from pathlib import Path

from optical_clir.atomic import atomic_dir
from optical_clir.data.hub import fetch_file, local_file_entry
from optical_clir.errors import InputError

logger = logging.getLogger(__name__)

# Files a BERT-style checkpoint may need; weights only as safetensors.
MODEL_FILES = ("config.json", "model.safetensors")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "special_tokens_map.json",
)


def fetch_model(name: str, revision: str, cache: str | Path, out: str | Path) -> dict:
    """Fetch a BERT-style checkpoint (safetensors only) and save it to ``out``.

    ``name`` is a hub id (``bert-base-multilingual-cased``) or a local directory
    holding ``config.json``, ``model.safetensors`` and tokenizer files. The model
    is loaded with transformers (no remote code) and saved with
    ``save_pretrained``, so later stages read one local, checked copy.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = Path(name)
    entries: list[dict] = []
    if not source.is_dir():
        source = Path(cache) / name
        for filename in MODEL_FILES:
            entries.append(fetch_file(name, filename, source, revision, "model"))
        found = 0
        for filename in TOKENIZER_FILES:
            try:
                entries.append(fetch_file(name, filename, source, revision, "model"))
                found += 1
            except InputError as exc:
                logger.info(
                    "optional tokenizer file %s not fetched: %s",
                    filename,
                    exc.__cause__ or exc,
                )
        if not found:
            raise InputError(source, f"{name} has none of {', '.join(TOKENIZER_FILES)}")
    missing = [f for f in MODEL_FILES if not (source / f).exists()]
    if missing:
        raise InputError(
            source,
            f"missing {', '.join(missing)}; a checkpoint needs "
            "config.json and safetensors weights",
        )
    if not entries:  # a local directory: record what was read, with checksums
        entries = [
            local_file_entry(path, source)
            for path in sorted(source.iterdir())
            if path.is_file()
        ]
    # weights the checkpoint lacks (e.g. an unused pooler) are initialised from
    # the global RNG: seed it, so that the saved copy is the same on every run
    torch.manual_seed(0)
    model = AutoModel.from_pretrained(
        source, use_safetensors=True, trust_remote_code=False
    )
    tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
    if len(tokenizer) > model.config.vocab_size:
        raise InputError(
            source,
            f"the tokenizer has {len(tokenizer)} entries but the "
            f"model only {model.config.vocab_size} embeddings",
        )
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    return {"model": name, "revision": revision, "files": entries}
