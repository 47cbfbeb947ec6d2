import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.train import fetch_encoder

with script_logging(snakemake.log[0]):
    fetch_encoder(
        name=snakemake.params.name,
        revision=snakemake.params.revision,
        cache=snakemake.params.cache,
        out=snakemake.output.model,
        manifest=snakemake.output.manifest,
    )
