"""The stage layer: one module per ``workflow/rules/*.smk`` file (``data``,
``train``, ``distill``, ``retrieve``, ``rerank``, ``evaluate``), one function
per rule, named after the rule and called with keywords by the script of the
same name (``scripts/<rule>.py``). Stage functions read and write files; the
work itself lives in the library beside this package."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch loads only in the jobs that train (the others start faster)
    from optical_clir.models.runtime import TrainingJob


def training_job(job: Any) -> TrainingJob:
    """The :class:`TrainingJob` of a Snakemake training job (the ``snakemake``
    object of a ``script:``): ``params`` seed, device, precision and
    checkpoints, its ``threads``, and its ``output.stats``."""
    from optical_clir.models.runtime import TrainingJob

    return TrainingJob(
        seed=job.params.seed,
        device=job.params.device,
        precision=job.params.precision,
        threads=job.threads,
        checkpoints=job.params.checkpoints,
        stats=job.output.stats,
    )


def optional_input(job: Any, name: str) -> str | None:
    """The one path of the Snakemake job's named input ``name`` (its input
    function may return one path or none), or None."""
    value = job.input.get(name)
    if not value:
        return None
    return value if isinstance(value, str) else str(value[0])
