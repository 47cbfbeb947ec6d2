# Neural ranking per setting: zeroshot, optical, and the teacher on English
# (teacher_en) or on translations (teacher_dt). A cross-encoder reorders the first
# stage's candidates (rerank.first_stage); a late-interaction ranker does too, or
# ranks the whole collection (rerank.full_ranking). A late-interaction method's
# two towers may be different models: OPTICAL's student reads the target language,
# the teacher reads English (optical_clir.methods.towers).


rule rerank:
    input:
        candidates=rerank_candidates,
        queries=rerank_queries,
        collection=rerank_collection,
        query_model=query_model,
        passage_model=passage_model,
    output:
        run="results/{dataset}/{setting}/{lang}/{neural}.seed{seed}.trec",
    wildcard_constraints:
        neural="|".join(RERANKED) or NOTHING,
    log:
        "logs/rerank/{dataset}/{setting}/{lang}/{neural}.seed{seed}.log",
    benchmark:
        "benchmarks/rerank/{dataset}/{setting}/{lang}/{neural}.seed{seed}.tsv"
    params:
        rerank=config["rerank"],
        device=config["device"],
        precision=config["precision"],
    threads: 1
    resources:
        **job_resources(
            "rerank",
            model=["query_model", "passage_model"],
            data=["candidates", "queries", "collection"],
        ),
        cpus_per_gpu=4,
    conda:
        env("neural")
    script:
        "../../scripts/rerank.py"


if FULL_RANKING:

    # Token vectors of one language's texts read by one late-interaction tower:
    # each passage and query encoded once per model, in one job per tower and
    # language (its collection and every query file that tower reads there).
    rule encode_tokens:
        input:
            model=f"{MODELS}/seed{{seed}}/{{tower}}",
            texts=tower_texts,
        output:
            vectors=temp("results/{dataset}/tokens/seed{seed}/{tower}/{lang}.safetensors"),
        wildcard_constraints:
            tower="|".join(re.escape(t) for t in LI_TOWERS),
        log:
            "logs/encode_tokens/{dataset}/seed{seed}/{tower}/{lang}.log",
        benchmark:
            "benchmarks/encode_tokens/{dataset}/seed{seed}/{tower}/{lang}.tsv"
        params:
            rerank=config["rerank"],
            device=config["device"],
            precision=config["precision"],
        threads: 2
        resources:
            **job_resources("encode_tokens", model=["model"], data=["texts"]),
            cpus_per_gpu=4,
        conda:
            env("neural")
        script:
            "../../scripts/encode_tokens.py"

    # Every passage of the collection scored by MaxSim against every query; the
    # top rerank.depth kept. Vectors only: no model is loaded.
    rule rank_full:
        input:
            query_vectors=query_vectors,
            passage_vectors=passage_vectors,
        output:
            run="results/{dataset}/{setting}/{lang}/{neural}.seed{seed}.trec",
        wildcard_constraints:
            neural="|".join(FULL_RANKING),
        log:
            "logs/rank_full/{dataset}/{setting}/{lang}/{neural}.seed{seed}.log",
        benchmark:
            "benchmarks/rank_full/{dataset}/{setting}/{lang}/{neural}.seed{seed}.tsv"
        params:
            rerank=config["rerank"],
            query_section=query_section,
            passage_section=passage_section,
            exclude_self=EXCLUDE_SELF,
        threads: 1
        resources:
            **job_resources("rank_full", data=["query_vectors", "passage_vectors"]),
        conda:
            env("neural")
        script:
            "../../scripts/rank_full.py"


if PIVOT_CANDIDATE_SETTINGS and PIVOT_RUNS:

    # With the pivot's candidates (x2en; en2x with bm25.xling_query: pivot), a
    # target's teacher_en reads exactly what the pivot's does: the English query,
    # the English originals of the same passages, the same model. Its run is a copy.
    rule copy_pivot_run:
        localrule: True
        input:
            run=f"results/{{dataset}}/{{setting}}/{PIVOT}/{{pivot_run}}.seed{{seed}}.trec",
        output:
            run="results/{dataset}/{setting}/{target}/{pivot_run}.seed{seed}.trec",
        wildcard_constraints:
            pivot_run="|".join(PIVOT_RUNS),
            setting="|".join(PIVOT_CANDIDATE_SETTINGS),
        log:
            "logs/copy_pivot_run/{dataset}/{setting}/{target}/{pivot_run}.seed{seed}.log",
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            env("core")
        shell:
            "cp {input.run} {output.run} 2> {log}"

    ruleorder: copy_pivot_run > rerank

    if FULL_RANKING:

        ruleorder: copy_pivot_run > rank_full


if UNION_RUNS:

    # A reranker that reads the pivot's queries and passages in every language
    # (teacher_en) scores the union of all languages' candidates once: a passage
    # that several languages' BM25 runs retrieve for a query is scored once.
    rule rerank_union:
        input:
            candidates=union_candidates,
            queries=rerank_queries,
            collection=rerank_collection,
            query_model=query_model,
            passage_model=passage_model,
        output:
            run="results/{dataset}/{setting}/union/{neural}.seed{seed}.trec",
        wildcard_constraints:
            neural="|".join(UNION_RUNS),
            setting="|".join(OWN_CANDIDATE_SETTINGS),
        log:
            "logs/rerank_union/{dataset}/{setting}/{neural}.seed{seed}.log",
        benchmark:
            "benchmarks/rerank_union/{dataset}/{setting}/{neural}.seed{seed}.tsv"
        params:
            rerank=config["rerank"],
            device=config["device"],
            precision=config["precision"],
        threads: 1
        resources:
            **job_resources(
                "rerank",
                model=["query_model", "passage_model"],
                data=["candidates", "queries", "collection"],
            ),
            cpus_per_gpu=4,
        conda:
            env("neural")
        # the script of rule rerank: its stage takes one or several candidate runs
        script:
            "../../scripts/rerank.py"

    # Each language's run: its own top rerank.depth, with the union's scores (the
    # file rule rerank would write); a light job, without torch.
    rule cut_pivot_run:
        localrule: True
        input:
            scores="results/{dataset}/{setting}/union/{neural}.seed{seed}.trec",
            candidates=rerank_candidates,
        output:
            run="results/{dataset}/{setting}/{lang}/{neural}.seed{seed}.trec",
        wildcard_constraints:
            neural="|".join(UNION_RUNS),
            setting="|".join(OWN_CANDIDATE_SETTINGS),
        log:
            "logs/cut_pivot_run/{dataset}/{setting}/{lang}/{neural}.seed{seed}.log",
        params:
            rerank=config["rerank"],
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            env("core")
        script:
            "../../scripts/cut_pivot_run.py"

    ruleorder: cut_pivot_run > rerank
