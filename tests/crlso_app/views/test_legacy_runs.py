"""Run folders written before run format 2 still open on every page (tests/conftest.py's
legacy_pair writes one as the older code did)."""

import pytest

PAGES = ["latent", "similarity", "search", "convexity", "runs"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_a_pair_trained_before_the_benchmark_contract(open_page, legacy_pair, name):
    open_page(name, legacy_pair, run="pair")  # open_page asserts no error and no traceback


def test_local_search_stored_under_its_old_name_shows_as_local_search(open_page, legacy_pair):
    results = open_page("search", legacy_pair, run="pair").dataframe[0].value
    assert list(results["method"]) == ["LSO", "CR-LSO", "REA", "local search"]
