# Metrics with ir-measures, per run, per language, and the results table.


# The config as this run read it (its own keys, what it extends, the defaults).
rule write_config:
    localrule: True
    output:
        config="results/{dataset}/config.yaml",
    log:
        "logs/write_config/{dataset}.log",
    params:
        # rerun when any key changes
        digest=CONFIG_DIGEST,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/write_config.py"


rule evaluate_run:
    localrule: True
    input:
        run="results/{dataset}/{setting}/{lang}/{run_method}.trec",
        qrels="resources/{dataset}/{lang}/qrels.txt",
        queries=evaluated_queries,
    output:
        metrics="results/{dataset}/{setting}/{lang}/{run_method}.metrics.csv",
        per_query="results/{dataset}/{setting}/{lang}/{run_method}.perquery.tsv",
    log:
        "logs/evaluate_run/{dataset}/{setting}/{lang}/{run_method}.log",
    params:
        labels=run_labels,
        recall_depth=config["rerank"]["depth"],
        measures=config["measures"],
    threads: 1
    resources:
        mem_mb=2000,  # 1.3 GB: a run of mMARCO dev at depth 1,000 (bench/evaluation_scale.py)
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/evaluate_run.py"


rule evaluate_random_order:
    localrule: True
    input:
        run=rerank_candidates,
        qrels="resources/{dataset}/{lang}/qrels.txt",
        queries=evaluated_queries,
    output:
        metrics="results/{dataset}/{setting}/{lang}/random.metrics.csv",
        per_query="results/{dataset}/{setting}/{lang}/random.perquery.tsv",
    log:
        "logs/evaluate_random_order/{dataset}/{setting}/{lang}.log",
    params:
        labels=lambda w: run_labels(w, "random"),
        recall_depth=config["rerank"]["depth"],
        measures=config["measures"],
    threads: 1
    resources:
        mem_mb=2000,  # 1.0 GB: candidates of mMARCO dev at depth 1,000 (bench/evaluation_scale.py)
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/evaluate_random_order.py"


if "random_collection" in METHODS:

    # The chance level of full ranking: a random order of every passage that
    # late interaction ranks (the query's own left out with the cross-reference
    # task), its top rerank.depth kept as rank_full keeps it.
    rule evaluate_random_collection:
        localrule: True
        input:
            collection=full_ranking_collection,
            qrels="resources/{dataset}/{lang}/qrels.txt",
            queries=evaluated_queries,
        output:
            metrics="results/{dataset}/{setting}/{lang}/random_collection.metrics.csv",
            per_query="results/{dataset}/{setting}/{lang}/random_collection.perquery.tsv",
        log:
            "logs/evaluate_random_collection/{dataset}/{setting}/{lang}.log",
        params:
            labels=lambda w: run_labels(w, "random_collection"),
            recall_depth=config["rerank"]["depth"],
            measures=config["measures"],
            exclude_self=EXCLUDE_SELF,
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            env("core")
        script:
            "../../scripts/evaluate_random_collection.py"


rule summarize_language:
    localrule: True
    input:
        language_metrics,
    output:
        "results/{dataset}/{setting}/{lang}/metrics.csv",
    log:
        "logs/summarize_language/{dataset}/{setting}/{lang}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/collect_metrics.py"


rule aggregate_metrics:
    localrule: True
    input:
        all_language_metrics,
    output:
        csv=report(
            "results/{dataset}/{setting}/table.csv",
            caption="../report/table.rst",
            category="Results",
            labels={"dataset": "{dataset}", "setting": "{setting}", "file": "table"},
        ),
        md="results/{dataset}/{setting}/table.md",
    log:
        "logs/aggregate_metrics/{dataset}/{setting}.log",
    params:
        title=table_title,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/collect_metrics.py"


rule collect_tables:
    localrule: True
    input:
        dataset_tables,
    output:
        csv="results/table.csv",
        md="results/table.md",
    log:
        "logs/collect_tables/tables.log",
    params:
        title="every dataset under results/",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/collect_metrics.py"


# How the encoder's tokenizer segments each language (pieces per word, unknown
# and one-character pieces): the covariate the report sets transfer against.
rule measure_coverage:
    input:
        tokenizer=tokenizer_dir(),
        collections=expand(
            "resources/{{dataset}}/{lang}/collection.tsv", lang=EVAL_LANGS
        ),
    output:
        csv="results/{dataset}/coverage.csv",
    log:
        "logs/measure_coverage/{dataset}.log",
    params:
        langs=EVAL_LANGS,
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        env("neural")
    script:
        "../../scripts/measure_coverage.py"


rule analyze_gap:
    input:
        table="results/{dataset}/{setting}/table.csv",
        per_query=per_query_files,
        coverage="results/{dataset}/coverage.csv",
    output:
        summary=report(
            "results/{dataset}/{setting}/summary.csv",
            caption="../report/summary.rst",
            category="Results",
            labels={"dataset": "{dataset}", "setting": "{setting}", "file": "summary"},
        ),
        significance=report(
            "results/{dataset}/{setting}/significance.csv",
            caption="../report/significance.rst",
            category="Results",
            labels={"dataset": "{dataset}", "setting": "{setting}", "file": "significance"},
        ),
        figure=report(
            "results/{dataset}/{setting}/figures/ndcg_by_language.png",
            caption="../report/figure.rst",
            category="Results",
            labels={"dataset": "{dataset}", "setting": "{setting}", "file": "figure"},
        ),
        report="results/{dataset}/{setting}/report.md",
        transfer="results/{dataset}/{setting}/transfer.csv",
    log:
        "logs/analyze_gap/{dataset}/{setting}.log",
    params:
        languages=config["languages"],
        analysis=config["analysis"],
        seed=config["seed"],
        title=table_title,
        simulation=config["source"] == "synthetic",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/analyze_gap.py"


rule compare_reference:
    localrule: True
    input:
        table="results/{dataset}/{setting}/table.csv",
        scores=reference_scores(),
    output:
        csv="results/{dataset}/{setting}/reproduction.csv",
        md="results/{dataset}/{setting}/reproduction.md",
    log:
        "logs/compare_reference/{dataset}/{setting}.log",
    params:
        reference=config["reference"],
        setting=lambda w: w.setting,
        caveats=reference_caveats(),
        title=table_title,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/compare_reference.py"


# On demand (config/sweep.yaml): zero-shot and OPTICAL against each resource factor.
rule resource_factors:
    input:
        table="results/{dataset}/{setting}/table.csv",
    output:
        csv="results/{dataset}/{setting}/resource_factors.csv",
        figure=report(
            "results/{dataset}/{setting}/figures/resource_factors.png",
            caption="../report/resource_factors.rst",
            category="Results",
            labels={"dataset": "{dataset}", "setting": "{setting}", "file": "resource factors"},
        ),
    log:
        "logs/resource_factors/{dataset}/{setting}.log",
    params:
        languages=config["languages"],
        title=table_title,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/resource_factors.py"
