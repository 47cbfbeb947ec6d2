import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.data import prepare_pivot

with script_logging(snakemake.log[0]):
    prepare_pivot(
        raw=dict(snakemake.input.items()),
        mmarco_params=snakemake.params.mmarco,
        seed=snakemake.params.seed,
        out=dict(snakemake.output.items()),
    )
