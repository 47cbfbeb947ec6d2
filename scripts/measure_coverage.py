import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.evaluate import measure_coverage

with script_logging(snakemake.log[0]):
    measure_coverage(
        tokenizer=snakemake.input.tokenizer,
        collections=dict(
            zip(snakemake.params.langs, snakemake.input.collections, strict=True)
        ),
        out=snakemake.output.csv,
    )
