import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.data import extract_bible_language

with script_logging(snakemake.log[0]):
    extract_bible_language(
        lang=snakemake.wildcards.target,
        bible_params=snakemake.params.bible,
        bitext_pairs=snakemake.params.bitext_pairs,
        seed=snakemake.params.seed,
        pivot={"queries": snakemake.input.queries, "qrels": snakemake.input.qrels},
        out=dict(snakemake.output.items()),
    )
