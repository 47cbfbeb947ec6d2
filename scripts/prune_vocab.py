import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.data_stages import prune_vocab
from optical_clir.logs import script_logging

with script_logging(snakemake.log[0]):
    prune_vocab(
        encoder=snakemake.input.encoder,
        texts=list(snakemake.input.texts),
        out=snakemake.output.model,
        stats=snakemake.output.stats,
    )
