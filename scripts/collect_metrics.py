import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages import collect_metrics

with script_logging(snakemake.log[0]):  # noqa: F821
    collect_metrics(
        list(snakemake.input),  # noqa: F821
        snakemake.output[0],  # noqa: F821
        snakemake.output.get("md"),  # noqa: F821
        snakemake.params.get("title", ""),  # noqa: F821
    )
