"""The real Snakemake workflow end to end on the tiny config."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

import trec_eval_ref
from conftest import TINY, run_snakemake
from optical_clir.formats import read_qrels, read_queries, read_run
from optical_clir.metrics import MEASURES
from optical_clir.table import COLUMNS

pytestmark = pytest.mark.slow
DATASET = "synthetic-tiny"
LANGS = ["en", "velarin", "okhali"]
METHODS = ["bm25", "zeroshot", "optical", "teacher_en"]


def _methods(lang):
    return ["bm25", "teacher_en"] if lang == "en" else METHODS


def test_table_has_every_language(tiny_workflow):
    table = pd.read_csv(tiny_workflow / "results" / "table.csv")
    assert list(table.columns) == COLUMNS
    assert list(table["lang"]) == ["en"] * 2 + ["velarin"] * 4 + ["okhali"] * 4
    assert list(table["resource"]) == ["pivot"] * 2 + ["high"] * 4 + ["low"] * 4
    assert list(table["method"]) == ["bm25", "teacher_en"] + METHODS * 2
    assert set(table["dataset"]) == {DATASET} and set(table["setting"]) == {"xling"}
    assert (table["n_queries"] == 30).all()
    # lexical BM25 is useful but far from perfect on the simulation
    assert table.loc[table["method"] == "bm25", "nDCG@10"].between(0.1, 0.9).all()
    md = (tiny_workflow / "results" / "table.md").read_text()
    assert "controlled simulation" in md and "| okhali | low | bm25 |" in md


def test_table_equals_trec_eval_on_run_files(tiny_workflow):
    table = pd.read_csv(tiny_workflow / "results" / "table.csv").set_index("lang")
    table = table.set_index("method", append=True)
    for lang in LANGS:
        res = tiny_workflow / "resources" / DATASET / lang
        for method in _methods(lang):
            path = tiny_workflow / "results" / DATASET / lang / f"{method}.trec"
            expected = trec_eval_ref.evaluate(
                read_run(path),
                read_qrels(res / "qrels.txt"),
                read_queries(res / "queries.tsv"),
            )
            for name in MEASURES:
                got = table.loc[(lang, method), name]
                assert got == pytest.approx(expected[name], abs=5e-5), (lang, method)


def test_run_files_are_trec_with_ties_by_docid(tiny_workflow):
    path = tiny_workflow / "results" / DATASET / "okhali" / "bm25.trec"
    rows = [line.split() for line in path.read_text().splitlines()]
    assert all(len(r) == 6 and r[1] == "Q0" and r[5] == "bm25" for r in rows)
    by_query: dict[str, list] = {}
    for qid, _, docid, rank, score, _ in rows:
        by_query.setdefault(qid, []).append((int(rank), -float(score), docid))
    for hits in by_query.values():
        assert [h[0] for h in hits] == list(range(1, len(hits) + 1))
        assert [h[1:] for h in hits] == sorted(h[1:] for h in hits)
        assert len(hits) <= 50


def test_reranked_runs_keep_the_bm25_candidates(tiny_workflow):
    base = tiny_workflow / "results" / DATASET / "okhali"
    bm25 = read_run(base / "bm25.trec")
    for method in ("zeroshot", "optical", "teacher_en"):
        run = read_run(base / f"{method}.trec")
        for qid, docs in run.items():
            top = sorted(bm25[qid], key=lambda d: (-bm25[qid][d], d))[:20]
            assert set(docs) == set(top), (method, qid)


def test_analysis_outputs(tiny_workflow):
    results = tiny_workflow / "results"
    summary = pd.read_csv(results / "summary.csv")
    assert list(summary["method"]) == METHODS
    sig = pd.read_csv(results / "significance.csv")
    assert list(sig["lang"]) == ["velarin", "okhali"]
    assert ((sig["p_holm"] >= sig["p_value"]) & (sig["ci_low"] <= sig["delta"])).all()
    png = (results / "figures" / "ndcg_by_language.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    report = (results / "report.md").read_text()
    assert "controlled simulation" in report
    assert "figures/ndcg_by_language.png" in report


def test_models_are_safetensors(tiny_workflow):
    models = tiny_workflow / "results" / DATASET / "models"
    for name in ("encoder", "teacher", "optical-velarin", "optical-okhali"):
        assert (models / name / "model.safetensors").exists()
        assert not list((models / name).glob("*.bin"))


def test_second_run_does_nothing(tiny_workflow):
    again = run_snakemake(tiny_workflow, "all", "--dry-run")
    assert again.returncode == 0
    assert "Nothing to be done" in again.stdout + again.stderr


def test_per_query_file_beside_each_run(tiny_workflow):
    per_query = pd.read_csv(
        tiny_workflow / "results" / DATASET / "velarin" / "bm25.perquery.tsv", sep="\t"
    )
    assert list(per_query.columns) == ["qid", *MEASURES]
    assert len(per_query) == 30


def test_logs_and_benchmarks_written(tiny_workflow):
    assert (
        (tiny_workflow / "logs" / "index_bm25" / DATASET / "okhali.log").stat().st_size
    )
    bench = tiny_workflow / "benchmarks" / "retrieve_bm25" / DATASET / "okhali.tsv"
    assert "max_rss" in bench.read_text()


def test_single_language_target(tmp_path):
    done = run_snakemake(tmp_path, f"results/{DATASET}/okhali/metrics.csv")
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (tmp_path / "results" / "table.csv").exists()
    assert not (tmp_path / "results" / DATASET / "velarin").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["bm25"].update(k1="high"), "key 'bm25.k1': 'high' is not of type"),
        (lambda c: c.update(bm25_depth=10), "'bm25_depth' was unexpected"),
        (lambda c: c["languages"].append(dict(c["languages"][0])), "listed twice"),
    ],
)
def test_bad_config_fails_before_any_job(tmp_path, edit, message):
    config = yaml.safe_load(TINY.read_text())
    edit(config)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    done = run_snakemake(tmp_path, "results/table.csv", configfile=bad)
    assert done.returncode != 0
    assert message in done.stderr and "bad.yaml" in done.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "resources").exists()


@pytest.fixture()
def copy_of_tiny(tiny_workflow, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(tiny_workflow, work, ignore=shutil.ignore_patterns("locks"))
    return work


def test_malformed_collection_fails_without_partial_index(copy_of_tiny):
    work = copy_of_tiny
    collection = work / "resources" / DATASET / "velarin" / "collection.tsv"
    original = collection.read_text(encoding="utf-8")
    with open(collection, "a", encoding="utf-8") as handle:
        handle.write("broken line without a tab\n")
    target = f"results/{DATASET}/velarin/bm25.trec"
    done = run_snakemake(work, target)
    assert done.returncode != 0
    lines = len(collection.read_text().splitlines())
    log = (work / "logs" / "index_bm25" / DATASET / "velarin.log").read_text()
    assert f"collection.tsv:{lines}: expected 2 tab-separated fields" in log
    index = work / "results" / DATASET / "velarin"
    assert not (index / "bm25_index").exists()  # the failed job's output is gone
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp")]
    # Once the input is fixed, Snakemake reruns the failed job cleanly.
    collection.write_text(original, encoding="utf-8")
    done = run_snakemake(work, target)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (index / "bm25_index").is_dir()


def test_query_without_qrels_fails_without_metrics(copy_of_tiny):
    work = copy_of_tiny
    queries = work / "resources" / DATASET / "okhali" / "queries.tsv"
    lines = len(queries.read_text().splitlines())
    with open(queries, "a", encoding="utf-8") as handle:
        handle.write("42\tan unjudged query\n")
    done = run_snakemake(work, f"results/{DATASET}/okhali/metrics.csv")
    assert done.returncode != 0
    log = (work / "logs" / "evaluate_run" / DATASET / "okhali" / "bm25.log").read_text()
    assert f"queries.tsv:{lines + 1}: query '42' has no relevant passage" in log
    assert not (work / "results" / DATASET / "okhali" / "bm25.metrics.csv").exists()


def test_mono_setting_reranks_with_target_queries(copy_of_tiny):
    work = copy_of_tiny
    target = f"results/{DATASET}/okhali/zeroshot.trec"
    done = run_snakemake(work, target, "--config", "setting=mono")
    assert done.returncode == 0, done.stderr[-3000:]
    cache = work / "results" / DATASET / "okhali" / "cache" / "zeroshot.scores.tsv"
    header = cache.read_text().splitlines()[0]
    assert f"{DATASET}/okhali/queries.tsv|" in header  # translated, not queries_en
    table = run_snakemake(work, "results/table.csv", "--config", "setting=mono")
    assert table.returncode == 0, table.stderr[-3000:]
    assert set(pd.read_csv(work / "results" / "table.csv")["setting"]) == {"mono"}
