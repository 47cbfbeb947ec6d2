# mMARCO v2's target languages (the files come through data_hub.smk): the
# per-language layout and the bitext from parallel mMARCO.


rule prepare_language:
    input:
        unpack(language_raw_files),
        pivot_collection="resources/{dataset}/en/collection.tsv",
        pivot_queries="resources/{dataset}/en/queries.tsv",
        pivot_qrels="resources/{dataset}/en/qrels.txt",
    output:
        collection="resources/{dataset}/{target}/collection.tsv",
        queries="resources/{dataset}/{target}/queries.tsv",
        queries_en="resources/{dataset}/{target}/queries_en.tsv",
        qrels="resources/{dataset}/{target}/qrels.txt",
    log:
        "logs/prepare_language/{dataset}/{target}.log",
    benchmark:
        "benchmarks/prepare_language/{dataset}/{target}.tsv"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=120,
    conda:
        env("core")
    script:
        "../../scripts/prepare_language.py"


rule prepare_bitext:
    input:
        unpack(bitext_inputs),
    output:
        bitext="resources/{dataset}/{target}/bitext.tsv",
    log:
        "logs/prepare_bitext/{dataset}/{target}.log",
    benchmark:
        "benchmarks/prepare_bitext/{dataset}/{target}.tsv"
    params:
        language=language_params,
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=8000,
        runtime=120,
    conda:
        env("core")
    script:
        "../../scripts/prepare_bitext.py"
