
from crlso_core.store.pairs import list_pairs


def test_pairs_group_the_ls_and_crls_runs_trained_together(smoke_pair):
    (pair,) = list_pairs(smoke_pair)
    assert pair.name == "pair" and pair.sides == ["ls", "crls"] and pair.dataset == "cifar10" and pair.space == "nb201"
