import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.rerank import rerank

with script_logging(snakemake.log[0]):
    rerank(
        candidates=snakemake.input.candidates,
        queries=snakemake.input.queries,
        collection=snakemake.input.collection,
        model=snakemake.input.query_model,
        passage_model=snakemake.input.passage_model,
        rerank=snakemake.params.rerank,
        device=snakemake.params.device,
        precision=snakemake.params.precision,
        threads=snakemake.threads,
        run=snakemake.output.run,
        tag=snakemake.wildcards.neural,
    )
