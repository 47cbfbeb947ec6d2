import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.data import generate_language

with script_logging(snakemake.log[0]):
    generate_language(
        synthetic=snakemake.params.synthetic,
        seed=snakemake.params.seed,
        language=snakemake.params.language,
        pivot=dict(snakemake.input.items()),
        out=dict(snakemake.output.items()),
    )
