"""Published scores beside ours: matching rows, tolerance, what is not comparable."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT
from optical_clir.errors import InputError
from optical_clir.evaluate.reproduction import compare, markdown, read_scores

TABLE = pd.DataFrame(
    [
        {"lang": "fr", "method": "bm25", "RR@10": 0.1570, "nDCG@10": 0.2},
        {"lang": "hi", "method": "bm25", "RR@10": 0.1200, "nDCG@10": 0.2},
        {"lang": "en", "method": "bm25", "RR@10": 0.1841, "nDCG@10": 0.3},
    ]
)


def _scores(tmp_path, rows, sources=None):
    import yaml

    path = tmp_path / "ref.yaml"
    path.write_text(
        yaml.safe_dump(
            {"sources": sources or {"s": "a paper"}, "tolerance": 0.005, "scores": rows}
        )
    )
    return path


def _row(lang, value, **extra):
    return {
        "collection": "c",
        "split": "dev",
        "lang": lang,
        "method": "bm25",
        "setting": "mono",
        "metric": "RR@10",
        "value": value,
        "source": "s",
        **extra,
    }


def test_rows_within_and_outside_tolerance(tmp_path):
    rows = [
        _row("fr", 0.155),
        _row("hi", 0.134),
        _row("en", 0.184, setting="any"),
        _row("fr", 0.5, collection="other"),
    ]
    frame = compare(TABLE, read_scores(_scores(tmp_path, rows)), "c", "dev", "mono", [])
    assert list(frame["lang"]) == ["fr", "hi", "en"]  # another collection is skipped
    assert list(frame["within_tolerance"]) == [True, False, True]
    assert frame["difference"].tolist() == pytest.approx([0.002, -0.014, 0.0001])
    assert frame["comparable"].all() and set(frame["source"]) == {"a paper"}
    text = markdown(frame, "run", "c")
    assert "3 of 3 rows comparable; 2 of them within tolerance." in text


def test_not_comparable_rows_say_why(tmp_path):
    rows = [_row("fr", 0.155), _row("vi", 0.136), _row("fr", 0.2, metric="nDCG@20")]
    published = read_scores(_scores(tmp_path, rows))
    frame = compare(TABLE, published, "c", "dev", "en2x", ["a sample of 10 queries"])
    assert not frame["comparable"].any()
    assert frame["within_tolerance"].isna().all()
    notes = frame["note"].tolist()
    assert "a sample of 10 queries" in notes[0]
    assert "published in the mono setting, run in en2x" in notes[0]
    assert "not in this run" in notes[1]
    assert "nDCG@20 not computed: add it to measures" in notes[2]
    assert "Not comparable:" in markdown(frame, "run", "c")


def test_a_bad_reference_file_names_the_entry(tmp_path):
    with pytest.raises(InputError, match=r"ref.yaml: scores\[0\] lacks value"):
        read_scores(
            _scores(
                tmp_path, [{k: v for k, v in _row("fr", 1).items() if k != "value"}]
            )
        )
    with pytest.raises(InputError, match="unknown source 'nope'"):
        read_scores(_scores(tmp_path, [_row("fr", 0.1, source="nope")]))


def test_the_shipped_reference_file_reads():
    rows = read_scores(ROOT / "config" / "reference_scores.yaml")
    mmarco = [r for r in rows if r["collection"] == "mmarco-v2"]
    ciral = [r for r in rows if r["collection"] == "ciral-v1.0"]
    assert len(mmarco) == 14 and len(ciral) == 16
    assert {r["metric"] for r in ciral} == {"nDCG@20"}
    assert next(r for r in mmarco if r["lang"] == "hi")["value"] == 0.134


def test_no_published_scores_says_so():
    empty = compare(TABLE, [], None, None, "en2x", [])
    assert "no published scores" in markdown(empty, "sim", None)
