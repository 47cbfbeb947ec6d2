import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.logs import script_logging
from optical_clir.stages.evaluate import write_config

with script_logging(snakemake.log[0]):
    write_config(config=snakemake.config, out=snakemake.output.config)
