import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.evaluate import analyze_gap

with script_logging(snakemake.log[0]):
    analyze_gap(
        table=snakemake.input.table,
        per_query=list(snakemake.input.per_query),
        analysis=snakemake.params.analysis,
        seed=snakemake.params.seed,
        title=snakemake.params.title,
        simulation=snakemake.params.simulation,
        out=dict(snakemake.output.items()),
        coverage=snakemake.input.coverage,
        language_entries=snakemake.params.languages,
    )
