import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import training_job
from optical_clir.stages.train import pretrain_encoder

with script_logging(snakemake.log[0]):
    pretrain_encoder(
        tokenizer=snakemake.input.tokenizer,
        corpora=list(snakemake.input.corpora),
        model=snakemake.params.model,
        out=snakemake.output.model,
        job=training_job(snakemake),
    )
