"""The two resource factors, one at a time: nDCG@10 against the bitext budget at
equal pretraining share, and against the pretraining share at equal bitext.

A config separates them when it has languages that differ in one factor only
(``config/sweep.yaml``). :func:`factor_series` finds those series in the
config's ``languages``; :func:`factor_points` reads their rows off ``table.csv``
(mean over model seeds, 95% t-interval across seeds); :func:`plot_factors` draws
one panel per factor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from optical_clir.evaluate.analysis import t_interval
from optical_clir.evaluate.metrics import PRIMARY

#: factor -> how to read it off a ``languages`` entry
FACTORS = {
    "bitext_pairs": lambda lang: lang["bitext_pairs"],
    "pretrain_share": lambda lang: lang["synthetic"]["pretrain_share"],
}
LABELS = {
    "bitext_pairs": "bitext pairs (equal pretraining share)",
    "pretrain_share": "pretraining share (equal bitext)",
}
METHODS = ("random", "zeroshot", "optical")


def factor_series(languages: Sequence[Mapping]) -> dict[str, list[str]]:
    """For each factor, the languages that vary it while the other stays fixed.

    Parameters
    ----------
    languages:
        The config's ``languages`` entries (schema-validated).

    Returns
    -------
    dict[str, list[str]]
        Factor name -> language names, in increasing order of the factor: the
        largest group of languages that share the other factor's value and take
        at least two values of this one (ties: the first group met). A factor no
        such group varies is absent.

    Raises
    ------
    ValueError
        When two languages of a series have the same value of the factor (the
        series would not be a function of it).
    """
    series: dict[str, list[str]] = {}
    for factor, read in FACTORS.items():
        other = next(f for f in FACTORS if f != factor)
        groups: dict[float, list[Mapping]] = {}
        for lang in languages:
            groups.setdefault(FACTORS[other](lang), []).append(lang)
        best = max(groups.values(), key=lambda g: len({read(x) for x in g}))
        values = [read(x) for x in best]
        if len(set(values)) < 2:
            continue
        if len(set(values)) < len(values):
            names = [x["name"] for x in best]
            raise ValueError(
                f"languages {names} share {other} and repeat a value of {factor}: "
                f"give each language of a sweep its own {factor}"
            )
        series[factor] = [x["name"] for x in sorted(best, key=read)]
    return series


def factor_points(table: pd.DataFrame, languages: Sequence[Mapping]) -> pd.DataFrame:
    """nDCG@10 per factor value and method, over model seeds.

    Parameters
    ----------
    table:
        ``table.csv`` (one row per language, method and model seed).
    languages:
        The config's ``languages`` entries.

    Returns
    -------
    pandas.DataFrame
        Columns ``factor, value, lang, method, mean, low, high, n_seeds``:
        ``mean`` over the seeds' nDCG@10, ``low``/``high`` its 95% t-interval
        across seeds (NaN with one seed; the random-order reference has none).
    """
    by_name = {lang["name"]: lang for lang in languages}
    rows = []
    for factor, names in factor_series(languages).items():
        for name in names:
            for method in METHODS:
                scores = table[(table["lang"] == name) & (table["method"] == method)]
                if scores.empty:
                    continue
                values = scores[PRIMARY].astype(float).tolist()
                low, high = t_interval(values)
                rows.append(
                    {
                        "factor": factor,
                        "value": FACTORS[factor](by_name[name]),
                        "lang": name,
                        "method": method,
                        "mean": float(np.mean(values)),
                        "low": low,
                        "high": high,
                        "n_seeds": len(values),
                    }
                )
    return pd.DataFrame(
        rows,
        columns=["factor", "value", "lang", "method", "mean", "low", "high", "n_seeds"],
    )


def plot_factors(points: pd.DataFrame, path: str | Path, title: str) -> None:
    """One panel per factor: each method's mean nDCG@10 against the factor, with
    its interval across seeds as a band (log-scaled x: the values span decades)."""
    from optical_clir.evaluate.report import COLORS, pyplot, save_png

    plt = pyplot()

    factors = list(dict.fromkeys(points["factor"]))
    if not factors:
        raise ValueError(
            "no language series varies one resource factor at a fixed other: "
            "use a config such as config/sweep.yaml"
        )
    fig, axes = plt.subplots(1, len(factors), figsize=(5 * len(factors), 4))
    for ax, factor in zip(np.atleast_1d(axes), factors, strict=True):
        for method, group in points[points["factor"] == factor].groupby(
            "method", sort=False
        ):
            group = group.sort_values("value")
            ax.plot(
                group["value"],
                group["mean"],
                marker="o",
                label=method,
                color=COLORS.get(method),
                linestyle=":" if method == "random" else "-",
            )
            if group["low"].notna().any():
                ax.fill_between(
                    group["value"],
                    group["low"],
                    group["high"],
                    alpha=0.2,
                    color=COLORS.get(method),
                )
        values = sorted(set(points.loc[points["factor"] == factor, "value"]))
        ax.set_xscale("log")
        ax.set_xticks(values, [f"{v:g}" for v in values])
        ax.minorticks_off()
        ax.set_xlabel(LABELS[factor])
        ax.set_ylabel("nDCG@10 (mean over seeds, 95% CI)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
