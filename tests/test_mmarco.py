"""The real-data path (source 'mmarco') offline: a miniature mMARCO in the upstream
formats and a tiny random BERT, served by a loopback stand-in for the hub."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, run_snakemake
from hf_server import FakeHub
from mmarco_fixture import translate, write_repo, write_tiny_bert
from optical_clir.data.bitext import align_sentences, split_sentences
from optical_clir.formats import read_bitext, read_collection, read_qrels, read_queries

CONFIG = ROOT / "tests" / "config" / "mmarco_tiny.yaml"
DATASET = "mmarco-tiny"
LANGS = ["fr", "hi", "vi"]
HUB = "resources/hub/unicamp-dl/mmarco"


@pytest.fixture(scope="module")
def fixture_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    facts = write_repo(root / "mmarco", LANGS)
    write_tiny_bert(root / "tiny-bert", LANGS)
    return root, facts


def _hub(root, cut_once=()):
    return FakeHub(
        {
            ("dataset", "unicamp-dl/mmarco"): root / "mmarco",
            ("model", "fixture/tiny-bert"): root / "tiny-bert",
        },
        set(cut_once),
    )


def _env(url, tmp):
    return {
        "HF_ENDPOINT": url,
        "HF_HOME": str(tmp / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }


@pytest.fixture(scope="module")
def real_run(fixture_repo, tmp_path_factory):
    root, facts = fixture_repo
    work = tmp_path_factory.mktemp("mmarco-run")
    with _hub(root, cut_once={"english_collection.tsv"}) as hub:
        done = run_snakemake(work, "all", configfile=CONFIG, env=_env(hub.url, work))
        requests = list(hub.requests)
    assert done.returncode == 0, done.stderr[-4000:]
    return work, facts, requests


@pytest.mark.slow
def test_table_has_every_language_and_method(real_run):
    work, _, _ = real_run
    table = pd.read_csv(work / "results" / DATASET / "en2x" / "table.csv")
    assert set(table["lang"]) == {"en", *LANGS}
    for lang in LANGS:
        methods = set(table.loc[table["lang"] == lang, "method"])
        assert methods == {"random", "bm25", "zeroshot", "optical", "teacher_en"}
    assert (table["n_queries"] == 10).all()
    assert "real data" in (work / "results" / DATASET / "en2x" / "table.md").read_text()
    reproduction = pd.read_csv(work / "results" / DATASET / "en2x" / "reproduction.csv")
    assert list(reproduction["lang"]) == ["en", "fr", "hi"]
    assert not reproduction["comparable"].any()  # a query sample and a subset
    assert reproduction["note"].str.contains("a sample of 10 queries").all()
    assert "run in en2x" in reproduction.loc[1, "note"]
    assert "nDCG@20 not computed" in reproduction.loc[2, "note"]
    english = table[(table["lang"] == "en") & (table["method"] == "bm25")]
    assert reproduction.loc[0, "ours"] == pytest.approx(english["RR@10"].iloc[0])
    for method in ("zeroshot", "optical"):  # a real model scores, no constant
        run = (
            work / "results" / DATASET / "en2x" / "hi" / f"{method}.seed7.trec"
        ).read_text()
        assert len({line.split()[4] for line in run.splitlines()}) > 10


@pytest.mark.slow
def test_downloads_are_verified_and_resumed(real_run):
    work, _, requests = real_run
    manifests = sorted((work / HUB).rglob("*.manifest.json"))
    assert len(manifests) == 2 + 2 * len(LANGS) + 3  # en + targets, qrels, train files
    for path in manifests:
        (entry,) = json.loads(path.read_text())
        assert entry["verified"] == "sha256" and len(entry["sha256"]) == 64
        assert entry["commit"]
    # the English collection's first transfer was cut halfway; it was fetched again
    cut = [
        r for r in requests if r[0] == "GET" and r[1].endswith("english_collection.tsv")
    ]
    assert len(cut) == 2
    model = json.loads(
        (work / "results" / DATASET / "models" / "encoder.manifest.json").read_text()
    )
    assert {f["file"] for f in model[0]["files"]} >= {
        "config.json",
        "model.safetensors",
    }


@pytest.mark.slow
def test_layout_subset_keeps_every_judged_passage(real_run):
    work, facts, _ = real_run
    en = work / "resources" / DATASET / "en"
    qrels = read_qrels(en / "qrels.txt")
    queries = read_queries(en / "queries.tsv")
    assert len(queries) == 10 and set(qrels) == set(queries)
    for lang in ["en", *LANGS]:
        collection = read_collection(
            work / "resources" / DATASET / lang / "collection.tsv"
        )
        assert len(collection) == 40
        assert {pid for docs in qrels.values() for pid in docs} <= set(collection)
        if lang != "en":
            pid = next(iter(collection))
            assert collection[pid] == " ".join(
                translate(facts["english"][pid], lang).split()
            )
            translated = read_queries(
                work / "resources" / DATASET / lang / "queries.tsv"
            )
            assert set(translated) == set(queries)
            assert (
                read_queries(work / "resources" / DATASET / lang / "queries_en.tsv")
                == queries
            )


@pytest.mark.slow
def test_bitext_is_parallel_and_never_judged(real_run):
    work, facts, _ = real_run
    judged_texts = {facts["english"][pid] for pid in facts["dev"].values()}
    for lang, budget in (("fr", 15), ("hi", 5)):
        pairs = read_bitext(work / "resources" / DATASET / lang / "bitext.tsv")
        assert len(pairs) >= budget  # passages split into sentence pairs
        for english, foreign in pairs:
            assert foreign == translate(english, lang)
            assert not any(english in text for text in judged_texts)


def test_cut_download_resumes_with_a_range_request(tmp_path):
    """A transfer cut after 12 MB continues from there (hub chunks are 10 MB)."""
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    blob = np.random.default_rng(0).bytes(24 << 20)
    (repo / "data" / "big.tsv").write_bytes(blob)
    env = _env("", tmp_path)
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from optical_clir.data.hub import fetch_file;"
        "entry = fetch_file('unicamp-dl/mmarco', 'data/big.tsv', sys.argv[2]);"
        "print(json.dumps(entry))"
    )
    with FakeHub({("dataset", "unicamp-dl/mmarco"): repo}, {"big.tsv"}) as hub:
        env["HF_ENDPOINT"] = hub.url
        done = subprocess.run(
            [sys.executable, "-c", code, str(ROOT / "src"), str(tmp_path / "mirror")],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=False,
        )
        gets = [r for r in hub.requests if r[0] == "GET"]
    assert done.returncode == 0, done.stderr[-2000:]
    entry = json.loads(done.stdout.strip().splitlines()[-1])
    assert entry["sha256"] == hashlib.sha256(blob).hexdigest()
    assert len(gets) == 2 and gets[1][2] and int(gets[1][2][6:].rstrip("-")) > 0
    assert (tmp_path / "mirror" / "data" / "big.tsv").read_bytes() == blob


def test_sentence_split_and_alignment():
    assert split_sentences("One two. Three four! Five?") == [
        "One two.",
        "Three four!",
        "Five?",
    ]
    assert split_sentences("一二。三四。") == ["一二。", "三四。"]
    assert align_sentences("A b. C d.", "X y. Z w.") == [
        ("A b.", "X y."),
        ("C d.", "Z w."),
    ]
    assert align_sentences("A b. C d.", "X y z w.") == [("A b. C d.", "X y z w.")]


def test_offline_fetch_names_the_file_to_place(fixture_repo, tmp_path):
    target = f"{HUB}/data/qrels.dev.small.tsv"
    done = run_snakemake(
        tmp_path, target, configfile=CONFIG, env=_env("http://127.0.0.1:9", tmp_path)
    )
    assert done.returncode != 0
    log = (
        tmp_path
        / "logs"
        / "fetch_hub_file"
        / "unicamp-dl"
        / "mmarco"
        / "data"
        / "qrels.dev.small.tsv.log"
    ).read_text()
    assert re.search(rf"place it at {re.escape(target)}", log), log[-2000:]
    assert not (tmp_path / target).exists()


@pytest.mark.slow
def test_placed_file_is_used_without_download(fixture_repo, tmp_path):
    root, _ = fixture_repo
    placed = tmp_path / HUB / "data" / "qrels.dev.small.tsv"
    placed.parent.mkdir(parents=True)
    shutil.copy(root / "mmarco" / "data" / "qrels.dev.small.tsv", placed)
    done = run_snakemake(
        tmp_path,
        str(placed.relative_to(tmp_path)),
        configfile=CONFIG,
        env=_env("http://127.0.0.1:9", tmp_path),
    )
    assert done.returncode == 0 and "Nothing to be done" in done.stdout + done.stderr
    # every upstream file of the pivot placed by hand (no manifests): the data
    # preparation plans no download
    shutil.copytree(
        root / "mmarco" / "data", tmp_path / HUB / "data", dirs_exist_ok=True
    )
    plan = run_snakemake(
        tmp_path,
        f"resources/{DATASET}/en/collection.tsv",
        "--dry-run",
        configfile=CONFIG,
        env=_env("http://127.0.0.1:9", tmp_path),
    )
    assert plan.returncode == 0, plan.stderr[-2000:]
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", plan.stdout, flags=re.M))
    assert jobs.get("prepare_pivot") == "1" and "fetch_hub_file" not in jobs


def test_dry_run_of_the_real_config_lists_every_job(tmp_path):
    done = run_snakemake(
        tmp_path,
        "results/table.csv",
        "--dry-run",
        configfile=ROOT / "config" / "mmarco.yaml",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", done.stdout, flags=re.M))
    languages = 13
    assert counts["fetch_hub_file"] == str(2 * (languages + 1) + 3)
    assert counts["prepare_language"] == counts["prepare_bitext"] == str(languages)
    assert counts["distill_ot"] == str(languages)
    assert counts["index_bm25"] == counts["retrieve_bm25"] == str(languages + 1)
    # rerank.union: false, one teacher_en job per language (parallel on Slurm)
    assert counts["rerank"] == str(3 * languages + 1)
    assert "rerank_union" not in counts
    assert counts["fetch_encoder"] == counts["train_teacher"] == "1"
    for lang in (
        "ar",
        "zh",
        "nl",
        "fr",
        "de",
        "hi",
        "id",
        "it",
        "ja",
        "pt",
        "ru",
        "es",
        "vi",
        "en",
    ):
        assert f"results/mmarco-v2/en2x/{lang}/metrics.csv" in done.stdout
    # the job count the docs give is the dry run's
    total = re.findall(r"^total\s+(\d+)$", done.stdout, flags=re.M)[-1]
    for doc in ("real_run.md", "cluster.md"):
        text = (ROOT / "docs" / doc).read_text()
        assert f"{total} jobs" in text or f"{total} for the real config" in text, doc


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "passages"), [("mono", "hi"), ("x2en", "en")])
def test_other_settings_on_the_real_path(real_run, tmp_path, setting, passages):
    """mono: Hindi queries over Hindi passages; x2en: Hindi queries over the
    English passages, reranking the English run's candidates."""
    work = tmp_path / "work"
    shutil.copytree(real_run[0], work, ignore=shutil.ignore_patterns("locks"))
    target = f"results/{DATASET}/{setting}/hi/zeroshot.seed7.trec"
    done = run_snakemake(
        work,
        target,
        "--config",
        f"settings=[{setting}]",
        configfile=CONFIG,
        env=_env("http://127.0.0.1:9", work),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    log = work / "logs" / "rerank" / DATASET / setting / "hi" / "zeroshot.seed7.log"
    text = log.read_text()
    assert f"queries resources/{DATASET}/hi/queries.tsv," in text
    assert f"passages resources/{DATASET}/{passages}/collection.tsv" in text
