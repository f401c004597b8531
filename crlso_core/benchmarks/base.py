"""Benchmark tables and the oracle through which search code sees accuracies.

The oracle is the budget's bookkeeper: it counts *unique* cells queried, refuses a query
past the budget, and hands search code validation accuracy only. Test accuracy is read
once, for the final report, through `test_accuracy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..errors import CRLSOError
from ..spaces.base import Cell, SearchSpace


class BudgetExceeded(CRLSOError):
    """A query past the budget: search code must stop before this happens."""


@dataclass
class BenchmarkTable:
    """Accuracies (percent) of a set of cells, one row per cell."""

    space: SearchSpace
    cells: list[Cell]
    valid: dict[str, np.ndarray]  # dataset -> [rows]
    test: dict[str, np.ndarray]
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # e.g. params_mb, arch_index
    _row: dict[Cell, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._row = {cell: i for i, cell in enumerate(self.cells)}

    @property
    def datasets(self) -> list[str]:
        return list(self.valid)

    def check_dataset(self, dataset: str) -> None:
        if dataset not in self.valid:
            raise CRLSOError(f"Unknown dataset {dataset!r}; choose one of {', '.join(self.valid)}.")

    def row(self, cell: Cell) -> int:
        try:
            return self._row[cell]
        except KeyError:
            raise CRLSOError(f"Cell {self.space.format(cell)} is not in the benchmark table.") from None

    def rows(self, cells: Sequence[Cell]) -> np.ndarray:
        return np.fromiter((self.row(c) for c in cells), dtype=np.int64, count=len(cells))

    def __len__(self) -> int:
        return len(self.cells)


@dataclass
class QueryRecord:
    arch: str
    valid_acc: float
    source: str  # what asked for it: "labelled", "crlso", "rea", ...


class Oracle:
    """Answers validation-accuracy queries on one dataset under a budget of unique cells."""

    def __init__(self, table: BenchmarkTable, dataset: str, budget: int):
        table.check_dataset(dataset)
        if budget < 1:
            raise CRLSOError(f"The query budget must be at least 1, got {budget}.")
        self.table, self.dataset, self.budget = table, dataset, budget
        self._valid = table.valid[dataset]
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

    def query(self, cell: Cell, source: str) -> float:
        """Validation accuracy (percent); a repeat query is free and returns the same answer."""
        if cell in self.answers:
            return self.answers[cell]
        if self.remaining <= 0:
            raise BudgetExceeded(f"The budget of {self.budget} benchmark queries is spent.")
        acc = float(self._valid[self.table.row(cell)])
        self.answers[cell] = acc
        self.history.append(QueryRecord(self.table.space.format(cell), acc, source))
        return acc

    def best(self) -> tuple[Cell, float]:
        """The queried cell with the best validation accuracy."""
        if not self.answers:
            raise CRLSOError("No cell has been queried yet.")
        cell = max(self.answers, key=self.answers.__getitem__)
        return cell, self.answers[cell]

    def test_accuracy(self, cell: Cell) -> float:
        """For the final report only; search code must never call this."""
        return float(self.table.test[self.dataset][self.table.row(cell)])
