"""Benchmark: the light rules that run beside Snakemake (``localrule: True``) at
the real run's scale, to check that they belong on a cluster's login node.

``evaluate_run`` and ``evaluate_random_order`` are the heaviest of them: they
read a whole run. This writes runs of the mMARCO dev set's size (6,980 queries,
7,437 judgments; BM25's run at depth 1,000, a reranked one at depth 100) with a
seeded random order, and runs each stage in a fresh Python process, as Snakemake
starts it: median wall seconds over ``--repeats`` and the peak resident memory.
Prints JSON; ``--out`` saves it::

    python bench/evaluation_scale.py --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
from timing import ROOT, fresh_process, write_json

STAGE = """
import resource, sys
from optical_clir.stages import evaluate
stage, run, qrels, queries, out = sys.argv[1:6]
getattr(evaluate, stage)(
    run=run, qrels=qrels, queries=queries,
    labels={"lang": "xx", "method": "m", "seed": ""},
    metrics_out=out + ".csv", per_query_out=out + ".tsv", recall_depth=100,
)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def write_inputs(
    folder: Path, queries: int, judgments: int, passages: int, depths: list[int]
) -> dict[str, Path]:
    """Queries, qrels and one run per depth, seeded; returns their paths."""
    rng = np.random.default_rng(0)
    paths = {"queries": folder / "queries.tsv", "qrels": folder / "qrels.txt"}
    qids = [f"q{i}" for i in range(queries)]
    paths["queries"].write_text("".join(f"{q}\tquery {q}\n" for q in qids))
    judged = rng.integers(0, queries, judgments - queries)
    pairs = [(q, rng.integers(passages)) for q in range(queries)]
    pairs += [(int(q), rng.integers(passages)) for q in judged]
    paths["qrels"].write_text("".join(f"q{q} 0 p{p} 1\n" for q, p in pairs))
    for depth in depths:
        run = folder / f"depth{depth}.trec"
        with run.open("w") as handle:
            for q in qids:
                docs = rng.choice(passages, depth, replace=False)
                handle.writelines(
                    f"{q} Q0 p{d} {rank + 1} {depth - rank} bm25\n"
                    for rank, d in enumerate(docs)
                )
        paths[f"depth{depth}"] = run
    return paths


def stage_process(stage: str, run: Path, paths: dict[str, Path], out: Path):
    """Seconds and peak RSS (MiB, the process's own) of one fresh process
    running ``stage``."""
    seconds, stdout = fresh_process(
        STAGE, stage, str(run), str(paths["qrels"]), str(paths["queries"]), str(out)
    )
    return seconds, int(stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=6980)
    parser.add_argument("--judgments", type=int, default=7437)
    parser.add_argument("--passages", type=int, default=8_841_823)
    parser.add_argument("--depths", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "evaluation_scale.json"
    )
    args = parser.parse_args()
    result: dict[str, object] = {
        "queries": args.queries,
        "judgments": args.judgments,
        "repeats": args.repeats,
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_inputs(
            folder, args.queries, args.judgments, args.passages, sorted(args.depths)
        )
        for depth in sorted(args.depths):
            for stage in ("evaluate_run", "evaluate_random_order"):
                runs = [
                    stage_process(stage, paths[f"depth{depth}"], paths, folder / "m")
                    for _ in range(args.repeats)
                ]
                result[f"{stage}@{depth}"] = {
                    "median_s": statistics.median(s for s, _ in runs),
                    "peak_rss_mib": max(m for _, m in runs),
                }
    write_json(result, args.out)


if __name__ == "__main__":
    main()
