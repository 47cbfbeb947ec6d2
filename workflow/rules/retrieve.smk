# BM25 first stage with Pyserini: one Lucene index per language, then batch search.


rule index_bm25:
    input:
        collection="resources/{dataset}/{lang}/collection.tsv",
    output:
        index=directory("results/{dataset}/{lang}/bm25_index"),
    log:
        "logs/index_bm25/{dataset}/{lang}.log",
    benchmark:
        "benchmarks/index_bm25/{dataset}/{lang}.tsv"
    params:
        analyzer=analyzer_for,
    threads: config["bm25"]["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        env("retrieval")
    script:
        "../../scripts/index_bm25.py"


rule retrieve_bm25:
    input:
        index="results/{dataset}/{lang}/bm25_index",
        queries="resources/{dataset}/{lang}/queries.tsv",
    output:
        run="results/{dataset}/{lang}/bm25.trec",
    log:
        "logs/retrieve_bm25/{dataset}/{lang}.log",
    benchmark:
        "benchmarks/retrieve_bm25/{dataset}/{lang}.tsv"
    params:
        analyzer=analyzer_for,
        k1=config["bm25"]["k1"],
        b=config["bm25"]["b"],
        depth=config["bm25"]["depth"],
    threads: config["bm25"]["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        env("retrieval")
    script:
        "../../scripts/retrieve_bm25.py"
