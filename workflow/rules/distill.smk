# OPTICAL: optimal-transport distillation of the teacher, one student per language.


# One student per ranker family and target language: optical-<lang> from the
# cross-encoder teacher, optical_li-<lang> from the late-interaction one (the
# tower that reads the target language; distill.late_interaction sets its keys).
rule distill_ot:
    input:
        teacher=lambda w: f"{MODELS}/seed{w.seed}/{TEACHERS[FAMILY_OF_MODEL[w.student]]}",
        bitext="resources/{dataset}/{target}/bitext.tsv",
        teacher_states=shared_teacher_states,
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


if config["distill"]["share_teacher_states"]:

    # The frozen teacher's states of the English side of every language's
    # bitext, each distinct sentence once, read by all of that teacher's
    # students (distill.share_teacher_states); deleted when they are done.
    rule encode_teacher_bitext:
        input:
            teacher=f"{MODELS}/seed{{seed}}/{{teacher}}",
            bitexts=expand(f"resources/{DATASET}/{{target}}/bitext.tsv", target=LANGS),
        output:
            states=temp(f"{MODELS}/seed{{seed}}/{{teacher}}.bitext_states.safetensors"),
        wildcard_constraints:
            teacher="|".join(TEACHERS.values()),
        log:
            f"logs/encode_teacher_bitext/{DATASET}/seed{{seed}}/{{teacher}}.log",
        benchmark:
            f"benchmarks/encode_teacher_bitext/{DATASET}/seed{{seed}}/{{teacher}}.tsv"
        params:
            distill=lambda w: specs.distill_section(
                config["distill"], FAMILY_OF_MODEL[w.teacher]
            ),
            bitext_pairs=[LANG_CONFIG[t]["bitext_pairs"] for t in LANGS],
            seed=lambda w: int(w.seed),
            device=config["device"],
            precision=config["precision"],
        priority: 1
        threads: 2
        resources:
            **job_resources("encode_teacher_bitext", model=["teacher"], data=["bitexts"]),
            cpus_per_gpu=4,
        conda:
            env("neural")
        script:
            "../../scripts/encode_teacher_bitext.py"
