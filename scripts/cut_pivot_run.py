import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.rerank import cut_pivot_run

with script_logging(snakemake.log[0]):
    cut_pivot_run(
        scores=snakemake.input.scores,
        candidates=snakemake.input.candidates,
        rerank=snakemake.params.rerank,
        run=snakemake.output.run,
        tag=snakemake.wildcards.neural,
    )
