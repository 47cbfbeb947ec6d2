import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.evaluate import collect_metrics

with script_logging(snakemake.log[0]):
    collect_metrics(
        inputs=list(snakemake.input),
        csv=snakemake.output[0],
        md=snakemake.output.get("md"),
        title=snakemake.params.get("title", ""),
    )
