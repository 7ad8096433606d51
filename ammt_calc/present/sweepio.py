"""Sweep rows streamed to a binary file: CSV and JSON, written block by block.

Numbers are written by `numtext` (exactly Python's '%.12g', vectorised); a column that does
not change along an axis of the block is formatted once per distinct value and broadcast.
When the grid has more than one block, the blocks' text is made on up to
`numtext.threads()` threads while the next block is evaluated, and written in order: the
bytes are the same on any number of threads.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable, Sequence

import numpy as np

from ..sweeps import CHUNK_POINTS, INFEASIBLE_COLUMN, Block, Grid, blocks, describe, infeasible_reasons, reason_text
from . import numtext
from .formats import safe_cell


def write_csv(grid: Grid, out, on_block: Callable[[Block], None] | None = None) -> None:
    """CSV to the binary stream `out`: a header row `name [unit]`, one row per point.

    An infeasible KPI has an empty cell, and the last column says which KPIs are
    infeasible at that point and why (empty when all are feasible).
    """
    header = [c.header for c in grid.columns] + [INFEASIBLE_COLUMN]
    out.write(_csv_line(header).encode())

    def rows(block: Block) -> bytes:
        pieces: list[numtext.Piece] = []
        for column in grid.columns:
            pieces += [_cells(block.values[column.name], block.shape, choices=column.choices), b","]
        reasons = infeasible_reasons(block)
        if reasons is not None:
            index, tables = reasons
            texts = [_csv_line([reason_text(t)]).rstrip("\n").encode() if t else b"" for t in tables]
            pieces.append(numtext.Cells(numtext.text_cells(texts).T[:, index]))
        pieces.append(b"\n")
        return numtext.join_rows(pieces, block.stop - block.start, block.shape)

    for block, text in numtext.in_order(rows, blocks(grid), _threads(grid)):
        out.write(text)
        if on_block:
            on_block(block)


def write_json(grid: Grid, out, on_block: Callable[[Block], None] | None = None) -> None:
    """JSON to the binary stream `out`, one row object per line (see README)."""
    head = json.dumps(describe(grid), ensure_ascii=False)[:-1]  # reopen the object for "rows"
    out.write((head + ', "rows": [').encode())

    def rows(block: Block) -> bytes:
        n = block.stop - block.start
        separator = np.tile(np.frombuffer(b",\n", np.uint8)[:, None], (1, n))
        if block.start == 0:
            separator[0, 0] = 0
        pieces: list[numtext.Piece] = [numtext.Cells(separator), b"{"]
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
            pieces.append(numtext.Cells(numtext.text_cells(texts).T[:, index]))
        pieces.append(b"}")
        return numtext.join_rows(pieces, n, block.shape)

    for block, text in numtext.in_order(rows, blocks(grid), _threads(grid)):
        out.write(text)
        if on_block:
            on_block(block)
    out.write(b"\n]}\n")


def _threads(grid: Grid) -> int:
    """Format on several threads where it pays: more than one block."""
    return numtext.threads() if grid.size > CHUNK_POINTS else 1




def _cells(values: Any, shape: tuple[int, ...], nan: bytes = b"", choices: tuple[str, ...] = (),
           quote: bool = False) -> numtext.Cells:
    """Text cells of one column of a block (see numtext.column_cells); the codes of a column
    with choices as the names (quoted for JSON)."""
    if choices:
        codes = np.broadcast_to(np.asarray(values, dtype=float), shape).ravel()
        index = np.where(np.isfinite(codes), np.nan_to_num(codes), len(choices)).astype(np.int64)
        names = [json.dumps(c).encode() if quote else _csv_line([c]).rstrip("\n").encode() for c in choices]
        return numtext.Cells(numtext.text_cells([*names, nan]).T[:, index])
    return numtext.column_cells(values, shape, nan)


def _csv_line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()
