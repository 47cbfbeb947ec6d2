import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.data_stages import fetch
from optical_clir.logs import script_logging

with script_logging(snakemake.log[0]):  # noqa: F821
    fetch(
        snakemake.params.repo,  # noqa: F821
        snakemake.wildcards.path,  # noqa: F821
        snakemake.params.revision,  # noqa: F821
        snakemake.params.root,  # noqa: F821
        snakemake.output.manifest,  # noqa: F821
    )
