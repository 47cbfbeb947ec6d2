"""Stages of ``evaluate.smk``: metrics per run, the tables, the statistics and
report, and the comparison with published scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from optical_clir.atomic import atomic_open, write_text
from optical_clir.evaluate.metrics import DEFAULT_NAMES
from optical_clir.evaluate.table import (
    collect,
    read_rows,
    rounded,
    to_markdown,
    write_csv,
)

Paths = Mapping[str, str | Path]
# Columns of a per-query file that name the run rather than measure it.
PER_QUERY_LABELS = ("lang", "method", "seed")


def evaluate_run(
    *,
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
    from optical_clir.evaluate.metrics import evaluate_run as evaluate

    summary, per_query = evaluate(run, qrels, queries, recall_depth, measures)
    _write_evaluation(summary, per_query, labels, metrics_out, per_query_out)


def evaluate_random_order(
    *,
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
    :func:`evaluate_run`."""
    from optical_clir.evaluate.metrics import evaluate_random

    summary, per_query = evaluate_random(run, qrels, queries, recall_depth, measures)
    _write_evaluation(summary, per_query, labels, metrics_out, per_query_out)


def evaluate_random_collection(
    *,
    collection: str,
    qrels: str,
    queries: str,
    labels: Mapping[str, str],
    metrics_out: str,
    per_query_out: str,
    recall_depth: int,
    measures: Sequence[str] = DEFAULT_NAMES,
    exclude_self: bool = False,
) -> None:
    """The exact expectation of every measure for a random order of the whole
    collection (the chance level of full ranking, which keeps the top
    ``recall_depth``); same outputs as :func:`evaluate_run`."""
    from optical_clir.evaluate.metrics import evaluate_random_collection as expected

    summary, per_query = expected(
        collection, qrels, queries, recall_depth, measures, exclude_self
    )
    _write_evaluation(summary, per_query, labels, metrics_out, per_query_out)


def _write_evaluation(
    summary: Mapping[str, float],
    per_query: pd.DataFrame,
    labels: Mapping[str, str],
    metrics_out: str,
    per_query_out: str,
) -> None:
    """The metrics row (labels first) and the per-query TSV, whose first columns
    after ``qid`` name the run (:data:`PER_QUERY_LABELS`)."""
    write_csv(pd.DataFrame([{**labels, **summary}]), metrics_out)
    named = per_query.round(6)
    for position, key in enumerate(PER_QUERY_LABELS):
        named.insert(position, key, labels[key])
    with atomic_open(per_query_out) as handle:
        named.to_csv(handle, sep="\t")


def read_per_query(
    paths: Sequence[str],
) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Per-query files keyed by the ``(lang, method, seed)`` they carry (``seed``
    empty for a run without a model seed); each frame is indexed by ``qid`` and
    holds the measures only."""
    out: dict[tuple[str, str, str], pd.DataFrame] = {}
    for path in paths:
        frame = (
            pd.read_csv(
                path,
                sep="\t",
                dtype={"qid": str, **dict.fromkeys(PER_QUERY_LABELS, str)},
            )
            .fillna({"seed": ""})
            .set_index("qid")
        )
        keys = {
            tuple(row) for row in frame[list(PER_QUERY_LABELS)].itertuples(index=False)
        }
        if len(keys) != 1:
            from optical_clir.errors import InputError

            raise InputError(
                path,
                f"holds {len(keys)} (lang, method, seed) labels, expected one per "
                "file; "
                "rerun its evaluate_run job",
            )
        out[keys.pop()] = frame.drop(columns=list(PER_QUERY_LABELS))
    return out


def collect_metrics(
    *, inputs: Sequence[str], csv: str, md: str | None = None, title: str = ""
) -> None:
    """Concatenate metric rows into a table (and optionally its Markdown
    rendering); the rules summarize_language, aggregate_metrics and
    collect_tables differ only in which rows they collect."""
    frame = collect(inputs)
    write_csv(frame, csv)
    if md is not None:
        write_text(md, to_markdown(frame, title))


def analyze_gap(
    *,
    table: str,
    per_query: Sequence[str],
    analysis: Mapping,
    seed: int,
    title: str,
    simulation: bool,
    out: Paths,
    coverage: str | None = None,
    language_entries: Sequence[Mapping] = (),
) -> None:
    """Summary, significance, figure and report from the table and the per-query
    files (each names its language and method); with ``coverage`` (the
    tokenizer's segmentation per language) also each language's zero-shot share
    of the teacher's gain beside it and its resource evidence (the config's
    ``language_entries``; output ``transfer``)."""
    from optical_clir.evaluate import analysis as stats
    from optical_clir.evaluate.coverage import coverage_lines, transfer_by_language
    from optical_clir.evaluate.report import plot_ndcg, write_report

    frame = read_rows(table)
    scores = read_per_query(per_query)
    languages = list(dict.fromkeys(zip(frame["lang"], frame["resource"], strict=True)))
    summary = rounded(stats.summary(frame))
    sig = rounded(
        stats.significance(
            scores,
            languages,
            analysis["permutations"],
            analysis["bootstrap"],
            analysis["alpha"],
            seed,
        )
    )
    write_csv(summary, out["summary"])
    write_csv(sig, out["significance"])
    plot_ndcg(frame, scores, out["figure"], title, analysis["bootstrap"], seed)
    figure = Path(out["figure"]).relative_to(Path(out["report"]).parent)
    transfer = pd.DataFrame()
    if coverage:
        transfer = transfer_by_language(frame, pd.read_csv(coverage), language_entries)
    write_csv(transfer, out["transfer"])
    write_report(
        out["report"],
        title,
        simulation,
        frame,
        summary,
        sig,
        str(figure),
        analysis["alpha"],
        notes=coverage_lines(transfer),
        transfer=transfer,
    )


def compare_reference(
    *,
    table: str,
    scores: str,
    reference: Mapping,
    setting: str,
    caveats: Sequence[str],
    title: str,
    out: Paths,
) -> None:
    """Published scores beside this run's (``reproduction.csv`` and ``.md``)."""
    from optical_clir.evaluate import reproduction

    frame = reproduction.compare(
        read_rows(table),
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


def resource_factors(
    *, table: str, languages: Sequence[Mapping], title: str, out: Paths
) -> None:
    """nDCG@10 of zero-shot and OPTICAL against each resource factor, one at a
    time (the sweep: ``config/sweep.yaml``): ``out["csv"]`` and ``out["figure"]``."""
    from optical_clir.evaluate.factors import factor_points, plot_factors

    points = rounded(factor_points(read_rows(table), languages))
    plot_factors(points, out["figure"], title)
    write_csv(points, out["csv"])


def write_config(*, config: Mapping, out: str) -> None:
    """The config as the workflow ran it (its own keys, what it extends, the
    schema's defaults), as YAML: the record of a run's settings."""
    import yaml

    write_text(out, yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True))


def measure_coverage(
    *, tokenizer: str, collections: Mapping[str, str], out: str
) -> None:
    """How the encoder's tokenizer segments each language's passages
    (:func:`optical_clir.evaluate.coverage.segmentation`), one row per language."""
    from transformers import AutoTokenizer

    from optical_clir.evaluate.coverage import segmentation
    from optical_clir.formats import read_collection

    tok = AutoTokenizer.from_pretrained(tokenizer, trust_remote_code=False)
    rows = [
        {"lang": lang, **segmentation(tok, read_collection(path).values())}
        for lang, path in collections.items()
    ]
    write_csv(pd.DataFrame(rows), out)
