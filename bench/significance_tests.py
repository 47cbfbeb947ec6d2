"""Benchmark: scipy's permutation test and bootstrap against the project's former
hand-written ones (kept here as the peer), on per-query differences shaped like
nDCG@10's.

Per case: ``n`` queries whose per-query score differences are a mixture of
exact ties (both rankers score 0 or the same, as for most queries of a sparse
task) and normal noise around an effect ``delta``. Both tests draw ``R``
sign-flip resamples; both CIs ``R`` bootstrap resamples. Reported: both p-values,
their difference in units of the Monte-Carlo standard error of a difference of
two independent estimates (sqrt(2 p (1 - p) / R)), both CIs, and the time of
each (median of ``--repeats``, interleaved).

Usage::

    python bench/significance_tests.py --repeats 5
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch
from timing import interleaved_medians, write_json

from optical_clir.evaluate.analysis import bootstrap_ci, randomization_test

ROOT = Path(__file__).resolve().parents[1]


def former_randomization_test(
    x: np.ndarray, y: np.ndarray, permutations: int, seed: int
) -> float:
    """The project's former sign-flip test (until 2026-12-07): the p-value
    ``(1 + #{|mean flipped| >= |observed|}) / (1 + permutations)``."""
    diff = np.asarray(x, float) - np.asarray(y, float)
    observed = abs(diff.mean())
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(permutations, len(diff)))
    flipped = np.abs((signs * diff).mean(1))
    return float((1 + np.sum(flipped >= observed - 1e-12)) / (1 + permutations))


def former_bootstrap_ci(
    values: np.ndarray, resamples: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """The project's former percentile bootstrap of the mean."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(resamples, len(values)))
    means = values[idx].mean(1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def _differences(n: int, delta: float, tied: float, seed: int) -> np.ndarray:
    """Per-query differences: a share ``tied`` of exact zeros, the rest
    normal(delta / (1 - tied), 0.25) so that the mean is about ``delta``."""
    rng = np.random.default_rng(seed)
    diff = rng.normal(delta / (1 - tied), 0.25, n)
    diff[rng.random(n) < tied] = 0.0
    return diff


def run(n: int, delta: float, tied: float, resamples: int, repeats: int) -> dict:
    diff = _differences(n, delta, tied, seed=int(1000 * delta) + n)
    zeros = np.zeros_like(diff)
    seconds, out = interleaved_medians(
        {
            "scipy_test": lambda: randomization_test(diff, zeros, resamples, 0),
            "former_test": lambda: former_randomization_test(diff, zeros, resamples, 0),
            "scipy_ci": lambda: bootstrap_ci(diff, resamples, 0),
            "former_ci": lambda: former_bootstrap_ci(diff, resamples, 0),
        },
        repeats,
        torch.device("cpu"),
    )
    p, q = out["scipy_test"], out["former_test"]
    mean_p = (p + q) / 2
    se = math.sqrt(max(2 * mean_p * (1 - mean_p) / resamples, 1e-12))
    return {
        "n": n,
        "delta": delta,
        "tied": tied,
        "resamples": resamples,
        "p_scipy": p,
        "p_former": q,
        "p_diff_in_mc_se": abs(p - q) / se,
        "ci_scipy": out["scipy_ci"],
        "ci_former": out["former_ci"],
        "test_s_scipy": seconds["scipy_test"],
        "test_s_former": seconds["former_test"],
        "ci_s_scipy": seconds["scipy_ci"],
        "ci_s_former": seconds["former_ci"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, nargs="+", default=[50, 400])
    parser.add_argument(
        "--deltas", type=float, nargs="+", default=[0.0, 0.01, 0.02, 0.04]
    )
    parser.add_argument("--tied", type=float, default=0.5)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "significance_tests.json"
    )
    args = parser.parse_args()
    rows = [
        run(n, delta, args.tied, args.resamples, args.repeats)
        for n in args.queries
        for delta in args.deltas
    ]
    write_json(rows, args.out)


if __name__ == "__main__":
    main()
