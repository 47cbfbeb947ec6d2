import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.neural.stages import tokenizer

with script_logging(snakemake.log[0]):
    tokenizer(
        list(snakemake.input.corpora), snakemake.params.model, snakemake.output[0]
    )
