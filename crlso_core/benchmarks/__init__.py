"""Benchmarks, one module each (the oracle's contract is in base.py; where their files are
found, data_dir.py; reading a table file, table_file.py); readers/ turns the official
benchmark files into those tables. The registry in crlso_core.catalog.registry says which
benchmark answers which space."""

from crlso_core.benchmarks.base import (
    NO_TEST,
    Benchmark,
    BudgetExceeded,
    Optimum,
    Oracle,
    QueryRecord,
    SurrogateBenchmark,
    TabularBenchmark,
    Unanswerable,
)

__all__ = [
    "NO_TEST", "Benchmark", "BudgetExceeded", "Optimum", "Oracle", "QueryRecord", "SurrogateBenchmark", "TabularBenchmark",
    "Unanswerable",
]
