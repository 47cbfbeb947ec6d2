import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.data import generate_pivot

with script_logging(snakemake.log[0]):
    generate_pivot(
        synthetic=snakemake.params.synthetic,
        seed=snakemake.params.seed,
        out=dict(snakemake.output.items()),
    )
