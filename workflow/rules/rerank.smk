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
