"""Every page on an NB101 pair: cells drawn as DAGs with ops on their vertices, the offline
table's 30,001 cells (best-of-3 validation accuracy), no test accuracy."""

import html
import re

import numpy as np

from crlso_core.benchmarks import NO_TEST
from crlso_core.catalog.registry import get_space, load_benchmark

CELL = re.compile(r"adjacency=[01/]+ ops=[a-z0-9,\-]+")


def test_latent_page_draws_a_picked_cell_without_test_accuracy(open_page, nb101_pair, text_of, clean, cells_of):
    from crlso_core.store.view import load_view

    arch = load_view(nb101_pair / "nb101-crls").archs[0]
    at = open_page("latent", nb101_pair, run="nb101", cell=arch)
    clean(at)
    text = text_of(at)
    assert cells_of(at).startswith("digraph cell") and NO_TEST in text


def test_benchmark_page_lists_the_tables_cells_and_says_what_they_are(open_page, empty_store, text_of, clean, cells_of):
    at = open_page("benchmark", empty_store, space="nb101")
    frame = at.dataframe[0].value
    assert len(frame) == 30_001 and "test acc" not in frame.columns
    assert frame["valid acc"].between(9, 95).all()  # percent, best of 3 runs
    caption = at.caption[0].value
    assert "30,001 of 423,624 cells" in caption and "best of 3 runs" in caption and NO_TEST in caption
    assert "validation optimum 94.91 %" in caption
    space, table = get_space("nb101"), load_benchmark("nb101")
    outside = next(c for c in space.sample(np.random.default_rng(0), 50) if not table.can_answer([c])[0])
    at.text_input(key="typed-cell").input(space.format(outside)).run()
    clean(at)
    text = text_of(at)
    assert cells_of(at).startswith("digraph cell") and "has no accuracy for it" in text
    at.text_input(key="typed-cell").input("adjacency=01/00 ops=input,conv9x9,output").run()
    assert not at.exception and "Not a NAS-Bench-101 cell" in at.error[0].value


def test_search_page_shows_table_cells_and_no_test_accuracy(open_page, nb101_pair, text_of, clean):
    at = open_page("search", nb101_pair, run="nb101")
    clean(at)
    results = at.dataframe[0].value
    assert "test acc" not in results.columns and results["found optimum"].isin([True, False]).all()  # the optimum is known
    assert any(NO_TEST in c.value for c in at.caption)
    space = get_space("nb101")
    shown = [space.parse(html.unescape(a)) for a in CELL.findall("\n".join(c.value for c in at.code))]
    assert shown and all(space.is_valid(c) for c in shown)


def test_train_page_offers_the_nb101_presets(open_page, empty_store):
    at = open_page("train", empty_store)
    at.selectbox(key="url-space").select("nb101").run()
    at.selectbox(key="w-preset").select("demo").run()
    assert at.selectbox(key="train-dataset-nb101").options == ["CIFAR-10"]
    assert at.number_input(key="labelled-nb101-demo").value == 100
    assert at.number_input(key="latent-nb101-demo").value == 64 and at.number_input(key="epochs-nb101-demo").value == 20
