import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.train import pretrain_encoder

with script_logging(snakemake.log[0]):
    pretrain_encoder(
        tokenizer=snakemake.input.tokenizer,
        corpora=list(snakemake.input.corpora),
        model=snakemake.params.model,
        seed=snakemake.params.seed,
        device=snakemake.params.device,
        precision=snakemake.params.precision,
        threads=snakemake.threads,
        out=snakemake.output.model,
        checkpoints=snakemake.params.checkpoints,
        stats=snakemake.output.stats,
    )
