import _libpath  # noqa: F401  (puts src/ on sys.path)

from optical_clir.data_stages import prepare_ciral_language
from optical_clir.logs import script_logging

with script_logging(snakemake.log[0]):
    prepare_ciral_language(
        code=snakemake.wildcards.target,
        raw=dict(snakemake.input.items()),
        out=dict(snakemake.output.items()),
    )
