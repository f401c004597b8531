"""NAS-Bench-301 through YAHPO Gym's ONNX surrogate: batched answers equal the file's own
one-cell answers, the genotype -> configuration mapping ranks the 500 reference genotypes
like their accuracies and agrees with the config space, answers are kept and counted by the
oracle, and missing or damaged files are one clear message."""

import csv
import gzip
import json

import numpy as np
import pytest
from scipy.stats import kendalltau, spearmanr

from crlso_core.benchmarks import BudgetExceeded, Oracle, data_dir, nb301
from crlso_core.benchmarks.data_dir import PACKAGED
from crlso_core.benchmarks.nb301 import (
    COLUMNS,
    CONFIG_SPACE_FILE,
    ENCODING_FILE,
    MODEL_FILE,
    REFERENCE_FILE,
    config_of,
    load_nb301,
    reference_genotypes,
)
from crlso_core.catalog.spaces import NB301
from crlso_core.common.errors import CRLSOError
from tests.conftest import SHARED_DATA
from tests.data import NB301_NASLIB_500

PACKAGED_FILES = (MODEL_FILE, ENCODING_FILE, CONFIG_SPACE_FILE, REFERENCE_FILE, "nb301/yahpo_LICENSE-2.0.txt")


@pytest.fixture(scope="module")
def surrogate():
    return load_nb301()


@pytest.fixture(scope="module")
def reference():
    return reference_genotypes()


@pytest.fixture
def no_packaged_copy(tmp_path, monkeypatch):
    """A data folder of our own and no copy in the package to fall back on."""
    monkeypatch.setattr(data_dir, "PACKAGED", tmp_path / "no-package")
    folder = tmp_path / "data"
    (folder / "nb301").mkdir(parents=True)
    return folder


def _model_bytes() -> bytes:
    return (PACKAGED / MODEL_FILE).read_bytes()


def test_batched_outputs_equal_the_unmodified_models_one_cell_outputs(surrogate, reference, monkeypatch):
    import onnx
    import onnxruntime as ort

    original = onnx.load_model_from_string(_model_bytes())
    assert [d.dim_value for d in original.graph.input[0].type.tensor_type.shape.dim] == [1, 34]  # the file is untouched
    single = ort.InferenceSession(_model_bytes(), providers=["CPUExecutionProvider"])
    cells = [c for c, _ in reference[:40]] + surrogate.space.sample(np.random.default_rng(5), 10)
    x_cat = surrogate.encode(cells)
    epoch = np.array([[98.0]], dtype=np.float32)
    expected = np.concatenate([single.run(None, {"x_cat": x[None], "x_cont": epoch})[0] for x in x_cat])
    monkeypatch.setattr(nb301, "CHUNK", 7)  # several chunks, the last one short
    batched = surrogate.outputs(cells)
    assert batched.shape == (50, 2)
    np.testing.assert_allclose(batched, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(surrogate.predict(cells, "cifar10"), expected[:, 0], rtol=1e-5, atol=1e-5)


def test_the_surrogate_ranks_the_reference_genotypes_like_their_accuracies(surrogate, reference):
    cells, accuracy = [c for c, _ in reference], np.array([a for _, a in reference])
    assert len(set(cells)) == 500 and all(surrogate.space.is_valid(c) for c in cells)
    predicted = surrogate.predict(cells, "cifar10")
    assert spearmanr(predicted, accuracy)[0] >= 0.90  # 0.905 measured
    assert kendalltau(predicted, accuracy)[0] >= 0.72  # 0.739 measured
    # the encoding file's lexicographic key order, the mistake the mapping avoids, ranks far worse
    encoding = json.loads((PACKAGED / ENCODING_FILE).read_text())
    x_cat = surrogate.encode(cells)
    lex_order = [COLUMNS.index(name) for name in sorted(encoding)]
    shuffled = x_cat[:, lex_order]  # column i of the model gets what belongs to the i-th key in sorted order
    lexicographic = surrogate._session.run(None, {"x_cat": shuffled, "x_cont": np.full((500, 1), 98.0, np.float32)})[0][:, 0]
    assert spearmanr(lexicographic, accuracy)[0] < 0.85


def test_the_mapping_agrees_with_the_config_space(surrogate, reference):
    """Every cell's configuration sets exactly the hyperparameters the config space's
    conditions make active, each to one of its choices, and x_cat holds their codes."""
    space = json.loads((PACKAGED / CONFIG_SPACE_FILE).read_text())
    choices = {h["name"]: h.get("choices") for h in space["hyperparameters"]}
    assert set(COLUMNS) == {name for name in choices if name != "epoch"} and not space["forbiddens"]
    conditions = {c["child"]: (c["parent"], set(c["values"])) for c in space["conditions"]}
    assert all(c["type"] == "IN" for c in space["conditions"])
    encoding = json.loads((PACKAGED / ENCODING_FILE).read_text())
    cells = [c for c, _ in reference[:100]] + surrogate.space.sample(np.random.default_rng(0), 300)
    x_cat = surrogate.encode(cells)
    for cell, row in zip(cells, x_cat):
        config = config_of(cell)
        assert all(value in choices[name] for name, value in config.items())
        active = {name for name in COLUMNS if name not in conditions or config.get(conditions[name][0]) in conditions[name][1]}
        assert set(config) == active and len(config) == 2 * (8 + 3)
        assert row.tolist() == [encoding[name][config.get(name, "#na#")] for name in COLUMNS]
    # node 2 always reads the cell's two inputs; an edge from input i into node n is edge _FIRST_EDGE[n] + i
    normal = ((3, 0), (4, 1), (0, 1), (1, 2), (2, 0), (5, 3), (6, 1), (3, 4))  # node 3 <- (1, 2), 4 <- (0, 3), 5 <- (1, 4)
    config = config_of((normal, normal))
    prefix = nb301.PREFIX + "edge_normal_"
    assert {k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)} == {
        "0": "sep_conv_3x3", "1": "sep_conv_5x5", "3": "max_pool_3x3", "4": "avg_pool_3x3",
        "5": "skip_connect", "8": "dil_conv_3x3", "10": "dil_conv_5x5", "13": "sep_conv_3x3"}
    assert [config[nb301.PREFIX + f"inputs_node_normal_{n}"] for n in (3, 4, 5)] == ["1_2", "0_3", "1_4"]


def test_predictions_are_plausible_accuracies(surrogate, reference):
    cells = [c for c, _ in reference] + surrogate.space.sample(np.random.default_rng(2), 2000)
    out = surrogate.outputs(cells)
    assert np.isfinite(out).all() and ((80 < out[:, 0]) & (out[:, 0] < 96)).all()  # 91.99..95.83 measured
    assert (out[:, 1] > 0).all()  # runtime in seconds


def test_a_cell_is_answered_once_and_the_same_each_time(surrogate, monkeypatch):
    cells = surrogate.space.sample(np.random.default_rng(3), 6)
    calls = []
    predict = type(surrogate).predict
    monkeypatch.setattr(surrogate, "predict", lambda c, d: calls.append(len(c)) or predict(surrogate, c, d))
    first = surrogate.valid_accuracy(cells, "cifar10")
    again = surrogate.valid_accuracy(cells[::-1] + cells[:2], "cifar10")
    assert np.array_equal(again, np.concatenate([first[::-1], first[:2]])) and calls == [6]
    invalid = (cells[0][0][::-1], cells[0][1])  # inputs out of order: not a canonical cell
    assert not surrogate.can_answer([invalid])[0] and np.isnan(surrogate.valid_accuracy([invalid], "cifar10")[0])
    with pytest.raises(CRLSOError, match="Not a valid NAS-Bench-301 cell"):
        surrogate.predict([invalid], "cifar10")
    with pytest.raises(CRLSOError, match="Unknown dataset 'cifar100'"):
        surrogate.valid_accuracy(cells, "cifar100")


def test_outputs_at_another_epoch_and_for_no_cells(surrogate):
    cells = surrogate.space.sample(np.random.default_rng(6), 200)
    assert surrogate.outputs(cells, epoch=1)[:, 0].mean() < surrogate.outputs(cells)[:, 0].mean() - 5  # it learns
    assert surrogate.outputs([]).shape == (0, 2) and surrogate.predict([], "cifar10").shape == (0,)
    for epoch in (0, 99, 50.5):
        with pytest.raises(CRLSOError, match="epochs 1 to 98"):
            surrogate.outputs(cells, epoch=epoch)


def test_the_oracle_counts_queries_and_there_is_no_test_accuracy_or_optimum(surrogate):
    assert surrogate.kind == "surrogate" and surrogate.complete and surrogate.capacity is None
    assert not surrogate.has_test("cifar10") and surrogate.test_accuracy([], "cifar10") is None
    assert surrogate.optimum("cifar10") is None and surrogate.listed_cells() is None
    Oracle(surrogate, "cifar10", budget=10**9)  # no capacity to exceed
    oracle = Oracle(surrogate, "cifar10", budget=3)
    rng = np.random.default_rng(4)
    a, b, c, d = surrogate.sample(rng, 4)
    first = oracle.query(a, "t")
    assert oracle.query(a, "again") == first and oracle.used == 1
    oracle.query(b, "t")
    oracle.query(oracle.random_unseen(rng), "t")
    assert oracle.remaining == 0
    with pytest.raises(BudgetExceeded, match="budget of 3"):
        oracle.query(d, "t")
    assert oracle.test_accuracy(a) is None and oracle.best()[1] == max(oracle.answers.values())


def test_a_missing_file_says_which_and_where_to_get_it(no_packaged_copy):
    with pytest.raises(CRLSOError) as info:
        load_nb301(no_packaged_copy)
    message = str(info.value)
    assert MODEL_FILE in message and str(no_packaged_copy) in message and "yahpo_data" in message
    assert "--data-dir" in message
    (no_packaged_copy / MODEL_FILE).write_bytes(_model_bytes())
    with pytest.raises(CRLSOError, match="yahpo_nb301_encoding.json.* not found.*category codes"):
        load_nb301(no_packaged_copy)
    with pytest.raises(CRLSOError, match="nb301_reference_500.csv.* not found.*500 reference genotypes"):
        reference_genotypes(no_packaged_copy)


def test_a_copy_in_the_data_folder_is_used_gzipped_or_not(surrogate, no_packaged_copy):
    (no_packaged_copy / (MODEL_FILE + ".gz")).write_bytes(gzip.compress(_model_bytes()))
    (no_packaged_copy / ENCODING_FILE).write_bytes((PACKAGED / ENCODING_FILE).read_bytes())
    loaded = load_nb301(no_packaged_copy)
    assert loaded.source.endswith(".onnx.gz")
    cell = loaded.space.sample(np.random.default_rng(0), 1)
    assert loaded is not surrogate and loaded.predict(cell, "cifar10")[0] == surrogate.predict(cell, "cifar10")[0]


def _tiny_onnx() -> bytes:
    """A valid ONNX model that is not the surrogate: y = x + x."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "tiny", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)]).SerializeToString()


MODEL_DAMAGE = {
    "cut-short-100": (lambda b: b[:100], "not a readable ONNX model|cannot be run|not YAHPO"),
    "cut-short-half": (lambda b: b[: len(b) // 2], "not a readable ONNX model|cannot be run|not YAHPO"),
    "cut-short-end": (lambda b: b[:-7], "not a readable ONNX model|cannot be run|not YAHPO"),
    "text": (lambda b: b"this is not a model\n" * 10, "not a readable ONNX model|not YAHPO"),
    "empty": (lambda b: b"", "not YAHPO"),
    "another-model": (lambda b: _tiny_onnx(), "not YAHPO's NB301 surrogate"),
    "weights-changed": (lambda b: b[:-200] + bytes([b[-200] ^ 1]) + b[-199:], "SHA-256 is .*damaged or another version"),
}


@pytest.mark.parametrize("damage", MODEL_DAMAGE)
def test_a_damaged_model_is_one_clear_error(no_packaged_copy, damage):
    change, message = MODEL_DAMAGE[damage]
    (no_packaged_copy / MODEL_FILE).write_bytes(change(_model_bytes()))
    (no_packaged_copy / ENCODING_FILE).write_bytes((PACKAGED / ENCODING_FILE).read_bytes())
    with pytest.raises(CRLSOError, match=message) as info:
        load_nb301(no_packaged_copy)
    assert str(no_packaged_copy / MODEL_FILE) in str(info.value) and "Get the file again" in str(info.value)


def test_an_oversized_model_or_a_broken_gzip_is_refused_unread(no_packaged_copy):
    (no_packaged_copy / ENCODING_FILE).write_bytes((PACKAGED / ENCODING_FILE).read_bytes())
    with open(no_packaged_copy / MODEL_FILE, "wb") as f:
        f.truncate(nb301.MAX_MODEL_BYTES + 1)  # sparse: nothing is written or read
    with pytest.raises(CRLSOError, match="larger than any NB301 surrogate model"):
        load_nb301(no_packaged_copy)
    (no_packaged_copy / MODEL_FILE).unlink()
    (no_packaged_copy / (MODEL_FILE + ".gz")).write_bytes(gzip.compress(_model_bytes())[:5000])
    with pytest.raises(CRLSOError, match="cannot be read"):
        load_nb301(no_packaged_copy)


def _encoding() -> dict:
    return json.loads((PACKAGED / ENCODING_FILE).read_text())


def _swap(e: dict) -> dict:
    name = COLUMNS[0]
    e[name]["avg_pool_3x3"], e[name]["#na#"] = 0, 1
    return e


def _swap_ops(e: dict) -> dict:  # still well formed, but every prediction would change
    name = COLUMNS[17]
    e[name]["sep_conv_3x3"], e[name]["sep_conv_5x5"] = e[name]["sep_conv_5x5"], e[name]["sep_conv_3x3"]
    return e


def _drop(e: dict) -> dict:
    e.pop(COLUMNS[30])
    return e


def _extra(e: dict) -> dict:
    e[COLUMNS[28]]["0_3"] = 4
    return e


def _big_code(e: dict) -> dict:
    e[COLUMNS[29]]["2_3"] = 60
    return e


ENCODING_DAMAGE = {
    "cut-short": (lambda: json.dumps(_encoding())[:-40], "not a readable JSON file"),
    "not-an-object": (lambda: "[1, 2, 3]", "one JSON object"),
    "missing-column": (lambda: json.dumps(_drop(_encoding())), "has no entry .*inputs_node_normal_5"),
    "na-not-zero": (lambda: json.dumps(_swap(_encoding())), "'#na#': 0"),
    "extra-choice": (lambda: json.dumps(_extra(_encoding())), "should give a code to each of"),
    "code-out-of-range": (lambda: json.dumps(_big_code(_encoding())), "'#na#': 0, then 1..6"),
    "codes-swapped": (lambda: json.dumps(_swap_ops(_encoding())), "alphabetical order"),
    "binary": (lambda: "\udcff", "not a readable JSON file"),
}


@pytest.mark.parametrize("damage", ENCODING_DAMAGE)
def test_a_damaged_encoding_is_one_clear_error(no_packaged_copy, damage):
    text, message = ENCODING_DAMAGE[damage]
    (no_packaged_copy / MODEL_FILE).write_bytes(_model_bytes())
    (no_packaged_copy / ENCODING_FILE).write_bytes(text().encode("utf-8", "surrogateescape"))
    with pytest.raises(CRLSOError, match=message) as info:
        load_nb301(no_packaged_copy)
    assert str(no_packaged_copy / ENCODING_FILE) in str(info.value)


def test_a_damaged_reference_table_is_one_clear_error(no_packaged_copy):
    path = no_packaged_copy / REFERENCE_FILE
    lines = (PACKAGED / REFERENCE_FILE).read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:3]))
    assert len(reference_genotypes(no_packaged_copy)) == 2
    path.write_text(lines[0] + lines[1].replace('"sep_conv_5x5""', '"conv_9x9""', 1))
    with pytest.raises(CRLSOError, match="row 1 .*not a readable table of NB301 genotypes"):
        reference_genotypes(no_packaged_copy)
    path.write_text("".join(lines[:3])[:-30])
    with pytest.raises(CRLSOError, match="cut short"):
        reference_genotypes(no_packaged_copy)


def test_the_packaged_copies_are_the_teams_files_small_and_described():
    readme = (PACKAGED / "nb301" / "README.md").read_text()
    for name in PACKAGED_FILES:
        path = PACKAGED / name
        assert path.stat().st_size < 4 * 2**20 and path.name in readme
        original = SHARED_DATA / name
        if name != REFERENCE_FILE and original.exists():
            assert path.read_bytes() == original.read_bytes()
    assert "Apache" in readme and "not the official" in readme.lower() and "0.905" in readme
    # the reference table is the team's sample (a copy in tests/data), three of its columns
    with open(NB301_NASLIB_500, newline="") as f:
        rows = [(r["genotype_normal"], r["genotype_reduce"], r["val_accuracy"]) for r in csv.DictReader(f)]
    with open(PACKAGED / REFERENCE_FILE, newline="") as f:
        assert [tuple(r.values()) for r in csv.DictReader(f)] == rows


def test_the_registry_record():
    SPEC = NB301
    assert SPEC.name == "nb301" and SPEC.title == "NAS-Bench-301" and SPEC.load_benchmark is load_nb301
    assert dict(SPEC.datasets) == {"cifar10": "CIFAR-10"} and SPEC.default_dataset == "cifar10"
    assert set(SPEC.data_files) == {MODEL_FILE, ENCODING_FILE} and SPEC.pool_size == 100_000
    assert all((PACKAGED / name).is_file() for name in SPEC.data_files)
