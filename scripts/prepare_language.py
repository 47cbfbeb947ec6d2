import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.data import prepare_language

with script_logging(snakemake.log[0]):
    prepare_language(
        code=snakemake.wildcards.target,
        inputs=dict(snakemake.input.items()),
        out=dict(snakemake.output.items()),
    )
