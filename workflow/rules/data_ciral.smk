# CIRAL v1.0 (source 'ciral'): English queries over Hausa, Somali, Swahili and
# Yoruba news passages, from the Hugging Face dataset repos CIRAL/ciral-corpus and
# CIRAL/ciral (files fetched through data_hub.smk). The English teacher trains on
# mMARCO's English triples (prepare_pivot); the bitext is external (bitext: per
# language, data_external_bitext.smk).


rule prepare_ciral_language:
    input:
        unpack(ciral_raw_files),
    output:
        collection="resources/{dataset}/{target}/collection.tsv",
        collection_en="resources/{dataset}/{target}/collection_en.tsv",
        queries="resources/{dataset}/{target}/queries.tsv",
        queries_en="resources/{dataset}/{target}/queries_en.tsv",
        qrels="resources/{dataset}/{target}/qrels.txt",
    log:
        "logs/prepare_ciral_language/{dataset}/{target}.log",
    benchmark:
        "benchmarks/prepare_ciral_language/{dataset}/{target}.tsv"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    conda:
        env("core")
    script:
        "../../scripts/prepare_ciral_language.py"
