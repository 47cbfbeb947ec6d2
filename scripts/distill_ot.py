import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import optional_input, training_job
from optical_clir.stages.distill import distill_ot

with script_logging(snakemake.log[0]):
    distill_ot(
        teacher=snakemake.input.teacher,
        bitext=snakemake.input.bitext,
        distill=snakemake.params.distill,
        bitext_pairs=snakemake.params.bitext_pairs,
        new_pieces=snakemake.params.new_pieces,
        teacher_states=optional_input(snakemake, "teacher_states"),
        out=snakemake.output.model,
        job=training_job(snakemake),
    )
