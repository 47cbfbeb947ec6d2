"""A miniature CIRAL v1.0 in the upstream file formats, with the repos' paths.

``CIRAL/ciral-corpus``: ``passages-v1.0/<name>_passages.jsonl`` and
``translated-passages-v1.0/<name>_passages.jsonl`` (one JSON object per line:
``docid``, ``title``, ``text``, ``url``; the same docids, English text).
``CIRAL/ciral``: ``ciral-<name>/<split>/topics.ciral-v1.0-<code>-<split>.tsv``
(English ``qid<TAB>query``), the same with ``-native`` (translated), and
``qrels.ciral-v1.0-<code>-<split>.tsv`` (``qid Q0 docid rel``). The
"languages" are the deterministic rewritings of tests/mmarco_fixture.py, and a
bitext TSV per language is written beside (CIRAL ships none).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from mmarco_fixture import WORDS, translate
from optical_clir.data.ciral import NAMES

PASSAGES = 40
QUERIES = 8


def write_ciral(root: Path, codes: list[str], split: str = "test-a", seed: int = 0):
    """Write both repos under ``root/ciral-corpus`` and ``root/ciral``, and
    ``root/bitext/<code>.tsv``; returns ids for the assertions."""
    rng = random.Random(seed)
    facts = {}
    for code in codes:
        name = NAMES[code]
        docids = [f"{name[:3]}-{1000 + 3 * i}-{i % 4}" for i in range(PASSAGES)]
        topics = [rng.sample(WORDS, 5) for _ in docids]
        english = {
            d: " ".join(rng.sample(t, 4) + rng.sample(WORDS, 2)) + "."
            for d, t in zip(docids, topics, strict=True)
        }
        corpus = root / "ciral-corpus"
        for folder, lang in (
            ("passages-v1.0", code),
            ("translated-passages-v1.0", "en"),
        ):
            path = corpus / folder / f"{name}_passages.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                for d in docids:
                    words = english[d].split()
                    obj = {
                        "docid": d,
                        "title": translate(" ".join(words[:2]), lang),
                        "text": translate(" ".join(words[2:]), lang),
                        "url": f"https://news.example/{d}",
                    }
                    handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
        base = root / "ciral" / f"ciral-{name}" / split
        base.mkdir(parents=True, exist_ok=True)
        qids = [str(100 + i) for i in range(QUERIES)]
        relevant = {q: docids[5 * i] for i, q in enumerate(qids)}
        queries = {
            q: " ".join(topics[docids.index(d)][:3]) for q, d in relevant.items()
        }
        stem = f"ciral-v1.0-{code}-{split}"
        (base / f"topics.{stem}.tsv").write_text(
            "".join(f"{q}\t{t}\n" for q, t in queries.items()), encoding="utf-8"
        )
        (base / f"topics.{stem}-native.tsv").write_text(
            "".join(f"{q}\t{translate(t, code)}\n" for q, t in queries.items()),
            encoding="utf-8",
        )
        with open(base / f"qrels.{stem}.tsv", "w", encoding="utf-8") as handle:
            for q, d in relevant.items():
                handle.write(f"{q} Q0 {d} 1\n")
                handle.write(f"{q} Q0 {docids[(docids.index(d) + 1) % PASSAGES]} 0\n")
        bitext = root / "bitext" / f"{code}.tsv"
        bitext.parent.mkdir(parents=True, exist_ok=True)
        rows = [" ".join(rng.sample(WORDS, 5)) + "." for _ in range(30)]
        bitext.write_text(
            "".join(f"{e}\t{translate(e, code)}\n" for e in rows), encoding="utf-8"
        )
        facts[code] = {"docids": docids, "relevant": relevant}
    return facts
