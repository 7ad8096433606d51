"""Reference tables shipped as CSV under catalog/_data/ (lines starting with '#' are comments)."""

from __future__ import annotations

import csv
import functools

from ..files import builtin_dir


@functools.lru_cache(maxsize=None)
def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of catalog/_data/NAME as dicts of text (empty cells are '')."""
    path = builtin_dir() / "_data" / name
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#")]
    return tuple(csv.DictReader(lines))
