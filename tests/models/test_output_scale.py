import pytest
import torch

from crlso_core.models import ICNN, LatentMLP
from crlso_core.models.output_scale import rescale_output_


@pytest.mark.parametrize("kind", [ICNN, LatentMLP])
def test_rescaling_the_output_in_the_weights_is_exactly_affine_and_keeps_an_icnn_convex(kind):
    torch.manual_seed(0)
    model = ICNN(5, hidden=8, convex_layers=3, biases=True) if kind is ICNN else LatentMLP(5, hidden=8, layers=3)
    z = torch.randn(64, 5)
    with torch.no_grad():
        before = model(z)
        rescale_output_(model.output_layers(), 2.5, -0.3)
        assert torch.allclose(model(z), 2.5 * before - 0.3, atol=1e-5)
        rescale_output_(model.output_layers(), 1 / 2.5, 0.3 / 2.5)
        assert torch.allclose(model(z), before, atol=1e-5)
    if kind is ICNN:
        assert model.is_convex_by_construction()


def test_a_scale_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="positive"):
        rescale_output_(ICNN(3, 4, 2, biases=True).output_layers(), 0.0, 1.0)


def test_the_authors_bias_free_icnn_cannot_take_a_shift_in_its_weights():
    with pytest.raises(ValueError, match="bias"):
        rescale_output_(ICNN(3, 4, 2).output_layers(), 2.0, 0.1)
