"""Benchmark: one full-ranking job as it was until 2026-12-07 against as it is.

Before, each ``rank_full`` job was a process that loaded its query tower (torch
and transformers imported, the model read), encoded its queries and searched
the passages' token vectors. Now the query tower's ``encode_tokens`` job, which
has the model loaded for the collection already, encodes the queries beside it
(2 threads, as that rule runs), and ``rank_full`` is a process that reads both
vector sections and searches (no model, no transformers). Each process is a
fresh Python, as Snakemake starts it; ``--repeats`` of each, alternating,
median seconds and the ratio. The collection's vectors are computed once first
(the same in both). Prints JSON; ``--out`` saves it::

    python bench/full_ranking.py --model results/bible-e5/models/seed13/teacher_li \\
        --queries resources/bible-e5/de/queries_en.tsv \\
        --collection resources/bible-e5/de/collection.tsv --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from timing import ROOT, fresh_process, write_json

from optical_clir.formats import read_collection, read_queries
from optical_clir.models.runtime import set_threads
from optical_clir.models.token_index import save_sections
from optical_clir.models.towers import Towers

CPU = torch.device("cpu")

# rank_full until 2026-12-07: load the query tower, encode, search (1 thread)
BEFORE = """
import sys
from optical_clir.formats import read_queries
from optical_clir.models.runtime import set_threads
from optical_clir.models.token_index import TokenIndex, search
from optical_clir.models.towers import Towers
import torch
model, queries, vectors, length, batch = sys.argv[1:6]
set_threads(1)
passages = TokenIndex.load(vectors, "collection")
q = Towers.load(model).encode_queries(
    read_queries(queries), int(length), int(batch), torch.device("cpu"), "fp32"
)
search(q, passages, 10, True)
"""
# rank_full now: read both sections, search (1 thread)
AFTER = """
import sys
from optical_clir.models.runtime import set_threads
from optical_clir.models.token_index import TokenIndex, search
vectors = sys.argv[1]
set_threads(1)
queries = TokenIndex.load(vectors, "queries")
search(queries, TokenIndex.load(vectors, "collection"), 10, True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--collection", type=Path, required=True)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "full_ranking.json"
    )
    args = parser.parse_args()

    set_threads(2)  # encode_tokens' threads
    tower = Towers.load(args.model)
    queries = read_queries(args.queries)
    passages = tower.encode_passages(
        read_collection(args.collection), args.max_length, args.batch_size, CPU, "fp32"
    )
    times: dict[str, list[float]] = {"before": [], "after": [], "queries": []}
    with tempfile.TemporaryDirectory() as tmp:
        vectors = str(Path(tmp) / "tokens.safetensors")
        for _ in range(args.repeats):
            began = time.perf_counter()
            q = tower.encode_queries(
                queries, args.max_length, args.batch_size, CPU, "fp32"
            )
            times["queries"].append(time.perf_counter() - began)
            sections = {"collection": (passages, torch.float16)}
            save_sections(vectors, {**sections, "queries": (q, torch.float32)})
            times["before"].append(
                fresh_process(
                    BEFORE,
                    str(args.model),
                    str(args.queries),
                    vectors,
                    str(args.max_length),
                    str(args.batch_size),
                )[0]
            )
            times["after"].append(fresh_process(AFTER, vectors)[0])
    median = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "model": str(args.model),
        "queries": len(queries),
        "passages": len(passages.ids),
        "repeats": args.repeats,
        "before_job_s": median["before"],
        "after_job_s": median["after"],
        "after_queries_in_encode_tokens_s": median["queries"],
        "ratio": median["before"] / (median["after"] + median["queries"]),
        "runs": times,
    }
    write_json(result, args.out)


if __name__ == "__main__":
    main()
