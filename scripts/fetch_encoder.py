import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.data_stages import encoder
from optical_clir.logs import script_logging

with script_logging(snakemake.log[0]):  # noqa: F821
    encoder(
        snakemake.params.name,  # noqa: F821
        snakemake.params.revision,  # noqa: F821
        snakemake.params.cache,  # noqa: F821
        snakemake.output.model,  # noqa: F821
        snakemake.output.manifest,  # noqa: F821
    )
