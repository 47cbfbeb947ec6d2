import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.distill import distill_ot

with script_logging(snakemake.log[0]):
    distill_ot(
        teacher=snakemake.input.teacher,
        bitext=snakemake.input.bitext,
        distill=snakemake.params.distill,
        bitext_pairs=snakemake.params.bitext_pairs,
        seed=snakemake.params.seed,
        device=snakemake.params.device,
        precision=snakemake.params.precision,
        threads=snakemake.threads,
        out=snakemake.output.model,
        checkpoints=snakemake.params.checkpoints,
        stats=snakemake.output.stats,
    )
