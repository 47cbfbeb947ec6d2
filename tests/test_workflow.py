"""The real Snakemake workflow end to end on the tiny config."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
import yaml

import trec_eval_ref
from conftest import TINY, run_snakemake
from optical_clir.evaluate.metrics import measures
from optical_clir.evaluate.table import ID_COLUMNS
from optical_clir.formats import read_qrels, read_queries, read_run

pytestmark = pytest.mark.slow
DATASET = "synthetic-tiny"
LANGS = ["en", "velarin", "okhali"]
# both ranker families of the tiny config: the cross-encoder's and late interaction's
METHODS = [
    "bm25",
    "zeroshot",
    "optical",
    "teacher_en",
    "zeroshot_li",
    "optical_li",
    "teacher_en_li",
]
MEASURES = measures(20)  # recall at the tiny config's rerank depth
COLUMNS = [*ID_COLUMNS, *MEASURES, "n_queries"]
RESULTS = f"results/{DATASET}/en2x"
SEED = 7  # the tiny config's (seeds: null -> [seed])


def _methods(lang):
    return ["bm25", "teacher_en", "teacher_en_li"] if lang == "en" else METHODS


def _run(method, seed=SEED):
    """A run file's name: a neural method's carries its model seed."""
    return method if method.startswith("bm25") else f"{method}.seed{seed}"


def test_table_has_every_language(tiny_workflow):
    table = pd.read_csv(tiny_workflow / RESULTS / "table.csv")
    assert list(table.columns) == COLUMNS
    union = pd.read_csv(tiny_workflow / "results" / "table.csv")  # every dataset
    pd.testing.assert_frame_equal(union, table)
    assert list(table["lang"]) == ["en"] * 4 + ["velarin"] * 8 + ["okhali"] * 8
    assert list(table["resource"]) == ["pivot"] * 4 + ["high"] * 8 + ["low"] * 8
    assert (
        list(table["method"]) == ["random", *_methods("en")] + ["random", *METHODS] * 2
    )
    assert set(table["dataset"]) == {DATASET} and set(table["setting"]) == {"en2x"}
    assert (table["n_queries"] == 30).all()
    # lexical BM25 is useful but far from perfect on the simulation
    assert table.loc[table["method"] == "bm25", "nDCG@10"].between(0.1, 0.9).all()
    md = (tiny_workflow / RESULTS / "table.md").read_text()
    assert "controlled simulation" in md and "| okhali | low | bm25 |" in md


def test_table_says_which_model_seed_each_row_ran_with(tiny_workflow):
    table = pd.read_csv(tiny_workflow / RESULTS / "table.csv", dtype={"seed": str})
    neural = ~table["method"].isin(["bm25", "random"])
    assert set(table.loc[neural, "seed"]) == {str(SEED)}
    assert table.loc[~neural, "seed"].isna().all()  # no model seed: empty


def test_table_equals_trec_eval_on_run_files(tiny_workflow):
    table = pd.read_csv(tiny_workflow / RESULTS / "table.csv").set_index("lang")
    table = table.set_index("method", append=True)
    for lang in LANGS:
        res = tiny_workflow / "resources" / DATASET / lang
        for method in _methods(lang):
            path = (
                tiny_workflow
                / "results"
                / DATASET
                / "en2x"
                / lang
                / f"{_run(method)}.trec"
            )
            expected = trec_eval_ref.evaluate(
                read_run(path),
                read_qrels(res / "qrels.txt"),
                read_queries(res / "queries.tsv"),
                recall_depth=20,
            )
            for name in MEASURES:
                got = table.loc[(lang, method), name]
                assert got == pytest.approx(expected[name], abs=5e-5), (lang, method)


def test_run_files_are_trec_with_ties_by_docid(tiny_workflow):
    path = tiny_workflow / "results" / DATASET / "en2x" / "okhali" / "bm25.trec"
    rows = [line.split() for line in path.read_text().splitlines()]
    assert all(len(r) == 6 and r[1] == "Q0" and r[5] == "bm25" for r in rows)
    by_query: dict[str, list] = {}
    for qid, _, docid, rank, score, _ in rows:
        by_query.setdefault(qid, []).append((int(rank), -float(score), docid))
    for hits in by_query.values():
        assert [h[0] for h in hits] == list(range(1, len(hits) + 1))
        assert [h[1:] for h in hits] == sorted(h[1:] for h in hits)
        assert len(hits) <= 50


def test_reranked_runs_keep_the_bm25_candidates(tiny_workflow):
    base = tiny_workflow / "results" / DATASET / "en2x" / "okhali"
    bm25 = read_run(base / "bm25.trec")
    for method in ("zeroshot", "optical", "teacher_en"):
        run = read_run(base / f"{_run(method)}.trec")
        for qid, docs in run.items():
            top = sorted(bm25[qid], key=lambda d: (-bm25[qid][d], d))[:20]
            assert set(docs) == set(top), (method, qid)


def test_analysis_outputs(tiny_workflow):
    results = tiny_workflow / RESULTS
    summary = pd.read_csv(results / "summary.csv")
    assert list(summary["method"]) == ["random", *METHODS]
    sig = pd.read_csv(results / "significance.csv")
    # each family's OPTICAL against its own zero-shot (no translations: no teacher_dt)
    assert list(sig["lang"]) == ["velarin", "okhali"] * 2
    assert list(sig["method"]) == ["optical"] * 2 + ["optical_li"] * 2
    assert list(sig["baseline"]) == ["zeroshot"] * 2 + ["zeroshot_li"] * 2
    assert ((sig["p_holm"] >= sig["p_value"]) & (sig["ci_low"] <= sig["delta"])).all()
    png = (results / "figures" / "ndcg_by_language.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    report = (results / "report.md").read_text()
    assert "controlled simulation" in report
    assert "of its gain over a random order of the same candidates" in report
    assert "No translate-test baseline (`teacher_dt`)" in report
    assert "- `zeroshot` against BM25: " in report
    assert "figures/ndcg_by_language.png" in report


def test_models_are_safetensors(tiny_workflow):
    models = tiny_workflow / "results" / DATASET / "models" / f"seed{SEED}"
    for name in (
        "encoder",
        "teacher",
        "optical-velarin",
        "optical-okhali",
        "teacher_li",
        "optical_li-velarin",
        "optical_li-okhali",
    ):
        assert (models / name / "model.safetensors").exists()
        assert not list((models / name).glob("*.bin"))


def test_second_run_does_nothing(tiny_workflow):
    again = run_snakemake(tiny_workflow, "all", "--dry-run")
    assert again.returncode == 0
    assert "Nothing to be done" in again.stdout + again.stderr


def test_snakemake_report_holds_the_results_and_rule_runtimes(tiny_workflow):
    """`snakemake --report` (Snakemake's standard HTML report) after a run."""
    report = tiny_workflow / "results" / "report.html"
    done = run_snakemake(tiny_workflow, "--report", str(report))
    assert done.returncode == 0, done.stderr[-3000:]
    html = report.read_text(encoding="utf-8")
    for name in (
        "table.csv",
        "summary.csv",
        "significance.csv",
        "ndcg_by_language.png",
    ):
        assert name in html, name
    for rule in ("train_teacher", "distill_ot", "rerank", "aggregate_metrics"):
        assert rule in html, rule  # the per-rule runtime statistics
    assert "OPTICAL zero-shot cross-lingual retrieval" in html  # workflow.rst


def test_per_query_file_beside_each_run(tiny_workflow):
    per_query = pd.read_csv(
        tiny_workflow / "results" / DATASET / "en2x" / "velarin" / "bm25.perquery.tsv",
        sep="\t",
    )
    assert list(per_query.columns) == ["qid", "lang", "method", "seed", *MEASURES]
    assert len(per_query) == 30
    # the file names its run: analyze_gap reads these columns, not the path
    assert set(per_query["lang"]) == {"velarin"}
    assert set(per_query["method"]) == {"bm25"}
    assert per_query["seed"].isna().all()  # BM25 reads no model seed


def test_a_run_ends_with_its_headline_and_where_the_report_is(tiny_workflow):
    """The summary printed at the end: the table's headline per setting, read
    from summary.csv, and the paths of the table, report and figure."""
    printed = (tiny_workflow / "snakemake.stderr").read_text()
    tail = printed[printed.rindex("Done.") :]
    summary = pd.read_csv(tiny_workflow / RESULTS / "summary.csv").set_index("method")
    assert f"{DATASET} / en2x: nDCG@10, mean over languages" in tail
    row = next(
        line for line in tail.splitlines() if line.strip().startswith("zeroshot ")
    )
    assert row.split()[1:] == [
        f"{summary.loc['zeroshot', k]:.3f}" for k in ("high_mean", "low_mean", "gap")
    ]
    assert str(tiny_workflow / RESULTS / "report.md") in tail
    assert str(tiny_workflow / RESULTS / "figures" / "ndcg_by_language.png") in tail


def test_a_run_starts_with_a_banner_that_says_what_it_is(tiny_workflow):
    """Before the first job: the tier (here the simulation, said to be one),
    the dataset and the languages."""
    printed = (tiny_workflow / "snakemake.stderr").read_text()
    head = printed[: printed.index("Done.")]
    assert "SIMULATION: synthetic languages" in head
    assert f"dataset {DATASET}" in head
    assert "okhali (low)" in head


def test_logs_and_benchmarks_written(tiny_workflow):
    assert (
        (tiny_workflow / "logs" / "index_bm25" / DATASET / "okhali.bm25.log")
        .stat()
        .st_size
    )
    bench = (
        tiny_workflow
        / "benchmarks"
        / "retrieve_bm25"
        / DATASET
        / "en2x"
        / "okhali.bm25.tsv"
    )
    assert "max_rss" in bench.read_text()


def _planned_outputs(stdout: str) -> set[str]:
    """The output files of every job that a dry run (``-n``) lists."""
    return {
        path.strip()
        for line in stdout.splitlines()
        if line.startswith("    output: ")
        for path in line.removeprefix("    output: ").split(",")
    }


@pytest.mark.parametrize("union", [True, False])
def test_single_language_target(tmp_path, union):
    """One language's metrics build that language's work only; with
    ``rerank.union`` its teacher_en runs also need the other languages' BM25
    candidates (their union is scored once), and nothing else of theirs.

    A dry run: the DAG decides it (tests/test_slurm_cpu.py runs such a target to
    the end through Slurm)."""
    config = yaml.safe_load(TINY.read_text())
    config["rerank"]["union"] = union
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config))
    target = f"results/{DATASET}/en2x/okhali/metrics.csv"
    done = run_snakemake(tmp_path, target, "-n", configfile=path)
    assert done.returncode == 0, done.stderr[-3000:]
    planned = _planned_outputs(done.stdout + done.stderr)
    assert target in planned
    assert f"results/{DATASET}/en2x/okhali/optical.seed{SEED}.trec" in planned
    assert "results/table.csv" not in planned
    other = {p for p in planned if p.startswith(f"results/{DATASET}/en2x/velarin/")}
    assert not [p for p in planned if re.search(r"models/[^/]+/[^/]*velarin", p)]
    if union:
        assert other == {f"results/{DATASET}/en2x/velarin/bm25.trec"}, other
        assert f"results/{DATASET}/en2x/union/teacher_en.seed{SEED}.trec" in planned
    else:
        assert not other, other
        assert not [p for p in planned if "/union/" in p]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["bm25"].update(k1="high"), "key 'bm25.k1': 'high' is not of type"),
        (lambda c: c.update(bm25_depth=10), "'bm25_depth' was unexpected"),
        (lambda c: c["languages"].append(dict(c["languages"][0])), "listed twice"),
    ],
)
def test_bad_config_fails_before_any_job(tmp_path, edit, message):
    config = yaml.safe_load(TINY.read_text())
    edit(config)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    done = run_snakemake(tmp_path, "results/table.csv", configfile=bad)
    assert done.returncode != 0
    assert message in done.stderr and "bad.yaml" in done.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "resources").exists()


@pytest.fixture()
def copy_of_tiny(tiny_workflow, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(tiny_workflow, work, ignore=shutil.ignore_patterns("locks"))
    return work


def test_malformed_collection_fails_without_partial_index(copy_of_tiny):
    work = copy_of_tiny
    collection = work / "resources" / DATASET / "velarin" / "collection.tsv"
    original = collection.read_text(encoding="utf-8")
    with open(collection, "a", encoding="utf-8") as handle:
        handle.write("broken line without a tab\n")
    target = f"results/{DATASET}/en2x/velarin/bm25.trec"
    done = run_snakemake(work, target)
    assert done.returncode != 0
    lines = len(collection.read_text().splitlines())
    log = (work / "logs" / "index_bm25" / DATASET / "velarin.bm25.log").read_text()
    assert f"collection.tsv:{lines}: expected 2 tab-separated fields" in log
    index = work / "results" / DATASET / "lucene" / "velarin"
    assert not (index / "bm25").exists()  # the failed job's output is gone
    if index.exists():  # Snakemake may also remove the emptied folder
        assert not [p for p in index.iterdir() if p.name.startswith(".tmp")]
    # Once the input is fixed, Snakemake reruns the failed job cleanly.
    collection.write_text(original, encoding="utf-8")
    done = run_snakemake(work, target)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (index / "bm25").is_dir()


def test_query_without_qrels_fails_without_metrics(copy_of_tiny):
    work = copy_of_tiny
    # en2x evaluates the English queries' ids (queries_en.tsv)
    queries = work / "resources" / DATASET / "okhali" / "queries_en.tsv"
    lines = len(queries.read_text().splitlines())
    with open(queries, "a", encoding="utf-8") as handle:
        handle.write("42\tan unjudged query\n")
    done = run_snakemake(
        work, f"results/{DATASET}/en2x/okhali/metrics.csv", "--keep-going"
    )
    assert done.returncode != 0
    message = f"queries_en.tsv:{lines + 1}: query '42' has no relevant passage"
    for log in (  # every evaluation of okhali refuses it
        work / "logs" / "evaluate_run" / DATASET / "en2x" / "okhali" / "bm25.log",
        work / "logs" / "evaluate_random_order" / DATASET / "en2x" / "okhali.log",
    ):
        assert message in log.read_text()
    assert not (
        work / "results" / DATASET / "en2x" / "okhali" / "random.metrics.csv"
    ).exists()
    assert not (
        work / "results" / DATASET / "en2x" / "okhali" / "bm25.metrics.csv"
    ).exists()


def test_mono_setting_reranks_with_target_queries(copy_of_tiny):
    work = copy_of_tiny
    target = f"results/{DATASET}/mono/okhali/zeroshot.seed{SEED}.trec"
    done = run_snakemake(work, target, "--config", "settings=[mono]")
    assert done.returncode == 0, done.stderr[-3000:]
    log = (
        work
        / "logs"
        / "rerank"
        / DATASET
        / "mono"
        / "okhali"
        / f"zeroshot.seed{SEED}.log"
    )
    # translated queries, not queries_en
    assert f"queries resources/{DATASET}/okhali/queries.tsv," in log.read_text()
    table = run_snakemake(work, "results/table.csv", "--config", "settings=[mono]")
    assert table.returncode == 0, table.stderr[-3000:]
    # the en2x table of the tiny run beside it stays: another setting's rows
    settings = pd.read_csv(work / "results" / "table.csv")["setting"]
    assert "mono" in set(settings)


def _local_config(tiny_workflow, work, **changes):
    """Bring-your-own data: the tiny run's files placed under another dataset, with
    the tiny run's encoder given as a local model directory."""
    config = yaml.safe_load(TINY.read_text())
    config.pop("extends")  # a config of one's own data inherits nothing
    config.pop("synthetic")
    for lang in config["languages"]:
        lang.pop("synthetic")
    config["dataset"] = "local-tiny"
    config["source"] = "local"
    config["model"] = {
        "encoder": str(
            tiny_workflow / "results" / DATASET / "models" / f"seed{SEED}" / "encoder"
        )
    }
    # a pretrained encoder: no key tying (config/simulation.yaml's simulation prior)
    config["teacher"].update(steps=4, checkpoint_every=10, tie_query_key=False)
    config["distill"].update(steps=4, checkpoint_every=10, trainable="embeddings")
    config["rerank"]["union"] = True
    for key, value in changes.items():
        config[key] = value
    shutil.copytree(
        tiny_workflow / "resources" / DATASET, work / "resources" / "local-tiny"
    )
    path = work / "local.yaml"
    path.write_text(yaml.safe_dump(config))
    return path, config


def test_local_data_honours_the_bitext_budget_and_an_external_tsv(
    tiny_workflow, tmp_path
):
    work = tmp_path / "local"
    path, config = _local_config(tiny_workflow, work)
    external = tmp_path / "external.tsv"
    bitext = work / "resources" / "local-tiny" / "velarin" / "bitext.tsv"
    external.write_text(bitext.read_text())
    bitext.unlink()  # velarin's comes from the configured TSV, okhali's is placed
    config["languages"][0]["bitext"] = {"tsv": str(external)}
    config["languages"][0]["bitext_pairs"] = 40
    config["languages"][1]["bitext_pairs"] = 25  # the placed file has 50
    path.write_text(yaml.safe_dump(config))
    targets = [
        f"results/local-tiny/models/seed{SEED}/optical-{x}"
        for x in ("velarin", "okhali")
    ]
    done = run_snakemake(work, *targets, configfile=path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(bitext.read_text().splitlines()) == 40  # imported, at the budget
    log = (
        work
        / "logs"
        / "distill_ot"
        / "local-tiny"
        / f"seed{SEED}"
        / "optical-okhali.log"
    ).read_text()
    assert "bitext: 25 of the 50 pairs" in log
    manifest = (work / "results/local-tiny/models/encoder.manifest.json").read_text()
    assert '"sha256"' in manifest and "model.safetensors" in manifest


def _edit_other_ids(base):
    collection = base / "okhali" / "collection.tsv"
    lines = collection.read_text().splitlines()
    collection.write_text("".join(f"x{line}\n" for line in lines))  # other ids
    return f"{collection.relative_to(base.parents[1])}:1: passage id 'x"


def _edit_long_query(base):
    queries = base / "okhali" / "queries_en.tsv"
    lines = queries.read_text().splitlines()
    qid = lines[1].split("\t")[0]
    lines[1] = qid + "\t" + " ".join(["word"] * 200)
    queries.write_text("\n".join(lines) + "\n")
    return f"queries_en.tsv:2: query '{qid}' has 200 words"


def _edit_missing_collection(base):
    (base / "en" / "collection.tsv").unlink()
    return "en/collection.tsv: missing. source: local reads your own files"


def _edit_missing_bitext(base):
    (base / "velarin" / "bitext.tsv").unlink()
    return "velarin/bitext.tsv: missing"


def _edit_other_query_ids(base):
    queries = base / "velarin" / "queries.tsv"
    lines = queries.read_text().splitlines()
    queries.write_text("\n".join(["q-extra\tan extra query", *lines]) + "\n")
    return "its query ids differ from queries_en.tsv's"


@pytest.mark.parametrize(
    "edit",
    [
        _edit_other_ids,
        _edit_long_query,
        _edit_missing_collection,
        _edit_missing_bitext,
        _edit_other_query_ids,
    ],
)
def test_local_data_is_checked_before_any_job(tiny_workflow, tmp_path, edit):
    """Passage ids across languages, query ids, query lengths and the layout of
    source: local are checked when the workflow is parsed: a dry run reports
    them, naming the file (and line), and no job starts."""
    work = tmp_path / "local"
    path, _ = _local_config(tiny_workflow, work)
    message = edit(work / "resources" / "local-tiny")
    done = run_snakemake(work, "results/table.csv", "--dry-run", configfile=path)
    assert done.returncode != 0  # a dry run prints the error on stdout
    assert message in done.stdout + done.stderr, done.stdout[-2000:]
    done = run_snakemake(work, "results/table.csv", configfile=path)
    assert done.returncode != 0 and message in done.stderr
    assert not (work / "results").exists() and not (work / "logs").exists()


@pytest.mark.parametrize(
    ("encoder", "message"),
    [
        (
            "./models/missing-encoder",
            "the local encoder folder './models/missing-encoder' does not exist",
        ),
        ("not a model id!", "is neither an existing folder nor a Hugging Face id"),
    ],
)
def test_a_missing_local_encoder_is_not_taken_for_a_hub_id(
    tiny_workflow, tmp_path, encoder, message
):
    work = tmp_path / "local"
    path, config = _local_config(tiny_workflow, work)
    config["model"]["encoder"] = encoder
    path.write_text(yaml.safe_dump(config))
    done = run_snakemake(work, "results/table.csv", "--dry-run", configfile=path)
    assert done.returncode != 0
    output = done.stdout + done.stderr  # a dry run prints the error on stdout
    assert "key 'model.encoder'" in output and message in output
    assert "local.yaml" in output


def test_random_order_reference_is_exact_and_below_the_rankers(tiny_workflow):
    from optical_clir.evaluate.metrics import expected_random

    table = pd.read_csv(tiny_workflow / RESULTS / "table.csv")
    table = table.set_index(["lang", "method"])
    res = tiny_workflow / "resources" / DATASET / "okhali"
    run = read_run(tiny_workflow / RESULTS / "okhali" / "bm25.trec")
    qrels = read_qrels(res / "qrels.txt")
    queries = read_queries(res / "queries.tsv")
    mean = sum(
        expected_random(run.get(q, {}), qrels[q], 20)["nDCG@10"] for q in queries
    ) / len(queries)
    assert table.loc[("okhali", "random"), "nDCG@10"] == pytest.approx(mean, abs=5e-5)
    # the same candidates: the same recall at the rerank depth as BM25's
    assert table.loc[("okhali", "random"), "R@20"] == pytest.approx(
        table.loc[("okhali", "bm25"), "R@20"], abs=5e-5
    )


def _job_counts(stderr: str) -> dict[str, int]:
    """Snakemake's "Job stats" table: rule -> number of jobs."""
    stats = stderr[stderr.index("Job stats:") :]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}


def test_a_second_run_from_nothing_repeats_the_first_and_seeds_share_the_data(
    tiny_workflow, tmp_path
):
    """A second run in an empty directory (as a fresh clone would), with a second
    model seed (cross-encoder family only, to keep it short): its seed-7 runs and
    table rows equal the first run's byte for byte; the data and BM25 run once
    for both seeds; the analysis averages the seeds."""
    done = run_snakemake(
        tmp_path, "all", "--config", "seeds=[7,8]", 'rankers=["cross_encoder"]'
    )
    assert done.returncode == 0, done.stderr[-4000:]
    jobs = _job_counts(done.stderr)
    assert jobs["generate_language"] == 2 and jobs["retrieve_bm25"] == 3, jobs
    assert jobs["pretrain_encoder"] == 2 and jobs["train_teacher"] == 2, jobs
    assert jobs["distill_ot"] == 4, jobs  # two languages, two seeds
    cross_encoder = ("bm25", "teacher_en", "zeroshot", "optical")
    for lang in LANGS:
        for method in [m for m in _methods(lang) if m in cross_encoder]:
            name = f"{_run(method)}.trec"
            first = tiny_workflow / RESULTS / lang / name
            assert (tmp_path / RESULTS / lang / name).read_bytes() == first.read_bytes()
    first_rows = (tiny_workflow / RESULTS / "table.csv").read_text().splitlines()
    second_rows = (tmp_path / RESULTS / "table.csv").read_text().splitlines()
    seed_index = COLUMNS.index("seed")
    shared = [r for r in second_rows[1:] if r.split(",")[seed_index] in ("", str(SEED))]
    # per language bm25, random and teacher_en; per target zeroshot and optical
    assert len(shared) == 3 * 3 + 2 * 2
    assert set(shared) <= set(first_rows), set(shared) - set(first_rows)

    table = pd.read_csv(tmp_path / RESULTS / "table.csv", dtype={"seed": str})
    zs = table[table["method"] == "zeroshot"]
    assert list(zs["seed"]) == ["7", "8"] * 2
    seed8 = tmp_path / "results" / DATASET / "models" / "seed8"
    assert (seed8 / "optical-okhali" / "model.safetensors").exists()
    summary = pd.read_csv(tmp_path / RESULTS / "summary.csv").set_index("method")
    assert summary.loc["zeroshot", "n_seeds"] == 2
    assert summary.loc["bm25", "n_seeds"] == 0
    high = zs.loc[zs["resource"] == "high", "nDCG@10"].mean()
    assert summary.loc["zeroshot", "high_mean"] == pytest.approx(high, abs=1e-4)
    low, up = summary.loc["zeroshot", ["gap_ci_low", "gap_ci_high"]]
    assert low <= summary.loc["zeroshot", "gap"] <= up
    sig = pd.read_csv(tmp_path / RESULTS / "significance.csv")
    assert (sig["n_seeds"] == 2).all()
    assert (sig["holds_across_seeds"] <= sig["significant"]).all()
    report = (tmp_path / RESULTS / "report.md").read_text()
    assert "the mean over 2 model seeds (7, 8)" in report
