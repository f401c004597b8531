"""Type checks of dataclasses built from files (a run's config and summary), read off their
own annotations: a file may come from anyone, so a value of the wrong type is one clear
error here, not a crash three calls later."""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

from crlso_core.common.errors import CRLSOError, quoted

_SIMPLE = {"int": int, "float": (int, float), "bool": bool, "str": str}


def _fits(value: Any, annotation: str) -> bool:
    annotation = annotation.replace(" ", "")
    if annotation.startswith("Optional[") and annotation.endswith("]"):
        return value is None or _fits(value, annotation[len("Optional["):-1])
    if annotation in _SIMPLE:
        if isinstance(value, bool) and annotation != "bool":
            return False  # True is an int to Python, never a size or a seed to us
        if annotation == "float":
            return isinstance(value, (int, float)) and math.isfinite(value)
        return isinstance(value, _SIMPLE[annotation])
    if annotation.startswith("tuple[float"):
        return isinstance(value, (tuple, list)) and all(_fits(v, "float") for v in value)
    if annotation.startswith("list[float]"):
        return isinstance(value, (tuple, list)) and all(_fits(v, "float") for v in value)
    if annotation.startswith("dict[str,float]"):
        return isinstance(value, dict) and all(isinstance(k, str) and _fits(v, "float") for k, v in value.items())
    if annotation.startswith("dict["):
        return isinstance(value, dict)
    return True  # nested dataclasses check themselves


def check_types(instance: Any, where: str) -> None:
    """Raise CRLSOError naming the first field whose value does not fit its annotation."""
    for f in fields(instance):
        value = getattr(instance, f.name)
        if not _fits(value, str(f.type)):
            raise CRLSOError(f"{where}: {f.name} must be {f.type}, got {quoted(value, 40)}.")


def _num(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def check_ranges(instance: Any, where: str, ranges: dict[str, tuple[float, float]]) -> None:
    """Raise CRLSOError naming the first field outside its [low, high] range."""
    for name, (low, high) in ranges.items():
        value = getattr(instance, name)
        if value is not None and not low <= value <= high:
            raise CRLSOError(f"{where}: {name} must be between {_num(low)} and {_num(high)}, got {quoted(value, 40)}.")
