"""One typed function per workflow stage; ``scripts/*.py`` call exactly one each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from optical_clir import bm25
from optical_clir.atomic import atomic_open, write_text
from optical_clir.formats import read_queries, write_run
from optical_clir.metrics import DEFAULT_NAMES, evaluate_run
from optical_clir.synthetic.benchmark import (
    BenchmarkSpec,
    generate_language,
    generate_pivot,
)
from optical_clir.synthetic.language import LanguageSpec
from optical_clir.table import collect, rounded, to_markdown, write_csv

Paths = Mapping[str, str | Path]


def make_pivot(synthetic: Mapping, seed: int, out: Paths) -> None:
    """Generate the English pivot of the synthetic benchmark."""
    generate_pivot(BenchmarkSpec.from_config(synthetic), seed, out)


def make_language(
    synthetic: Mapping, seed: int, language: Mapping, pivot: Paths, out: Paths
) -> None:
    """Derive one synthetic target language from the pivot."""
    params = language["synthetic"]
    spec = LanguageSpec(
        name=language["name"],
        script=params["script"],
        morphology=params["morphology"],
        word_order=params["word_order"],
        shared_vocab=params["shared_vocab"],
        query_noise=params["query_noise"],
    )
    generate_language(
        BenchmarkSpec.from_config(synthetic),
        spec,
        seed,
        pivot,
        bitext_pairs=language["bitext_pairs"],
        pretrain_share=params["pretrain_share"],
        out=out,
    )


def retrieve(
    index: str,
    queries: str,
    run: str,
    analyzer: str,
    k1: float,
    b: float,
    depth: int,
    threads: int,
    tag: str = "bm25",
) -> None:
    """BM25 top-``depth`` for every query; writes a TREC run tagged ``tag``."""
    hits = bm25.search(index, read_queries(queries), analyzer, k1, b, depth, threads)
    write_run(run, hits, tag=tag)


def evaluate(
    run: str,
    qrels: str,
    queries: str,
    labels: Mapping[str, str],
    metrics_out: str,
    per_query_out: str,
    recall_depth: int = 100,
    measures: Sequence[str] = DEFAULT_NAMES,
) -> None:
    """Evaluate one run: a one-row metrics CSV and a per-query TSV beside it
    (``R@depth`` is recall at ``recall_depth``, the rerank depth)."""
    summary, per_query = evaluate_run(run, qrels, queries, recall_depth, measures)
    write_csv(pd.DataFrame([{**labels, **summary}]), metrics_out)
    with atomic_open(per_query_out) as handle:
        per_query.round(6).to_csv(handle, sep="\t")


def evaluate_random_order(
    run: str,
    qrels: str,
    queries: str,
    labels: Mapping[str, str],
    metrics_out: str,
    per_query_out: str,
    recall_depth: int,
    measures: Sequence[str] = DEFAULT_NAMES,
) -> None:
    """The exact expectation of every measure for a random order of the reranked
    candidates (the top ``recall_depth`` of ``run``); same outputs as
    :func:`evaluate`."""
    from optical_clir.metrics import evaluate_random

    summary, per_query = evaluate_random(run, qrels, queries, recall_depth, measures)
    write_csv(pd.DataFrame([{**labels, **summary}]), metrics_out)
    with atomic_open(per_query_out) as handle:
        per_query.round(6).to_csv(handle, sep="\t")


def collect_metrics(
    inputs: Sequence[str], csv: str, md: str | None = None, title: str = ""
) -> None:
    """Concatenate metric rows into a table (and optionally its Markdown rendering)."""
    frame = collect(inputs)
    write_csv(frame, csv)
    if md is not None:
        write_text(md, to_markdown(frame, title))


def analyze(
    table_csv: str,
    per_query_files: Sequence[str],
    analysis: Mapping,
    seed: int,
    title: str,
    simulation: bool,
    out: Paths,
) -> None:
    """Summary, significance, figure and report from the table and per-query files.

    ``per_query_files`` are ``results/<dataset>/<lang>/<method>.perquery.tsv``.
    """
    from optical_clir import analysis as stats
    from optical_clir.report import plot_ndcg, write_report

    table = pd.read_csv(table_csv)
    per_query = {}
    for path in per_query_files:
        p = Path(path)
        method = p.name.removesuffix(".perquery.tsv")
        per_query[(p.parent.name, method)] = pd.read_csv(
            p, sep="\t", dtype={"qid": str}
        ).set_index("qid")
    languages = list(dict.fromkeys(zip(table["lang"], table["resource"], strict=True)))
    summary = rounded(stats.summary(table))
    sig = rounded(
        stats.significance(
            per_query,
            languages,
            analysis["permutations"],
            analysis["bootstrap"],
            analysis["alpha"],
            seed,
        )
    )
    write_csv(summary, out["summary"])
    write_csv(sig, out["significance"])
    plot_ndcg(table, per_query, out["figure"], title, analysis["bootstrap"], seed)
    figure = Path(out["figure"]).relative_to(Path(out["report"]).parent)
    write_report(
        out["report"],
        title,
        simulation,
        table,
        summary,
        sig,
        str(figure),
        analysis["alpha"],
    )


def compare_reference(
    table: str,
    scores: str,
    reference: Mapping,
    setting: str,
    caveats: Sequence[str],
    title: str,
    out: Paths,
) -> None:
    """Published scores beside this run's (``reproduction.csv`` and ``.md``)."""
    from optical_clir import reproduction

    frame = reproduction.compare(
        pd.read_csv(table),
        reproduction.read_scores(scores),
        reference.get("collection"),
        reference.get("split"),
        setting,
        caveats,
    )
    write_csv(frame, out["csv"])
    write_text(
        out["md"], reproduction.markdown(frame, title, reference.get("collection"))
    )
