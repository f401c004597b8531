import torch

from crlso_core.models import ICNN
from crlso_core.store.models import load_state, save_state


def _trained_icnn(latent=8, steps=300) -> ICNN:
    """An ICNN fitted to a non-convex target, so training pushes hard on the constraint."""
    torch.manual_seed(0)
    f = ICNN(latent, hidden=32, convex_layers=4)
    z = torch.randn(512, latent)
    target = torch.sin(3 * z[:, 0]) + z[:, 1].abs() - 0.5 * z[:, 2] ** 2
    opt = torch.optim.Adam(f.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(f(z), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        f.clamp_()
    return f


def test_trained_icnn_is_convex_along_random_segments():
    f = _trained_icnn()
    torch.manual_seed(1)
    a, b = torch.randn(2000, 8) * 2, torch.randn(2000, 8) * 2
    lam = torch.rand(2000, 1)
    with torch.no_grad():
        lhs = f(lam * a + (1 - lam) * b)
        rhs = lam.squeeze(1) * f(a) + (1 - lam.squeeze(1)) * f(b)
    assert bool((lhs <= rhs + 1e-5 * (1 + rhs.abs())).all())


def test_unclamped_weights_break_the_guarantee_and_clamping_restores_it():
    f = _trained_icnn(steps=50)
    with torch.no_grad():
        f.hidden_path[0].weight[0, 0] = -1.0
    assert not f.is_convex_by_construction()
    f.clamp_()
    assert f.is_convex_by_construction()


def test_saved_icnn_keeps_non_negative_weights(tmp_path):
    f = _trained_icnn(steps=50)
    save_state(tmp_path / "icnn.pt", f)
    g = load_state(tmp_path / "icnn.pt", ICNN(8, hidden=32, convex_layers=4))
    assert g.is_convex_by_construction()
    z = torch.randn(10, 8)
    assert torch.equal(f(z), g(z))
