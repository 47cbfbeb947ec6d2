"""The synthetic benchmark: deterministic, in the real formats, transferable."""

from __future__ import annotations

import collections
import hashlib

import pytest

from conftest import TINY
from optical_clir.config import load_yaml
from optical_clir.data.synthetic.benchmark import BenchmarkSpec
from optical_clir.data.synthetic.language import (
    SCRIPTS,
    LanguageSpec,
    SyntheticLanguage,
)
from optical_clir.data.synthetic.world import World
from optical_clir.formats import (
    read_bitext,
    read_collection,
    read_qrels,
    read_queries,
    read_triples,
)
from optical_clir.stages.data import generate_language, generate_pivot

PIVOT_KEYS = ["collection", "queries", "queries_en", "qrels", "triples", "pretrain"]
LANG_KEYS = ["collection", "queries", "queries_en", "qrels", "bitext", "pretrain"]


def _generate(root, seed):
    config = load_yaml(TINY)
    pivot = {k: root / "en" / f"{k}.tsv" for k in PIVOT_KEYS}
    generate_pivot(synthetic=config["synthetic"], seed=seed, out=pivot)
    langs = {}
    for entry in config["languages"]:
        out = {k: root / entry["name"] / f"{k}.tsv" for k in LANG_KEYS}
        generate_language(
            synthetic=config["synthetic"],
            seed=seed,
            language=entry,
            pivot=pivot,
            out=out,
        )
        langs[entry["name"]] = out
    return config, pivot, langs


def _digest(paths):
    return {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("syn"), seed=7)


def test_same_seed_same_bytes(generated, tmp_path):
    _, pivot, langs = generated
    _, pivot2, langs2 = _generate(tmp_path, seed=7)
    assert _digest(pivot) == _digest(pivot2)
    for name in langs:
        assert _digest(langs[name]) == _digest(langs2[name])


def test_other_seed_other_collection(generated, tmp_path):
    _, pivot, _ = generated
    config = load_yaml(TINY)
    other = {k: tmp_path / f"{k}.tsv" for k in PIVOT_KEYS}
    generate_pivot(synthetic=config["synthetic"], seed=8, out=other)
    assert pivot["collection"].read_bytes() != other["collection"].read_bytes()


def test_pivot_files_in_real_formats(generated):
    config, pivot, _ = generated
    syn = config["synthetic"]
    docs = read_collection(pivot["collection"])
    queries = read_queries(pivot["queries"])
    qrels = read_qrels(pivot["qrels"])
    assert len(docs) == syn["passages"]
    assert len(queries) == syn["test_queries"]
    assert set(qrels) == set(queries)
    assert all(max(j.values()) == 2 for j in qrels.values())  # graded, source = 2
    assert {g for j in qrels.values() for g in j.values()} <= {1, 2}
    assert all(d in docs for j in qrels.values() for d in j)
    triples = read_triples(pivot["triples"])
    expected = syn["train_queries"] * syn["negatives_per_query"]
    assert 0.8 * expected <= len(triples) <= expected
    # mirrored pairs: a passage is as often a positive as a negative, so nothing
    # about a passage alone predicts the label
    pos = collections.Counter(p for _, p, _ in triples)
    neg = collections.Counter(n for _, _, n in triples)
    balanced = sum(pos[p] == neg[p] for p in set(pos) | set(neg))
    assert balanced >= 0.8 * len(set(pos) | set(neg))
    # training passages come from their own pool, never from the test collection
    collection = set(docs.values())
    assert not any(pos in collection or neg in collection for _, pos, neg in triples)
    assert all(pos != neg for _, pos, neg in triples)
    assert read_queries(pivot["queries_en"]) == queries


def test_queries_show_vocabulary_mismatch(generated):
    _, pivot, _ = generated
    docs = read_collection(pivot["collection"])
    queries = read_queries(pivot["queries"])
    qrels = read_qrels(pivot["qrels"])
    missing = 0
    for qid, text in queries.items():
        source = next(d for d, g in qrels[qid].items() if g == 2)
        missing += any(w not in docs[source].split() for w in text.split())
    assert 0.2 < missing / len(queries) < 1.0


def test_language_shares_ids_and_some_vocabulary(generated):
    config, pivot, langs = generated
    en_docs = read_collection(pivot["collection"])
    en_words = {w for t in en_docs.values() for w in t.split()}
    for entry in config["languages"]:
        out = langs[entry["name"]]
        docs = read_collection(out["collection"])
        assert docs.keys() == en_docs.keys()  # parallel, like mMARCO
        assert read_qrels(out["qrels"]) == read_qrels(pivot["qrels"])
        assert read_queries(out["queries_en"]) == read_queries(pivot["queries"])
        assert (
            read_queries(out["queries"]).keys() == read_queries(pivot["queries"]).keys()
        )
        words = {w for t in docs.values() for w in t.split()}
        shared = len(words & en_words) / len(words)
        assert 0.0 < shared < 0.5, entry["name"]
        bitext = read_bitext(out["bitext"])
        assert len(bitext) == entry["bitext_pairs"]
        assert all(en != fx for en, fx in bitext[:20])
        assert out["pretrain"].stat().st_size > 0


def test_pretraining_corpus_follows_shares(generated):
    config, pivot, langs = generated
    sizes = {n: len(p["pretrain"].read_text().splitlines()) for n, p in langs.items()}
    high, low = (e["name"] for e in config["languages"])
    assert sizes[high] > 2 * sizes[low]


def test_code_switching_leaves_english_words_in_the_pretraining_text_only(
    generated, tmp_path
):
    """``code_switch`` keeps a share of the words of a language's pretraining text
    in English (English form and script); its collection, queries and bitext, and
    the passages drawn, stay the same."""
    config, pivot, langs = generated
    entry = next(e for e in config["languages"] if e["synthetic"]["script"] != "latin")
    out = {k: tmp_path / f"{k}.tsv" for k in LANG_KEYS}
    generate_language(
        synthetic={**config["synthetic"], "code_switch": 0.3},
        seed=7,
        language=entry,
        pivot=pivot,
        out=out,
    )
    before = langs[entry["name"]]
    for key in ("collection", "queries", "bitext"):
        assert out[key].read_bytes() == before[key].read_bytes(), key
    english = {
        w.rstrip(".")
        for t in read_collection(pivot["collection"]).values()
        for w in t.split()
    }
    plain = before["pretrain"].read_text().split()
    mixed = out["pretrain"].read_text().split()
    assert len(plain) == len(mixed)  # the same passages, word for word

    def latin_share(words):
        return sum(
            w.rstrip(".").isascii()
            and not w.rstrip(".").isdigit()
            and w.rstrip(".") in english
            for w in words
        ) / len(words)

    # names (about 3% of words) are shared, hence English, in both
    assert latin_share(plain) < 0.06
    assert 0.25 < latin_share(mixed) < 0.37


def test_cognates_take_the_language_script_and_names_stay_latin():
    """A cognate (``shared_vocab``) is the English word written in the language's
    script, so it shares word pieces with English only in a Latin-script
    language (docs/simulation.md, "Three times the cognates"); names and digits
    stay as in English in every script."""
    world = World(BenchmarkSpec.from_config(load_yaml(TINY)["synthetic"]).world, 7)
    word, name = world.vocabulary()[0], world.names[0]
    text = f"{word} {name} 42"
    translated = {
        script: SyntheticLanguage(
            LanguageSpec(
                name=f"cognates-{script}",
                script=script,
                morphology=0.0,
                word_order="keep",
                shared_vocab=1.0,
            ),
            world,
        ).translate(text)
        for script in ("latin", "cyrillic")
    }
    assert translated["latin"] == text
    cognate, kept_name, digits = translated["cyrillic"].split()
    assert cognate == word.translate(str.maketrans(SCRIPTS["cyrillic"]))
    assert cognate != word
    assert (kept_name, digits) == (name, "42")


def test_concept_index_counts_what_a_scan_of_the_pool_counts():
    """The triples' relevance index (numpy) against a plain count over the pool."""
    import numpy as np

    from optical_clir.data.synthetic.benchmark import _concept_matches, _relevant_set

    keys = [[1, 2, 3], [2, 3, 4], [1, 4, 5], [5, 6, 7], [2, 2, 9]]
    index: dict[int, list[int]] = {}
    for idx, concepts in enumerate(keys):
        for c in concepts:
            index.setdefault(c, []).append(idx)
    by_concept = {c: np.asarray(i) for c, i in index.items()}
    query = [2, 4, 4, 8]  # a repeated concept counts once; 8 is in no passage
    passages, counts = _concept_matches(by_concept, query)
    # a concept listed twice by a passage counts twice there, as in a scan
    expected = {0: 1, 1: 2, 2: 1, 4: 2}
    assert dict(zip(passages.tolist(), counts.tolist(), strict=True)) == expected
    assert passages.tolist() == sorted(expected)
    assert _relevant_set(by_concept, 3, query) == {1, 3, 4}
    empty, none = _concept_matches(by_concept, [42])
    assert empty.size == 0 and none.size == 0
