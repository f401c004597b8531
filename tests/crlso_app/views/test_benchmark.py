ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_renders_all_cells_without_any_run(open_page, empty_store):
    at = open_page("benchmark", empty_store)
    assert at.title[0].value == "Benchmark"
    assert len(at.dataframe[0].value) == 15625
    assert "validation optimum 91.61" in at.caption[0].value


def test_filters_by_op_and_string_and_shows_a_typed_cell(open_page, empty_store, clean, text_of, cells_of):
    at = open_page("benchmark", empty_store)
    at.multiselect(key="filter-ops").select("none").run()
    with_none = len(at.dataframe[0].value)
    assert with_none == 15625 - 4**6  # cells with at least one 'none' edge
    at.text_input(key="filter-text").input("avg_pool_3x3~0|+").run()
    frame = at.dataframe[0].value
    assert 0 < len(frame) < with_none and frame["cell string"].str.contains("avg_pool_3x3~0|+", regex=False).all()
    at.text_input(key="typed-cell").input(ARCH).run()
    clean(at)
    assert at.query_params["cell"] == ARCH  # the cell string: it means the same cell on every page
    assert at.query_params["filter"] == "avg_pool_3x3~0|+" and at.query_params["ops"] == "none"  # a reload keeps the filters
    hist = next(c for c in at.get("plotly_chart") if c.key == "hist")
    assert f"selected {_valid(ARCH):.2f}" in hist.proto.spec  # the typed cell moves the histogram's mark
    text = text_of(at)
    assert "Rank" in text and "nor_conv_3x3" in cells_of(at)


def test_a_malformed_cell_string_is_one_clear_message(open_page, empty_store):
    at = open_page("benchmark", empty_store)
    at.text_input(key="typed-cell").input("|conv~0|").run()
    assert not at.exception and "Not a NAS-Bench-201 cell string" in at.error[0].value


def test_dataset_lives_in_the_url(open_page, empty_store):
    at = open_page("benchmark", empty_store, dataset="cifar100")
    assert at.selectbox(key="url-dataset").value == "cifar100"
    assert "validation optimum 73.49" in at.caption[0].value


def _valid(arch):
    from crlso_core.catalog.registry import load_benchmark

    benchmark = load_benchmark("nb201")
    return float(benchmark.valid_accuracy([benchmark.space.parse(arch)], "cifar10")[0])


def test_with_no_data_folder_the_packaged_table_shows_and_missing_data_is_one_message(tmp_path):
    """In a fresh process (tables and frames are cached once loaded), with CRLSO_DATA_DIR an
    empty folder: NB201 comes from the copy in the package; a space whose file is nowhere
    gets one message that says where it looked and what to do."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    script = f"""
import json, sys
sys.path.insert(0, {str(root)!r})
from streamlit.testing.v1 import AppTest
from crlso_core.benchmarks.data_dir import find_data_file
from crlso_core.catalog.registry import get_spec, register
from crlso_core.catalog.spec import SpaceSpec
nb201 = get_spec("nb201")
register(SpaceSpec("missing", "Missing data", "a space whose file is nowhere", nb201.space,
                   lambda d: find_data_file("missing/table.csv", d, "a file nobody has"), {{"cifar10": "CIFAR-10"}}))
out = {{}}
for space in ["nb201", "missing"]:
    at = AppTest.from_file({str(root / "crlso_app" / "main.py")!r}, default_timeout=120)
    at.query_params["space"] = space
    at.run()
    at.switch_page("views/benchmark.py").run()  # the app opens on Latent space
    out[space] = [[e.value for e in at.error], [e.value for e in at.exception], len(at.dataframe[0].value) if at.dataframe else 0,
                  [c.value for c in at.caption]]
print(json.dumps(out))
"""
    (tmp_path / "no-data").mkdir()  # a data folder without the files (a folder that is not there at all is an error)
    env = {**os.environ, "CRLSO_DATA_DIR": str(tmp_path / "no-data"), "CRLSO_RUNS": str(tmp_path / "runs")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    errors, exceptions, rows, captions = result["nb201"]
    assert not errors and not exceptions and rows == 15625 and "validation optimum 91.61" in captions[0]
    errors, exceptions, rows, _ = result["missing"]
    assert not exceptions and len(errors) == 1
    assert "not found" in errors[0] and "CRLSO_DATA_DIR" in errors[0] and "a file nobody has" in errors[0]


def test_a_first_visit_says_what_cr_lso_is_and_where_to_start(open_page, empty_store):
    at = open_page("benchmark", empty_store)
    intro = next(e for e in at.expander if "Start here" in e.label)
    assert "CR-LSO" in intro.markdown[0].value and "Train" in intro.markdown[0].value


def test_a_bad_cell_string_reads_as_typed_not_struck_through(open_page, empty_store):
    at = open_page("benchmark", empty_store)
    at.text_input(key="typed-cell").input("|conv~0|+|none~1|").run()
    message = at.error[0].value
    assert "\\~0" in message and "~" not in message.replace("\\~", "")  # every '~' escaped: Markdown would strike text through


def test_a_typed_cell_outside_the_table_is_parsed_once_and_drawn(open_page, empty_store, monkeypatch, cells_of):
    """The text box is the page's edge: the typed string is parsed there, once, and the cell
    object goes on to the benchmark's answer and the drawing (it was parsed 3 times)."""
    import numpy as np

    from crlso_core.catalog.registry import get_space

    nb301 = get_space("nb301")
    (cell,) = nb301.sample(np.random.default_rng(12345), 1)  # not among the page's 5,000 cells drawn with seed 0
    typed = nb301.format(cell)
    at = open_page("benchmark", empty_store, space="nb301")
    parsed = []
    real_parse = type(nb301).parse
    monkeypatch.setattr(type(nb301), "parse", lambda self, arch: parsed.append(arch) or real_parse(self, arch))
    at.text_input(key="typed-cell").input(typed).run()
    assert not at.exception and not at.error
    assert parsed.count(typed) == 1
    assert "Not among the cells shown" in "\n".join(m.value for m in at.markdown)
    assert nb301.to_dot(cell) in cells_of(at)
