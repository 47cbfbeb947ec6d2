import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.data import extract_bible_pivot

with script_logging(snakemake.log[0]):
    extract_bible_pivot(
        bible_params=snakemake.params.bible,
        seed=snakemake.params.seed,
        out=dict(snakemake.output.items()),
    )
