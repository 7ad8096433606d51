"""Sweep rows streamed to a binary file: CSV and JSON, written block by block.

Numbers are written by `numtext` (exactly Python's '%.12g', vectorised); a column that does
not change along an axis of the block is formatted once per distinct value and broadcast.
When the grid has more than one block, the blocks' text is made on up to
`numtext.threads()` threads while the next block is evaluated, and written in order: the
bytes are the same on any number of threads.

Bounded by bytes (docs/limits.md): a block whose rows carry long reason texts is written in
slices of rows that fit sweeps.MEMORY_BUDGET; a row of many columns is formatted in one
call; blocks made smaller by the budget (wide rows) are formatted on one thread, so that
one block is in memory at a time; the output is estimated before its first byte and
refused past sweeps.MAX_OUTPUT_BYTES (and stopped if it passes it) unless `force`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from ..engine import sweeps
from ..engine.sweeps import (
    Axis,
    Block,
    Grid,
    blocks,
    describe,
    infeasible_reasons,
    reason_columns,
    reason_text,
)
from ..errors import UserError
from . import numtext
from .formats import safe_cell

WIDE_COLUMNS = 32  # a row of more columns is formatted in one call, not column by column
_ROW_WIDTH = 25  # bytes a formatted number cell may take: '%.12g' (at most 18) and its separator
# bytes held per character of a row's text while its block is formatted and joined: the
# row-major table (about the text's width with its zero bytes), the text itself, the number
# words of the columns; measured 0.9 on a 1000 x 1000 sweep of 21 columns (the
# transposed writer before it held 4.4)
_TEXT_FACTOR = 2


def write_csv(grid: Grid, out, on_block: Callable[[Block], None] | None = None, *, force: bool = False) -> None:
    """CSV to the binary stream `out`: a header row `name [unit]`, one row per point.

    An infeasible KPI has an empty cell, and the last column says which KPIs are
    infeasible at that point and why (empty when all are feasible). Refused before
    writing if the output is estimated past sweeps.MAX_OUTPUT_BYTES, and stopped if it
    passes it, unless `force`.
    """
    names = reason_columns(grid.usecase)
    header = _csv_line([c.header for c in grid.columns] + list(names)).encode()
    sink = _Capped(out, grid, "csv", force, len(header))
    sink.write(header)

    def rows(block: Block) -> Iterable[bytes | bytearray]:
        found = []  # per reason column: (reasons, their texts) or None
        for name in names:
            reasons = infeasible_reasons(block, name)
            found.append(None if reasons is None else
                         (reasons, [_csv_line([reason_text(t)]).rstrip("\n").encode() if t else b"" for t in reasons[1]]))

        def pieces(values: Callable[[str], tuple[Any, tuple[int, ...]]], part: slice) -> list:
            out: list[numtext.Piece] = []
            if _wide(grid):
                out.append(_matrix_cells([values(c.name) for c in grid.columns], b"", [], b","))
            else:
                for column in grid.columns:
                    out.append(_cells(*values(column.name), choices=column.choices, after=b","))
            for j, entry in enumerate(found):
                if j:
                    out.append(b",")
                if entry is not None:
                    out.append(_reason_cells(entry[1], entry[0][0], part))
            out.append(b"\n")
            return out

        return _block_text(block, pieces, _all_texts(found))

    _stream(grid, rows, sink, on_block)


def write_json(grid: Grid, out, on_block: Callable[[Block], None] | None = None, *, force: bool = False) -> None:
    """JSON to the binary stream `out`, one row object per line (see README); bounded as write_csv."""
    head = (json.dumps(describe(grid), ensure_ascii=False)[:-1] + ', "rows": [').encode()  # reopen the object
    sink = _Capped(out, grid, "json", force, len(head))
    sink.write(head)

    names = reason_columns(grid.usecase)

    def rows(block: Block) -> Iterable[bytes | bytearray]:
        found = []
        for name in names:
            reasons = infeasible_reasons(block, name)
            found.append(None if reasons is None else
                         (reasons, [json.dumps(t, ensure_ascii=False).encode() for t in reasons[1]]))

        def pieces(values: Callable[[str], tuple[Any, tuple[int, ...]]], part: slice) -> list:
            n = len(range(*part.indices(block.stop - block.start)))
            separator = np.tile(np.frombuffer(b",\n", np.uint8), (n, 1))
            if block.start == 0 and not part.start:
                separator[0, 0] = 0
            out: list[numtext.Piece] = [separator, b"{"]
            if _wide(grid):
                out.append(_matrix_cells([values(c.name) for c in grid.columns], b"null",
                                         [f'"{c.name}": '.encode() for c in grid.columns], b", "))
            else:
                for column in grid.columns:
                    out += [f'"{column.name}": '.encode(),
                            _cells(*values(column.name), b"null", column.choices, quote=True, after=b", ")]
            for j, (name, entry) in enumerate(zip(names, found)):
                out.append(f'{", " if j else ""}"{name}": '.encode())
                out.append(b"{}" if entry is None else _reason_cells(entry[1], entry[0][0], part))
            out.append(b"}")
            return out

        return _block_text(block, pieces, _all_texts(found))

    _stream(grid, rows, sink, on_block)
    sink.write(b"\n]}\n")


def _all_texts(found: list) -> list[bytes] | None:
    """The widest reason texts of a block's columns side by side (None when there are none):
    what sizes its slices."""
    widest = [max(entry[1], key=len) for entry in found if entry is not None]
    return [b"".join(widest)] if widest else None


def _stream(grid: Grid, rows: Callable[[Block], Iterable[bytes | bytearray]], sink, on_block) -> None:
    """Every block's text into `sink` in row order (formatted on several threads where it pays)."""
    numtext.keep_freed_memory()
    for block, text in numtext.in_order(rows, blocks(grid), _threads(grid)):
        sink.write_all(text)
        if on_block:
            on_block(block)


def _block_text(block: Block, pieces, texts: list[bytes] | None) -> Iterable[bytes | bytearray]:
    """A block's rows, in chunks to be written in turn: made at once or, when its text would
    pass the memory budget, in slices of rows made one at a time as they are written (a generator)."""
    rows = block.stop - block.start
    width = _ROW_WIDTH * (len(block.values) + 2) + max(map(len, texts or [b""]))
    step = max(1, sweeps.MEMORY_BUDGET // (_TEXT_FACTOR * width))
    if step >= rows:  # the whole block: a column constant along an axis is formatted once per value
        return numtext.row_chunks(pieces(lambda name: (block.values[name], block.shape), slice(None)), rows,
                                  block.shape)
    return _slices(block, pieces, rows, step)


def _slices(block: Block, pieces, rows: int, step: int) -> Iterator[bytes | bytearray]:
    """Slices of whole rows of the block's first axis where `step` holds one or more, so that
    a column constant along the other axes is still formatted once per value; else flat."""
    shape = block.shape
    inner = math.prod(shape[1:])
    if len(shape) > 1 and step >= inner:
        per = step // inner
        for i in range(0, shape[0], per):
            j = min(i + per, shape[0])
            part, sub_shape = slice(i * inner, j * inner), (j - i, *shape[1:])
            yield from numtext.row_chunks(pieces(lambda name: (_first_axis(block.values[name], shape, i, j), sub_shape),
                                                 part), (j - i) * inner, sub_shape)
        return
    for first in range(0, rows, step):
        part = slice(first, min(first + step, rows))
        count = part.stop - part.start
        yield from numtext.row_chunks(pieces(lambda name: (block.column(name)[part], (count,)), part), count, (count,))


def _first_axis(values, shape: tuple[int, ...], first: int, last: int) -> np.ndarray:
    """Rows first..last along the block's first axis of values broadcastable to `shape`."""
    v = np.asarray(values, dtype=float)
    v = v.reshape((1,) * (len(shape) - v.ndim) + v.shape)
    return v if v.shape[0] == 1 else v[first:last]


def _reason_cells(texts: list[bytes], index: np.ndarray, part: slice) -> numtext.Piece:
    return numtext.Chosen(numtext.text_cells(texts), index[part])


def _threads(grid: Grid) -> int:
    """Format on several threads where the grid has more than one block: threads + 1 blocks
    are in flight at once (numtext.in_order), each within the memory budget (docs/limits.md)."""
    return 1 if grid.size <= sweeps.block_points(grid) else numtext.threads()


class _Capped:
    """The output stream, refusing a sweep estimated past sweeps.MAX_OUTPUT_BYTES before its first
    byte and stopping one that passes it (unless forced)."""

    def __init__(self, out, grid: Grid, fmt: str, force: bool, head: int):
        self.out, self.force, self.written = out, force, 0
        if not force:
            estimate = estimate_output_bytes(grid, fmt, head)
            if estimate > sweeps.MAX_OUTPUT_BYTES:
                raise UserError(f"the sweep's {fmt.upper()} would be about {_gb(estimate)} ({grid.size:,} rows),"
                                f" more than the limit of {_gb(sweeps.MAX_OUTPUT_BYTES)}; nothing was written. Use"
                                f" -o FILE.parquet (at most about {_gb(parquet_estimate(grid))}), fewer points (or"
                                " fewer KPIs), or --force to write it anyway")

    def write_all(self, text: bytes | bytearray | Iterable[bytes]) -> None:
        for chunk in [text] if isinstance(text, (bytes, bytearray, memoryview)) else text:
            self.write(chunk)

    def write(self, data: bytes) -> None:
        self.written += len(data)
        if not self.force and self.written > sweeps.MAX_OUTPUT_BYTES:
            raise UserError(f"the sweep's output passed the limit of {_gb(sweeps.MAX_OUTPUT_BYTES)} while it was written;"
                            " use fewer points (or fewer KPIs), or --force to write it anyway")
        self.out.write(data)


def _gb(size: float) -> str:
    if size >= 2**30:
        return f"{size / 2**30:.1f} GiB"
    return f"{size / 2**20:.0f} MiB" if size >= 2**20 else f"{size:,} bytes"


def parquet_estimate(grid: Grid) -> int:
    """An upper bound of the sweep's Parquet size: 8 bytes per number (zstd makes it smaller)
    and 4 per row and reason column (dictionary indices)."""
    return grid.size * (8 * len(grid.columns) + 4 * len(reason_columns(grid.usecase)))


def estimate_output_bytes(grid: Grid, fmt: str = "csv", head: int = 0) -> int:
    """The output's size before it is written: `head` bytes, then every row as long as the
    longer of the grid's first and last rows, written for real (reasons included)."""
    if grid.size <= 2:
        return head + grid.size * 1024
    ends = dataclasses.replace(grid, axes=tuple(Axis(a.name, a.values[[0, -1]], a.unit) for a in grid.axes),
                               zipped=True)
    buffer = io.BytesIO()
    (write_csv if fmt == "csv" else write_json)(ends, buffer, force=True)
    text = buffer.getvalue()
    if fmt == "csv":
        rows = text.split(b"\n")[1:3]
    else:
        rows = text[text.index(b'"rows": [') + 9:].split(b",\n")[:2]
    return head + grid.size * (max(map(len, rows)) + 1)


def _wide(grid: Grid) -> bool:
    """Rows of many numeric columns are formatted in one call (choices are names, not numbers)."""
    return len(grid.columns) > WIDE_COLUMNS and not any(c.choices for c in grid.columns)


def _cells(values: Any, shape: tuple[int, ...], nan: bytes = b"", choices: tuple[str, ...] = (),
           quote: bool = False, after: bytes = b"") -> numtext.Piece:
    """Text cells of one column of a block, each followed by `after` (see numtext.column_cells);
    the codes of a column with choices as the names (quoted for JSON)."""
    if choices:
        codes = np.broadcast_to(np.asarray(values, dtype=float), shape).ravel()
        index = np.where(np.isfinite(codes), np.nan_to_num(codes), len(choices)).astype(np.int64)
        names = [json.dumps(c).encode() if quote else _csv_line([c]).rstrip("\n").encode() for c in choices]
        return numtext.Chosen(numtext.text_cells([t + after for t in (*names, nan)]), index)
    return numtext.column_cells(values, shape, nan, after)


def _matrix_cells(columns: list[tuple[Any, tuple[int, ...]]], nan: bytes, before: list[bytes],
                  after: bytes) -> np.ndarray:
    """The cells of many columns formatted in one call (a wide row: thousands of KPIs), each
    cell with `before[j]` (a JSON key) and `after` (a separator), as one (rows, width) matrix."""
    shape = columns[0][1]
    rows = math.prod(shape)
    v = np.empty((rows, len(columns)))
    for j, (values, _) in enumerate(columns):
        v[:, j] = np.broadcast_to(np.asarray(values, dtype=float), shape).ravel()
    v = np.where(np.isfinite(v), v + 0.0, np.nan)  # -0.0 prints as 0; no 'inf' in a table
    cells = numtext.format_numbers(v, nan)
    parts = [cells.reshape(rows, len(columns), -1)]
    if before:
        parts.insert(0, np.broadcast_to(numtext.text_cells(before), (rows, *numtext.text_cells(before).shape)))
    tail = np.frombuffer(after, np.uint8)
    parts.append(np.broadcast_to(tail, (rows, len(columns), len(tail))))
    return np.concatenate(parts, axis=2).reshape(rows, -1)


def _csv_line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()
