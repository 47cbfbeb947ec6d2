"""Published scores checked by the pipeline, in the spirit of Pyserini's 2CR.

``config/reference_scores.yaml`` lists, per collection, split, language, method,
setting and metric, a published value with its source and a tolerance.
:func:`compare` puts each row beside the run's table: published, ours, the
difference, and whether it is within the tolerance. A row is marked not
comparable, with the reason, when the run differs from the published setup in a
way that moves the score (a query sample, a collection subset, another query
setting, a metric the run did not compute).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from optical_clir.config import load_yaml
from optical_clir.errors import InputError

COLUMNS = [
    "collection",
    "split",
    "lang",
    "method",
    "setting",
    "metric",
    "published",
    "ours",
    "difference",
    "tolerance",
    "within_tolerance",
    "comparable",
    "note",
    "source",
]
_REQUIRED = ("collection", "split", "lang", "method", "setting", "metric", "value")


def read_scores(path: str | Path) -> list[dict]:
    """The published rows of a reference file (``scores:`` list, ``sources:`` map).

    Raises
    ------
    InputError
        Naming the file and the entry that lacks a key or cites an unknown source.
    """
    data = load_yaml(path) or {}
    sources = data.get("sources") or {}
    rows = []
    for i, entry in enumerate(data.get("scores") or []):
        missing = [k for k in _REQUIRED if k not in entry]
        if missing:
            raise InputError(path, f"scores[{i}] lacks {', '.join(missing)}")
        source = entry.get("source", "")
        if source and source not in sources:
            raise InputError(path, f"scores[{i}] cites unknown source '{source}'")
        rows.append(
            {
                **entry,
                "tolerance": float(
                    entry.get("tolerance", data.get("tolerance", 0.005))
                ),
                "source": sources.get(source, source),
            }
        )
    return rows


def compare(
    table: pd.DataFrame,
    published: Sequence[Mapping],
    collection: str | None,
    split: str | None,
    setting: str,
    caveats: Sequence[str],
) -> pd.DataFrame:
    """One row per published score of ``collection`` and ``split``.

    Parameters
    ----------
    table:
        The run's table (``lang``, ``method`` and one column per measure).
    caveats:
        Reasons why no score of this run is comparable (for example a query
        sample); each row then says so.
    """
    rows = []
    for ref in published:
        if ref["collection"] != collection or str(ref["split"]) != str(split):
            continue
        match = table[
            (table["lang"] == ref["lang"]) & (table["method"] == ref["method"])
        ]
        ours = math.nan
        notes = list(caveats)
        if ref["setting"] not in ("any", setting):
            notes.append(f"published in the {ref['setting']} setting, run in {setting}")
        if match.empty:
            notes.append("not in this run")
        elif ref["metric"] not in table.columns:
            notes.append(f"{ref['metric']} not computed: add it to measures")
        else:
            ours = float(match[ref["metric"]].iloc[0])
        comparable = not notes
        difference = ours - float(ref["value"])
        rows.append(
            {
                "collection": ref["collection"],
                "split": ref["split"],
                "lang": ref["lang"],
                "method": ref["method"],
                "setting": ref["setting"],
                "metric": ref["metric"],
                "published": float(ref["value"]),
                "ours": ours,
                "difference": difference,
                "tolerance": ref["tolerance"],
                "within_tolerance": (
                    bool(abs(difference) <= ref["tolerance"] + 1e-12)
                    if comparable
                    else None
                ),
                "comparable": comparable,
                "note": "; ".join(notes),
                "source": ref["source"],
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def markdown(frame: pd.DataFrame, title: str, collection: str | None) -> str:
    """The reproduction report: a summary line, then every row."""
    from optical_clir.evaluate.table import frame_markdown

    lines = [f"# Published scores: {title}", ""]
    if frame.empty:
        lines.append(
            f"No published score is listed for collection '{collection}'; "
            "nothing to compare."
            if collection
            else "This collection has no published scores (a simulation or a proxy "
            "task): nothing to compare."
        )
        return "\n".join(lines) + "\n"
    comparable = frame[frame["comparable"]]
    within = int(comparable["within_tolerance"].fillna(False).astype(bool).sum())
    lines.append(
        f"{len(comparable)} of {len(frame)} rows comparable; {within} of them within "
        "tolerance."
    )
    if len(comparable) < len(frame):
        reasons = sorted({n for n in frame.loc[~frame["comparable"], "note"] if n})
        lines.append("Not comparable: " + " | ".join(reasons) + ".")
    lines += ["", frame_markdown(frame.drop(columns=["source"])), "", "Sources:", ""]
    lines += [f"- {s}" for s in dict.fromkeys(frame["source"]) if s]
    return "\n".join(lines) + "\n"
