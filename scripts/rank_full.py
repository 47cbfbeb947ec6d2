import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.rerank import rank_full

with script_logging(snakemake.log[0]):
    rank_full(
        queries=snakemake.input.queries,
        model=snakemake.input.query_model,
        vectors=snakemake.input.vectors,
        rerank=snakemake.params.rerank,
        device=snakemake.params.device,
        precision=snakemake.params.precision,
        threads=snakemake.threads,
        exclude_self=snakemake.params.exclude_self,
        run=snakemake.output.run,
        tag=snakemake.wildcards.neural,
    )
