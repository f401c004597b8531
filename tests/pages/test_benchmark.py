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


def test_missing_benchmark_data_is_one_message_that_says_what_to_do(tmp_path):
    """In a fresh process (the table is cached once loaded): every page that needs the data."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    main = Path(__file__).resolve().parents[2] / "app" / "main.py"
    script = (
        "import json, sys\nfrom streamlit.testing.v1 import AppTest\nout = {}\n"
        "for page in ['benchmark', 'train']:\n"
        f"    at = AppTest.from_file({str(main)!r}, default_timeout=120); at.run()\n"
        "    at.switch_page(f'../pages/{page}.py').run()\n"
        "    out[page] = [[e.value for e in at.error], [e.value for e in at.exception]]\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "CRLSO_DATA_DIR": str(tmp_path / "no-data"), "CRLSO_RUNS": str(tmp_path / "runs")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for page, (errors, exceptions) in result.items():
        assert not exceptions, page
        assert len(errors) == 1 and "not found" in errors[0] and "CRLSO_DATA_DIR" in errors[0], page
