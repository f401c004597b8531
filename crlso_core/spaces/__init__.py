"""Search spaces, one module each (nb201.py) or one package (nb101/, nb301/), on the contract in
base.py; crlso_core.catalog.registry picks one by name."""

from crlso_core.spaces.base import Cell, GraphBatch, SearchSpace
from crlso_core.spaces.drawing import CellDrawing, DrawnEdge, DrawnNode
from crlso_core.spaces.nb201 import NB201Space

__all__ = ["Cell", "GraphBatch", "SearchSpace", "CellDrawing", "DrawnEdge", "DrawnNode", "NB201Space"]
