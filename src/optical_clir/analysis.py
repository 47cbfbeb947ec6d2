"""The resource-gap analysis: summary, paired significance tests, CIs, figure, report.

Everything here is computed from the evaluated runs; nothing knows which method
"should" win.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

PRIMARY = "nDCG@10"


def bootstrap_ci(
    values: np.ndarray, resamples: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean of ``values`` (shape: (n_queries,))."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(resamples, len(values)))
    means = values[idx].mean(1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def randomization_test(
    x: np.ndarray, y: np.ndarray, permutations: int, seed: int
) -> float:
    """Two-sided paired randomisation (sign-flip) test of mean(x - y) = 0.

    Returns the p-value ``(1 + #{|mean flipped| >= |observed|}) / (1 + permutations)``.
    """
    diff = np.asarray(x, float) - np.asarray(y, float)
    observed = abs(diff.mean())
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(permutations, len(diff)))
    flipped = np.abs((signs * diff).mean(1))
    return float((1 + np.sum(flipped >= observed - 1e-12)) / (1 + permutations))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as the input)."""
    order = np.argsort(p_values)
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def significance(
    per_query: Mapping[tuple[str, str], pd.DataFrame],
    languages: Sequence[tuple[str, str]],
    permutations: int,
    bootstrap: int,
    alpha: float,
    seed: int,
) -> pd.DataFrame:
    """``optical`` against each baseline per target language, Holm-corrected
    across languages within a baseline.

    The baselines are ``zeroshot``, and ``teacher_dt`` (translate-test, the
    machine-translation baseline OPTICAL claims to beat) where it was run.

    Parameters
    ----------
    per_query:
        ``(lang, method) -> per-query table`` (index qid, one column per measure).
    languages:
        ``(lang, resource)`` pairs; the pivot is skipped.

    Returns
    -------
    pandas.DataFrame
        One row per (baseline, language): ``baseline``, the two means, ``delta``
        (optical - baseline), its 95% bootstrap CI, ``p_value``, ``p_holm``,
        ``significant``.
    """
    rows = []
    baselines = ["zeroshot"] + [
        b for b in ("teacher_dt",) if any(m == b for _, m in per_query)
    ]
    for baseline in baselines:
        for lang, resource in languages:
            if resource == "pivot" or (lang, baseline) not in per_query:
                continue
            x = per_query[(lang, "optical")][PRIMARY]
            y = per_query[(lang, baseline)][PRIMARY].reindex(x.index)
            diff = (x - y).to_numpy()
            low, high = bootstrap_ci(diff, bootstrap, seed)
            rows.append(
                {
                    "baseline": baseline,
                    "lang": lang,
                    "resource": resource,
                    "baseline_mean": y.mean(),
                    "optical": x.mean(),
                    "delta": diff.mean(),
                    "ci_low": low,
                    "ci_high": high,
                    "p_value": randomization_test(
                        x.to_numpy(), y.to_numpy(), permutations, seed
                    ),
                    "n_queries": len(diff),
                }
            )
    frame = pd.DataFrame(rows)
    frame["p_holm"] = frame.groupby("baseline")["p_value"].transform(
        lambda p: pd.Series(holm(p.tolist()), index=p.index)
    )
    frame["significant"] = frame["p_holm"] < alpha
    return frame


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per method: high/low means, their gap, and the share of the transfer gap closed.

    - ``gap`` = mean(high) - mean(low), in nDCG@10 points;
    - ``gap_rel_teacher`` = gap / nDCG@10 of ``teacher_en`` on English (the pivot
      row; without one, its mean over the target languages' candidates);
    - ``closed_high`` / ``closed_low`` (``optical`` only): the share of the zero-shot
      transfer gap closed, (optical - zeroshot) / (teacher_en - zeroshot), from
      group means; NaN when ``teacher_en`` does not beat ``zeroshot`` (no gap).
    """
    targets = table[table["resource"].isin(["high", "low"])]
    means = targets.pivot_table(
        index="method", columns="resource", values=PRIMARY, aggfunc="mean"
    )
    pivot = table[(table["resource"] == "pivot") & (table["method"] == "teacher_en")]
    teacher = (
        pivot[PRIMARY].iloc[0]
        if len(pivot)
        else targets.loc[targets["method"] == "teacher_en", PRIMARY].mean()
    )
    for group in ("high", "low"):  # a collection may hold one group only (CIRAL)
        if group not in means.columns:
            means[group] = math.nan
    rows = []
    for method in targets["method"].drop_duplicates():
        high, low = means.loc[method, "high"], means.loc[method, "low"]
        row = {
            "method": method,
            "high_mean": high,
            "low_mean": low,
            "gap": high - low,
            "gap_rel_teacher": (high - low) / teacher if teacher else math.nan,
            "closed_high": math.nan,
            "closed_low": math.nan,
        }
        if method == "optical" and {"zeroshot", "teacher_en"} <= set(means.index):
            for group in ("high", "low"):
                zs, tea = means.loc["zeroshot", group], means.loc["teacher_en", group]
                opt = means.loc["optical", group]
                # undefined when the English ceiling is not above zero-shot
                row[f"closed_{group}"] = (
                    (opt - zs) / (tea - zs) if tea > zs else math.nan
                )
        rows.append(row)
    return pd.DataFrame(rows)
