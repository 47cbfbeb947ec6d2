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
from optical_clir.evaluate.metrics import PRIMARY


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Mean along ``axis`` (scipy's vectorised statistic)."""
    return np.mean(values, axis=axis)


def bootstrap_ci(
    values: np.ndarray, resamples: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean of ``values`` (shape: (n_queries,)),
    by ``scipy.stats.bootstrap``; a degenerate sample (all values equal) gives
    ``(value, value)``."""
    from scipy import stats

    values = np.asarray(values, float)
    if np.ptp(values) == 0:
        return float(values[0]), float(values[0])
    result = stats.bootstrap(
        (values,),
        _mean,
        n_resamples=resamples,
        confidence_level=level,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    interval = result.confidence_interval
    return float(interval.low), float(interval.high)


def randomization_test(
    x: np.ndarray, y: np.ndarray, permutations: int, seed: int
) -> float:
    """Two-sided paired randomisation (sign-flip) test of mean(x - y) = 0, by
    ``scipy.stats.permutation_test`` (``permutation_type="samples"`` on the
    differences flips their signs; exact when ``2 ** n <= permutations``).

    Returns
    -------
    float
        scipy's two-sided p-value, ``2 * min(p_less, p_greater)`` capped at 1,
        each one-sided value with the ``+1`` of a randomised test; 1.0 when every
        difference is 0.
    """
    from scipy import stats

    diff = np.asarray(x, float) - np.asarray(y, float)
    if not np.any(diff):
        return 1.0
    result = stats.permutation_test(
        (diff,),
        _mean,
        permutation_type="samples",
        vectorized=True,
        n_resamples=permutations,
        alternative="two-sided",
        rng=np.random.default_rng(seed),
    )
    return float(result.pvalue)


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


#: ``(lang, method, seed)``: ``seed`` is a model seed, empty for a first stage
PerQuery = Mapping[tuple[str, str, str], pd.DataFrame]


def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean of ``values`` (one per model seed); NaN
    with fewer than two."""
    from scipy import stats

    data = np.asarray([v for v in values if not pd.isna(v)], float)
    if len(data) < 2:
        return math.nan, math.nan
    half = stats.t.ppf((1 + level) / 2, len(data) - 1) * data.std(ddof=1)
    half /= math.sqrt(len(data))
    return float(data.mean() - half), float(data.mean() + half)


def seeds_of(keys: Sequence[tuple[str, str, str]], lang: str, method: str) -> set:
    """The model seeds with a per-query file for ``(lang, method)``."""
    return {s for (l_, m, s) in keys if l_ == lang and m == method}


def significance(
    per_query: PerQuery,
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

    With several model seeds, each seed's OPTICAL is paired with the same seed's
    baseline (they share the teacher), and the per-query values are averaged
    over seeds: the test (a paired sign-flip randomisation test over queries)
    and the bootstrap CI are of the seed-averaged difference, whose per-query
    values carry the seeds' variation. A fixed number of seeds (2-5) cannot
    estimate a between-seed variance well enough for a mixed model, so the
    seeds are also read one by one: ``same_sign_every_seed`` says whether every
    seed's mean difference has the sign of the average, and
    ``holds_across_seeds`` is ``significant`` and that.

    Parameters
    ----------
    per_query:
        ``(lang, method, seed) -> per-query table`` (index qid, one column per
        measure).
    languages:
        ``(lang, resource)`` pairs; the pivot is skipped.

    Returns
    -------
    pandas.DataFrame
        One row per (method, baseline, language): ``method`` (the family's
        OPTICAL), ``baseline``, the two means, ``delta`` (optical - baseline),
        its 95% bootstrap CI, ``p_value``, ``n_queries``, ``n_seeds``, the lowest
        and highest per-seed delta, ``same_sign_every_seed``, ``p_holm``,
        ``significant``, ``holds_across_seeds``.
    """
    rows = []
    keys = list(per_query)
    present = list(dict.fromkeys(m for _, m, _ in keys))
    for method in methods.of_base(present, "optical"):
        for base in methods.BASELINES:
            baseline = methods.counterpart(method, base)
            for lang, resource in languages:
                if resource == "pivot":
                    continue
                both = seeds_of(keys, lang, method) & seeds_of(keys, lang, baseline)
                if not both:
                    continue
                rows.append(
                    _paired_row(
                        per_query,
                        lang,
                        resource,
                        method,
                        baseline,
                        sorted(both, key=lambda s: int(s) if s else -1),
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
    frame["holds_across_seeds"] = frame["significant"] & frame["same_sign_every_seed"]
    return frame


def _paired_row(
    per_query: PerQuery,
    lang: str,
    resource: str,
    method: str,
    baseline: str,
    seeds: Sequence[str],
    permutations: int,
    bootstrap: int,
    seed: int,
) -> dict:
    """One language's paired comparison of ``method`` with ``baseline``, per
    query averaged over ``seeds`` (shape of each series: (n_queries,))."""
    xs, ys = [], []
    for s in seeds:
        x = per_query[(lang, method, s)][PRIMARY]
        xs.append(x)
        ys.append(per_query[(lang, baseline, s)][PRIMARY].reindex(x.index))
    x, y = pd.concat(xs, axis=1).mean(axis=1), pd.concat(ys, axis=1).mean(axis=1)
    diff = (x - y).to_numpy()
    low, high = bootstrap_ci(diff, bootstrap, seed)
    per_seed = [float((a - b).mean()) for a, b in zip(xs, ys, strict=True)]
    sign = np.sign(diff.mean())
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
        "n_seeds": len(seeds),
        "delta_seed_min": min(per_seed),
        "delta_seed_max": max(per_seed),
        "same_sign_every_seed": bool(
            sign != 0 and all(np.sign(d) == sign for d in per_seed)
        ),
    }


def seeds_in(table: pd.DataFrame) -> list[str]:
    """The model seeds of a table's rows, in numeric order."""
    found = {s for s in table["seed"] if s}
    return sorted(found, key=int)


def rows_of_seed(table: pd.DataFrame, seed: str | None) -> pd.DataFrame:
    """The rows one model seed sees: its neural runs and every seedless row."""
    if seed is None:
        return table
    return table[(table["seed"] == seed) | (table["seed"] == "")]


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per method: high/low means, their gap, and the share of the transfer gap
    closed, each the mean over model seeds, with the gap's 95% t-interval across
    seeds (NaN with one seed, and for a method that reads no model seed).

    Per seed (:func:`summary_of_seed`), then averaged; ``n_seeds`` counts the
    seeds a method ran with (0: no model seed, as BM25 and the random order).
    """
    if "seed" not in table:  # rows without model seeds
        table = table.assign(seed="")
    seeds = seeds_in(table)
    per_seed = pd.concat(
        [summary_of_seed(rows_of_seed(table, s)) for s in seeds or [None]],
        ignore_index=True,
    )
    rows = []
    for method, group in per_seed.groupby("method", sort=False):
        n_seeds = len(seeds_in(table[table["method"] == method]))
        low, high = t_interval(group["gap"]) if n_seeds > 1 else (math.nan, math.nan)
        means = group.drop(columns="method").mean()
        rows.append(
            {
                "method": method,
                **means[["high_mean", "low_mean", "gap"]].to_dict(),
                "gap_ci_low": low,
                "gap_ci_high": high,
                **means[["gap_rel_teacher", "closed_high", "closed_low"]].to_dict(),
                "n_seeds": n_seeds,
            }
        )
    return pd.DataFrame(rows)


def summary_of_seed(table: pd.DataFrame) -> pd.DataFrame:
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
