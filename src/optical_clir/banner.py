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
    rule = "=" * max(len(line) for line in lines)
    return [rule, *lines, rule]
