# mMARCO v2 from the Hugging Face hub: fetch each upstream file once (resumable,
# checksummed), then write the per-language layout and the bitext.


rule fetch_hub_file:
    output:
        file=f"{HUB}/{{path}}",
        manifest=f"{HUB}/{{path}}.manifest.json",
    log:
        f"logs/fetch_hub_file/{HUB_REPO}/{{path}}.log",
    params:
        repo=HUB_REPO,
        revision=config["mmarco"]["revision"],
        root=HUB,
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    conda:
        env("core")
    script:
        "../../scripts/fetch_hub_file.py"


rule prepare_pivot:
    input:
        **hub_files(mmarco.pivot_files()),
    output:
        collection="resources/{dataset}/en/collection.tsv",
        queries="resources/{dataset}/en/queries.tsv",
        queries_en="resources/{dataset}/en/queries_en.tsv",
        qrels="resources/{dataset}/en/qrels.txt",
        triples="resources/{dataset}/en/triples.tsv",
    log:
        "logs/prepare_pivot/{dataset}.log",
    benchmark:
        "benchmarks/prepare_pivot/{dataset}.tsv"
    params:
        mmarco=config["mmarco"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=16000,
        runtime=120,
    conda:
        env("core")
    script:
        "../../scripts/prepare_pivot.py"


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
