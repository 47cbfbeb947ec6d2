# BM25 first stage with Pyserini: one Lucene index per language, then batch search.
# bm25_dt (CIRAL) indexes the English translations of the passages and searches
# them with the English query and English analysis (document translation).
# With bm25.xling_query: pivot, the target languages take the English run's
# candidates (copy_pivot_candidates) and need no index of their own.


rule index_bm25:
    input:
        collection=bm25_collection,
    output:
        index=directory("results/{dataset}/{lang}/{first_stage}_index"),
    log:
        "logs/index_bm25/{dataset}/{lang}.{first_stage}.log",
    benchmark:
        "benchmarks/index_bm25/{dataset}/{lang}.{first_stage}.tsv"
    params:
        analyzer=analyzer_for,
    threads: config["bm25"]["threads"]
    resources:
        **job_resources("index_bm25", data=["collection"]),
    conda:
        env("retrieval")
    script:
        "../../scripts/index_bm25.py"


rule retrieve_bm25:
    input:
        index="results/{dataset}/{lang}/{first_stage}_index",
        queries=bm25_queries,
    output:
        run="results/{dataset}/{lang}/{first_stage}.trec",
    wildcard_constraints:
        lang=BM25_LANGS,
    log:
        "logs/retrieve_bm25/{dataset}/{lang}.{first_stage}.log",
    benchmark:
        "benchmarks/retrieve_bm25/{dataset}/{lang}.{first_stage}.tsv"
    params:
        analyzer=analyzer_for,
        tag=lambda w: w.first_stage,
        k1=config["bm25"]["k1"],
        b=config["bm25"]["b"],
        depth=config["bm25"]["depth"],
    threads: config["bm25"]["threads"]
    resources:
        **job_resources("retrieve_bm25", data=["index"]),
    conda:
        env("retrieval")
    script:
        "../../scripts/retrieve_bm25.py"


if PIVOT_CANDIDATES:

    rule copy_pivot_candidates:
        input:
            run=f"results/{{dataset}}/{PIVOT}/bm25.trec",
        output:
            run="results/{dataset}/{target}/bm25.trec",
        log:
            "logs/copy_pivot_candidates/{dataset}/{target}.log",
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            env("core")
        shell:
            "cp {input.run} {output.run} 2> {log}"
