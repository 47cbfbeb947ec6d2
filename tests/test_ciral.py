"""The CIRAL path offline: a miniature CIRAL in the upstream formats (JSONL
passages and their English translations, English and native topics, TREC qrels,
the repos' paths), served with a miniature mMARCO (the teacher's English
triples) and a tiny random BERT by a loopback stand-in for the hub."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import trec_eval_ref
from ciral_fixture import write_ciral
from conftest import ROOT, run_snakemake
from hf_server import FakeHub
from mmarco_fixture import write_repo, write_tiny_bert
from optical_clir.data import ciral
from optical_clir.errors import InputError
from optical_clir.formats import read_qrels, read_queries, read_run

TEMPLATE = ROOT / "tests" / "config" / "ciral_tiny.yaml"
DATASET = "ciral-tiny"
LANGS = ["ha", "yo"]
MEASURES = ["nDCG@10", "nDCG@20", "RR@10", "R@10", "Judged@10"]


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("ciral-hub")
    write_repo(root / "mmarco", [])
    write_tiny_bert(root / "tiny-bert", LANGS)
    facts = write_ciral(root, LANGS)
    return root, facts


def _config(root, work):
    text = TEMPLATE.read_text().replace("BITEXT", str(root / "bitext"))
    path = work / "ciral.yaml"
    path.write_text(text)
    return path


def _hub(root):
    return FakeHub(
        {
            ("dataset", "unicamp-dl/mmarco"): root / "mmarco",
            ("dataset", "CIRAL/ciral-corpus"): root / "ciral-corpus",
            ("dataset", "CIRAL/ciral"): root / "ciral",
            ("model", "fixture/tiny-bert"): root / "tiny-bert",
        }
    )


def _env(url, work):
    return {
        "HF_ENDPOINT": url,
        "HF_HOME": str(work / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }


@pytest.fixture(scope="module")
def ciral_run(fixture_root, tmp_path_factory):
    root, facts = fixture_root
    work = tmp_path_factory.mktemp("ciral-run")
    config = _config(root, work)
    with _hub(root) as hub:
        done = run_snakemake(work, "all", configfile=config, env=_env(hub.url, work))
    assert done.returncode == 0, done.stderr[-4000:]
    return work, facts


@pytest.mark.slow
def test_table_has_the_translation_baselines_and_no_english_row(ciral_run):
    work, _ = ciral_run
    table = pd.read_csv(work / "results" / DATASET / "en2x" / "table.csv")
    assert list(table["lang"].drop_duplicates()) == LANGS  # no English test collection
    for lang in LANGS:
        methods = list(table.loc[table["lang"] == lang, "method"])
        assert methods == [
            "random",
            "bm25",
            "bm25_dt",
            "zeroshot",
            "optical",
            "teacher_dt",
        ]
    assert list(table.columns[7:-1]) == MEASURES  # after the identifying columns
    assert (table["resource"] == "low").all() and (table["n_queries"] == 8).all()
    report = (work / "results" / DATASET / "en2x" / "report.md").read_text()
    assert "No `teacher_en`" in report and "translate-test (teacher_dt)" in report
    sig = pd.read_csv(work / "results" / DATASET / "en2x" / "significance.csv")
    assert set(sig["baseline"]) == {"zeroshot", "teacher_dt"}


@pytest.mark.slow
def test_metrics_equal_trec_eval_for_every_measure(ciral_run):
    work, _ = ciral_run
    table = pd.read_csv(work / "results" / DATASET / "en2x" / "table.csv")
    table = table.set_index(["lang", "method"])
    for lang in LANGS:
        res = work / "resources" / DATASET / lang
        for method in ("bm25", "bm25_dt", "zeroshot", "optical", "teacher_dt"):
            name = method if method.startswith("bm25") else f"{method}.seed7"
            run = read_run(work / "results" / DATASET / "en2x" / lang / f"{name}.trec")
            expected = trec_eval_ref.evaluate(
                run,
                read_qrels(res / "qrels.txt"),
                read_queries(res / "queries.tsv"),
                names=MEASURES,
            )
            for name in MEASURES:
                assert table.loc[(lang, method), name] == pytest.approx(
                    expected[name], abs=5e-5
                ), (lang, method, name)


@pytest.mark.slow
def test_layout_keeps_ciral_ids_and_uses_both_query_sets(ciral_run, fixture_root):
    work, facts = ciral_run
    root, _ = fixture_root
    res = work / "resources" / DATASET / "ha"
    collection = [line.split("\t")[0] for line in open(res / "collection.tsv")]
    assert collection == facts["ha"]["docids"]  # ids as CIRAL gives them
    english = [line.split("\t")[0] for line in open(res / "collection_en.tsv")]
    assert english == collection
    native = read_queries(res / "queries.tsv")
    queries_en = read_queries(res / "queries_en.tsv")
    assert native.keys() == queries_en.keys() and native != queries_en
    # bm25 searched with the native queries, bm25_dt with the English ones
    log = (
        work / "logs/retrieve_bm25" / DATASET / "en2x" / "ha.bm25_dt.log"
    ).read_text()
    assert (
        "bm25_dt"
        in (work / "results" / DATASET / "en2x" / "ha" / "bm25_dt.trec").read_text()
    )
    assert log
    # teacher_dt read the English translations of bm25's candidates
    bm25 = read_run(work / "results" / DATASET / "en2x" / "ha" / "bm25.trec")
    teacher_dt = read_run(
        work / "results" / DATASET / "en2x" / "ha" / "teacher_dt.seed7.trec"
    )
    for qid, docs in teacher_dt.items():
        top = sorted(bm25[qid], key=lambda d: (-bm25[qid][d], d))[:10]
        assert set(docs) == set(top)
    manifest = json.loads(
        (
            work / "resources/hub/CIRAL/ciral-corpus/passages-v1.0/"
            "hausa_passages.jsonl.manifest.json"
        ).read_text()
    )
    assert manifest[0]["sha256"] and manifest[0]["repo"] == "CIRAL/ciral-corpus"


@pytest.mark.slow
def test_reproduction_file_compares_row_by_row(ciral_run):
    work, _ = ciral_run
    frame = pd.read_csv(work / "results" / DATASET / "en2x" / "reproduction.csv")
    assert list(frame["method"]) == ["bm25", "bm25_dt"]  # test-b's row is skipped
    table = pd.read_csv(work / "results" / DATASET / "en2x" / "table.csv")
    ours = table[(table["lang"] == "ha") & (table["method"] == "bm25")]["nDCG@20"]
    assert frame.loc[0, "ours"] == pytest.approx(ours.iloc[0], abs=1e-4)
    assert frame["comparable"].all()
    assert frame.loc[0, "within_tolerance"] == (abs(frame.loc[0, "difference"]) <= 0.01)
    text = (work / "results" / DATASET / "en2x" / "reproduction.md").read_text()
    assert "2 of 2 rows comparable" in text


def _raw(tmp_path, fixture_root, code="ha"):
    root, _ = fixture_root
    params = {"split": "test-a"}
    raw = {}
    for kind in ciral.DEFAULT_FILES:
        repo = "ciral-corpus" if kind in ciral.CORPUS_FILES else "ciral"
        source = root / repo / ciral.repo_path(kind, code, params)
        target = tmp_path / "raw" / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        raw[kind] = target
    out = {
        k: tmp_path / "out" / f"{k}.tsv"
        for k in ("collection", "collection_en", "queries", "queries_en", "qrels")
    }
    return raw, out


def _break(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.mark.parametrize(
    ("kind", "old", "new", "message"),
    [
        ("passages", "}\n", "\n", r"passages.jsonl:1: not a JSON object"),
        (
            "passages",
            '"docid": "hau-1003-1"',
            '"docid": ""',
            r":2: passage without a docid",
        ),
        (
            "qrels",
            "Q0 hau-1000-0 1",
            "Q0 hau-9999-9 1",
            r"qrels.*:1: passage 'hau-9999-9' is judged",
        ),
        ("qrels", "100 Q0", "999 Q0", r"qrels.*:1: query '999' is judged but not in"),
    ],
)
def test_a_bad_ciral_file_is_refused_with_its_line(
    tmp_path, fixture_root, kind, old, new, message
):
    raw, out = _raw(tmp_path, fixture_root)
    _break(raw[kind], old, new)
    with pytest.raises(InputError, match=message):
        ciral.prepare_language("ha", raw, out)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.slow
def test_a_bad_file_fails_the_workflow_without_partial_output(fixture_root, tmp_path):
    root, _ = fixture_root
    work = tmp_path / "work"
    work.mkdir()
    config = _config(root, work)
    broken = root / "broken"
    import shutil

    shutil.copytree(root, broken, ignore=shutil.ignore_patterns("broken"))
    _break(broken / "ciral-corpus/passages-v1.0/yoruba_passages.jsonl", "}\n", "\n")
    target = f"resources/{DATASET}/yo/collection.tsv"
    with _hub(broken) as hub:
        done = run_snakemake(work, target, configfile=config, env=_env(hub.url, work))
    assert done.returncode != 0
    log = (work / "logs/prepare_ciral_language" / DATASET / "yo.log").read_text()
    assert "yoruba_passages.jsonl:1: not a JSON object" in log
    assert not (work / "resources" / DATASET / "yo").exists() or not any(
        (work / "resources" / DATASET / "yo").iterdir()
    )


def test_dry_run_of_the_ciral_config_lists_every_job(tmp_path):
    # the bitext files the shipped config names, placed as a user would
    (tmp_path / "resources" / "bitext").mkdir(parents=True)
    for lang in ("ha", "so", "sw", "yo"):
        (tmp_path / "resources" / "bitext" / f"en-{lang}.tsv").write_text("a\tb\n")
    done = run_snakemake(
        tmp_path,
        "results/table.csv",
        "--dry-run",
        configfile=ROOT / "config" / "ciral.yaml",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", done.stdout, flags=re.M))
    assert counts["fetch_hub_file"] == str(5 * 4 + 5)  # 5 files a language + mMARCO's
    assert counts["prepare_ciral_language"] == counts["import_bitext"] == "4"
    assert counts["distill_ot"] == "4" and counts["prepare_pivot"] == "1"
    assert counts["index_bm25"] == counts["retrieve_bm25"] == "8"  # bm25 and bm25_dt
    assert counts["rerank"] == str(3 * 4)  # zeroshot, optical, teacher_dt
    for lang in ("ha", "so", "sw", "yo"):
        assert f"results/ciral-v1.0/en2x/{lang}/teacher_dt.seed13.trec" in done.stdout
        assert f"results/ciral-v1.0/en2x/{lang}/metrics.csv" in done.stdout
