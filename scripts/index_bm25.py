import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.retrieve import index_bm25

with script_logging(snakemake.log[0]):
    index_bm25(
        collection=snakemake.input.collection,
        index=snakemake.output.index,
        analyzer=snakemake.params.analyzer,
        threads=snakemake.threads,
    )
