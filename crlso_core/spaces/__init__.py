"""Search spaces, one module each; `get_space` picks one by name."""

from ..errors import CRLSOError
from .base import Cell, GraphBatch, SearchSpace
from .nb201 import NB201Space

_SPACES = {"nb201": NB201Space}


def get_space(name: str) -> SearchSpace:
    try:
        return _SPACES[name]()
    except KeyError:
        raise CRLSOError(f"Unknown search space {name!r}; choose one of {', '.join(_SPACES)}.") from None


__all__ = ["Cell", "GraphBatch", "SearchSpace", "NB201Space", "get_space"]
