"""The encoder's coverage of each language, and transfer set against it."""

from __future__ import annotations

import pandas as pd
import pytest
from transformers import BertTokenizerFast

from optical_clir.evaluate.coverage import (
    coverage_lines,
    rank_correlation,
    segmentation,
    transfer_by_language,
    zero_shot_share,
)
from optical_clir.models.encoder import train_tokenizer


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    root = tmp_path_factory.mktemp("tok")
    corpus = root / "corpus.txt"
    corpus.write_text("the king and the river\nthe city of gold\n" * 50)
    train_tokenizer([corpus], 60, root / "tok")
    return BertTokenizerFast.from_pretrained(root / "tok")


def test_a_known_language_takes_fewer_pieces_than_an_unknown_one(tokenizer):
    known = segmentation(tokenizer, ["the king and the river", "the city of gold"])
    unknown = segmentation(tokenizer, ["mfumu ndi mtsinje wa golide"])
    assert known["words"] == 9 and known["pieces_per_word"] == pytest.approx(1.0)
    assert known["unk_share"] == 0
    assert unknown["pieces_per_word"] > 2 * known["pieces_per_word"]
    assert unknown["char_piece_share"] > known["char_piece_share"]
    ids = tokenizer(["mfumu ndi"], add_special_tokens=False)["input_ids"][0]
    expected_unk = sum(i == tokenizer.unk_token_id for i in ids) / len(ids)
    assert segmentation(tokenizer, ["mfumu ndi"])["unk_share"] == expected_unk


def _table():
    rows = []
    for lang, resource, zs in (
        ("de", "high", 0.5),
        ("hi", "low", 0.4),
        ("ny", "low", 0.2),
    ):
        for method, score in (
            ("random", 0.1),
            ("zeroshot_li", zs),
            ("teacher_en_li", 0.9),
        ):
            for seed, shift in (("1", 0.0), ("2", 0.02)):
                rows.append(
                    {
                        "lang": lang,
                        "resource": resource,
                        "method": method,
                        "seed": "" if method == "random" else seed,
                        "nDCG@10": score + (shift if method != "random" else 0),
                    }
                )
    rows.append(
        {
            "lang": "en",
            "resource": "pivot",
            "method": "bm25",
            "seed": "",
            "nDCG@10": 0.3,
        }
    )
    return pd.DataFrame(rows)


def test_zero_shot_share_is_its_part_of_the_teachers_gain_over_random():
    shares = zero_shot_share(_table()).set_index("lang")["zero_shot_share"]
    # (0.51 - 0.1) / (0.91 - 0.1): means over the two seeds
    assert shares["de"] == pytest.approx(0.41 / 0.81)
    assert shares["ny"] == pytest.approx(0.11 / 0.81)
    assert "en" not in shares


def test_full_ranking_takes_its_share_over_a_random_order_of_the_collection():
    table = _table()
    whole = table[table["method"] == "random"].assign(
        method="random_collection", **{"nDCG@10": 0.001}
    )
    cross = table[table["method"] != "random"].assign(
        method=lambda f: f["method"].str.removesuffix("_li")
    )
    shares = zero_shot_share(pd.concat([table, whole, cross]))
    late = shares[shares["family"] == "late_interaction"].set_index("lang")
    assert set(late["chance"]) == {"random_collection"}
    assert late.loc["de", "zero_shot_share"] == pytest.approx(0.509 / 0.909)
    reranked = shares[shares["family"] == "cross_encoder"].set_index("lang")
    assert set(reranked["chance"]) == {"random"}
    assert reranked.loc["de", "zero_shot_share"] == pytest.approx(0.41 / 0.81)


def test_transfer_sits_beside_segmentation_and_evidence():
    coverage = pd.DataFrame(
        {
            "lang": ["en", "de", "hi", "ny"],
            "pieces_per_word": [1.2, 1.5, 1.7, 2.4],
            "unk_share": [0, 0, 0, 0.01],
            "char_piece_share": [0.1, 0.1, 0.2, 0.3],
        }
    )
    languages = [
        {
            "name": "de",
            "resource": "high",
            "evidence": {"joshi_class": 5, "cc100_gib": 66.6},
        },
        {
            "name": "hi",
            "resource": "low",
            "evidence": {"joshi_class": 4, "cc100_gib": 20.2},
        },
        {
            "name": "ny",
            "resource": "low",
            "evidence": {"joshi_class": 1, "cc100_gib": 0},
        },
    ]
    frame = transfer_by_language(_table(), coverage, languages)
    assert list(frame["lang"]) == ["de", "hi", "ny"]
    assert list(frame["joshi_class"]) == [5, 4, 1]
    assert list(frame["pieces_per_word"]) == [1.5, 1.7, 2.4]
    rho = rank_correlation(frame, "pieces_per_word")["late_interaction"]
    assert rho == pytest.approx(-1.0)  # more pieces, less transfer, in this table
    assert "Spearman -1.00" in coverage_lines(frame)[0]
    assert coverage_lines(frame.iloc[:2]) == []  # two languages: no statement
