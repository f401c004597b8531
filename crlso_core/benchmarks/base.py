"""The benchmark contract, its two kinds, and the oracle through which search code sees
accuracies.

A benchmark answers validation accuracy (percent) for the cells it can answer, on each of
its datasets. A *tabular* benchmark holds measured rows (all of a space, as NB201, or part
of one, as NB101's offline 30,001 cells) and may have test accuracy; a *surrogate* benchmark
predicts any valid cell (NB301) and usually has none. Nothing downstream indexes a table:
it asks the benchmark about cells.

The oracle is the budget's bookkeeper: it counts *unique* cells queried, refuses a query
past the budget or for a cell the benchmark cannot answer, and hands search code
validation accuracy only. Test accuracy is read once, for the final report, through
`test_accuracy`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Optional, Sequence

import numpy as np

from crlso_core.common.errors import CRLSOError
from crlso_core.spaces.base import Cell, CellList, SearchSpace

NO_TEST = "no test accuracy in this benchmark"


class BudgetExceeded(CRLSOError):
    """A query past the budget: search code must stop before this happens."""


class Unanswerable(CRLSOError):
    """A query for a cell the benchmark holds no answer for: search code must ask first."""


@dataclass(frozen=True)
class Optimum:
    """The best cell of a benchmark by validation accuracy, and that cell's test accuracy."""

    cell: Cell
    valid: float
    test: Optional[float]  # None when the benchmark has no test accuracy


class Benchmark(ABC):
    kind: ClassVar[str]  # "tabular" or "surrogate"

    def __init__(self, space: SearchSpace, datasets: Sequence[str], title: str, source: str = ""):
        self.space, self.datasets, self.title, self.source = space, tuple(datasets), title, source

    def check_dataset(self, dataset: str) -> None:
        if dataset not in self.datasets:
            raise CRLSOError(f"Unknown dataset {dataset!r} for {self.title}; choose one of {', '.join(self.datasets)}.")

    @abstractmethod
    def can_answer(self, cells: Sequence[Cell]) -> np.ndarray:
        """Bool per cell: does the benchmark hold (or predict) its accuracy."""

    @abstractmethod
    def valid_accuracy(self, cells: Sequence[Cell], dataset: str) -> np.ndarray:
        """Validation accuracy (percent) per cell; NaN for a cell it cannot answer."""

    def has_test(self, dataset: str) -> bool:
        return False

    def test_accuracy(self, cells: Sequence[Cell], dataset: str) -> Optional[np.ndarray]:
        """Test accuracy (percent) per cell, NaN where unknown; None when the benchmark has none."""
        return None

    def optimum(self, dataset: str) -> Optional[Optimum]:
        """The benchmark's best cell by validation accuracy, when it is known."""
        return None

    def listed_cells(self) -> Optional[list[Cell]]:
        """Every cell the benchmark holds, in its own order, when it holds a list (tables)."""
        return None

    @property
    def complete(self) -> bool:
        """Whether it answers every valid cell of its space."""
        return False

    @property
    def capacity(self) -> Optional[int]:
        """How many distinct cells it can answer (None: more than any budget)."""
        listed = self.listed_cells()
        if listed is not None:
            return len(listed)
        return self.space.size if self.complete else None

    def check_budget(self, budget: int) -> None:
        """Refuse a budget it cannot spend: the one check, made before any training (a run,
        a bench) and again by every oracle."""
        if budget < 1:
            raise CRLSOError(f"The query budget must be at least 1, got {budget}.")
        if self.capacity is not None and budget > self.capacity:
            raise CRLSOError(f"A budget of {budget:,} queries is more than the {self.capacity:,} cells {self.title} can answer; "
                             f"choose at most {self.capacity:,}.")

    def sample(self, rng: np.random.Generator, n: int) -> list[Cell]:
        """n distinct random cells it can answer (the space's own sampler when it answers all)."""
        if self.complete:
            return self.space.sample(rng, n)
        listed = self.listed_cells()
        if listed is None:
            raise NotImplementedError(f"{type(self).__name__} must say how to sample cells it can answer")
        if not 0 <= n <= len(listed):
            raise CRLSOError(f"Cannot draw {n} distinct cells from the {len(listed):,} that {self.title} holds.")
        return [listed[int(i)] for i in rng.choice(len(listed), size=n, replace=False)]


@dataclass
class TabularBenchmark(CellList, Benchmark):
    """Measured accuracies (percent) of a list of cells, one row per cell."""

    kind: ClassVar[str] = "tabular"

    space: SearchSpace
    cells: list[Cell]
    valid: dict[str, np.ndarray]  # dataset -> [rows]
    test: dict[str, np.ndarray]  # empty, or one array per dataset
    title: str
    source: str = ""  # the file it was read from
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # e.g. params_mb, arch_index

    def __post_init__(self) -> None:
        Benchmark.__init__(self, self.space, list(self.valid), self.title, self.source)

    def _lookup(self, column: np.ndarray, cells: Sequence[Cell]) -> np.ndarray:
        rows = self.rows(cells)
        out = column[np.maximum(rows, 0)].astype(np.float64)
        out[rows < 0] = np.nan
        return out

    def can_answer(self, cells: Sequence[Cell]) -> np.ndarray:
        return self.rows(cells) >= 0

    def valid_accuracy(self, cells: Sequence[Cell], dataset: str) -> np.ndarray:
        self.check_dataset(dataset)
        return self._lookup(self.valid[dataset], cells)

    def has_test(self, dataset: str) -> bool:
        return dataset in self.test

    def test_accuracy(self, cells: Sequence[Cell], dataset: str) -> Optional[np.ndarray]:
        self.check_dataset(dataset)
        return self._lookup(self.test[dataset], cells) if self.has_test(dataset) else None

    def optimum(self, dataset: str) -> Optional[Optimum]:
        self.check_dataset(dataset)
        row = int(np.argmax(self.valid[dataset]))
        test = float(self.test[dataset][row]) if self.has_test(dataset) else None
        return Optimum(self.cells[row], float(self.valid[dataset][row]), test)

    def listed_cells(self) -> list[Cell]:
        return self.cells

    @property
    def complete(self) -> bool:
        return self.space.size is not None and len(self.cells) == self.space.size


class SurrogateBenchmark(Benchmark):
    """A model that predicts the validation accuracy of any valid cell. Answers are kept, so
    a cell asked twice gets the same answer at no cost."""

    kind: ClassVar[str] = "surrogate"

    def __init__(self, space: SearchSpace, datasets: Sequence[str], title: str, source: str = ""):
        super().__init__(space, datasets, title, source)
        self._answers: dict[tuple[str, Cell], float] = {}

    @abstractmethod
    def predict(self, cells: Sequence[Cell], dataset: str) -> np.ndarray:
        """The surrogate's validation accuracy (percent) of valid cells, in one batch."""

    @property
    def complete(self) -> bool:
        return True

    def can_answer(self, cells: Sequence[Cell]) -> np.ndarray:
        return np.fromiter((self.space.is_valid(c) for c in cells), dtype=bool, count=len(cells))

    def valid_accuracy(self, cells: Sequence[Cell], dataset: str) -> np.ndarray:
        self.check_dataset(dataset)
        missing = [c for c in dict.fromkeys(cells) if (dataset, c) not in self._answers]
        answerable = [c for c, ok in zip(missing, self.can_answer(missing)) if ok]
        if answerable:
            self._answers.update(zip(((dataset, c) for c in answerable), map(float, self.predict(answerable, dataset))))
        return np.array([self._answers.get((dataset, c), np.nan) for c in cells], dtype=np.float64)


@dataclass
class QueryRecord:
    arch: str
    valid_acc: float
    source: str  # what asked for it: "labelled", "crlso", "rea", ...


class Oracle:
    """Answers validation-accuracy queries on one dataset under a budget of unique cells."""

    RANDOM_TRIES = 10_000  # random draws before listing the unseen cells instead

    def __init__(self, benchmark: Benchmark, dataset: str, budget: int):
        benchmark.check_dataset(dataset)
        benchmark.check_budget(budget)
        self.benchmark, self.dataset, self.budget = benchmark, dataset, budget
        self.space = benchmark.space
        self.history: list[QueryRecord] = []
        self.answers: dict[Cell, float] = {}  # every cell queried so far, in order

    @property
    def used(self) -> int:
        return len(self.answers)

    @property
    def remaining(self) -> int:
        return self.budget - self.used

    def seen(self, cell: Cell) -> bool:
        return cell in self.answers

    def can_answer(self, cell: Cell) -> bool:
        return cell in self.answers or bool(self.benchmark.can_answer([cell])[0])

    def query(self, cell: Cell, source: str) -> float:
        """Validation accuracy (percent); a repeat query is free and returns the same answer."""
        if cell in self.answers:
            return self.answers[cell]
        if self.remaining <= 0:
            raise BudgetExceeded(f"The budget of {self.budget} benchmark queries is spent.")
        acc = float(self.benchmark.valid_accuracy([cell], self.dataset)[0])
        if not np.isfinite(acc):
            raise Unanswerable(f"{self.benchmark.title} has no accuracy for the cell {self.space.format(cell)}.")
        self.answers[cell] = acc
        self.history.append(QueryRecord(self.space.format(cell), acc, source))
        return acc

    def random_unseen(self, rng: np.random.Generator) -> Cell:
        """A random cell the benchmark can answer and nobody queried yet. Random draws first
        (the usual case, and what reproducible runs rely on); when they keep hitting known
        cells, a draw among the unseen cells listed outright, so the search always ends."""
        for _ in range(self.RANDOM_TRIES):
            (cell,) = self.benchmark.sample(rng, 1)
            if not self.seen(cell):
                return cell
        listed = self.benchmark.listed_cells()
        if listed is None and self.space.size is not None:
            listed = [c for c in self.space.all_cells() if self.benchmark.can_answer([c])[0]]
        unseen = [c for c in (listed or []) if not self.seen(c)]
        if not unseen:
            raise CRLSOError(f"No cell of {self.benchmark.title} is left unqueried; lower the budget.")
        return unseen[int(rng.integers(len(unseen)))]

    def best(self) -> tuple[Cell, float]:
        """The queried cell with the best validation accuracy."""
        if not self.answers:
            raise CRLSOError("No cell has been queried yet.")
        cell = max(self.answers, key=self.answers.__getitem__)
        return cell, self.answers[cell]

    def test_accuracy(self, cell: Cell) -> Optional[float]:
        """For the final report only; search code must never call this. None when the
        benchmark has no test accuracy."""
        test = self.benchmark.test_accuracy([cell], self.dataset)
        return None if test is None else float(test[0])
