"""Benchmark: late-interaction reranking against the cross-encoder, pairs per second.

Both families are built from the same encoder (a fresh head or projection:
speed does not depend on training) and score exactly the same (query, passage)
pairs through the library's ``score_pairs`` with the same batch size and maximum
length. Pairs are a dataset's BM25 candidates (English queries, a target
language's passages). The late-interaction ranker encodes each query and each
passage of a pair, as a reranker without a passage index does; a ColBERT index
would encode every passage once, offline.

Usage (after the real-text tier has run, for E5-small's real sizes)::

    python bench/rerank_families.py --dataset bible-e5 --lang de --pairs 1500 \\
        --repeats 3 --threads 2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from rerank import candidate_pairs, scoring  # bench/rerank.py: the same candidate pairs
from timing import interleaved_medians

from optical_clir.models.cross_encoder import load_ranker

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="bible-e5")
    parser.add_argument("--lang", default="de")
    parser.add_argument(
        "--encoder", type=Path, default=None, help="default: the dataset's"
    )
    parser.add_argument("--pairs", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "rerank_families.json"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    encoder = args.encoder or ROOT / "results" / args.dataset / "models" / "encoder"
    pairs = candidate_pairs(args.dataset, args.lang, args.pairs)
    rankers = {}
    for family in ("cross_encoder", "late_interaction"):
        torch.manual_seed(0)
        rankers[family] = load_ranker(encoder, device, family=family)

    seconds, _ = interleaved_medians(
        {f: scoring(*rankers[f], pairs, args, device) for f in rankers},
        args.repeats,
        device,
        warmup=1,
    )
    result = {
        "device": str(device),
        "threads": args.threads,
        "pairs": len(pairs),
        "encoder": str(encoder),
        "pairs_per_s": {f: len(pairs) / s for f, s in seconds.items()},
    }
    result["late_over_cross"] = (
        result["pairs_per_s"]["late_interaction"]
        / result["pairs_per_s"]["cross_encoder"]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
