import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import training_job
from optical_clir.stages.train import train_teacher

with script_logging(snakemake.log[0]):
    train_teacher(
        encoder=snakemake.input.encoder,
        triples=snakemake.input.triples,
        teacher=snakemake.params.teacher,
        family=snakemake.params.family,
        out=snakemake.output.model,
        job=training_job(snakemake),
    )
