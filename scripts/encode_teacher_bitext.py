import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.distill import encode_teacher_bitext

with script_logging(snakemake.log[0]):
    encode_teacher_bitext(
        teacher=snakemake.input.teacher,
        bitexts=list(snakemake.input.bitexts),
        bitext_pairs=snakemake.params.bitext_pairs,
        distill=snakemake.params.distill,
        seed=snakemake.params.seed,
        device=snakemake.params.device,
        precision=snakemake.params.precision,
        threads=snakemake.threads,
        out=snakemake.output.states,
    )
