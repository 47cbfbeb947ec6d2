# The synthetic benchmark: the English pivot, then one rule per target language.


rule generate_pivot:
    output:
        collection="resources/{dataset}/en/collection.tsv",
        queries="resources/{dataset}/en/queries.tsv",
        queries_en="resources/{dataset}/en/queries_en.tsv",
        qrels="resources/{dataset}/en/qrels.txt",
        triples="resources/{dataset}/en/triples.tsv",
        pretrain="resources/{dataset}/en/pretrain.txt",
    log:
        "logs/generate_pivot/{dataset}.log",
    benchmark:
        "benchmarks/generate_pivot/{dataset}.tsv"
    params:
        synthetic=config["synthetic"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        env("core")
    script:
        "../../scripts/generate_pivot.py"


rule generate_language:
    input:
        collection="resources/{dataset}/en/collection.tsv",
        queries="resources/{dataset}/en/queries.tsv",
        qrels="resources/{dataset}/en/qrels.txt",
    output:
        collection="resources/{dataset}/{target}/collection.tsv",
        queries="resources/{dataset}/{target}/queries.tsv",
        queries_en="resources/{dataset}/{target}/queries_en.tsv",
        qrels="resources/{dataset}/{target}/qrels.txt",
        bitext="resources/{dataset}/{target}/bitext.tsv",
        pretrain="resources/{dataset}/{target}/pretrain.txt",
    log:
        "logs/generate_language/{dataset}/{target}.log",
    benchmark:
        "benchmarks/generate_language/{dataset}/{target}.tsv"
    params:
        synthetic=config["synthetic"],
        seed=config["seed"],
        language=language_params,
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        env("core")
    script:
        "../../scripts/generate_language.py"
