import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import make_pivot

with script_logging(snakemake.log[0]):  # noqa: F821
    make_pivot(
        snakemake.params.synthetic,
        snakemake.params.seed,
        dict(snakemake.output.items()),
    )  # noqa: F821
