import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import analyze

with script_logging(snakemake.log[0]):
    analyze(
        snakemake.input.table,
        list(snakemake.input.per_query),
        snakemake.params.analysis,
        snakemake.params.seed,
        snakemake.params.title,
        snakemake.params.simulation,
        snakemake.output,
    )
