# OPTICAL: optimal-transport distillation of the teacher, one student per language.


rule distill_ot:
    input:
        teacher=f"{MODELS}/teacher",
        bitext="resources/{dataset}/{target}/bitext.tsv",
    output:
        model=directory("results/{dataset}/models/optical-{target}"),
        stats="results/{dataset}/models/optical-{target}.stats.json",
    log:
        "logs/distill_ot/{dataset}/{target}.log",
    benchmark:
        "benchmarks/distill_ot/{dataset}/{target}.tsv"
    params:
        distill=config["distill"],
        seed=config["seed"],
        bitext_pairs=lambda w: LANG_CONFIG[w.target]["bitext_pairs"],
        device=config["device"],
        precision=config["precision"],
        checkpoints=lambda w: checkpoint_dir(
            f"optical-{w.target}", config["model"], config["teacher"], config["distill"]
        ),
    threads: 1
    resources:
        mem_mb=6000,
        runtime=480,
        gpu=1,
    conda:
        env("neural")
    script:
        "../../scripts/distill_ot.py"
