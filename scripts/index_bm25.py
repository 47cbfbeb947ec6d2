import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.bm25 import build_index
from optical_clir.logs import script_logging

with script_logging(snakemake.log[0]):  # noqa: F821
    build_index(
        snakemake.input.collection,  # noqa: F821
        snakemake.output.index,  # noqa: F821
        snakemake.params.analyzer,  # noqa: F821
        snakemake.threads,  # noqa: F821
    )
