"""Stages of the data rules (``data_*.smk``): the synthetic benchmark, hub
files, mMARCO, bitext, the real-text tier's Bible, CIRAL."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from optical_clir.data import bitext, hub, mmarco

Paths = Mapping[str, str | Path]


def generate_pivot(*, synthetic: Mapping, seed: int, out: Paths) -> None:
    """Generate the English pivot of the synthetic benchmark."""
    from optical_clir.data.synthetic import benchmark

    benchmark.generate_pivot(benchmark.BenchmarkSpec.from_config(synthetic), seed, out)


def generate_language(
    *, synthetic: Mapping, seed: int, language: Mapping, pivot: Paths, out: Paths
) -> None:
    """Derive one synthetic target language from the pivot."""
    from optical_clir.data.synthetic import benchmark
    from optical_clir.data.synthetic.language import LanguageSpec

    benchmark.generate_language(
        benchmark.BenchmarkSpec.from_config(synthetic),
        LanguageSpec.from_config(language),
        seed,
        pivot,
        bitext_pairs=language["bitext_pairs"],
        pretrain_share=language["synthetic"]["pretrain_share"],
        out=out,
    )


def fetch_hub_file(
    *, repo: str, path: str, revision: str, root: str, manifest: str
) -> None:
    """Download ``path`` of the dataset repo into ``root`` and record its manifest."""
    hub.write_manifest(manifest, [hub.fetch_file(repo, path, root, revision)])


def prepare_pivot(*, raw: Paths, mmarco_params: Mapping, seed: int, out: Paths) -> None:
    """mMARCO's English pivot from the upstream files (subset, queries, qrels,
    triples)."""
    mmarco.prepare_pivot(raw, mmarco_params, seed, out)


def prepare_language(*, code: str, inputs: Paths, out: Paths) -> None:
    """An mMARCO target language on the pivot's queries and passages."""
    raw = {"collection": inputs["collection"], "queries": inputs["queries"]}
    pivot_files = {
        key: inputs[f"pivot_{key}"] for key in ("collection", "queries", "qrels")
    }
    mmarco.prepare_language(code, raw, pivot_files, out)


def prepare_bitext(*, language: Mapping, inputs: Paths, seed: int, out: str) -> None:
    """A language's bitext: external when configured, else parallel mMARCO."""
    spec = language.get("bitext")
    pairs = language["bitext_pairs"]
    if spec is not None:
        bitext.external_bitext(spec, pairs, seed, out)
    else:
        bitext.mmarco_bitext(
            inputs["english"], inputs["foreign"], inputs["qrels"], pairs, seed, out
        )


def extract_bible_pivot(*, bible_params: Mapping, seed: int, out: Paths) -> None:
    """The real-text tier's English pivot; its manifest names the database."""
    from optical_clir.data import bible

    files = {k: v for k, v in out.items() if k != "manifest"}
    hub.write_manifest(
        out["manifest"], [bible.prepare_pivot(bible_params, seed, files)]
    )


def extract_bible_language(
    *,
    lang: str,
    bible_params: Mapping,
    bitext_pairs: int,
    seed: int,
    pivot: Paths,
    out: Paths,
) -> None:
    """A real-text tier target language and its verse bitext; its manifest names
    the translation (for a package translation, the package, its SHA-256, the
    text's licence status and any refused chapter)."""
    from optical_clir.data import bible

    files = {k: v for k, v in out.items() if k != "manifest"}
    stats = bible.prepare_language(lang, bible_params, bitext_pairs, seed, pivot, files)
    hub.write_manifest(out["manifest"], [stats])


def prepare_ciral_language(*, code: str, raw: Paths, out: Paths) -> None:
    """A CIRAL language in the workflow's layout, with the English translations
    of its passages (``collection_en``)."""
    from optical_clir.data import ciral

    ciral.prepare_language(code, raw, out)
