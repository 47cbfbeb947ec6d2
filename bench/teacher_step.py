"""Time one training step of the demo's teacher (forward, backward, AdamW) on
real triples: CPU threads, bf16 autocast, and where the time goes.

Reuses a finished demo's encoder and triples (``snakemake -c 2 all`` first).
Run two copies side by side with ``--threads 1`` to see what two concurrent
jobs get from the two cores.

Usage::

    python bench/teacher_step.py --threads 2
    python bench/teacher_step.py --threads 2 --bf16 --profile
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from optical_clir.config import SCHEMA, load_yaml, validate_config
from optical_clir.formats import read_triples
from optical_clir.models.cross_encoder import load_ranker, tie_query_key, triples_loss
from optical_clir.models.runtime import autocast, set_threads
from optical_clir.models.scorers import scorer_for
from optical_clir.specs import TeacherSpec

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config/simulation.yaml")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bf16", action="store_true", help="CPU autocast to bfloat16")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print the top ops")
    args = parser.parse_args()
    config = validate_config(load_yaml(args.config), SCHEMA, str(args.config))
    spec = TeacherSpec.from_config(config["teacher"])
    dataset, seed = config["dataset"], config["seeds"][0]
    set_threads(args.threads)
    device = torch.device("cpu")
    dtype = torch.bfloat16 if args.bf16 else None
    triples = read_triples(ROOT / "resources" / dataset / "en" / "triples.tsv")
    encoder = ROOT / "results" / dataset / "models" / f"seed{seed}" / "encoder"
    model, tokenizer = load_ranker(encoder, pooling=spec.pooling)
    if spec.tie_query_key:
        tie_query_key(model)
    scorer = scorer_for(model)
    optimiser = torch.optim.AdamW(model.parameters(), lr=spec.lr)
    size = spec.batch_size

    def step(index: int) -> None:  # the library's loss on one batch, as training
        rng = np.random.default_rng([seed, index])
        with autocast(device, dtype):
            loss = triples_loss(
                model, scorer, tokenizer, triples, rng, size, spec.max_length, device
            )
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()

    for index in range(5):  # warm-up
        step(index)
    per_step = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        for index in range(args.steps):
            step(repeat * args.steps + index)
        per_step.append((time.perf_counter() - start) / args.steps * 1000)
    result = {
        "threads": args.threads,
        "bf16": args.bf16,
        "batch_size": size,
        "ms_per_step_median": statistics.median(per_step),
        "ms_per_step": per_step,
    }
    print(json.dumps(result))
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for index in range(20):
                step(index)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
