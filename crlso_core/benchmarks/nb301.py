"""NAS-Bench-301 on CIFAR-10 through YAHPO Gym's neural surrogate, and the space's registry
record.

The surrogate is YAHPO Gym's `nb301` model (`new_model.onnx`, Apache-2.0), trained on the
NB301 training data; it is NOT the official NB301 XGB/GIN ensemble. It predicts the validation
accuracy (percent) of any valid DARTS genotype at a given epoch; we ask at epoch 98, the last.
There is no test accuracy, no known optimum and no bound on how many cells it answers. The
official ensemble (figshare `nb_models_1.0`) could be added later as another
SurrogateBenchmark beside this one: the contract is `predict(cells, dataset)`.

The model file's batch dimension is fixed to 1; on loading, the graph's input and output batch
dimension is made symbolic in memory (nothing is written) so that cells are predicted in
batches, about 4x faster than one at a time on one core. Files are read without trusting them: a size
cap, and a missing, cut-short or foreign file is one CRLSOError that says what to do.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from crlso_core.benchmarks.base import SurrogateBenchmark
from crlso_core.benchmarks.data_dir import find_data_file
from crlso_core.benchmarks.readers.regular import open_regular
from crlso_core.benchmarks.table_file import number_column, read_rows, where
from crlso_core.common.errors import CRLSOError, quoted
from crlso_core.spaces.base import Cell
from crlso_core.spaces.nb301.cells import OPS
from crlso_core.spaces.nb301.space import NB301Space
from crlso_core.spaces.nb301.text import from_naslib

MODEL_FILE = "nb301/yahpo_nb301_new_model.onnx"
ENCODING_FILE = "nb301/yahpo_nb301_encoding.json"
CONFIG_SPACE_FILE = "nb301/yahpo_nb301_config_space.json"  # shipped for reference; the tests check the mapping against it
REFERENCE_FILE = "nb301/nb301_reference_500.csv"
DATASETS = {"cifar10": "CIFAR-10"}
EPOCH = 98  # the last epoch the surrogate knows (its config space: epoch 1..98)
CHUNK = 4096  # cells per onnxruntime call: bounds memory, large enough to amortise the call
THREADS = 1  # intra-op threads: the model is small and the machines are shared
MAX_MODEL_BYTES = 64 * 2**20  # the model is 2.5 MB
MAX_JSON_BYTES = 2**20  # the encoding file is 7 KB
# The benchmark is this one model: the ranking checks (Spearman 0.905) hold for these bytes, and
# damage inside its weights would still parse and run.
MODEL_SHA256 = "3c6a6fb3a70998bf6c55883bdc5cc71cff190e1859468d72cc6960b88f06d280"
TITLE = "NAS-Bench-301 (YAHPO Gym surrogate, CIFAR-10 validation accuracy at epoch 98)"

_YAHPO = ("YAHPO Gym's NAS-Bench-301 surrogate (Apache-2.0): the nb301 folder of YAHPO Gym's surrogate data, "
          "github.com/slds-lmu/yahpo_data, with a 'yahpo_nb301_' prefix on each name. A copy ships inside the package "
          "(crlso_core/data/nb301/)")
HOW_TO_GET = {
    MODEL_FILE: f"the ONNX model of {_YAHPO}",
    ENCODING_FILE: f"the category codes of the inputs of {_YAHPO}",
    REFERENCE_FILE: ("the 500 reference genotypes (columns genotype_normal, genotype_reduce, val_accuracy, taken from "
                     "NASLib's nb301 sample, Apache-2.0). A copy ships inside the package (crlso_core/data/nb301/)"),
}
FIX = ("Get the file again (see crlso_core/data/nb301/README.md), or remove it (the copy inside the package is "
       "then used).")

# --- the genotype -> configuration mapping ------------------------------------------------
# A cell half (normal or reduce) is 8 (op, input) pairs: node 2's two, then node 3's, 4's, 5's,
# nodes 0 and 1 being the cell's inputs. NB301's config space numbers nodes and edges the same
# way (DARTS): edge e of a half runs into node n from input i with e = _FIRST_EDGE[n] + i, so
# node 2 owns edges 0-1 (from 0, 1), node 3 edges 2-4 (from 0..2), node 4 edges 5-8 (from
# 0..3), node 5 edges 9-13 (from 0..4); `inputs_node_<half>_<n>` (n = 3, 4, 5: node 2 always
# takes 0 and 1) is the pair of inputs "i_j", i < j, in the same numbering. Edges that are not
# chosen are inactive ("#na#", code 0). The model's 34 inputs are edge_normal_0..13,
# edge_reduce_0..13, inputs_node_normal_3..5, inputs_node_reduce_3..5 in that (numeric) order,
# not the encoding file's lexicographic key order: on the 500 reference genotypes the numeric
# order ranks like their val_accuracy with Spearman 0.905, the lexicographic one with 0.80; and
# the model's embedding tables for inputs 28..33 have 4, 7, 11, 4, 7, 11 rows, the category
# counts of inputs_node_*_3, _4, _5 (checked on loading).
PREFIX = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"
HALVES = ("normal", "reduce")
NODES = (2, 3, 4, 5)
_FIRST_EDGE = {2: 0, 3: 2, 4: 5, 5: 9}
EDGES = 14
_SLOT_FIRST_EDGE = np.array([_FIRST_EDGE[node] for node in NODES for _ in range(2)])  # [8]: of each (op, input) slot
COLUMNS = (
    *(f"{PREFIX}edge_{half}_{e}" for half in HALVES for e in range(EDGES)),
    *(f"{PREFIX}inputs_node_{half}_{n}" for half in HALVES for n in NODES[1:]),
)


def _pairs(node: int) -> list[str]:
    """The config space's input-pair choices of a node, "i_j" with i < j < node."""
    return [f"{i}_{j}" for i in range(node) for j in range(i + 1, node)]


def config_of(cell: Cell) -> dict[str, str]:
    """The active hyperparameters of a cell in NB301's config space (YAHPO's names, with
    '_COLON_' for ':'), without the epoch."""
    config = {}
    for h, half in enumerate(HALVES):
        for k, node in enumerate(NODES):
            (op_a, in_a), (op_b, in_b) = cell[h][2 * k: 2 * k + 2]
            config[f"{PREFIX}edge_{half}_{_FIRST_EDGE[node] + in_a}"] = OPS[op_a]
            config[f"{PREFIX}edge_{half}_{_FIRST_EDGE[node] + in_b}"] = OPS[op_b]
            if node > 2:
                config[f"{PREFIX}inputs_node_{half}_{node}"] = f"{min(in_a, in_b)}_{max(in_a, in_b)}"
    return config


class _Codes:
    """The encoding file as lookup tables: the code of each op on each edge column, and of
    each input pair (i, j) on each input-pair column."""

    def __init__(self, encoding: dict, path: Path):
        self.op = np.zeros((len(COLUMNS), len(OPS)), dtype=np.int32)  # [column, op index]
        self.pair = np.zeros((len(COLUMNS), NODES[-1], NODES[-1]), dtype=np.int32)  # [column, i, j]
        for c, name in enumerate(COLUMNS):
            if c < 2 * EDGES:
                codes = _column(encoding, name, list(OPS), path)
                self.op[c] = [codes[op] for op in OPS]
            else:
                codes = _column(encoding, name, _pairs(NODES[1:][(c - 2 * EDGES) % 3]), path)
                for choice, code in codes.items():
                    if choice != "#na#":
                        i, j = map(int, choice.split("_"))
                        self.pair[c, i, j] = code
        self.sizes = [len(encoding[name]) for name in COLUMNS]

    def encode(self, cells: Sequence[Cell]) -> np.ndarray:
        """x_cat of valid cells: int32 [n, 34], "#na#" (0) for inactive edges."""
        n = len(cells)
        chain = itertools.chain.from_iterable
        flat = np.fromiter(chain(chain(chain(cells))), dtype=np.int64, count=n * 2 * 8 * 2).reshape(n, 2, 8, 2)
        ops, inputs = flat[..., 0], flat[..., 1]  # [n, half, slot]
        half = np.arange(2)[None, :, None]
        rows = np.arange(n)[:, None, None]
        x = np.zeros((n, len(COLUMNS)), dtype=np.int32)
        edge = half * EDGES + _SLOT_FIRST_EDGE + inputs  # the column of each slot's edge
        x[rows, edge] = self.op[edge, ops]
        a, b = inputs[:, :, 2::2], inputs[:, :, 3::2]  # the two inputs of nodes 3, 4, 5
        column = 2 * EDGES + 3 * half + np.arange(3)[None, None, :]
        x[rows, column] = self.pair[column, np.minimum(a, b), np.maximum(a, b)]
        return x


def _column(encoding: dict, name: str, choices: list[str], path: Path) -> dict[str, int]:
    """One column of the encoding file, checked: '#na#' is 0 and the choices are 1, 2, ... in
    alphabetical order (fastai's categorify, which made the file; a swapped code would
    silently change every prediction)."""
    codes = encoding.get(name)
    expected = {"#na#": 0, **{choice: code for code, choice in enumerate(sorted(choices), start=1)}}
    if not isinstance(codes, dict) or set(codes) != set(expected):
        raise CRLSOError(f"{path}: the entry {name!r} should give a code to each of {sorted(expected)}. {FIX}")
    if any(type(codes[k]) is not int or codes[k] != v for k, v in expected.items()):
        raise CRLSOError(f"{path}: the codes of {name!r} should be '#na#': 0, then 1..{len(choices)} for the choices in "
                         f"alphabetical order; they are {codes}. {FIX}")
    return codes


def _read_bytes(path: Path, limit: int, what: str) -> bytes:
    """A data file's bytes (gunzipped for NAME.gz), refusing one over `limit` bytes."""
    too_big = CRLSOError(f"{path} is larger than any {what} ({limit:,} bytes): it is not the expected file. {FIX}")
    try:
        if path.suffix != ".gz" and path.stat().st_size > limit:
            raise too_big  # refused unread
        with open_regular(path, what) as raw, (gzip.open(raw, "rb") if path.suffix == ".gz" else raw) as f:
            data = f.read(limit + 1)  # a pipe or device in place of the file is refused, never waited on
    except (OSError, EOFError, zlib.error) as exc:
        raise CRLSOError(f"{path} cannot be read ({str(exc)[:120]}). {FIX}") from None
    if len(data) > limit:
        raise too_big
    return data


def _read_encoding(path: Path) -> dict:
    data = _read_bytes(path, MAX_JSON_BYTES, "NB301 encoding file")
    try:
        encoding = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CRLSOError(f"{path} is not a readable JSON file ({str(exc)[:120]}): it may have been cut short. {FIX}") from None
    if not isinstance(encoding, dict):
        raise CRLSOError(f"{path} should hold one JSON object, a table of codes per input. {FIX}")
    missing = [name for name in COLUMNS if name not in encoding]
    if missing:
        raise CRLSOError(f"{path} has no entry {missing[0]!r}: it is not YAHPO's NB301 encoding file. {FIX}")
    return encoding


def _onnx_modules():
    try:
        import onnx
        import onnxruntime
    except ImportError as exc:
        raise CRLSOError(f"The NB301 surrogate needs the packages onnx and onnxruntime ({exc}); install them with "
                         "`pip install onnx onnxruntime` (the versions are pinned in requirements.txt).") from None
    return onnx, onnxruntime


def _session(data: bytes, path: Path, sizes: list[int]):
    """An onnxruntime session of the model with a symbolic batch dimension, made in memory."""
    onnx, ort = _onnx_modules()
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf's DecodeError and whatever a cut-short file raises
        raise CRLSOError(f"{path} is not a readable ONNX model ({type(exc).__name__}: {str(exc)[:120]}): it may have "
                         f"been cut short. {FIX}") from None
    graph = model.graph
    signature = ([(v.name, v.type.tensor_type.elem_type, [d.dim_value for d in v.type.tensor_type.shape.dim])
                  for v in graph.input], [[d.dim_value for d in v.type.tensor_type.shape.dim] for v in graph.output])
    expected = ([("x_cat", onnx.TensorProto.INT32, [1, len(COLUMNS)]), ("x_cont", onnx.TensorProto.FLOAT, [1, 1])], [[1, 2]])
    if signature != expected:
        raise CRLSOError(f"{path} is not YAHPO's NB301 surrogate: it should take x_cat int32[1,{len(COLUMNS)}] and "
                         f"x_cont float32[1,1] and give float32[1,2]. {FIX}")
    tables = {t.name: list(t.dims) for t in graph.initializer}
    rows = [tables.get(f"embds_fct.{c}.weight", [None])[0] for c in range(len(COLUMNS))]
    if rows != sizes:  # the encoding's category counts are the model's embedding tables, input by input
        raise CRLSOError(f"{path} does not fit the encoding file: its input categories are {rows}, the encoding's "
                         f"{sizes}. Use the model and encoding of one YAHPO NB301 surrogate. {FIX}")
    digest = hashlib.sha256(data).hexdigest()
    if digest != MODEL_SHA256:
        raise CRLSOError(f"{path} is not the YAHPO NB301 surrogate this benchmark is defined by: its SHA-256 is "
                         f"{digest[:16]}…, not {MODEL_SHA256[:16]}…; it is damaged or another version. {FIX}")
    for value in (*graph.input, *graph.output):  # batch dimension 1 -> symbolic, in memory only
        dim = value.type.tensor_type.shape.dim[0]
        dim.ClearField("dim_value")
        dim.dim_param = "batch"
    del graph.value_info[:]  # intermediate shapes (none in this file) would pin the batch to 1
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = THREADS
    options.log_severity_level = 3
    try:
        onnx.checker.check_model(model)
        return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnx's ValidationError, onnxruntime's Fail/InvalidGraph/...
        raise CRLSOError(f"{path} cannot be run as an ONNX model ({type(exc).__name__}: {str(exc)[:160]}). {FIX}") from None


class NB301Surrogate(SurrogateBenchmark):
    """YAHPO Gym's NB301 surrogate: validation accuracy (percent) of any valid cell on
    CIFAR-10 at epoch `epoch`. No test accuracy, no known optimum, no bound on capacity."""

    def __init__(self, session, codes: _Codes, source: str = "", epoch: int = EPOCH):
        super().__init__(NB301Space(), list(DATASETS), TITLE, source)
        self._session, self._codes, self.epoch = session, codes, epoch

    @property
    def capacity(self) -> Optional[int]:
        return None  # about 10^18 cells: more than any budget

    def encode(self, cells: Sequence[Cell]) -> np.ndarray:
        """The model's x_cat for valid cells: int32 [n, 34] in COLUMNS order."""
        bad = next((c for c, ok in zip(cells, self.can_answer(cells)) if not ok), None)
        if bad is not None:
            raise CRLSOError(f"Not a valid NAS-Bench-301 cell: {quoted(bad, 200)}.")
        return self._codes.encode(cells)

    def outputs(self, cells: Sequence[Cell], epoch: Optional[int] = None) -> np.ndarray:
        """The model's raw outputs for valid cells: float32 [n, 2] = validation accuracy
        (percent), runtime (seconds), predicted in chunks of CHUNK cells."""
        x_cat = self.encode(cells)
        out = np.empty((len(cells), 2), dtype=np.float32)
        epoch = self.epoch if epoch is None else epoch
        if not (isinstance(epoch, (int, np.integer)) and 1 <= epoch <= EPOCH):
            raise CRLSOError(f"The NB301 surrogate knows epochs 1 to {EPOCH}, not {quoted(epoch, 40)}.")
        for start in range(0, len(cells), CHUNK):
            chunk = x_cat[start:start + CHUNK]
            x_cont = np.full((len(chunk), 1), float(epoch), dtype=np.float32)
            out[start:start + len(chunk)] = self._session.run(None, {"x_cat": chunk, "x_cont": x_cont})[0]
        return out

    def predict(self, cells: Sequence[Cell], dataset: str) -> np.ndarray:
        self.check_dataset(dataset)
        return self.outputs(cells)[:, 0].astype(np.float64)


def load_nb301(data_dir: str | os.PathLike | None = None) -> NB301Surrogate:
    """The surrogate, its files found through benchmarks.data_dir; cached per pair of files."""
    return _load(*(find_data_file(name, data_dir, HOW_TO_GET[name]).resolve() for name in (MODEL_FILE, ENCODING_FILE)))


@lru_cache(maxsize=4)
def _load(model_path: Path, encoding_path: Path) -> NB301Surrogate:
    codes = _Codes(_read_encoding(encoding_path), encoding_path)
    session = _session(_read_bytes(model_path, MAX_MODEL_BYTES, "NB301 surrogate model"), model_path, codes.sizes)
    benchmark = NB301Surrogate(session, codes, str(model_path))
    probe = benchmark.outputs(benchmark.space.sample(np.random.default_rng(0), 4))
    if not (np.isfinite(probe).all() and ((probe[:, 0] > 0) & (probe[:, 0] <= 100)).all()):
        raise CRLSOError(f"{model_path} runs but predicts no accuracies ({probe[:, 0].tolist()}): it is not the "
                         f"expected model. {FIX}")
    return benchmark


def reference_genotypes(data_dir: str | os.PathLike | None = None) -> list[tuple[Cell, float]]:
    """The 500 reference genotypes and their val_accuracy (percent), in file order: the sample
    the surrogate's ranking is checked on."""
    path = find_data_file(REFERENCE_FILE, data_dir, HOW_TO_GET[REFERENCE_FILE]).resolve()
    fix = "It is not a readable table of NB301 genotypes. " + FIX
    rows = read_rows(path, ("genotype_normal", "genotype_reduce", "val_accuracy"), fix)
    accuracy = number_column(path, rows, "val_accuracy", 0, 100, fix)
    cells = []
    for i, row in enumerate(rows):
        try:
            cells.append(from_naslib(row["genotype_normal"], row["genotype_reduce"]))
        except CRLSOError as exc:
            raise CRLSOError(f"{path}, {where(i)}: {exc} {fix}") from None
    return list(zip(cells, map(float, accuracy)))
