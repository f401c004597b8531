ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_renders_all_cells_without_any_run(open_page, empty_store):
    at = open_page("benchmark", empty_store)
    assert at.title[0].value == "Benchmark"
    assert len(at.dataframe[0].value) == 15625
    assert "validation optimum 91.61" in at.caption[0].value


def test_filters_by_op_and_string_and_shows_a_typed_cell(open_page, empty_store, clean, text_of):
    at = open_page("benchmark", empty_store)
    at.multiselect(key="filter-ops").select("none").run()
    with_none = len(at.dataframe[0].value)
    assert with_none == 15625 - 4**6  # cells with at least one 'none' edge
    at.text_input(key="filter-text").input("avg_pool_3x3~0|+").run()
    frame = at.dataframe[0].value
    assert 0 < len(frame) < with_none and frame["cell"].str.contains("avg_pool_3x3~0|+", regex=False).all()
    at.text_input(key="typed-cell").input(ARCH).run()
    clean(at)
    assert at.query_params["cell"] == str(_row(ARCH))
    text = text_of(at)
    assert "Rank" in text and 'class="crlso-cell"' in text and 'data-op="nor_conv_3x3"' in text


def test_a_malformed_cell_string_is_one_clear_message(open_page, empty_store):
    at = open_page("benchmark", empty_store)
    at.text_input(key="typed-cell").input("|conv~0|").run()
    assert not at.exception and "Not a NAS-Bench-201 cell string" in at.error[0].value


def test_dataset_lives_in_the_url(open_page, empty_store):
    at = open_page("benchmark", empty_store, dataset="cifar100")
    assert at.selectbox(key="url-dataset").value == "cifar100"
    assert "validation optimum 73.49" in at.caption[0].value


def _row(arch):
    from crlso_core.benchmarks import load_table

    table = load_table("nb201")
    return table.row(table.space.parse(arch))
