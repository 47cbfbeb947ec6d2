"""The resource-gap analysis: summary, paired significance tests, CIs, figure, report.

Everything here is computed from the evaluated runs; nothing knows which method
"should" win.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from optical_clir import methods

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
    """Each ranker family's OPTICAL (``optical``, ``optical_li``) against its
    baselines per target language, Holm-corrected across languages within a
    (method, baseline).

    The baselines are the same family's ``zeroshot``, and ``teacher_dt``
    (translate-test, the machine-translation baseline OPTICAL claims to beat)
    where it was run.

    Parameters
    ----------
    per_query:
        ``(lang, method) -> per-query table`` (index qid, one column per measure).
    languages:
        ``(lang, resource)`` pairs; the pivot is skipped.

    Returns
    -------
    pandas.DataFrame
        One row per (method, baseline, language): ``method`` (the family's
        OPTICAL), ``baseline``, the two means, ``delta`` (optical - baseline),
        its 95% bootstrap CI, ``p_value``, ``p_holm``, ``significant``.
    """
    rows = []
    present = list(dict.fromkeys(m for _, m in per_query))
    for method in methods.of_base(present, "optical"):
        for base in methods.BASELINES:
            baseline = methods.counterpart(method, base)
            for lang, resource in languages:
                if resource == "pivot" or (lang, baseline) not in per_query:
                    continue
                if (lang, method) not in per_query:
                    continue
                rows.append(
                    _paired_row(
                        per_query,
                        lang,
                        resource,
                        method,
                        baseline,
                        permutations,
                        bootstrap,
                        seed,
                    )
                )
    frame = pd.DataFrame(rows)
    frame["p_holm"] = frame.groupby(["method", "baseline"])["p_value"].transform(
        lambda p: pd.Series(holm(p.tolist()), index=p.index)
    )
    frame["significant"] = frame["p_holm"] < alpha
    return frame


def _paired_row(
    per_query: Mapping[tuple[str, str], pd.DataFrame],
    lang: str,
    resource: str,
    method: str,
    baseline: str,
    permutations: int,
    bootstrap: int,
    seed: int,
) -> dict:
    """One language's paired comparison of ``method`` with ``baseline``."""
    x = per_query[(lang, method)][PRIMARY]
    y = per_query[(lang, baseline)][PRIMARY].reindex(x.index)
    diff = (x - y).to_numpy()
    low, high = bootstrap_ci(diff, bootstrap, seed)
    return {
        "method": method,
        "baseline": baseline,
        "lang": lang,
        "resource": resource,
        "baseline_mean": y.mean(),
        "optical": x.mean(),
        "delta": diff.mean(),
        "ci_low": low,
        "ci_high": high,
        "p_value": randomization_test(x.to_numpy(), y.to_numpy(), permutations, seed),
        "n_queries": len(diff),
    }


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per method: high/low means, their gap, and the share of the transfer gap closed.

    - ``gap`` = mean(high) - mean(low), in nDCG@10 points;
    - ``gap_rel_teacher`` = gap / nDCG@10 of ``teacher_en`` on English (the pivot
      row; without one, its mean over the target languages' candidates);
    - ``closed_high`` / ``closed_low`` (each family's OPTICAL only): the share of
      the zero-shot transfer gap closed, (optical - zeroshot) / (teacher_en -
      zeroshot) within the family, from group means; NaN when ``teacher_en`` does
      not beat ``zeroshot`` (no gap).
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
        entry = methods.REGISTRY.get(method)
        if entry is not None and entry.base == "optical":
            zs_name = methods.counterpart(method, "zeroshot")
            tea_name = methods.counterpart(method, "teacher_en")
        else:
            zs_name = tea_name = ""
        if zs_name and {zs_name, tea_name} <= set(means.index):
            for group in ("high", "low"):
                zs, tea = means.loc[zs_name, group], means.loc[tea_name, group]
                opt = means.loc[method, group]
                # undefined when the English ceiling is not above zero-shot
                row[f"closed_{group}"] = (
                    (opt - zs) / (tea - zs) if tea > zs else math.nan
                )
        rows.append(row)
    return pd.DataFrame(rows)
