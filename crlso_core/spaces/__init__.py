"""Search spaces, one module each; crlso_core.registry picks one by name."""

from .base import Cell, GraphBatch, SearchSpace
from .drawing import CellDrawing, DrawnEdge, DrawnNode
from .nb201 import NB201Space

__all__ = ["Cell", "GraphBatch", "SearchSpace", "CellDrawing", "DrawnEdge", "DrawnNode", "NB201Space"]
