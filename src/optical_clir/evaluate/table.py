"""The results table: one row per (language, method), as CSV and Markdown."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from optical_clir import methods
from optical_clir.atomic import atomic_open
from optical_clir.evaluate.metrics import MEASURES

RESOURCE_ORDER = {"pivot": 0, "high": 1, "low": 2}
#: each method's row position (the methods registry's)
METHOD_ORDER = methods.order()
#: ``student``: which side of the ranker a method's OPTICAL student reads
#: (``pair``, ``passage``, ``query`` or ``both``; empty without a student:
#: :func:`optical_clir.methods.student_tower`); ``seed``: the model seed of a
#: neural run, empty for a first stage and for the random order (they read no
#: model seed)
ID_COLUMNS = ["dataset", "setting", "lang", "resource", "method", "student", "seed"]
#: the columns of a table whose recall is at the default depth (100)
COLUMNS = [*ID_COLUMNS, *MEASURES, "n_queries"]


def columns_of(frame: pd.DataFrame) -> list[str]:
    """Identifying columns, then the measures in the order the rows list them,
    then ``n_queries``."""
    measures = [c for c in frame.columns if c not in ID_COLUMNS and c != "n_queries"]
    return [*ID_COLUMNS, *measures, "n_queries"]


DECIMALS = 4


def rounded(frame: pd.DataFrame, decimals: int = DECIMALS) -> pd.DataFrame:
    """A copy with every float column rounded to ``decimals``: round once, then
    write the CSV and the Markdown from the same values, so they always agree."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name]):
            out[name] = out[name].round(decimals)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, decimals: int = DECIMALS) -> None:
    """Write ``frame`` as CSV atomically, floats rounded to ``decimals``."""
    with atomic_open(path) as handle:
        rounded(frame, decimals).to_csv(handle, index=False)


def collect(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Concatenate per-run metric rows into the table.

    Rows are ordered by dataset, then pivot first, then high- and low-resource
    languages, then any other label; within a language, methods keep the order
    of ``METHOD_ORDER``. Tables of datasets with other measures (another rerank
    depth, another list) keep every column, empty where it was not measured.
    """
    frame = pd.concat([read_rows(p) for p in paths], ignore_index=True)
    missing = [c for c in [*ID_COLUMNS, "nDCG@10", "n_queries"] if c not in frame]
    if missing:
        raise ValueError(f"metric rows lack columns {missing}")
    columns = columns_of(frame)
    frame = frame.assign(
        _r=frame["resource"].map(RESOURCE_ORDER).fillna(len(RESOURCE_ORDER)),
        _m=frame["method"].map(METHOD_ORDER).fillna(len(METHOD_ORDER)),
        _s=pd.to_numeric(frame["seed"]).fillna(-1),
    )
    frame = frame.sort_values(
        ["dataset", "setting", "_r", "lang", "_m", "method", "_s"], kind="stable"
    )
    return frame.drop(columns=["_r", "_m", "_s"]).reset_index(drop=True)[columns]


def read_rows(path: str | Path) -> pd.DataFrame:
    """Metric rows or a table as written here: ``student`` and ``seed`` as text,
    empty where a run has no student or reads no model seed (a table written
    before either existed gets the column)."""
    frame = pd.read_csv(path, dtype={"seed": str, "student": str})
    for column in ("student", "seed"):
        if column not in frame:
            frame.insert(frame.columns.get_loc("method") + 1, column, "")
    return frame.fillna({"seed": "", "student": ""})


def frame_markdown(frame: pd.DataFrame) -> str:
    """A data frame as a Markdown table (floats to 4 decimals; no extra dependency)."""
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = [
        "| "
        + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row)
        + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *rows])


def to_markdown(frame: pd.DataFrame, title: str) -> str:
    """Render the table as a Markdown document headed by ``title``."""
    return "\n".join([f"# {title}", "", frame_markdown(frame), ""])
