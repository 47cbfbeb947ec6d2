import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.neural.stages import rerank

with script_logging(snakemake.log[0]):
    rerank(
        snakemake.input.candidates,
        snakemake.input.queries,
        snakemake.input.collection,
        snakemake.input.model,
        snakemake.params.rerank,
        snakemake.params.device,
        snakemake.params.precision,
        snakemake.threads,
        snakemake.output.run,
        snakemake.wildcards.neural,
        snakemake.params.cache,
    )
