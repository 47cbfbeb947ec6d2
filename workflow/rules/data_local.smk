# Your own data (source 'local'): you place resources/<dataset>/<lang>/ yourself.
# A language with a `bitext:` entry gets its bitext.tsv from that TSV or dataset.


if LOCAL_BITEXT_LANGS:

    rule import_bitext:
        input:
            unpack(bitext_inputs),
        output:
            bitext="resources/{dataset}/{target}/bitext.tsv",
        wildcard_constraints:
            target=LOCAL_BITEXT_LANGS,
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
