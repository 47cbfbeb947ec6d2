# Neural reranking of the first stage's candidates (rerank.first_stage): zeroshot,
# optical, and the teacher on English (teacher_en) or on translations (teacher_dt).


rule rerank:
    input:
        candidates=rerank_candidates,
        queries=rerank_queries,
        collection=rerank_collection,
        model=rerank_model,
    output:
        run="results/{dataset}/{lang}/{neural}.trec",
    log:
        "logs/rerank/{dataset}/{lang}/{neural}.log",
    benchmark:
        "benchmarks/rerank/{dataset}/{lang}/{neural}.tsv"
    params:
        rerank=config["rerank"],
        device=config["device"],
        precision=config["precision"],
        cache=rerank_cache,
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
