"""The batched Sinkhorn equals POT's log-domain solver on every batch item."""

from __future__ import annotations

import numpy as np
import ot as pot
import pytest
import torch

from optical_clir.ot import (
    SinkhornNotConverged,
    cosine_cost,
    ot_loss,
    sinkhorn,
    sinkhorn_pot,
    uniform_marginals,
)


def _batch(seed, B=6, n=9, m=7, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(B, n, 16, generator=gen, dtype=dtype)
    y = torch.randn(B, m, 16, generator=gen, dtype=dtype)
    cost = cosine_cost(x, y)
    lengths_a = torch.randint(1, n + 1, (B,), generator=gen)
    lengths_b = torch.randint(1, m + 1, (B,), generator=gen)
    mask_a = (torch.arange(n)[None] < lengths_a[:, None]).to(dtype)
    mask_b = (torch.arange(m)[None] < lengths_b[:, None]).to(dtype)
    mask_a[0] = 0  # a fully padded problem
    return (
        cost,
        uniform_marginals(mask_a).to(dtype),
        uniform_marginals(mask_b).to(dtype),
    )


@pytest.mark.parametrize(("seed", "reg"), [(0, 0.1), (1, 0.05), (2, 0.5)])
def test_every_item_equals_pot(seed, reg):
    cost, a, b = _batch(seed)
    plan = sinkhorn(cost, a, b, reg, max_iter=5000, tol=1e-10)
    assert plan.shape == cost.shape
    for i in range(cost.shape[0]):
        ra, rb = a[i] > 0, b[i] > 0
        if not ra.any():
            assert plan[i].abs().sum() == 0
            continue
        # the same unpadded problem for both POT references
        problem = (a[i][ra].numpy(), b[i][rb].numpy(), cost[i][ra][:, rb].numpy(), reg)
        solver = {"method": "sinkhorn_log", "numItermax": 5000, "stopThr": 1e-10}
        ref = pot.sinkhorn(*problem, **solver)
        np.testing.assert_allclose(plan[i][ra][:, rb].numpy(), ref, atol=1e-5)
        assert plan[i][~ra].abs().sum() == 0 and plan[i][:, ~rb].abs().sum() == 0
        loss = ot_loss(cost[i : i + 1], a[i : i + 1], b[i : i + 1], reg, tol=1e-10)
        ref_loss = pot.sinkhorn2(*problem, **solver)
        assert float(loss[0]) == pytest.approx(float(ref_loss), abs=1e-6)


def test_small_eps_never_nan_float32():
    cost, a, b = _batch(3, B=8, n=32, m=32, dtype=torch.float32)
    cost = cost.clamp(0, 2)
    with pytest.warns(SinkhornNotConverged):
        plan = sinkhorn(cost, a, b, reg=0.01, max_iter=20, tol=1e-9)
    assert torch.isfinite(plan).all()
    plan = sinkhorn(cost, a, b, reg=0.01, max_iter=3000, tol=1e-4)
    assert torch.isfinite(plan).all()
    ok = a.sum(1) > 0
    torch.testing.assert_close(plan.sum(2)[ok], a[ok], atol=1e-4, rtol=0)


def test_marginals_and_padding_masses():
    cost, a, b = _batch(4)
    plan = sinkhorn(cost, a, b, 0.1, tol=1e-9, max_iter=5000)
    ok = a.sum(1) > 0
    torch.testing.assert_close(plan.sum(2)[ok], a[ok], atol=1e-8, rtol=0)
    torch.testing.assert_close(plan.sum(1)[ok], b[ok], atol=1e-8, rtol=0)


@pytest.mark.parametrize("mode", ["envelope", "autodiff"])
def test_gradients_are_finite_and_agree_in_direction(mode):
    cost, a, b = _batch(5)
    x = cost.clone().requires_grad_(True)
    ot_loss(x, a, b, 0.1, grad_mode=mode).sum().backward()
    assert torch.isfinite(x.grad).all()
    envelope = sinkhorn(cost, a, b, 0.1)  # d<T*,C>/dC ~ T* at the optimum
    cos = torch.nn.functional.cosine_similarity(x.grad.flatten(), envelope.flatten(), 0)
    assert cos > 0.9


def test_bad_inputs():
    cost, a, b = _batch(6)
    with pytest.raises(ValueError, match="reg must be > 0"):
        sinkhorn(cost, a, b, 0.0)
    with pytest.raises(ValueError, match="expected cost"):
        sinkhorn(cost, b, a, 0.1)
    with pytest.raises(ValueError, match="unknown grad_mode"):
        ot_loss(cost, a, b, 0.1, grad_mode="magic")


@pytest.mark.parametrize(("seed", "reg"), [(7, 0.1), (8, 0.05)])
def test_pot_batched_solver_gives_the_same_plans_and_losses(seed, reg):
    """``solver="pot"`` (ot.batch.solve_batch) behind the same interface: the
    same plans on a padded batch (a fully padded problem gives zeros, not NaN),
    the same loss and gradient in both gradient modes."""
    cost, a, b = _batch(seed)
    ours = sinkhorn(cost, a, b, reg, max_iter=5000, tol=1e-10)
    theirs = sinkhorn_pot(cost, a, b, reg, max_iter=5000, tol=1e-10)
    assert torch.isfinite(theirs).all() and theirs[0].abs().sum() == 0
    torch.testing.assert_close(theirs, ours, atol=1e-7, rtol=0)
    for mode in ("envelope", "autodiff"):
        grads = []
        for solver in ("own", "pot"):
            x = cost.clone().requires_grad_(True)
            loss = ot_loss(x, a, b, reg, grad_mode=mode, tol=1e-10, solver=solver)
            loss.sum().backward()
            grads.append((loss.detach(), x.grad))
        torch.testing.assert_close(grads[0][0], grads[1][0], atol=1e-7, rtol=0)
        torch.testing.assert_close(grads[0][1], grads[1][1], atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="unknown solver"):
        ot_loss(cost, a, b, reg, solver="magic")


@pytest.mark.parametrize("mode", ["envelope", "autodiff"])
def test_a_bf16_training_step_solves_in_float32(mode):
    """Under CPU bf16 autocast (the default run's precision) the cost and the
    Sinkhorn iterations stay float32: the same loss as without autocast, and
    no convergence warning (in bf16 the marginal error stalls near 5e-3)."""
    import warnings

    torch.manual_seed(3)
    x = torch.randn(4, 7, 16)
    y = torch.randn(4, 9, 16)
    a = uniform_marginals(torch.ones(4, 7, dtype=torch.bool))
    b = uniform_marginals(torch.ones(4, 9, dtype=torch.bool))
    plain = ot_loss(
        cosine_cost(x, y), a, b, 0.1, grad_mode=mode, max_iter=200, tol=1e-3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.autocast("cpu", dtype=torch.bfloat16):
            cost = cosine_cost(x, y)
            loss = ot_loss(cost, a, b, 0.1, grad_mode=mode, max_iter=200, tol=1e-3)
    assert cost.dtype == loss.dtype == torch.float32
    assert torch.allclose(loss, plain, atol=1e-6)
