"""The lines a run prints when it starts: what kind of run the config is (a
simulation, the real-text proxy task, or a real benchmark), on which languages
and with which encoder, so that nobody takes one tier's numbers for another's."""

from __future__ import annotations

from collections.abc import Mapping

#: What each data source is, in one line.
TIERS = {
    "synthetic": (
        "SIMULATION: synthetic languages and a tiny BERT trained here; its numbers "
        "illustrate mechanisms, not results on real languages"
    ),
    "bible": (
        "REAL-TEXT TIER: real languages and a real encoder, on a small proxy task "
        "(Bible verses; not mMARCO)"
    ),
    "mmarco": "REAL RUN: mMARCO (multilingual MS MARCO) from the Hugging Face hub",
    "ciral": "REAL RUN: CIRAL (African-language queries) from the Hugging Face hub",
    "local": "REAL RUN: a benchmark from local files (source: local)",
}

#: The real-text tier's tasks.
BIBLE_TASKS = {
    "crossref": "a verse finds the verses that scholars cross-reference",
    "verse": "a paraphrase finds its own verse (translation retrieval)",
}


def banner(config: Mapping) -> list[str]:
    """The banner of a run of ``config`` (a validated config).

    Returns
    -------
    list of str
        Lines to print, without trailing newlines.
    """
    source = config["source"]
    languages = ", ".join(
        f"{lang['name']} ({lang['resource']})" for lang in config["languages"]
    )
    lines = [
        TIERS[source],
        f"  dataset {config['dataset']}; settings {', '.join(config['settings'])}",
        f"  languages {languages}",
    ]
    if source == "bible":
        task = config["bible"]["task"]
        lines.append(f"  task {task}: {BIBLE_TASKS[task]}")
    encoder = config["model"]["encoder"]
    if encoder:
        lines.append(f"  encoder {encoder}")
    lines.append(f"  rankers {', '.join(config['rankers'])}")
    lines += precision_lines(config["precision"], config["device"])
    rule = "=" * max(len(line) for line in lines)
    return [rule, *lines, rule]


def precision_lines(precision: str, device: str) -> list[str]:
    """What bf16 autocast will be on this machine's CPU, for ``precision``
    ``bf16`` or ``bf16_native`` on a run that may use the CPU (nothing else:
    then the banner needs no torch)."""
    if precision not in ("bf16", "bf16_native") or device == "cuda":
        return []
    from optical_clir.models.runtime import cpu_has_native_bf16

    native = cpu_has_native_bf16()
    if precision == "bf16_native":
        runs = "bf16 autocast" if native else "fp32 (no bf16 instructions)"
        return [f"  precision bf16_native: on this machine's CPU, {runs}"]
    if native:
        return ["  precision bf16: bf16 autocast (this CPU has bf16 instructions)"]
    return [
        "  WARNING: precision bf16 on a CPU without bf16 instructions (AVX512-BF16",
        "  or AMX) is emulated, 8-20x slower than fp32:",
        "  use --config precision=bf16_native (bf16 only where the CPU has them)",
    ]
