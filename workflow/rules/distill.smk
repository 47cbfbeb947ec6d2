# OPTICAL: optimal-transport distillation of the teacher, one student per language.


# One student per ranker family and target language: optical-<lang> from the
# cross-encoder teacher, optical_li-<lang> from the late-interaction one (the
# tower that reads the target language; distill.late_interaction sets its keys).
rule distill_ot:
    input:
        teacher=lambda w: f"{MODELS}/seed{w.seed}/{TEACHERS[FAMILY_OF_MODEL[w.student]]}",
        bitext="resources/{dataset}/{target}/bitext.tsv",
    output:
        model=directory("results/{dataset}/models/seed{seed}/{student}-{target}"),
        stats="results/{dataset}/models/seed{seed}/{student}-{target}.stats.json",
    log:
        "logs/distill_ot/{dataset}/seed{seed}/{student}-{target}.log",
    benchmark:
        "benchmarks/distill_ot/{dataset}/seed{seed}/{student}-{target}.tsv"
    params:
        distill=lambda w: specs.distill_section(
            config["distill"], FAMILY_OF_MODEL[w.student]
        ),
        seed=lambda w: int(w.seed),
        bitext_pairs=lambda w: LANG_CONFIG[w.target]["bitext_pairs"],
        new_pieces=lambda w: LANG_CONFIG[w.target]["new_pieces"],
        device=config["device"],
        precision=config["precision"],
        checkpoints=lambda w: model_checkpoints(
            f"{w.student}-{w.target}",
            w.seed,
            config["model"],
            config["teacher"],
            config["distill"],
        ),
    # ahead of the ready reranks: each student's own reranks wait on it
    priority: 1
    threads: 1
    resources:
        **job_resources("distill_ot", model=["teacher"], data=["bitext"]),
        cpus_per_gpu=4,
    conda:
        env("neural")
    script:
        "../../scripts/distill_ot.py"
