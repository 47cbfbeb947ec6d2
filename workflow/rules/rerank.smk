# Neural reranking of the first stage's candidates (rerank.first_stage): zeroshot,
# optical, and the teacher on English (teacher_en) or on translations (teacher_dt).


rule rerank:
    input:
        candidates=rerank_candidates,
        queries=rerank_queries,
        collection=rerank_collection,
        model=rerank_model,
    output:
        run="results/{dataset}/{lang}/{neural}.seed{seed}.trec",
    log:
        "logs/rerank/{dataset}/{lang}/{neural}.seed{seed}.log",
    benchmark:
        "benchmarks/rerank/{dataset}/{lang}/{neural}.seed{seed}.tsv"
    params:
        rerank=config["rerank"],
        device=config["device"],
        precision=config["precision"],
    threads: 1
    resources:
        **job_resources(
            "rerank", model=["model"], data=["candidates", "queries", "collection"]
        ),
        cpus_per_gpu=4,
    conda:
        env("neural")
    script:
        "../../scripts/rerank.py"


if PIVOT_CANDIDATES and PIVOT_RUNS:

    # With the pivot's candidates (bm25.xling_query: pivot), a target's teacher_en
    # reads exactly what the pivot's does: the English query, the English
    # originals of the same passages, the same model. Its run is a copy.
    rule copy_pivot_run:
        input:
            run=f"results/{{dataset}}/{PIVOT}/{{pivot_run}}.seed{{seed}}.trec",
        output:
            run="results/{dataset}/{target}/{pivot_run}.seed{seed}.trec",
        wildcard_constraints:
            pivot_run="|".join(PIVOT_RUNS),
        log:
            "logs/copy_pivot_run/{dataset}/{target}/{pivot_run}.seed{seed}.log",
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            env("core")
        shell:
            "cp {input.run} {output.run} 2> {log}"

    ruleorder: copy_pivot_run > rerank


if UNION_RUNS:

    # A reranker that reads the pivot's queries and passages in every language
    # (teacher_en) scores the union of all languages' candidates once: a passage
    # that several languages' BM25 runs retrieve for a query is scored once.
    rule rerank_union:
        input:
            candidates=union_candidates,
            queries=rerank_queries,
            collection=rerank_collection,
            model=rerank_model,
        output:
            run="results/{dataset}/union/{neural}.seed{seed}.trec",
        wildcard_constraints:
            neural="|".join(UNION_RUNS),
        log:
            "logs/rerank_union/{dataset}/{neural}.seed{seed}.log",
        benchmark:
            "benchmarks/rerank_union/{dataset}/{neural}.seed{seed}.tsv"
        params:
            rerank=config["rerank"],
            device=config["device"],
            precision=config["precision"],
        threads: 1
        resources:
            **job_resources(
                "rerank", model=["model"], data=["candidates", "queries", "collection"]
            ),
            cpus_per_gpu=4,
        conda:
            env("neural")
        # the script of rule rerank: its stage takes one or several candidate runs
        script:
            "../../scripts/rerank.py"

    # Each language's run: its own top rerank.depth, with the union's scores (the
    # file rule rerank would write); a light job, without torch.
    rule cut_pivot_run:
        input:
            scores="results/{dataset}/union/{neural}.seed{seed}.trec",
            candidates=rerank_candidates,
        output:
            run="results/{dataset}/{lang}/{neural}.seed{seed}.trec",
        wildcard_constraints:
            neural="|".join(UNION_RUNS),
        log:
            "logs/cut_pivot_run/{dataset}/{lang}/{neural}.seed{seed}.log",
        params:
            rerank=config["rerank"],
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            env("core")
        script:
            "../../scripts/cut_pivot_run.py"

    ruleorder: cut_pivot_run > rerank
