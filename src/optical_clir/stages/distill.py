"""The stage of ``distill.smk``: OPTICAL distillation of a teacher into a
student for one target language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    teacher_states: str | None = None,
    job: TrainingJob,
) -> None:
    """Distil ``teacher`` on at most ``bitext_pairs`` pairs of the language's
    bitext (all of them when None) into the student saved at ``out``, with up
    to ``new_pieces`` words of the bitext added to its vocabulary;
    ``teacher_states``: the teacher's states of the English side, computed once
    (:func:`encode_teacher_bitext`)."""
    from optical_clir.distill import distill as run

    job.run(
        run,
        teacher,
        bitext,
        DistillSpec.from_config(distill),
        out,
        bitext_pairs=bitext_pairs,
        new_pieces=new_pieces,
        teacher_states=teacher_states,
    )


def encode_teacher_bitext(
    *,
    teacher: str,
    bitexts: Sequence[str],
    bitext_pairs: Sequence[int | None],
    distill: Mapping,
    seed: int,
    device: str,
    precision: str,
    threads: int,
    out: str,
) -> None:
    """The states ``teacher`` gives the English side of every language's
    bitext (each capped at its ``bitext_pairs`` as :func:`distill_ot` does),
    each distinct sentence once, for the students of that teacher."""
    from optical_clir.distill import encode_bitext_states
    from optical_clir.models.runtime import pick_device, set_threads

    set_threads(threads)
    encode_bitext_states(
        teacher,
        bitexts,
        bitext_pairs,
        DistillSpec.from_config(distill),
        out,
        seed,
        pick_device(device),
        precision,
    )
