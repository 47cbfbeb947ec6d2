import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.retrieve import retrieve_bm25

with script_logging(snakemake.log[0]):
    retrieve_bm25(
        index=snakemake.input.index,
        queries=snakemake.input.queries,
        run=snakemake.output.run,
        analyzer=snakemake.params.analyzer,
        k1=snakemake.params.k1,
        b=snakemake.params.b,
        depth=snakemake.params.depth,
        threads=snakemake.threads,
        tag=snakemake.params.tag,
        exclude_self=snakemake.params.exclude_self,
    )
