"""Readers reject malformed lines with the file and line; writers are atomic."""

from __future__ import annotations

import pytest

from optical_clir.atomic import atomic_open
from optical_clir.errors import InputError
from optical_clir.formats import (
    read_collection,
    read_qrels,
    read_queries,
    read_run,
    write_run,
)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_collection_round_trip(tmp_path):
    path = _write(tmp_path / "c.tsv", "0\tthe first passage\n1\tsecond one\n")
    assert read_collection(path) == {"0": "the first passage", "1": "second one"}


def test_malformed_collection_line_names_file_and_line(tmp_path):
    path = _write(tmp_path / "c.tsv", "0\tfine\n1 missing tab\n")
    with pytest.raises(InputError, match=r"c\.tsv:2: expected 2 tab-separated"):
        read_collection(path)


def test_duplicate_docid(tmp_path):
    path = _write(tmp_path / "c.tsv", "0\ta\n0\tb\n")
    with pytest.raises(InputError, match=r"c\.tsv:2: duplicate docid '0'"):
        read_collection(path)


def test_empty_collection(tmp_path):
    path = _write(tmp_path / "c.tsv", "\n\n")
    with pytest.raises(InputError, match=r"c\.tsv: the collection is empty"):
        read_collection(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_collection(tmp_path / "absent.tsv")


def test_malformed_query_line(tmp_path):
    path = _write(tmp_path / "q.tsv", "1\tok\n2\ttoo\tmany\n")
    with pytest.raises(InputError, match=r"q\.tsv:2: expected 2 tab-separated"):
        read_queries(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [("1 0 7", "expected 4 fields"), ("1 0 7 high", "relevance 'high' is not")],
)
def test_malformed_qrels_line(tmp_path, line, message):
    path = _write(tmp_path / "qrels.txt", f"1 0 3 1\n{line}\n")
    with pytest.raises(InputError, match=rf"qrels\.txt:2: {message}"):
        read_qrels(path)


def test_qrels_graded(tmp_path):
    path = _write(tmp_path / "qrels.txt", "1 0 a 2\n1 0 b 0\n2 0 c 1\n")
    assert read_qrels(path) == {"1": {"a": 2, "b": 0}, "2": {"c": 1}}


def test_run_written_in_trec_format_with_ties_by_docid(tmp_path):
    path = tmp_path / "run.trec"
    write_run(path, {"q1": {"b": 1.0, "a": 1.0, "c": 2.5}}, tag="bm25")
    lines = path.read_text().splitlines()
    assert lines == [
        "q1 Q0 c 1 2.500000 bm25",
        "q1 Q0 a 2 1.000000 bm25",
        "q1 Q0 b 3 1.000000 bm25",
    ]
    assert read_run(path) == {"q1": {"c": 2.5, "a": 1.0, "b": 1.0}}


def test_atomic_open_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.tsv"
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
