# A language with a `bitext:` entry gets its bitext.tsv from that TSV or dataset
# (source local, where you place the rest of resources/<dataset>/<lang>/
# yourself, and source ciral, which ships no bitext).


if EXTERNAL_BITEXT_LANGS:

    rule import_bitext:
        input:
            unpack(bitext_inputs),
        output:
            bitext="resources/{dataset}/{target}/bitext.tsv",
        wildcard_constraints:
            target=EXTERNAL_BITEXT_LANGS,
        log:
            "logs/import_bitext/{dataset}/{target}.log",
        params:
            language=language_params,
            seed=config["seed"],
        threads: 1
        resources:
            mem_mb=4000,
            runtime=60,
        conda:
            env("core")
        script:
            "../../scripts/prepare_bitext.py"
