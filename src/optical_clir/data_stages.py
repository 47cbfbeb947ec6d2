"""Stage functions of the real-data path (source 'mmarco'); one per script."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from optical_clir import bitext, hub, mmarco

Paths = Mapping[str, str | Path]


def fetch(repo: str, path: str, revision: str, root: str, manifest: str) -> None:
    """Download ``path`` of the dataset repo into ``root`` and record its manifest."""
    hub.write_manifest(manifest, [hub.fetch_file(repo, path, root, revision)])


def pivot(raw: Paths, params: Mapping, seed: int, out: Paths) -> None:
    """English pivot from the upstream files (subset, queries, qrels, triples)."""
    mmarco.prepare_pivot(raw, params, seed, out)


def language(code: str, inputs: Paths, out: Paths) -> None:
    """A target language on the pivot's queries and passages."""
    raw = {"collection": inputs["collection"], "queries": inputs["queries"]}
    pivot_files = {
        key: inputs[f"pivot_{key}"] for key in ("collection", "queries", "qrels")
    }
    mmarco.prepare_language(code, raw, pivot_files, out)


def make_bitext(language: Mapping, inputs: Paths, seed: int, out: str) -> None:
    """A language's bitext: external when configured, else parallel mMARCO."""
    spec = language.get("bitext")
    pairs = language["bitext_pairs"]
    if spec is not None:
        bitext.external_bitext(spec, pairs, seed, out)
    else:
        bitext.mmarco_bitext(
            inputs["english"], inputs["foreign"], inputs["qrels"], pairs, seed, out
        )


def encoder(name: str, revision: str, cache: str, out: str, manifest: str) -> None:
    """Fetch the multilingual encoder (hub id or local directory) into ``out``."""
    hub.write_manifest(manifest, [hub.fetch_model(name, revision, cache, out)])
