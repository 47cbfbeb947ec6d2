import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import make_language

with script_logging(snakemake.log[0]):  # noqa: F821
    make_language(
        snakemake.params.synthetic,  # noqa: F821
        snakemake.params.seed,  # noqa: F821
        snakemake.params.language,  # noqa: F821
        dict(snakemake.input.items()),  # noqa: F821
        dict(snakemake.output.items()),  # noqa: F821
    )
