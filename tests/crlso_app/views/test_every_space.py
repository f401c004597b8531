"""Every page on the toy space: a sampled pool, a surrogate benchmark, no test accuracy and
no known optimum. Nothing on a page may assume NB201's complete table."""

import pytest

from crlso_core.benchmarks import NO_TEST

PAGES = ["latent", "similarity", "search", "convexity", "runs"]
PAIRS = {"toy_pair": ("toy", PAGES), "nb301_pair": ("darts", [*PAGES, "train"]), "nb101_pair": ("nb101", [*PAGES, "train"])}


@pytest.mark.parametrize("pair,name", [(pair, name) for pair, (_, pages) in PAIRS.items() for name in pages])
def test_every_page_renders_each_spaces_pair(open_page, request, pair, name, clean):
    """The toy space, NB301 (genotypes, a surrogate) and NB101 (a partial table)."""
    at = open_page(name, request.getfixturevalue(pair), run=PAIRS[pair][0])
    clean(at)
    assert at.title[0].value


def test_benchmark_page_draws_a_sample_of_a_surrogate_space_without_test_accuracy(open_page, empty_store, text_of, clean, cells_of):
    at = open_page("benchmark", empty_store, space="toy")
    frame = at.dataframe[0].value
    assert len(frame) == 100 and "test acc" not in frame.columns
    caption = at.caption[0].value
    assert "random cells" in caption and NO_TEST in caption and "optimum of Toy surrogate (a formula) is not known" in caption
    at.multiselect(key="filter-ops").select("pool").run()
    assert 0 < len(at.dataframe[0].value) < 100 and at.dataframe[0].value["cell string"].str.contains("pool").all()
    at.text_input(key="typed-cell").input("id-id-id/000").run()
    clean(at)
    assert cells_of(at).startswith("digraph cell")


def test_search_page_says_there_is_no_test_accuracy(open_page, toy_pair):
    at = open_page("search", toy_pair, run="toy")
    results = at.dataframe[0].value
    assert list(results["method"]) == ["LSO", "CR-LSO", "REA"] and "test acc" not in results.columns
    assert set(results["found optimum"]) == {"optimum not known"}
    assert any(NO_TEST in c.value for c in at.caption)
    assert at.radio(key="w-curve-metric").options == ["validation"]


def test_latent_page_shows_a_selected_cell_without_test_accuracy(open_page, toy_pair, text_of, cells_of):
    at = open_page("latent", toy_pair, run="toy", cell="3")
    text = text_of(at)
    assert NO_TEST in text and cells_of(at).startswith("digraph cell")
