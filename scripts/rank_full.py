import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.rerank import rank_full

with script_logging(snakemake.log[0]):
    rank_full(
        query_vectors=snakemake.input.query_vectors,
        query_section=snakemake.params.query_section,
        passage_vectors=snakemake.input.passage_vectors,
        passage_section=snakemake.params.passage_section,
        rerank=snakemake.params.rerank,
        threads=snakemake.threads,
        exclude_self=snakemake.params.exclude_self,
        run=snakemake.output.run,
        tag=snakemake.wildcards.neural,
    )
