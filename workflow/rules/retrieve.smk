# BM25 first stage with Pyserini: one Lucene index per language (shared by every
# setting), then a batch search per setting. bm25_dt (CIRAL) indexes the English
# translations of the passages and searches them with the English query and
# English analysis (document translation). Where a setting's target languages
# take the English run's candidates (x2en; en2x with bm25.xling_query: pivot),
# copy_pivot_candidates copies that run and they need no index of their own.


rule index_bm25:
    input:
        collection=bm25_collection,
    output:
        index=directory("results/{dataset}/lucene/{lang}/{first_stage}"),
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
        index="results/{dataset}/lucene/{lang}/{first_stage}",
        queries=bm25_queries,
    output:
        run="results/{dataset}/{setting}/{lang}/{first_stage}.trec",
    log:
        "logs/retrieve_bm25/{dataset}/{setting}/{lang}.{first_stage}.log",
    benchmark:
        "benchmarks/retrieve_bm25/{dataset}/{setting}/{lang}.{first_stage}.tsv"
    params:
        analyzer=analyzer_for,
        tag=lambda w: w.first_stage,
        k1=config["bm25"]["k1"],
        b=config["bm25"]["b"],
        depth=config["bm25"]["depth"],
        exclude_self=EXCLUDE_SELF,
    threads: config["bm25"]["threads"]
    resources:
        **job_resources("retrieve_bm25", data=["index"]),
    conda:
        env("retrieval")
    script:
        "../../scripts/retrieve_bm25.py"


if PIVOT_CANDIDATE_SETTINGS:

    rule copy_pivot_candidates:
        localrule: True
        input:
            run=f"results/{{dataset}}/{{setting}}/{PIVOT}/bm25.trec",
        output:
            run="results/{dataset}/{setting}/{target}/bm25.trec",
        wildcard_constraints:
            setting="|".join(PIVOT_CANDIDATE_SETTINGS),
        log:
            "logs/copy_pivot_candidates/{dataset}/{setting}/{target}.log",
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            env("core")
        shell:
            "cp {input.run} {output.run} 2> {log}"

    ruleorder: copy_pivot_candidates > retrieve_bm25
