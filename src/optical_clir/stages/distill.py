"""The stage of ``distill.smk``: OPTICAL distillation of a teacher into a
student for one target language."""

from __future__ import annotations

from collections.abc import Mapping

from optical_clir.models.runtime import TrainingJob
from optical_clir.specs import DistillSpec


def distill_ot(
    *,
    teacher: str,
    bitext: str,
    distill: Mapping,
    bitext_pairs: int | None,
    out: str,
    new_pieces: int = 0,
    job: TrainingJob,
) -> None:
    """Distil ``teacher`` on at most ``bitext_pairs`` pairs of the language's
    bitext (all of them when None) into the student saved at ``out``, with up
    to ``new_pieces`` words of the bitext added to its vocabulary."""
    from optical_clir.distill import distill as run

    job.run(
        run,
        teacher,
        bitext,
        DistillSpec.from_config(distill),
        out,
        bitext_pairs=bitext_pairs,
        new_pieces=new_pieces,
    )
