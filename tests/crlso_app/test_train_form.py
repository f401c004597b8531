"""The Train form's values checked on the server (train_form.py): a client can send any
number or choice, whatever the widgets allow."""

import pytest

from crlso_app.train_form import KNOBS, SIDE_CHOICES, check_form
from crlso_core.common.errors import CRLSOError

GOOD = dict(space="nb201", preset="smoke", dataset="cifar10", sides=next(iter(SIDE_CHOICES.values())), labelled=30,
            latent=16, epochs=1, teacher_epochs=1, beta=0.005, seed=0, device="cpu", name="", projections=False)


def test_what_the_widgets_can_send_passes():
    check_form(GOOD)
    for key, (_, low, high) in KNOBS.items():
        check_form({**GOOD, key: low})
        check_form({**GOOD, key: high})


@pytest.mark.parametrize("key, value, said", [
    ("epochs", 100_000, "G-VAE epochs must be a number from 1 to 1000; the form sent 100000."),
    ("teacher_epochs", 1001, "Teacher epochs must be a number from 1 to 1000"),
    ("labelled", 10**6, "Labelled cells must be a number from 2 to 5000"),
    ("latent", 0, "Latent size must be a number from 2 to 128"),
    ("beta", float("nan"), "β (KL weight) must be a number from 0 to 10; the form sent nan."),
    ("beta", float("inf"), "β (KL weight) must be a number from 0 to 10"),
    ("seed", -1, "Seed must be a number from 0 to 1e+06"),
    ("epochs", 2.5, "G-VAE epochs must be a number from 1 to 1000; the form sent 2.5."),
    ("epochs", True, "G-VAE epochs must be a number"),
    ("epochs", "10", "G-VAE epochs must be a number"),
])
def test_a_number_beyond_the_widgets_limits_is_refused(key, value, said):
    with pytest.raises(CRLSOError) as caught:
        check_form({**GOOD, key: value})
    assert said in str(caught.value)


@pytest.mark.parametrize("key, value", [
    ("space", "nb999"), ("preset", "huge"), ("dataset", "imagenet-1k"), ("device", "tpu"), ("sides", ("ls", "ls", "crls")),
])
def test_a_choice_the_form_does_not_offer_is_refused(key, value):
    with pytest.raises(CRLSOError, match="not one of its choices"):
        check_form({**GOOD, key: value})
