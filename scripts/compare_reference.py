import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.evaluate import compare_reference

with script_logging(snakemake.log[0]):
    compare_reference(
        table=snakemake.input.table,
        scores=snakemake.input.scores,
        reference=snakemake.params.reference,
        setting=snakemake.params.setting,
        caveats=snakemake.params.caveats,
        title=snakemake.params.title,
        out=dict(snakemake.output.items()),
    )
