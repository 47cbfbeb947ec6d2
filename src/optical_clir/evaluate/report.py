"""The figure and the Markdown report of the resource-gap analysis."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from optical_clir import methods as registry
from optical_clir.atomic import atomic_open, write_text
from optical_clir.evaluate.analysis import (
    PRIMARY,
    PerQuery,
    bootstrap_ci,
    seeds_in,
    seeds_of,
    t_interval,
)
from optical_clir.evaluate.table import METHOD_ORDER, frame_markdown

#: each method's colour in the figure (the methods registry's)
COLORS = registry.colours()


def pyplot():
    """``matplotlib.pyplot`` on the file-only Agg backend (imported when drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, path: str | Path) -> None:
    """Write ``fig`` to ``path`` atomically as a 120-dpi PNG, then close it."""
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=120)
    pyplot().close(fig)


def plot_ndcg(
    table: pd.DataFrame,
    per_query: PerQuery,
    path: str | Path,
    title: str,
    resamples: int,
    seed: int,
) -> None:
    """Grouped bars of nDCG@10 per language (pivot, high, low) and method: the
    mean over model seeds with its 95% t-interval across seeds, or, for a method
    run with one seed or none, the 95% bootstrap CI over queries."""
    plt = pyplot()

    langs = list(dict.fromkeys(table["lang"]))
    resource = dict(zip(table["lang"], table["resource"], strict=False))
    methods = sorted(set(table["method"]), key=lambda m: METHOD_ORDER.get(m, 99))
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(langs), 4.2))
    for k, method in enumerate(methods):
        xs, ys, errs = [], [], [[], []]
        for i, lang in enumerate(langs):
            seeds = sorted(seeds_of(list(per_query), lang, method))
            if not seeds:
                continue
            if len(seeds) > 1:
                means = [per_query[(lang, method, s)][PRIMARY].mean() for s in seeds]
                mean = float(np.mean(means))
                low, high = t_interval(means)
            else:
                values = per_query[(lang, method, seeds[0])][PRIMARY].to_numpy()
                mean = values.mean()
                low, high = bootstrap_ci(values, resamples, seed)
            xs.append(i + (k - (len(methods) - 1) / 2) * width)
            ys.append(mean)
            errs[0].append(mean - low)
            errs[1].append(high - mean)
        ax.bar(
            xs,
            ys,
            width,
            yerr=np.array(errs),
            capsize=2,
            label=method,
            color=COLORS.get(method),
        )
    ax.set_xticks(range(len(langs)))
    ax.set_xticklabels([f"{lang}\n({resource[lang]})" for lang in langs])
    several = any(len(seeds_in(table[table["method"] == m])) > 1 for m in methods)
    ax.set_ylabel(
        "nDCG@10, mean over seeds (95% CI across seeds)"
        if several
        else "nDCG@10 (95% bootstrap CI)"
    )
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, 1)
    ax.legend(ncols=len(methods), fontsize=8, loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    save_png(fig, path)


def _pct(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{100 * x:.0f}%"


def findings(summary: pd.DataFrame, sig: pd.DataFrame, alpha: float) -> list[str]:
    """Plain statements read off the numbers (no expectation is built in)."""
    by = summary.set_index("method")
    lines = []
    for method in by.index:
        r = by.loc[method]
        lines.append(
            f"- `{method}`: high-resource mean nDCG@10 {r.high_mean:.4f}, low-resource "
            f"{r.low_mean:.4f}, gap {r.gap:+.4f} ({_pct(r.gap_rel_teacher)} of the "
            "teacher's English score)."
        )
    if {"bm25", "teacher_en"} <= set(by.index):
        teacher = by.loc["teacher_en", ["high_mean", "low_mean"]].mean()
        first = by.loc["bm25", ["high_mean", "low_mean"]].mean()
        if teacher <= first:
            lines.append(
                f"- **The neural teacher does not beat BM25 here** (teacher_en "
                f"{teacher:.4f} vs bm25 {first:.4f}, mean of the group means): the "
                "reranked runs order BM25's candidates worse than BM25 itself, so "
                "differences between the neural methods say little about "
                "cross-lingual transfer in this run."
            )
    lines += _against_first_stage(by)
    for reference, what in (
        ("random", "the same candidates"),
        (
            "random_collection",
            "the whole collection (the chance level of late interaction's full "
            "ranking)",
        ),
    ):
        if reference in by.index:
            chance = by.loc[reference]
            lines.append(
                f"- A random order of {what} scores {chance.high_mean:.4f} (high) "
                f"and {chance.low_mean:.4f} (low) in expectation."
            )
    for optical in registry.of_base(list(by.index), "optical"):
        lines += _family_findings(by, optical)
    for (method, baseline), rows in (
        sig.groupby(["method", "baseline"], sort=False) if len(sig) else []
    ):
        holds = rows["holds_across_seeds"]
        better = rows[holds & (rows["delta"] > 0)]["lang"].tolist()
        worse = rows[holds & (rows["delta"] < 0)]["lang"].tolist()
        n_seeds = int(rows["n_seeds"].max())
        every = f", in the same direction in each of the {n_seeds} seeds" * (
            n_seeds > 1
        )
        lines.append(
            f"- {_label(method)} vs {_label(baseline)} (paired randomisation "
            f"test, Holm-corrected, alpha {alpha}{every}): better in "
            f"{len(better)} of {len(rows)} languages ({', '.join(better) or 'none'}), "
            f"worse in {len(worse)} ({', '.join(worse) or 'none'})."
        )
        split = rows[rows["significant"] & ~rows["same_sign_every_seed"]]["lang"]
        if len(split):
            lines.append(
                f"- Significant on the seed average but not in the same direction "
                f"in every seed, so no conclusion: {', '.join(split)}."
            )
    return lines


def _against_first_stage(by: pd.DataFrame) -> list[str]:
    """Each reranker's group means against BM25's on the same candidates."""
    if "bm25" not in by.index:
        return []
    lines = []
    first = by.loc["bm25"]
    for method in by.index:
        entry = registry.REGISTRY.get(method)
        if entry is None or entry.kind != "neural":
            continue
        parts = []
        for group in ("high", "low"):
            score, base = by.loc[method, f"{group}_mean"], first[f"{group}_mean"]
            if pd.isna(score) or pd.isna(base):
                continue
            side = "above" if score > base else "not above"
            parts.append(f"{side} it in {group}-resource ({score:.4f} vs {base:.4f})")
        if parts:
            lines.append(f"- `{method}` against BM25: {', '.join(parts)}.")
    return lines


def seed_statement(table: pd.DataFrame) -> str:
    """How many model seeds the numbers average, and what that allows."""
    seeds = seeds_in(table)
    if len(seeds) > 1:
        return (
            f"- Every neural number is the mean over {len(seeds)} model seeds "
            f"({', '.join(seeds)}); a conclusion below is stated only when it holds "
            "in every seed."
        )
    return (
        "- **One model seed** "
        f"({seeds[0] if seeds else 'none'}): with models this small, differences "
        "between seeds are as large as the effects; list several under `seeds:` "
        "before drawing a conclusion."
    )


def teacher_statements(table: pd.DataFrame) -> list[str]:
    """Each model seed's teacher on the pivot language against BM25 and its
    family's chance level (a random order of what it ranks): a teacher that
    never learnt to rank (the loss stayed at ln 2) drags every neural method of
    its seed down with it."""
    pivot = table[table["resource"] == "pivot"]

    def scores(method: str) -> dict[str, float]:
        rows = pivot[pivot["method"] == method]
        return dict(zip(rows["seed"], rows["nDCG@10"].astype(float), strict=True))

    present = list(dict.fromkeys(pivot["method"]))
    first = scores("bm25").get("")
    lines = []
    for teacher in registry.of_base(present, "teacher_en"):
        level = registry.chance_level(registry.REGISTRY[teacher].family, present)
        chance = scores(level).get("") if level else None
        by_seed = scores(teacher)
        for seed in seeds_in(pivot[pivot["method"] == teacher]):
            value = by_seed[seed]
            if chance is not None and value <= chance:
                lines.append(
                    f"- **Seed {seed}'s teacher did not learn to rank**: `{teacher}` "
                    f"on the pivot language scores {value:.4f}, no better than a "
                    f"{_label(level)} ({chance:.4f}); every "
                    "neural method of that seed inherits it."
                )
            elif first is not None and value <= first:
                lines.append(
                    f"- Seed {seed}'s teacher is not above BM25 on the pivot "
                    f"language (`{teacher}` {value:.4f} vs bm25 {first:.4f})."
                )
    return lines


def _label(method: str) -> str:
    entry = registry.REGISTRY.get(method)
    return entry.label if entry else method


def _family_findings(by: pd.DataFrame, optical: str) -> list[str]:
    """Transfer kept and gap closed within one ranker family (``optical`` is
    the family's OPTICAL method)."""
    lines: list[str] = []
    zeroshot = registry.counterpart(optical, "zeroshot")
    teacher = registry.counterpart(optical, "teacher_en")
    family = registry.REGISTRY[optical].family
    within = "" if family == "cross_encoder" else f" (late interaction: `{optical}`)"
    chance = registry.chance_level(family, list(by.index))
    if {zeroshot, teacher} <= set(by.index):
        kept, gain = [], []
        for group in ("high", "low"):
            ceiling = by.loc[teacher, f"{group}_mean"]
            score = by.loc[zeroshot, f"{group}_mean"]
            kept.append(score / ceiling if ceiling else float("nan"))
            if chance is not None:
                level = by.loc[chance, f"{group}_mean"]
                above = ceiling - level
                gain.append((score - level) / above if above > 0 else float("nan"))
        what = "whole collection" if chance == "random_collection" else "candidates"
        against = (
            f" ({_pct(gain[0])} and {_pct(gain[1])} of its gain over a random "
            f"order of the same {what})"
            if gain
            else ""
        )
        lines.append(
            f"- Zero-shot keeps {_pct(kept[0])} of {teacher}'s nDCG@10 in "
            f"high-resource and {_pct(kept[1])} in low-resource languages{against} "
            f"(same {what}, English originals for {teacher}){within}."
        )
    if zeroshot in by.index:
        zs, op = by.loc[zeroshot, "gap"], by.loc[optical, "gap"]
        verb = "narrows" if abs(op) < abs(zs) else "does not narrow"
        lower = all(
            by.loc[optical, f"{g}_mean"] < by.loc[zeroshot, f"{g}_mean"]
            for g in ("high", "low")
        )
        why = ", but both groups score lower than zero-shot" if lower else ""
        lines.append(
            f"- The high/low gap {verb} with OPTICAL: {zs:+.4f} (zero-shot) -> "
            f"{op:+.4f} (OPTICAL){why}{within}."
        )
        lines.append(
            f"- Share of the zero-shot transfer gap ({teacher} - {zeroshot}) closed "
            f"by OPTICAL: {_pct(by.loc[optical, 'closed_high'])} for high-resource, "
            f"{_pct(by.loc[optical, 'closed_low'])} for low-resource languages{within}."
        )
    return lines


def method_notes(methods: set[str], queries_per_language: int | None) -> list[str]:
    """Why a method is absent, and caveats of the query set."""
    lines = []
    if not registry.of_base(list(methods), "teacher_dt"):
        lines.append(
            "- No translate-test baseline (`teacher_dt`): this collection ships no "
            "machine translation of its passages (CIRAL does)."
        )
    if not registry.of_base(list(methods), "teacher_en"):
        lines.append(
            "- No `teacher_en`: this collection has no English originals of its "
            "passages; `teacher_dt` reads their machine translations instead."
        )
    if queries_per_language is not None and queries_per_language < 30:
        lines.append(
            f"- **Only {queries_per_language} queries per language** (for example "
            "CIRAL's dev set): differences between methods are not reliable."
        )
    return lines


def write_report(
    path: str | Path,
    title: str,
    simulation: bool,
    table: pd.DataFrame,
    summary: pd.DataFrame,
    sig: pd.DataFrame,
    figure: str,
    alpha: float,
    notes: Sequence[str] = (),
    transfer: pd.DataFrame | None = None,
) -> None:
    """Write ``results/report.md``: findings, table, summary, tests and figure
    (and, given ``transfer``, each language's zero-shot share beside its
    segmentation and resource evidence)."""
    parts = [f"# Zero-shot cross-lingual retrieval: {title}", ""]
    if simulation:
        parts += [
            "> **This is a controlled simulation**, not mMARCO: synthetic languages, a",
            "> tiny BERT pretrained here, and generated queries. The numbers show how",
            "> the mechanism behaves (unbalanced pretraining and bitext budgets), not",
            "> how real languages perform.",
            "",
        ]
    targets = table[table["resource"] != "pivot"]
    queries = int(targets["n_queries"].min()) if len(targets) else None
    parts += [
        "## What the numbers show",
        "",
        seed_statement(table),
        *teacher_statements(table),
        *findings(summary, sig, alpha),
        *method_notes(set(table["method"]), queries),
        *notes,
        "",
    ]
    parts += [f"![nDCG@10 by language]({figure})", ""]
    parts += ["## Results", "", frame_markdown(table), ""]
    parts += ["## Summary by resource level", "", frame_markdown(summary), ""]
    if transfer is not None and len(transfer):
        parts += [
            "## Transfer against coverage and resources, per language",
            "",
            "`zero_shot_share`: zero-shot's share of the teacher's gain over the",
            "family's chance level, `chance`: a random order of the reranked",
            "candidates, or of the whole collection for full ranking (mean nDCG@10",
            "over seeds);",
            "`pieces_per_word`, `unk_share`, `char_piece_share`: how the encoder's",
            "tokenizer segments the language's passages; the rest: the resource",
            "evidence of the config.",
            "",
            frame_markdown(transfer),
            "",
        ]
    parts += [
        "## OPTICAL vs its baselines, per language",
        "",
        "Paired randomisation test over queries (nDCG@10) of the difference averaged",
        "over model seeds (each seed's OPTICAL against the same seed's baseline),",
        "Holm-corrected across languages; 95% bootstrap CI of the mean difference;",
        "`holds_across_seeds`: significant, and the same sign in every seed.",
        "",
        frame_markdown(sig),
        "",
    ]
    write_text(path, "\n".join(parts))
