import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.data import fetch_hub_file

with script_logging(snakemake.log[0]):
    fetch_hub_file(
        repo=snakemake.params.repo,
        path=snakemake.wildcards.path,
        revision=snakemake.params.revision,
        root=snakemake.params.root,
        manifest=snakemake.output.manifest,
    )
