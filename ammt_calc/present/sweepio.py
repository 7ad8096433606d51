"""Sweep rows streamed to a binary file: CSV and JSON, written block by block.

Numbers are written by `numtext` (exactly Python's '%.12g', vectorised); a column that does
not change along an axis of the block is formatted once per distinct value and repeated.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable, Sequence

import numpy as np

from ..sweeps import INFEASIBLE_COLUMN, Block, Grid, blocks, describe, infeasible_reasons, reason_text
from . import numtext
from .formats import safe_cell


def write_csv(grid: Grid, out, on_block: Callable[[Block], None] | None = None) -> None:
    """CSV to the binary stream `out`: a header row `name [unit]`, one row per point.

    An infeasible KPI has an empty cell, and the last column says which KPIs are
    infeasible at that point and why (empty when all are feasible).
    """
    header = [c.header for c in grid.columns] + [INFEASIBLE_COLUMN]
    out.write(_csv_line(header).encode())
    for block in blocks(grid):
        pieces: list[numtext.Piece] = []
        for column in grid.columns:
            pieces += [_cells(block.values[column.name], block.shape, choices=column.choices), b","]
        reasons = infeasible_reasons(block)
        if reasons is not None:
            index, tables = reasons
            texts = [_csv_line([reason_text(t)]).rstrip("\n").encode() if t else b"" for t in tables]
            pieces.append(numtext.text_cells(texts)[index])
        pieces.append(b"\n")
        out.write(numtext.join_rows(pieces, block.stop - block.start))
        if on_block:
            on_block(block)


def write_json(grid: Grid, out, on_block: Callable[[Block], None] | None = None) -> None:
    """JSON to the binary stream `out`, one row object per line (see README)."""
    head = json.dumps(describe(grid), ensure_ascii=False)[:-1]  # reopen the object for "rows"
    out.write((head + ', "rows": [').encode())
    first = True
    for block in blocks(grid):
        n = block.stop - block.start
        separator = np.tile(np.frombuffer(b",\n", np.uint8), (n, 1))
        if first:
            separator[0, 0] = 0
            first = False
        pieces: list[numtext.Piece] = [separator, b"{"]
        for column in grid.columns:
            pieces += [f'"{column.name}": '.encode(),
                       _cells(block.values[column.name], block.shape, b"null", column.choices, quote=True), b", "]
        pieces.append(f'"{INFEASIBLE_COLUMN}": '.encode())
        reasons = infeasible_reasons(block)
        if reasons is None:
            pieces.append(b"{}")
        else:
            index, tables = reasons
            texts = [json.dumps(t, ensure_ascii=False).encode() for t in tables]
            pieces.append(numtext.text_cells(texts)[index])
        pieces.append(b"}")
        out.write(numtext.join_rows(pieces, n))
        if on_block:
            on_block(block)
    out.write(b"\n]}\n")


def _cells(values: Any, shape: tuple[int, ...], nan: bytes = b"", choices: tuple[str, ...] = (),
           quote: bool = False) -> np.ndarray:
    """Text cells of one column of a block, one row per point (see module docstring); the
    codes of a column with choices as the names (quoted for JSON)."""
    if choices:
        codes = np.broadcast_to(np.asarray(values, dtype=float), shape).ravel()
        index = np.where(np.isfinite(codes), np.nan_to_num(codes), len(choices)).astype(np.int64)
        names = [json.dumps(c).encode() if quote else _csv_line([c]).rstrip("\n").encode() for c in choices]
        return numtext.text_cells([*names, nan])[index]
    v = np.asarray(values, dtype=float)
    v = v.reshape((1,) * (len(shape) - v.ndim) + v.shape)
    for axis in range(v.ndim):
        if v.shape[axis] > 1 and _constant_along(v, axis):
            v = v[(slice(None),) * axis + (slice(0, 1),)]
    v = np.where(np.isfinite(v), v + 0.0, np.nan)  # -0.0 prints as 0; no 'inf' in a table
    cells = numtext.format_numbers(v, nan)
    width = cells.shape[1]
    full = np.broadcast_to(cells.reshape(v.shape + (width,)), tuple(shape) + (width,))
    return full.reshape(-1, width)


def _constant_along(v: np.ndarray, axis: int) -> bool:
    def at(i):
        return v[(slice(None),) * axis + (slice(i, i + 1),)]

    def same(a, b) -> bool:
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))

    return same(at(0), at(1)) and same(v, at(0))  # the cheap test first


def _csv_line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()
