import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import retrieve

with script_logging(snakemake.log[0]):  # noqa: F821
    retrieve(
        snakemake.input.index,  # noqa: F821
        snakemake.input.queries,  # noqa: F821
        snakemake.output.run,  # noqa: F821
        snakemake.params.analyzer,  # noqa: F821
        snakemake.params.k1,  # noqa: F821
        snakemake.params.b,  # noqa: F821
        snakemake.params.depth,  # noqa: F821
        snakemake.threads,  # noqa: F821
        tag=snakemake.params.tag,  # noqa: F821
    )
