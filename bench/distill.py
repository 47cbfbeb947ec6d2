"""Benchmark: one OPTICAL distillation step, split into encoders and OT.

Times, per step (median over steps after warm-up): the teacher forward pass
(no grad), the student forward pass, the Sinkhorn solves (all configured
layers), the backward pass and the optimizer step. The OT share is
OT / whole step.

Usage::

    python bench/distill.py --teacher results/synthetic-demo/models/teacher \
        --bitext resources/synthetic-demo/okhali/bitext.tsv --steps 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from optical_clir.distill import OpticalLoss, set_trainable
from optical_clir.formats import read_bitext
from optical_clir.models.cross_encoder import load_ranker
from optical_clir.ot import cosine_cost, ot_loss

ROOT = Path(__file__).resolve().parents[1]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--teacher", type=Path, default=ROOT / "results/synthetic-demo/models/teacher"
    )
    parser.add_argument(
        "--bitext",
        type=Path,
        default=ROOT / "resources/synthetic-demo/okhali/bitext.tsv",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--layers", type=int, nargs="+", default=[-1])
    parser.add_argument(
        "--trainable", choices=["all", "embeddings", "lower"], default="all"
    )
    parser.add_argument("--lower-layers", type=int, default=1)
    parser.add_argument("--reg", type=float, default=0.1)
    parser.add_argument("--grad-mode", default="envelope")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "distill.json"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    params = {
        "layers": args.layers,
        "reg": args.reg,
        "grad_mode": args.grad_mode,
        "max_iter": 200,
        "tol": 1e-3,
        "max_length": args.max_length,
        "trainable": args.trainable,
        "lower_layers": args.lower_layers,
    }
    teacher, tokenizer = load_ranker(args.teacher)
    student, _ = load_ranker(args.teacher)
    set_trainable(student, params)
    loss = OpticalLoss(teacher, student, tokenizer, params, device)
    trainable = [p for p in student.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4)
    pairs = read_bitext(args.bitext)
    rows = []
    for step in range(args.steps + 3):
        batch = pairs[step * args.batch_size : (step + 1) * args.batch_size]
        english, foreign = [e for e, _ in batch], [f for _, f in batch]
        t0 = time.perf_counter()
        with torch.no_grad():
            t_states, b = loss._encode(teacher, english)
        _sync(device)
        t1 = time.perf_counter()
        s_states, a = loss._encode(student, foreign)
        _sync(device)
        t2 = time.perf_counter()
        total = 0.0
        for layer in loss.layers:
            cost = cosine_cost(s_states[layer].float(), t_states[layer].float())
            total = (
                total + ot_loss(cost, a, b, args.reg, args.grad_mode, 200, 1e-3).mean()
            )
        _sync(device)
        t3 = time.perf_counter()
        total.backward()
        optimizer.step()
        optimizer.zero_grad()
        _sync(device)
        t4 = time.perf_counter()
        if step >= 3:  # warm-up
            rows.append(
                {
                    "teacher": t1 - t0,
                    "student": t2 - t1,
                    "ot": t3 - t2,
                    "backward_and_update": t4 - t3,
                    "step": t4 - t0,
                }
            )
    result = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    result["ot_share"] = result["ot"] / result["step"]
    result.update(
        device=str(device),
        threads=args.threads,
        batch=args.batch_size,
        layers=args.layers,
        grad_mode=args.grad_mode,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
