import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.neural.stages import optical

with script_logging(snakemake.log[0]):
    optical(
        snakemake.input.teacher,
        snakemake.input.bitext,
        snakemake.params.distill,
        snakemake.params.seed,
        snakemake.params.device,
        snakemake.params.precision,
        snakemake.threads,
        snakemake.output.model,
        snakemake.params.checkpoints,
        snakemake.output.stats,
        bitext_pairs=snakemake.params.bitext_pairs,
    )
