import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.evaluate import evaluate_random_collection

with script_logging(snakemake.log[0]):
    evaluate_random_collection(
        collection=snakemake.input.collection,
        qrels=snakemake.input.qrels,
        queries=snakemake.input.queries,
        labels=snakemake.params.labels,
        metrics_out=snakemake.output.metrics,
        per_query_out=snakemake.output.per_query,
        recall_depth=snakemake.params.recall_depth,
        measures=snakemake.params.measures,
        exclude_self=snakemake.params.exclude_self,
    )
