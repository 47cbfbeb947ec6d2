"""Benchmark: the batched log-domain Sinkhorn against POT's batched solver and
a Python loop of POT.

Problems: B cosine-cost matrices (1 - cos of random unit vectors, in [0, 2])
with uniform marginals, at B=64 and n = m in {32, 128}, float64 on CPU. The
three solvers run the log-domain algorithm with the same ``reg`` and stopping
tolerance; the plans are compared item by item. ``pot_batch`` is
``ot.batch.solve_batch(method="log_sinkhorn")`` as ``optical_clir.ot``'s
``solver="pot"`` calls it.

Usage::

    python bench/sinkhorn.py --repeats 5 --out benchmarks/sinkhorn.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import ot as pot
import torch
from timing import interleaved_medians, write_json

from optical_clir.ot import cosine_cost, sinkhorn, sinkhorn_pot

ROOT = Path(__file__).resolve().parents[1]


def _problems(batch: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, n, 64, generator=gen, dtype=torch.float64)
    y = torch.randn(batch, n, 64, generator=gen, dtype=torch.float64)
    cost = cosine_cost(x, y)
    marg = torch.full((batch, n), 1.0 / n, dtype=torch.float64)
    return cost, marg


def run(batch: int, n: int, reg: float, tol: float, repeats: int, threads: int) -> dict:
    torch.set_num_threads(threads)
    cost, marg = _problems(batch, n, seed=n)
    a, c = marg.numpy(), cost.numpy()
    seconds, out = interleaved_medians(
        {
            "batched": lambda: sinkhorn(
                cost, marg, marg, reg, max_iter=10_000, tol=tol, check_every=10
            ),
            "pot_batch": lambda: sinkhorn_pot(
                cost, marg, marg, reg, max_iter=10_000, tol=tol
            ),
            "pot_loop": lambda: [
                pot.sinkhorn(
                    a[i],
                    a[i],
                    c[i],
                    reg,
                    method="sinkhorn_log",
                    numItermax=10_000,
                    stopThr=tol,
                )
                for i in range(batch)
            ],
        },
        repeats,
        torch.device("cpu"),
    )
    plan, ref = out["batched"], out["pot_loop"]
    diff = max(float(np.abs(plan[i].numpy() - ref[i]).max()) for i in range(batch))
    diff_batch = float((plan - out["pot_batch"]).abs().max())
    return {
        "B": batch,
        "n": n,
        "reg": reg,
        "tol": tol,
        "threads": threads,
        "batched_s": seconds["batched"],
        "pot_batch_s": seconds["pot_batch"],
        "pot_loop_s": seconds["pot_loop"],
        "speedup": seconds["pot_loop"] / seconds["batched"],
        "speedup_vs_pot_batch": seconds["pot_batch"] / seconds["batched"],
        "max_abs_plan_diff": diff,
        "max_abs_plan_diff_pot_batch": diff_batch,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--reg", type=float, default=0.1)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "sinkhorn.json"
    )
    args = parser.parse_args()
    rows = [
        run(args.batch, n, args.reg, args.tol, args.repeats, args.threads)
        for n in args.sizes
    ]
    write_json(rows, args.out)


if __name__ == "__main__":
    main()
