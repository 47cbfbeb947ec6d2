"""Benchmark: our reranker's (query, passage) pairs/s against
``sentence_transformers.CrossEncoder.predict`` on the same model and pairs.

Pairs are the BM25 candidates of the demo (English queries, a target language's
passages) when the workflow has run, else generated text. Both rankers score
exactly the same pairs with the same max length and batch size; their scores
are checked to agree. ``CrossEncoder`` only knows the ``[CLS]`` head, so a
teacher with the max-pooling head (``teacher.pooling: max``) is benchmarked as
its encoder with a seeded ``[CLS]`` head, saved to a temporary directory: the
same network up to the pooling of one vector per pair.

Usage::

    python bench/rerank.py --model results/synthetic-demo/models/seed13/teacher \
        --pairs 4000 --repeats 3 --threads 1
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from timing import interleaved_medians, write_json

from optical_clir.formats import read_collection, read_queries, read_run
from optical_clir.models.cross_encoder import (
    load_ranker,
    save_ranker,
    score_pairs,
)

ROOT = Path(__file__).resolve().parents[1]


def scoring(model, tokenizer, pairs, args, device: torch.device):
    """A call that scores ``pairs`` as reranking does (``args.batch_size``,
    ``args.max_length``), for the timing helpers."""
    return lambda: score_pairs(
        model,
        tokenizer,
        pairs,
        args.batch_size,
        args.max_length,
        device,
        progress=False,
    )


def candidate_pairs(dataset: str, lang: str, limit: int) -> list[tuple[str, str]]:
    """The first ``limit`` (English query, passage) pairs of a language's BM25
    candidates (the pivot's run where the language has none of its own)."""
    res = ROOT / "resources" / dataset / lang
    first = lang if (ROOT / "results" / dataset / lang / "bm25.trec").exists() else "en"
    run = read_run(ROOT / "results" / dataset / first / "bm25.trec")
    queries = read_queries(res / "queries_en.tsv")
    docs = read_collection(res / "collection.tsv")
    pairs = [(queries[q], docs[d]) for q, hits in run.items() for d in hits]
    return pairs[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--model",
        type=Path,
        default=ROOT / "results/synthetic-demo/models/seed13/teacher",
    )
    parser.add_argument("--dataset", default="synthetic-demo")
    parser.add_argument("--lang", default="okhali")
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "rerank.json")
    args = parser.parse_args()
    from sentence_transformers import CrossEncoder

    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    pairs = candidate_pairs(args.dataset, args.lang, args.pairs)
    scratch = tempfile.TemporaryDirectory()
    torch.manual_seed(0)
    path = Path(scratch.name) / "cls"
    save_ranker(*load_ranker(args.model, pooling="cls"), path)
    model, tokenizer = load_ranker(path, device)
    reference = CrossEncoder(
        str(path),
        num_labels=1,
        max_length=args.max_length,
        device=str(device),
        activation_fn=torch.nn.Identity(),
        trust_remote_code=False,
    )
    seconds, scores = interleaved_medians(
        {
            "ours": scoring(model, tokenizer, pairs, args, device),
            "theirs": lambda: reference.predict(
                pairs,
                batch_size=args.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
            ),
        },
        args.repeats,
        device,
    )
    a, b = scores["ours"], scores["theirs"]
    result = {
        "device": str(device),
        "threads": args.threads,
        "pairs": len(pairs),
        "ours_pairs_per_s": len(pairs) / seconds["ours"],
        "cross_encoder_pairs_per_s": len(pairs) / seconds["theirs"],
        "ratio": seconds["theirs"] / seconds["ours"],
        "max_abs_score_diff": float(
            np.abs(np.asarray(a) - np.asarray(b).ravel()).max()
        ),
    }
    write_json(result, args.out)


if __name__ == "__main__":
    main()
