"""The results table: one row per (language, method), as CSV and Markdown."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from optical_clir.atomic import atomic_open
from optical_clir.metrics import MEASURES

COLUMNS = ["dataset", "setting", "lang", "resource", "method", *MEASURES, "n_queries"]


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as CSV atomically (metrics rounded to 4 decimals)."""
    out = frame.copy()
    for name in MEASURES:
        if name in out:
            out[name] = out[name].round(4)
    with atomic_open(path) as handle:
        out.to_csv(handle, index=False)


def collect(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Concatenate per-run metric rows into the table, ordered high resource first."""
    frame = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    missing = [c for c in COLUMNS if c not in frame]
    if missing:
        raise ValueError(f"metric rows lack columns {missing}")
    order = {"high": 0, "low": 1}
    frame = frame.assign(_r=frame["resource"].map(order).fillna(2))
    return frame.sort_values(["_r", "lang", "method"], kind="stable").drop(columns="_r")[COLUMNS]


def to_markdown(frame: pd.DataFrame, title: str) -> str:
    """Render the table as Markdown (no extra dependency)."""
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = []
    for _, row in frame.iterrows():
        cells = [f"{v:.4f}" if isinstance(v, float) else str(v) for v in row]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join([f"# {title}", "", header, rule, *rows, ""])
