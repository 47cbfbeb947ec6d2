import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.neural.stages import teacher

with script_logging(snakemake.log[0]):
    teacher(
        snakemake.input.encoder,
        snakemake.input.triples,
        snakemake.params.teacher,
        snakemake.params.seed,
        snakemake.params.device,
        snakemake.params.precision,
        snakemake.threads,
        snakemake.output.model,
        snakemake.params.checkpoints,
        snakemake.output.stats,
        family=snakemake.params.family,
    )
