import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.data import prepare_bitext

with script_logging(snakemake.log[0]):
    prepare_bitext(
        language=snakemake.params.language,
        inputs=dict(snakemake.input.items()),
        seed=snakemake.params.seed,
        out=snakemake.output.bitext,
    )
