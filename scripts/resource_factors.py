import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.evaluate import resource_factors

with script_logging(snakemake.log[0]):
    resource_factors(
        table=snakemake.input.table,
        languages=snakemake.params.languages,
        title=snakemake.params.title,
        out=dict(snakemake.output.items()),
    )
