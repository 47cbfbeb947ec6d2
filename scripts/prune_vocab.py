import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.train import prune_vocab

with script_logging(snakemake.log[0]):
    prune_vocab(
        encoder=snakemake.input.encoder,
        texts=list(snakemake.input.texts),
        out=snakemake.output.model,
        stats=snakemake.output.stats,
    )
