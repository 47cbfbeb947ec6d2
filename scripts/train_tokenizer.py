import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.train import train_tokenizer

with script_logging(snakemake.log[0]):
    train_tokenizer(
        corpora=list(snakemake.input.corpora),
        model=snakemake.params.model,
        out=snakemake.output[0],
    )
