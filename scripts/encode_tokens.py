import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.rerank import encode_tokens

with script_logging(snakemake.log[0]):
    encode_tokens(
        model=snakemake.input.model,
        texts=list(snakemake.input.texts),
        rerank=snakemake.params.rerank,
        device=snakemake.params.device,
        precision=snakemake.params.precision,
        threads=snakemake.threads,
        vectors=snakemake.output.vectors,
    )
