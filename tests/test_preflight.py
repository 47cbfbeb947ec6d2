"""The checks of the configured inputs that run before any job."""

from __future__ import annotations

import pytest

from optical_clir.data.preflight import (
    check_bitext_files,
    check_encoder,
    check_local_layout,
    required_files,
)
from optical_clir.errors import ConfigError, InputError


def test_encoder_path_hub_id_and_built_folder(tmp_path):
    check_encoder(None, tmp_path, "c.yaml")
    check_encoder("bert-base-multilingual-cased", tmp_path, "c.yaml")
    check_encoder("Davlan/afro-xlmr-base", tmp_path, "c.yaml")
    check_encoder(
        "resources/encoders/x", tmp_path, "c.yaml", built=["resources/encoders/x"]
    )
    model = tmp_path / "enc"
    model.mkdir()
    with pytest.raises(ConfigError, match="has no config.json"):
        check_encoder("./enc", tmp_path, "c.yaml")
    (model / "config.json").write_text("{}")
    check_encoder("./enc", tmp_path, "c.yaml")
    check_encoder("enc", tmp_path, "c.yaml")  # an existing folder is read as one
    with pytest.raises(
        ConfigError, match=r"c.yaml: key 'model.encoder'.*does not exist"
    ):
        check_encoder("/no/such/folder", tmp_path, "c.yaml")
    with pytest.raises(ConfigError, match="neither an existing folder nor"):
        check_encoder("org/name/extra", tmp_path, "c.yaml")


def test_bitext_file_named_by_its_key(tmp_path):
    languages = [{"name": "ha"}, {"name": "yo", "bitext": {"tsv": "en-yo.tsv"}}]
    with pytest.raises(
        ConfigError, match=r"key 'languages\[1\].bitext.tsv': no such file"
    ):
        check_bitext_files(languages, tmp_path, "c.yaml")
    (tmp_path / "en-yo.tsv").write_text("a\tb\n")
    check_bitext_files(languages, tmp_path, "c.yaml")


def test_required_files_follow_the_settings():
    needed = required_files(["de"], ["x2en"], "translated", "enc", [])
    assert "queries_en.tsv" not in needed["de"] and "queries.tsv" in needed["de"]
    needed = required_files(["de"], ["en2x"], "english", None, ["de"])
    assert set(needed["de"]) == {
        "collection.tsv",
        "qrels.txt",
        "pretrain.txt",
        "queries_en.tsv",
    }
    assert "triples.tsv" in needed["en"] and "pretrain.txt" in needed["en"]


def _layout(base):
    for lang in ("en", "de"):
        (base / lang).mkdir(parents=True)
        (base / lang / "collection.tsv").write_text("d1\tone\nd2\ttwo\n")
        (base / lang / "queries.tsv").write_text("q1\ta query\n")
        (base / lang / "qrels.txt").write_text("q1 0 d1 1\n")
    (base / "en" / "triples.tsv").write_text("q\tp\tn\n")
    (base / "de" / "queries_en.tsv").write_text("q1\ta query\n")
    (base / "de" / "bitext.tsv").write_text("a\tb\n")


def _check(base, max_length=64):
    check_local_layout(
        base, ["de"], ["en2x", "x2en"], "translated", "enc", [], max_length
    )


def test_local_layout(tmp_path):
    base = tmp_path / "resources" / "mine"
    _layout(base)
    _check(base)
    with pytest.raises(InputError, match="queries.tsv:1: query 'q1' has 2 words"):
        _check(base, max_length=5)
    (base / "de" / "collection.tsv").write_text("d1\teins\nd9\tneun\n")
    with pytest.raises(
        InputError, match=r"de/collection.tsv:2: passage id 'd9' is not in"
    ):
        _check(base)
    (base / "de" / "collection.tsv").write_text("d1\teins\n")  # a subset is fine
    _check(base)
    (base / "de" / "queries.tsv").write_text("q2\teine Frage\n")
    with pytest.raises(InputError, match="query ids differ from queries_en.tsv's"):
        _check(base)
    (base / "de" / "bitext.tsv").unlink()
    with pytest.raises(InputError, match="de/bitext.tsv: missing. source: local"):
        _check(base)
