import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.data_stages import pivot
from optical_clir.logs import script_logging

with script_logging(snakemake.log[0]):  # noqa: F821
    pivot(
        dict(snakemake.input.items()),  # noqa: F821
        snakemake.params.mmarco,  # noqa: F821
        snakemake.params.seed,  # noqa: F821
        dict(snakemake.output.items()),  # noqa: F821
    )
