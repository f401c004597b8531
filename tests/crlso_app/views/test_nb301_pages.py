"""Every page on an NB301 pair: genotypes drawn as a normal and a reduction cell, the
surrogate's accuracies, no test accuracy."""

import html
import re

from crlso_core.benchmarks import NO_TEST
from crlso_core.catalog.registry import get_space

GENOTYPE = ("Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), "
            "('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], normal_concat=[2, 3, 4, 5], "
            "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])")  # DARTS-V2


def test_latent_page_draws_a_picked_genotype_as_two_cells(open_page, nb301_pair, text_of, clean, cells_of):
    from crlso_core.store.view import load_view

    arch = load_view(nb301_pair / "darts-crls").archs[0]
    at = open_page("latent", nb301_pair, run="darts", cell=arch)
    clean(at)
    text = text_of(at)
    assert "normal cell" in cells_of(at) and "reduction cell" in cells_of(at) and NO_TEST in text


def test_benchmark_page_draws_a_pasted_darts_genotype(open_page, empty_store, text_of, clean, cells_of):
    at = open_page("benchmark", empty_store, space="nb301")
    frame = at.dataframe[0].value
    assert len(frame) > 0 and "test acc" not in frame.columns
    assert frame["valid acc"].between(80, 100).all()  # the surrogate's accuracies, in percent
    at.text_input(key="typed-cell").input(GENOTYPE).run()
    clean(at)
    assert "normal cell" in cells_of(at) and "reduction cell" in cells_of(at)
    assert any(c.value.startswith("Genotype(normal=[('sep_conv_3x3', 0)") for c in at.code)  # the typed genotype, drawn and printed
    at.text_input(key="typed-cell").input("Genotype(normal=[('sep_conv_9x9', 0)])").run()
    assert not at.exception and "Not a NAS-Bench-301 architecture" in at.error[0].value


def test_search_trajectories_decode_to_genotypes(open_page, nb301_pair, text_of, clean):
    at = open_page("search", nb301_pair, run="darts")
    clean(at)
    results = at.dataframe[0].value
    assert "test acc" not in results.columns and set(results["found optimum"]) == {"optimum not known"}
    space = get_space("nb301")
    shown = re.findall(r"Genotype\(normal=.*?reduce_concat=\[2, 3, 4, 5\]\)", "\n".join(c.value for c in at.code))
    assert shown and all(space.is_valid(space.parse(html.unescape(g))) for g in shown)  # the walk's cells, printed beside their drawing


def test_benchmark_page_lists_the_500_reference_genotypes_beside_the_surrogate(open_page, empty_store, clean):
    at = open_page("benchmark", empty_store, space="nb301", sample="reference")
    clean(at)
    frame = at.dataframe[0].value
    assert len(frame) == 500 and {"valid acc", "recorded acc"} <= set(frame.columns)
    assert frame[["valid acc", "recorded acc"]].corr(method="spearman").iloc[0, 1] >= 0.90  # the surrogate ranks them as recorded


def test_search_page_lays_out_where_each_method_looked(open_page, nb301_pair, clean):
    at = open_page("search", nb301_pair, run="darts")
    at.toggle(key="w-found-on").set_value(True).run()
    clean(at)
    chart = next(c for c in at.get("plotly_chart") if "t-SNE" in c.proto.spec)
    import json

    traces = [t for t in json.loads(chart.proto.spec)["data"] if t.get("showlegend", True) is not False]
    assert {t["name"] for t in traces} == {"LSO", "CR-LSO", "REA"}  # every method of the pair, one colour each
    assert len({t["marker"]["color"] for t in traces}) == 3


def test_train_page_offers_the_papers_nb301_setting(open_page, empty_store):
    at = open_page("train", empty_store)
    at.selectbox(key="url-space").select("nb301").run()
    at.selectbox(key="w-preset").select("demo").run()
    assert at.selectbox(key="train-dataset-nb301").options == ["CIFAR-10"]
    assert at.number_input(key="labelled-nb301-demo").value == 100  # the paper's NB301 labelled set
    assert at.number_input(key="latent-nb301-demo").value == 64 and at.number_input(key="epochs-nb301-demo").value == 60
