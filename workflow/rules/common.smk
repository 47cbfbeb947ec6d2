# Every Python helper of the workflow lives here; the stage .smk files hold rules only.
import re
import sys
from pathlib import Path

_SRC = str(Path(workflow.basedir).parent / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)
# Jobs import the library through scripts/_libpath.py, which does the same.

from optical_clir.config import validate_config  # noqa: E402

validate_config(
    config,
    Path(workflow.basedir) / "schemas" / "config.schema.yaml",
    source=", ".join(str(f) for f in workflow.configfiles) or "config",
)

DATASET = config["dataset"]
PIVOT = "en"
LANGS = [entry["name"] for entry in config["languages"]]
LANG_CONFIG = {entry["name"]: entry for entry in config["languages"]}
EVAL_LANGS = [PIVOT, *LANGS]
METHODS = ["bm25"]
ENVS = Path(workflow.basedir).parent / "envs"


wildcard_constraints:
    dataset=re.escape(DATASET),
    lang="|".join(re.escape(l) for l in EVAL_LANGS),
    target="|".join(re.escape(l) for l in LANGS),
    method="|".join(METHODS),


def final_targets():
    """The table, its Markdown rendering, and every per-language metrics file."""
    return [
        "results/table.csv",
        "results/table.md",
        *expand("results/{dataset}/{lang}/metrics.csv", dataset=DATASET, lang=EVAL_LANGS),
    ]


def env(name):
    """Path of a stage's conda env file."""
    return str(ENVS / f"{name}.yaml")


def analyzer_for(wildcards):
    """BM25 analyzer of a language (the pivot's comes from bm25.pivot_analyzer)."""
    if wildcards.lang == PIVOT:
        return config["bm25"]["pivot_analyzer"]
    return LANG_CONFIG[wildcards.lang]["analyzer"]


def resource_of(lang):
    """Resource label of a language ('pivot' for English)."""
    return "pivot" if lang == PIVOT else LANG_CONFIG[lang]["resource"]


def language_params(wildcards):
    """The config entry of a target language."""
    return LANG_CONFIG[wildcards.target]


def run_labels(wildcards):
    """Identifying columns of one evaluated run."""
    return {
        "dataset": DATASET,
        "setting": config["setting"],
        "lang": wildcards.lang,
        "resource": resource_of(wildcards.lang),
        "method": wildcards.method,
    }


def language_metrics(wildcards):
    """Per-method metric rows of one language."""
    return expand(
        "results/{dataset}/{lang}/{method}.metrics.csv",
        dataset=wildcards.dataset,
        lang=wildcards.lang,
        method=METHODS,
    )


def all_language_metrics(wildcards):
    """Per-language metric tables that make up results/table.csv."""
    return expand("results/{dataset}/{lang}/metrics.csv", dataset=DATASET, lang=EVAL_LANGS)


def table_title(wildcards):
    """Heading of results/table.md."""
    kind = "controlled simulation" if config["source"] == "synthetic" else "real data"
    return f"{DATASET} ({config['setting']}, {kind})"
