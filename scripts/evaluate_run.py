import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import evaluate

with script_logging(snakemake.log[0]):  # noqa: F821
    evaluate(
        snakemake.input.run,  # noqa: F821
        snakemake.input.qrels,  # noqa: F821
        snakemake.input.queries,  # noqa: F821
        snakemake.params.labels,  # noqa: F821
        snakemake.output.metrics,  # noqa: F821
        snakemake.output.per_query,  # noqa: F821
        recall_depth=snakemake.params.recall_depth,  # noqa: F821
        measures=snakemake.params.measures,  # noqa: F821
    )
