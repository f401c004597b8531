"""Benchmarks, one module each; `load_table` picks one by space name."""

from ..errors import CRLSOError
from .base import BenchmarkTable, BudgetExceeded, Oracle, QueryRecord
from .nb201 import load_nb201

_LOADERS = {"nb201": load_nb201}


def load_table(space: str, data_dir=None) -> BenchmarkTable:
    try:
        loader = _LOADERS[space]
    except KeyError:
        raise CRLSOError(f"No benchmark table for space {space!r}; choose one of {', '.join(_LOADERS)}.") from None
    return loader(data_dir)


__all__ = ["BenchmarkTable", "BudgetExceeded", "Oracle", "QueryRecord", "load_table"]
