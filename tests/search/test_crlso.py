import numpy as np
import pytest
import torch

from crlso_core.benchmarks import Oracle
from crlso_core.config import SearchConfig
from crlso_core.models import GVAE, ICNN
from crlso_core.search.crlso import CRLSOSearch
from crlso_core.search.latent import LatentCodes


class NoTestOracle(Oracle):
    """Fails loudly if search code ever looks at test accuracy."""

    def test_accuracy(self, cell):
        raise AssertionError("search code read a test accuracy")


def _search(table, space, rule, budget, labelled=20, seed=0):
    torch.manual_seed(seed)
    gvae = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, latent=6, hidden=16, layers=2).eval()
    icnn = ICNN(6, hidden=16, layers=2)
    oracle = NoTestOracle(table, "cifar10", budget)
    for cell in space.sample(np.random.default_rng(seed), labelled):
        oracle.query(cell, "labelled")
    cfg = SearchConfig(rule=rule, top_k=4, finetune_epochs=2, max_retries=4, candidates_per_start=6)
    codes = LatentCodes(space, gvae, torch.device("cpu"))
    search = CRLSOSearch(space, codes, icnn, oracle, cfg, torch.device("cpu"), torch.Generator().manual_seed(seed))
    return search, oracle, search.run()


@pytest.mark.parametrize("rule", ["step", "ranked"])
def test_search_spends_exactly_the_budget_and_records_every_step(table, space, rule):
    search, oracle, steps = _search(table, space, rule, budget=45)
    assert oracle.used == 45  # spent, never exceeded (the oracle would raise)
    queried = [s for s in steps if s.queried]
    assert len(queried) == 45 - 20
    assert [s.arch for s in queried] == [q.arch for q in oracle.history[20:]]
    for s in steps:
        assert len(s.z) == 6 and space.parse(s.arch) and space.parse(s.start_arch)
        assert (s.valid_acc is not None) == s.queried
        if s.queried:
            assert s.valid_acc == oracle.answers[space.parse(s.arch)]


def test_step_rule_descends_the_predicted_error(table, space):
    """The reference code climbed the error; ours must step downhill."""
    search, oracle, _ = _search(table, space, "step", budget=21)
    z = search.codes([next(iter(oracle.answers))])
    g = search._gradient(z)
    with torch.no_grad():
        assert search.predictor(z - 1e-3 * g).item() < search.predictor(z).item()


def test_step_rule_grows_eta_on_repeats(table, space):
    _, _, steps = _search(table, space, "step", budget=40)
    by_start = {}
    for s in steps:
        if s.attempt >= 0:
            by_start.setdefault((s.round, s.start_arch), []).append(s)
    for attempts in by_start.values():
        etas = [s.eta for s in attempts]
        assert etas == sorted(etas) and all(not s.queried for s in attempts[:-1])


def test_search_is_reproducible(table, space):
    _, a, _ = _search(table, space, "ranked", budget=35, seed=5)
    _, b, _ = _search(table, space, "ranked", budget=35, seed=5)
    assert [q.arch for q in a.history] == [q.arch for q in b.history]
