# Dataset files from the Hugging Face hub (fetched once each: resumable,
# size- and checksum-checked, with a manifest), and the English pivot built from
# mMARCO's: its dev queries and collection, and the teacher's training triples.


rule fetch_hub_file:
    output:
        file="resources/hub/{repo}/{path}",
        manifest="resources/hub/{repo}/{path}.manifest.json",
    log:
        "logs/fetch_hub_file/{repo}/{path}.log",
    params:
        repo=lambda w: w.repo,
        revision=lambda w: HUB_REVISIONS[w.repo],
        root=lambda w: f"resources/hub/{w.repo}",
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
