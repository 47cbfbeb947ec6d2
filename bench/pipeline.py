"""Per-stage wall time and peak memory of a workflow run, from the rules'
``benchmark:`` files, plus the end-to-end wall time of Snakemake itself.

Usage (after set-up; removes the dataset's results and resources first, and
reruns every job of the config, the encoder conversion included)::

    python bench/pipeline.py --dataset synthetic-demo --cores 2
    python bench/pipeline.py --dataset bible-e5 --configfile config/realtext.yaml
    python bench/pipeline.py --dataset bible-e5 --configfile config/realtext.yaml \
        --config 'rankers=[late_interaction]'
    python bench/pipeline.py --dataset synthetic-sweep --configfile config/sweep.yaml \
        --targets all sweep --out benchmarks/pipeline_sweep.json

``--no-run`` only summarises the existing ``benchmarks/`` files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def summarise(dataset: str) -> pd.DataFrame:
    rows = []
    for path in sorted((ROOT / "benchmarks").rglob("*.tsv")):
        if dataset not in path.parts and not path.name.startswith(dataset):
            continue
        frame = pd.read_csv(path, sep="\t")
        rows.append(
            {
                "rule": path.relative_to(ROOT / "benchmarks").parts[0],
                "job": str(path.relative_to(ROOT / "benchmarks").with_suffix("")),
                "seconds": float(frame["s"].iloc[-1]),
                "max_rss_mib": float(frame["max_rss"].iloc[-1]),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="synthetic-demo")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--configfile", type=Path, default=None)
    parser.add_argument("--no-run", action="store_true")
    parser.add_argument("--targets", nargs="+", default=["all"], help="e.g. all sweep")
    parser.add_argument(
        "--config",
        nargs="+",
        default=[],
        help="KEY=VALUE overrides passed to snakemake --config",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "pipeline.json"
    )
    args = parser.parse_args()
    wall = None
    if not args.no_run:
        for folder in ("results", "resources"):
            shutil.rmtree(ROOT / folder / args.dataset, ignore_errors=True)
        for stale in (ROOT / "benchmarks").rglob("*.tsv"):
            stale.unlink()  # rule benchmark files only; bench/*.py JSON results stay
        config = ["--configfile", str(args.configfile)] if args.configfile else []
        start = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).with_name("snakemake")),
                "-c",
                str(args.cores),
                *args.targets,
                "--forceall",  # every job, also those outside the removed folders
                "--quiet",
                *config,
                *(["--config", *args.config] if args.config else []),
            ],
            cwd=ROOT,
            check=True,
        )
        wall = time.perf_counter() - start
    jobs = summarise(args.dataset)
    by_rule = (
        jobs.groupby("rule")
        .agg(
            jobs=("job", "count"),
            total_s=("seconds", "sum"),
            max_s=("seconds", "max"),
            peak_rss_mib=("max_rss_mib", "max"),
        )
        .sort_values("total_s", ascending=False)
    )
    print(by_rule.round(1).to_string())
    result = {
        "wall_s": wall,
        "cores": args.cores,
        "peak_rss_mib": float(jobs["max_rss_mib"].max()),
        "by_rule": by_rule.round(2).reset_index().to_dict(orient="records"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "by_rule"}))


if __name__ == "__main__":
    main()
