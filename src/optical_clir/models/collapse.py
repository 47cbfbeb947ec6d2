"""A guard against representation collapse during OPTICAL distillation.

The OT loss asks the student's foreign states to be close to the teacher's
English states. It can be lowered without translating anything: a student that
maps every foreign sentence to "typical English" lowers the cost of the wrong
English sentence as much as that of the right one. On held-out bitext the guard
measures the gap between the two,

    gap = mean OT cost(foreign_{i+1}, english_i) - mean OT cost(foreign_i, english_i),

before training and every ``check_every`` steps, and logs it. A student that
learns to translate keeps (or widens) the gap; a collapsing one shrinks it.
When the gap falls below ``min_ratio`` of its initial value the guard warns,
or, with ``action: stop``, restores the last student whose gap was above the
threshold and ends training.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch

logger = logging.getLogger(__name__)


class CollapseGuard:
    """Training callback (see :func:`optical_clir.models.trainer.train`).

    Parameters
    ----------
    loss:
        The :class:`~optical_clir.distill.OpticalLoss` being minimised; its
        ``pair_costs`` gives one cost per pair and its ``student`` is watched.
    heldout:
        (english, foreign) pairs never trained on (at least 2).
    check_every, min_ratio, action, last_step:
        When to check, the threshold on gap / initial gap, ``warn`` or ``stop``,
        and the final step (always checked).
    """

    def __init__(
        self,
        loss,
        heldout: Sequence[tuple[str, str]],
        check_every: int,
        min_ratio: float,
        action: str,
        last_step: int,
        batch_size: int = 32,
    ):
        if len(heldout) < 2:
            raise ValueError("the collapse guard needs at least 2 held-out pairs")
        if action not in ("warn", "stop"):
            raise ValueError(
                f"distill.collapse.action must be warn or stop, not {action!r}"
            )
        self.loss = loss
        self.english = [e for e, _ in heldout]
        self.foreign = [f for _, f in heldout]
        self.shifted = self.foreign[1:] + self.foreign[:1]
        self.check_every = check_every
        self.min_ratio = min_ratio
        self.action = action
        self.last_step = last_step
        self.batch_size = batch_size
        self.history: list[dict[str, float]] = []
        self.warned = False
        self.snapshot: dict[str, torch.Tensor] | None = None
        self.kept_step = 0
        self.restored_to: int | None = None
        self.initial = self._measure(0)
        self._keep()

    def _costs(self, foreign: list[str]) -> float:
        total = 0.0
        for start in range(0, len(foreign), self.batch_size):
            stop = start + self.batch_size
            costs = self.loss.pair_costs(self.english[start:stop], foreign[start:stop])
            total += float(costs.sum())
        return total / len(foreign)

    def _measure(self, step: int) -> float:
        student = self.loss.student
        was_training = student.training
        student.eval()
        with torch.no_grad():
            matching = self._costs(self.foreign)
            mismatched = self._costs(self.shifted)
        student.train(was_training)
        gap = mismatched - matching
        self.history.append(
            {"step": step, "matching": matching, "mismatched": mismatched, "gap": gap}
        )
        logger.info(
            "collapse guard, step %d: held-out OT cost matching %.4f, mismatched "
            "%.4f, gap %.4f",
            step,
            matching,
            mismatched,
            gap,
        )
        return gap

    def _keep(self) -> None:
        student = self.loss.student
        self.snapshot = {
            name: p.detach().clone()
            for name, p in student.named_parameters()
            if p.requires_grad
        }

    def _restore(self) -> None:
        params = dict(self.loss.student.named_parameters())
        with torch.no_grad():
            for name, value in (self.snapshot or {}).items():
                params[name].copy_(value)

    def ratio(self, gap: float) -> float:
        """``gap`` relative to the initial gap (NaN when that was not positive)."""
        return gap / self.initial if self.initial > 0 else float("nan")

    def __call__(self, done: int) -> bool:
        """Check after ``done`` steps when due; True means stop training."""
        if done % self.check_every and done != self.last_step:
            return False
        gap = self._measure(done)
        ratio = self.ratio(gap)
        if not ratio < self.min_ratio:  # also when NaN: nothing to compare with
            self._keep()
            self.kept_step = done
            return False
        if not self.warned:
            logger.warning(
                "collapse guard: the held-out gap between mismatched and matching "
                "pairs fell to %.0f%% of its initial value (%.4f -> %.4f) at step %d: "
                "the student is making foreign text look like English in general, "
                "not translating it%s",
                100 * ratio,
                self.initial,
                gap,
                done,
                "; restoring the last student above the threshold and stopping"
                if self.action == "stop"
                else "",
            )
            self.warned = True
        if self.action == "stop":
            self._restore()
            self.restored_to = self.kept_step
            return True
        return False

    def summary(self) -> dict:
        """Statistics for the stage's stats file."""
        final = self.history[-1]["gap"]
        return {
            "heldout_pairs": len(self.english),
            "heldout_gap_initial": self.initial,
            "heldout_gap_final": final,
            "heldout_gap_ratio": self.ratio(final),
            "collapse_warned": self.warned,
            "restored_to_step": self.restored_to,
            "collapse_history": self.history,
        }
