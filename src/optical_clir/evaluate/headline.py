"""The short summary printed when a run ends: each setting's headline (the
high- and low-resource means of nDCG@10 and their gap, per neural method) and
where the table, report and figure are. It reads only what the run wrote."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

#: Methods whose high/low means make the headline, in this order, when present.
HEADLINE_METHODS = (
    "bm25",
    "zeroshot",
    "optical",
    "zeroshot_li",
    "optical_li",
    "teacher_en",
    "teacher_en_li",
)


def headline(root: Path, dataset: str, settings: Sequence[str]) -> list[str]:
    """Lines of the summary for the settings whose ``summary.csv`` exists.

    Parameters
    ----------
    root:
        The working directory of the run.
    dataset, settings:
        The config's ``dataset`` and ``settings``.

    Returns
    -------
    list of str
        Empty when no setting has a summary yet (a run of a partial target).
    """
    lines = []
    for setting in settings:
        folder = root / "results" / dataset / setting
        summary = folder / "summary.csv"
        if not summary.is_file():
            continue
        with open(summary, encoding="utf-8") as handle:
            rows = {row["method"]: row for row in csv.DictReader(handle)}
        lines.append(f"{dataset} / {setting}: nDCG@10, mean over languages")
        lines.append(f"  {'method':<14}{'high':>8}{'low':>8}{'gap':>8}")
        for method in HEADLINE_METHODS:
            row = rows.get(method)
            if row is None:
                continue
            cells = [_number(row.get(k, "")) for k in ("high_mean", "low_mean", "gap")]
            lines.append(f"  {method:<14}{cells[0]:>8}{cells[1]:>8}{cells[2]:>8}")
        for name in ("table.md", "report.md", "figures/ndcg_by_language.png"):
            if (folder / name).exists():
                lines.append(f"  {name.split('/')[-1]:<24}{folder / name}")
    return lines


def _number(value: str) -> str:
    try:
        return f"{float(value):.3f}"
    except ValueError:
        return "-"
