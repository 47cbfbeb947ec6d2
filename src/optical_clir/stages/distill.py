"""The stage of ``distill.smk``: OPTICAL distillation of a teacher into a
student for one target language."""

from __future__ import annotations

from collections.abc import Mapping

from optical_clir.models.runtime import run_training
from optical_clir.specs import DistillSpec


def distill_ot(
    *,
    teacher: str,
    bitext: str,
    distill: Mapping,
    bitext_pairs: int | None,
    seed: int,
    device: str,
    precision: str,
    threads: int,
    out: str,
    checkpoints: str,
    stats: str | None = None,
) -> None:
    """Distil ``teacher`` on at most ``bitext_pairs`` pairs of the language's
    bitext (all of them when None) into the student saved at ``out``."""
    from optical_clir.distill import distill as run

    spec = DistillSpec.from_config(distill)
    run_training(
        threads,
        device,
        stats,
        lambda dev: run(
            teacher,
            bitext,
            spec,
            out,
            checkpoints,
            seed,
            dev,
            precision,
            bitext_pairs=bitext_pairs,
        ),
    )
