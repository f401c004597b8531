"""RunSummary.disagreement: what a summary says against its run's config, in words (a
bundle's run is listed by its summary but opened by its config, so they must agree)."""

import pytest

from crlso_core.catalog.config import RunConfig
from crlso_core.store.records import RunSummary


def _agreeing(config: RunConfig) -> RunSummary:
    return RunSummary(space=config.space, dataset=config.dataset, seed=config.seed, labelled=config.labelled,
                      budget=config.budget, latent_regularised=config.gvae.icnn, side="crls")


def test_a_summary_of_its_own_config_agrees():
    config = RunConfig()
    assert _agreeing(config).disagreement(config) is None


@pytest.mark.parametrize("key, value, expected", [
    ("space", "nb301", "summary.json says space 'nb301' where config.json says space 'nb201'"),
    ("dataset", "cifar100", "says dataset 'cifar100' where config.json says dataset 'cifar10'"),
    ("budget", 7, "says budget 7 where config.json says budget 500"),
    ("latent_regularised", False, "says latent_regularised False where config.json says gvae.icnn True"),
    ("side", "ls", "says side 'ls' where config.json says gvae.icnn True (a 'crls' run)"),
])
def test_a_summary_that_says_otherwise_is_named(key, value, expected):
    config = RunConfig()
    summary = _agreeing(config)
    setattr(summary, key, value)
    assert summary.disagreement(config).endswith(expected)
