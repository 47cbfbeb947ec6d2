"""Full ranking by MaxSim: the token index's blocked search against pairwise MaxSim.

Random normalised token vectors of the real-text tier's size (400 queries of 10
to 50 tokens, 4,097 passages of 10 to 80, 128 dimensions). Times
:func:`optical_clir.models.token_index.search` (all query tokens against all
passage tokens of a block in one matrix product) and, as the peer, the same
scores from :meth:`BertLateInteraction.maxsim` (the ranker's own batched
einsum over (query, passage) pairs), for 1 and 2 threads; prints the median
of ``--repeats`` runs as JSON and checks that both give the same top 10::

    python bench/token_index.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from optical_clir.models.late_interaction import BertLateInteraction
from optical_clir.models.token_index import TokenIndex, search


def random_index(n: int, low: int, high: int, prefix: str, seed: int) -> TokenIndex:
    """``n`` texts of ``low`` to ``high`` random unit vectors (dim 128)."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(low, high, (n,), generator=generator)
    vectors = torch.randn(int(lengths.sum()), 128, generator=generator)
    ids = [f"{prefix}{i}" for i in range(n)]
    return TokenIndex(ids, torch.nn.functional.normalize(vectors, dim=-1), lengths)


def pairwise(queries: TokenIndex, passages: TokenIndex, depth: int) -> dict:
    """The peer: every (query, passage) pair through the ranker's MaxSim."""
    p_vectors, p_mask = passages.padded(range(len(passages.ids)))
    run = {}
    for qi, qid in enumerate(queries.ids):
        q_vectors, q_mask = queries.padded([qi])
        scores = torch.cat(
            [
                BertLateInteraction.maxsim(
                    q_vectors.expand(len(block), -1, -1),
                    q_mask.expand(len(block), -1),
                    p_vectors[block],
                    p_mask[block],
                )
                for block in torch.arange(len(passages.ids)).split(512)
            ]
        )
        top = torch.topk(scores, depth)
        run[qid] = [passages.ids[j] for j in top.indices.tolist()]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--passages", type=int, default=4097)
    args = parser.parse_args()
    queries = random_index(args.queries, 10, 50, "q", 0)
    passages = random_index(args.passages, 10, 80, "d", 1)
    out = {"queries": args.queries, "passages": args.passages}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        times = {"search": [], "pairwise": []}
        for _ in range(args.repeats):
            began = time.perf_counter()
            ours = search(queries, passages, 10)
            times["search"].append(time.perf_counter() - began)
            began = time.perf_counter()
            peer = pairwise(queries, passages, 10)
            times["pairwise"].append(time.perf_counter() - began)
        same = all(set(ours[q]) == set(peer[q]) for q in queries.ids)
        medians = {k: round(statistics.median(v), 2) for k, v in times.items()}
        out[f"threads_{threads}"] = {
            **{f"{k}_s": v for k, v in medians.items()},
            "ratio": round(medians["pairwise"] / medians["search"], 2),
            "same_top10": same,
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
