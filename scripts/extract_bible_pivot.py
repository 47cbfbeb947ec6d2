import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.data_stages import extract_bible_pivot
from optical_clir.logs import script_logging

with script_logging(snakemake.log[0]):
    extract_bible_pivot(
        params=snakemake.params.bible,
        seed=snakemake.params.seed,
        out=dict(snakemake.output.items()),
    )
