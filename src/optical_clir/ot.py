"""Batched entropic optimal transport (log-domain Sinkhorn) in PyTorch.

The solver works on ``B`` problems at once, on CPU or CUDA, with padding
expressed as zero marginal mass. POT (``ot.sinkhorn(..., method="sinkhorn_log")``)
is the reference it is tested against. POT's own batched solver
(``ot.batch.solve_batch``) sits behind the same interface (``solver="pot"``);
the project's solver stays the default because it is measured faster on the
distillation's problem sizes (docs/benchmarks.md, "Batched Sinkhorn").

Examples
--------
>>> import torch
>>> cost = torch.tensor([[[0.0, 1.0], [1.0, 0.0]]])
>>> a = b = torch.full((1, 2), 0.5)
>>> plan = sinkhorn(cost, a, b, reg=0.05)
>>> torch.allclose(plan.sum(-1), a, atol=1e-5)
True
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from typing import Literal

import torch

logger = logging.getLogger(__name__)

GradMode = Literal["envelope", "autodiff"]
GRAD_MODES: tuple[str, ...] = ("envelope", "autodiff")
Solver = Literal["own", "pot"]
SOLVERS: tuple[str, ...] = ("own", "pot")

#: Log-kernel value of a masked (padding) entry: exp() of it is exactly 0, and
#: unlike -inf it never produces inf - inf = NaN.
_MASKED = -1e9
#: Absorb the scalings into the potentials once a |log scaling| exceeds this.
_ABSORB_AT = 30.0


class SinkhornNotConverged(UserWarning):
    """The worst marginal error was still above ``tol`` after ``max_iter``."""


def sinkhorn(
    cost: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    reg: float,
    max_iter: int = 1000,
    tol: float = 1e-6,
    check_every: int = 10,
) -> torch.Tensor:
    """Entropic OT plans of a batch of problems, by log-domain Sinkhorn.

    Solves ``min_T <T, C> - reg * H(T)`` s.t. ``T 1 = a``, ``T^T 1 = b`` for each
    batch item.

    Parameters
    ----------
    cost:
        Cost matrices. Shape: (B, n, m).
    a:
        Source marginals. Shape: (B, n). Padding rows have mass 0; the real
        entries of each problem sum to 1 (a problem may be entirely padding).
    b:
        Target marginals. Shape: (B, m). Same conventions as ``a``.
    reg:
        Entropic regularisation (POT's ``reg``), > 0.
    max_iter:
        Maximum number of Sinkhorn iterations (one row + one column update).
    tol:
        Stop when the worst L1 error of the row marginals over the batch is
        below ``tol`` (column marginals are exact after each column update).
    check_every:
        Iterations between two convergence checks (and log-domain absorptions).

    Returns
    -------
    torch.Tensor
        Transport plans. Shape: (B, n, m); zero on padded rows and columns. Never
        NaN. Differentiable through the iterations when inputs require grad.

    Warns
    -----
    SinkhornNotConverged
        When ``max_iter`` is reached first.
    """
    _check_problem(cost, a, b, reg)
    # A row (column) takes part only if its problem has real mass on the other
    # side too; otherwise its potential stays 0 and its plan entries exactly 0.
    pos_a, pos_b = a > 0, b > 0
    mask_a = pos_a & pos_b.any(1, keepdim=True)
    mask_b = pos_b & pos_a.any(1, keepdim=True)
    padded = not bool(mask_a.all() and mask_b.all())
    target = torch.where(mask_a, a, torch.zeros_like(a))
    u = torch.zeros_like(a)
    v = torch.zeros_like(b)
    ones_a, ones_b = torch.ones_like(a), torch.ones_like(b)
    # plan = diag(alpha) K diag(beta), with K = exp(kernel + u + v) the stabilised
    # kernel; scalings are absorbed into the potentials u, v when they grow. The
    # log kernel itself is only built when needed (absorption, tiny reg): the
    # common case costs one multiply and one exp over (B, n, m).
    kernel = None
    stable = (cost * (-1.0 / reg)).exp_()  # one fresh (B, n, m) buffer, not two
    if padded:
        stable = stable.masked_fill(~(mask_a[:, :, None] & mask_b[:, None, :]), 0.0)
    alpha, beta = ones_a, ones_b
    error = float("inf")
    done = 0
    while True:
        if done or max_iter <= 0:  # no check before any iteration has run
            with torch.no_grad():
                rows = alpha * torch.bmm(stable, beta.unsqueeze(2)).squeeze(2)
                error = float((rows - target).abs().sum(1).max())
            if error < tol or done >= max_iter:
                break
        steps = min(check_every, max_iter - done)
        new = _scalings(stable, beta, target, b, mask_a, mask_b, steps)
        big = new is not None and _too_big(*new)
        if kernel is None and (new is None or big):
            kernel = _log_kernel(cost, reg, mask_a, mask_b)
        if new is None:  # under/overflow (tiny reg): exact log-domain round
            u, v = _absorb(u, v, alpha, beta, mask_a, mask_b)
            u, v = _log_round(kernel, u, v, target, b, mask_a, mask_b, steps)
        elif big:  # move the grown scalings into the potentials
            u, v = _absorb(u, v, *new, mask_a, mask_b)
        else:
            alpha, beta = new
        if new is None or big:
            stable = torch.exp(kernel + u[:, :, None] + v[:, None, :])
            alpha, beta = ones_a, ones_b
        done += steps
    if error >= tol:
        warnings.warn(
            f"Sinkhorn did not converge in {max_iter} iterations: worst marginal "
            f"error {error:.2e} > tol {tol:.0e} (reg={reg}); raise max_iter or reg",
            SinkhornNotConverged,
            stacklevel=2,
        )
    if stable.requires_grad:  # autograd needs exp's output: scale a copy
        plan = alpha[:, :, None] * stable
        return plan.mul_(beta[:, None, :])  # in place on a fresh tensor
    return stable.mul_(alpha[:, :, None]).mul_(beta[:, None, :])  # our own buffer


def _check_problem(
    cost: torch.Tensor, a: torch.Tensor, b: torch.Tensor, reg: float
) -> None:
    """Both solvers' input check: ``reg > 0``, cost (B, n, m), a (B, n), b (B, m)."""
    if reg <= 0:
        raise ValueError(f"reg must be > 0, got {reg}")
    if cost.dim() != 3 or a.shape != cost.shape[:2] or b.shape != cost.shape[::2]:
        raise ValueError(
            f"expected cost (B,n,m), a (B,n), b (B,m); got {tuple(cost.shape)}, "
            f"{tuple(a.shape)}, {tuple(b.shape)}"
        )


def sinkhorn_pot(
    cost: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    reg: float,
    max_iter: int = 1000,
    tol: float = 1e-6,
) -> torch.Tensor:
    """The same plans by POT's batched log-domain solver (``ot.batch.solve_batch``).

    POT runs two log-sum-exp passes per iteration and checks the L2 norm of the
    row-marginal error every 10 iterations. A problem with no mass on one side
    (all padding) gets a zero plan, as in :func:`sinkhorn`; POT would give NaN.

    Parameters
    ----------
    cost:
        Shape: (B, n, m).
    a, b:
        Marginals, zero on padding. Shapes: (B, n) and (B, m).
    reg, max_iter, tol:
        As in :func:`sinkhorn`.

    Returns
    -------
    torch.Tensor
        Shape: (B, n, m); differentiable through the iterations when ``cost``
        requires grad.
    """
    from ot.batch import solve_batch

    _check_problem(cost, a, b, reg)
    live = (a > 0).any(1) & (b > 0).any(1)
    plan = torch.zeros_like(cost)
    if not bool(live.any()):
        return plan
    grad = "autodiff" if cost.requires_grad else "detach"
    result = solve_batch(
        cost[live],
        reg=reg,
        a=a[live],
        b=b[live],
        max_iter=max_iter,
        tol=tol,
        method="log_sinkhorn",
        grad=grad,
    )
    return plan.index_put((live.nonzero().squeeze(1),), result.plan)


def _too_big(alpha: torch.Tensor, beta: torch.Tensor) -> bool:
    """Whether a scaling has grown past ``exp(_ABSORB_AT)`` (or shrunk below)."""
    with torch.no_grad():
        big = torch.maximum(alpha.log().abs().max(), beta.log().abs().max())
    return float(big) > _ABSORB_AT


def _log_kernel(cost, reg, mask_a, mask_b):
    """``-cost / reg`` with padding at ``_MASKED``. Shape: (B, n, m)."""
    valid = mask_a[:, :, None] & mask_b[:, None, :]
    return (cost * (-1.0 / reg)).masked_fill(~valid, _MASKED)


def _scalings(
    stable: torch.Tensor,
    beta: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    mask_a: torch.Tensor,
    mask_b: torch.Tensor,
    steps: int,
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``steps`` scaling iterations (batched mat-vecs) on the stabilised kernel.

    Returns ``(alpha, beta)``, or None when a scaling under- or overflows.
    """
    ones_a, ones_b = torch.ones_like(a), torch.ones_like(b)
    alpha = ones_a
    for _ in range(steps):
        row = torch.bmm(stable, beta.unsqueeze(2)).squeeze(2)
        alpha = torch.where(mask_a, a / torch.where(mask_a, row, ones_a), ones_a)
        col = torch.bmm(alpha.unsqueeze(1), stable).squeeze(1)  # reads K row-major
        beta = torch.where(mask_b, b / torch.where(mask_b, col, ones_b), ones_b)
    with torch.no_grad():
        ok = bool(
            torch.isfinite(alpha).all()
            and torch.isfinite(beta).all()
            and (alpha > 0).all()
            and (beta > 0).all()
        )
    return (alpha, beta) if ok else None


def _absorb(u, v, alpha, beta, mask_a, mask_b):
    """Move the scalings into the log-domain potentials."""
    return (
        torch.where(mask_a, u + alpha.log(), u),
        torch.where(mask_b, v + beta.log(), v),
    )


def _log_round(kernel, u, v, a, b, mask_a, mask_b, steps):
    """``steps`` exact log-sum-exp iterations (safe for any ``reg``)."""
    log_a = torch.where(mask_a, a.clamp_min(torch.finfo(a.dtype).tiny).log(), 0)
    log_b = torch.where(mask_b, b.clamp_min(torch.finfo(b.dtype).tiny).log(), 0)
    for _ in range(steps):
        u = torch.where(mask_a, log_a - torch.logsumexp(kernel + v[:, None, :], 2), 0)
        v = torch.where(mask_b, log_b - torch.logsumexp(kernel + u[:, :, None], 1), 0)
    return u, v


def uniform_marginals(mask: torch.Tensor) -> torch.Tensor:
    """Uniform mass over the real tokens of each row.

    Parameters
    ----------
    mask:
        1 for real tokens, 0 for padding. Shape: (B, n).

    Returns
    -------
    torch.Tensor
        Shape: (B, n); each row sums to 1 over its real tokens (0 if it has none).
    """
    weights = mask if mask.is_floating_point() else mask.float()
    return weights / weights.sum(1, keepdim=True).clamp_min(1.0)


def weighted_marginals(mask: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Mass proportional to ``weights`` (for example IDF) over the real tokens.

    Parameters
    ----------
    mask:
        Shape: (B, n).
    weights:
        Non-negative token weights. Shape: (B, n).

    Returns
    -------
    torch.Tensor
        Shape: (B, n), rows summing to 1 over real tokens.
    """
    w = weights.clamp_min(1e-6) * mask.to(weights.dtype)
    return w / w.sum(1, keepdim=True).clamp_min(1e-12)


def cosine_cost(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``1 - cos`` between every token of ``x`` and every token of ``y``.

    Parameters
    ----------
    x:
        Shape: (B, n, d).
    y:
        Shape: (B, m, d).

    Returns
    -------
    torch.Tensor
        Shape: (B, n, m), values in [0, 2].
    """
    with full_precision(x.device):
        xn = torch.nn.functional.normalize(_wide(x), dim=-1)
        yn = torch.nn.functional.normalize(_wide(y), dim=-1)
        return 1.0 - xn @ yn.transpose(1, 2)


def _wide(t: torch.Tensor) -> torch.Tensor:
    """``t`` in float32 when it is in a 16-bit float type, else as it is."""
    return t.float() if t.dtype in (torch.bfloat16, torch.float16) else t


@contextlib.contextmanager
def full_precision(device: torch.device) -> Iterator[None]:
    """Autocast off on ``device``: the cost and the Sinkhorn iterations stay in
    float32 inside a bf16 training step (in bf16 their marginal errors stall
    near 5e-3, above the solver's tolerance)."""
    with torch.autocast(device_type=device.type, enabled=False):
        yield


def ot_loss(
    cost: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    reg: float,
    grad_mode: GradMode = "envelope",
    max_iter: int = 1000,
    tol: float = 1e-6,
    solver: Solver = "own",
) -> torch.Tensor:
    """Transport cost ``<T, C>`` per problem, with the chosen gradient mode.

    ``envelope`` solves for the plan without gradients and differentiates
    ``<T.detach(), C>`` (the envelope theorem: exact for the unregularised part
    at the optimum, and cheap). ``autodiff`` back-propagates through every
    Sinkhorn iteration.

    Parameters
    ----------
    cost:
        Shape: (B, n, m).
    a, b:
        Shapes: (B, n) and (B, m).
    solver:
        ``own`` (:func:`sinkhorn`) or ``pot`` (:func:`sinkhorn_pot`).

    Returns
    -------
    torch.Tensor
        Shape: (B,).
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver '{solver}': use one of {SOLVERS}")
    if grad_mode not in GRAD_MODES:
        raise ValueError(f"unknown grad_mode '{grad_mode}': use one of {GRAD_MODES}")
    solve = sinkhorn if solver == "own" else sinkhorn_pot
    cost, a, b = _wide(cost), _wide(a), _wide(b)
    with full_precision(cost.device):
        if grad_mode == "envelope":
            with torch.no_grad():
                plan = solve(cost.detach(), a, b, reg, max_iter, tol)
        else:
            plan = solve(cost, a, b, reg, max_iter, tol)
        return (plan * cost).sum((1, 2))
