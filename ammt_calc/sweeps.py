"""Parameter sweeps: `--vary` specs, the grid, chunked evaluation, fast CSV and JSON.

(Not `sweep.py`: a submodule of that name would shadow the `ammt_calc.sweep` function of
the Python API.)

The grid is never built point by point. A product grid is cut into blocks that are
contiguous in row order (a range along one axis times every later axis whole), and each
block is evaluated in one call of `solver.evaluate` with the varied values shaped to
broadcast, so a formula that reads one varied parameter is computed once per value of
it. Blocks hold about CHUNK_POINTS points, so memory stays flat however large the grid.

Rows come in C order: the first `--vary` changes slowest, the last fastest (`--zip`: the
i-th value of every spec together). Numbers are written by `numtext` (exactly Python's
'%.12g', vectorised); a column that does not change along an axis of the block is
formatted once per distinct value and repeated.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from . import numtext, render, units
from .catalog import UseCase, suggest
from .errors import UserError
from .solver import Evaluation, evaluate, resolve_inputs

MAX_POINTS = 10_000_000  # larger grids are refused before any work (their CSV would pass 1 GB)
CHUNK_POINTS = 65_536  # points per evaluated block at most: arrays stay in cache, memory stays flat
# Memory is bounded by bytes, not points (docs/limits.md). A block's points are chosen so that
# its columns fit MEMORY_BUDGET; a block whose rows carry long reason texts is written in
# slices of rows that fit it too.
MEMORY_BUDGET = 64 << 20  # 64 MiB for one block: its evaluated arrays and its text
CELL_BYTES = 72  # per number cell of a block (measured with tracemalloc: 69 bytes at 3,200 KPIs)
TEXT_FACTOR = 5  # bytes per character of a row's text while it is formatted and joined (measured: 4.4)
MAX_OUTPUT_BYTES = 2 << 30  # 2 GiB: a larger sweep output is refused unless forced
WIDE_COLUMNS = 32  # a row of more columns is formatted in one call, not column by column
_ROW_WIDTH = 25  # bytes a formatted number cell may take: '%.12g' (at most 18) and its separator
INFEASIBLE_COLUMN = "infeasible"
_COUNT = re.compile(r"\d+")


@dataclass(frozen=True)
class Axis:
    """One varied parameter: its values (magnitudes in `unit`) and how they were asked for."""

    name: str
    values: np.ndarray
    unit: str  # the parameter's catalog unit ("" when dimensionless)
    log: bool = False  # values spaced logarithmically (plots use a log axis)
    spec: str = ""

    def quantity(self, values: np.ndarray | None = None):
        unit = units.parse_unit(self.unit)
        return units.registry().Quantity(self.values if values is None else values, unit)


@dataclass(frozen=True)
class Column:
    name: str
    unit: str
    kind: str  # "parameter" (varied), "derived" (a parameter derived from varied ones) or "kpi"

    @property
    def header(self) -> str:
        return f"{self.name} [{self.unit}]"


@dataclass(frozen=True)
class Grid:
    usecase: UseCase
    axes: tuple[Axis, ...]
    fixed: dict[str, Any]  # --set quantities
    zipped: bool = False
    notes: tuple[str, ...] = ()
    columns: tuple[Column, ...] = field(default=())

    @property
    def shape(self) -> tuple[int, ...]:
        if self.zipped:
            return (len(self.axes[0].values),)
        return tuple(len(a.values) for a in self.axes)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass
class Block:
    """The points start..stop of the grid (row order), evaluated together."""

    start: int
    stop: int
    shape: tuple[int, ...]  # the block's own grid shape; rows are its C-order flattening
    evaluation: Evaluation
    values: dict[str, Any]  # column name -> values broadcastable to `shape`

    def column(self, name: str) -> np.ndarray:
        """One column as a flat array, one value per row."""
        return np.broadcast_to(np.asarray(self.values[name], dtype=float), self.shape).ravel()


# --- specs -------------------------------------------------------------------------------


def parse_vary(items: Sequence[str]) -> dict[str, str]:
    """`--vary NAME=SPEC` options; a parameter varied twice is an error."""
    from .options import parse_pairs

    return parse_pairs(list(items), "--vary", "SPEC", "latency=100ms:10s:50:log")


def parse_spec(uc: UseCase, name: str, spec: str) -> tuple[Axis, list[str]]:
    """START:STOP:COUNT, START:STOP:COUNT:log or v1,v2,...; returns the axis and notes."""
    param = _parameter(uc, name)
    what = f"--vary {name}"
    if ":" in spec:
        parts = [p.strip() for p in spec.split(":")]
        if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "log"):
            raise UserError(f"{what}: '{spec}' is not START:STOP:COUNT or START:STOP:COUNT:log"
                            " (e.g. 10MB:1GB:50:log)")
        log = len(parts) == 4
        count = _count(parts[2], what)
        (start, stop), notes = _magnitudes(param, parts[:2], what)
        if not start < stop:
            raise UserError(f"{what}: START {parts[0]} must be below STOP {parts[1]} (got an empty or reversed range)")
        if log and start <= 0:
            raise UserError(f"{what}: a log range needs START above 0, got {parts[0]}")
        with np.errstate(all="ignore"):  # -1e308:1e308 overflows; _check_range refuses it in one line
            values = np.geomspace(start, stop, count) if log else np.linspace(start, stop, count)
        values[[0, -1]] = start, stop  # exact ends despite rounding in geomspace
    else:
        items = [p.strip() for p in spec.split(",")]
        if not all(items):
            raise UserError(f"{what}: '{spec}' has an empty item; write values as v1,v2,v3 (e.g. 100ms,1s,10s)")
        magnitudes, notes = _magnitudes(param, items, what)
        values, log = np.array(magnitudes, dtype=float), False
        if len(values) > MAX_POINTS:
            raise UserError(f"{what}: {len(values)} values is more than {MAX_POINTS:,}")
    axis = Axis(name, values, param.unit_text, log, spec)
    _check_range(uc, axis)
    return axis, notes


def axis_from_values(uc: UseCase, name: str, values: Any) -> Axis:
    """An axis from the Python API: a spec string, a pint quantity array, or numbers
    (in the parameter's unit) or quantity texts."""
    param = _parameter(uc, name)
    if isinstance(values, str):
        return parse_spec(uc, name, values)[0]
    texts = [] if hasattr(values, "units") else [v for v in np.asarray(values, dtype=object).ravel() if isinstance(v, str)]
    if texts:
        items = [str(v) for v in np.asarray(values, dtype=object).ravel()]
        magnitudes = np.array(_magnitudes(param, items, name)[0], dtype=float)
    else:  # a quantity array, a list of quantities, or numbers: checked as --set values are
        quantity = resolve_inputs(uc, {name: values})[0][name]
        magnitudes = np.asarray(quantity.to(units.parse_quantity(param.default).units).magnitude, dtype=float).ravel()
    if magnitudes.size == 0:
        raise UserError(f"{name}: no values to sweep")
    axis = Axis(name, magnitudes, param.unit_text)
    _check_range(uc, axis)
    return axis


def _parameter(uc: UseCase, name: str):
    param = uc.parameters.get(name)
    if param is None:
        raise UserError(f"use case '{uc.id}' has no parameter '{name}'{suggest(name, uc.parameters)}"
                        f" (parameters: {', '.join(uc.parameters)})")
    return param


def _count(text: str, what: str) -> int:
    if not _COUNT.fullmatch(text) or not 2 <= int(text) <= MAX_POINTS:
        raise UserError(f"{what}: COUNT must be a whole number from 2 to {MAX_POINTS:,}, got '{text}'")
    return int(text)


def _magnitudes(param, texts: Sequence[str], what: str) -> tuple[list[float], list[str]]:
    """Quantity texts in the parameter's unit; bare numbers take that unit (with a note)."""
    default = units.parse_quantity(param.default)
    magnitudes, bare = [], False
    for text in texts:
        quantity = units.parse_quantity(text, default_unit=param.unit_text or None, what=what)
        if not units.same_dimension(quantity, default):
            raise UserError(f"{what}: '{text}' is {units.dimension_text(quantity)}, but {param.name}"
                            f" is {units.dimension_text(default)} (e.g. {param.default})")
        bare |= units.is_bare_number(text)
        magnitudes.append(float(quantity.to(default.units).magnitude))
    notes = [f"{what}: bare numbers taken in {param.unit_text}"] if bare and param.unit_text else []
    return magnitudes, notes


def _check_range(uc: UseCase, axis: Axis) -> None:
    """The parameter's own checks (finite, min, max) on the extreme values, which name them."""
    if not np.all(np.isfinite(axis.values)):
        raise UserError(f"--vary {axis.name}: values must be finite numbers")
    for value in (axis.values.min(), axis.values.max()):
        resolve_inputs(uc, {axis.name: axis.quantity(np.float64(value))})


# --- the grid ----------------------------------------------------------------------------


def plan(uc: UseCase, vary: Mapping[str, Any], settings: Mapping[str, Any] | None = None,
         zipped: bool = False) -> Grid:
    """Check everything and size the grid before any evaluation."""
    settings = dict(settings or {})
    if not vary:
        raise UserError("nothing to sweep: give at least one --vary NAME=SPEC")
    for name in vary:
        if name in settings:
            raise UserError(f"{name} is both varied and set; give it with --vary or --set, not both")
    fixed, notes = resolve_inputs(uc, settings)
    for name, quantity in fixed.items():
        if np.ndim(quantity.magnitude):
            raise UserError(f"{name} is set to several values; vary it (--vary) or set one value")
    axes = []
    for name, spec in vary.items():
        if isinstance(spec, str):
            axis, axis_notes = parse_spec(uc, name, spec)
            notes += axis_notes
        else:
            axis = axis_from_values(uc, name, spec)
        axes.append(axis)
    if zipped:
        lengths = {a.name: len(a.values) for a in axes}
        if len(set(lengths.values())) > 1:
            raise UserError("--zip pairs values, so every --vary needs as many values: "
                            + ", ".join(f"{n} has {k}" for n, k in lengths.items()))
    size = math.prod(len(a.values) for a in axes) if not zipped else len(axes[0].values)
    if size > MAX_POINTS:
        shape = " x ".join(str(len(a.values)) for a in axes)
        raise UserError(f"the grid {shape} has {size:,} points, more than the limit of {MAX_POINTS:,};"
                        " use fewer values per --vary (or --zip)")
    # one point first: a conflict (setting a value and what it is derived from) ends the
    # sweep here, before any output, not after the header
    evaluate(uc, {**fixed, **{a.name: a.quantity(a.values[:1]) for a in axes}})
    return Grid(uc, tuple(axes), fixed, zipped, tuple(notes), _columns(uc, axes))


def _columns(uc: UseCase, axes: Sequence[Axis]) -> tuple[Column, ...]:
    varied = {a.name for a in axes}
    columns = [Column(a.name, a.unit, "parameter") for a in axes]
    for p in uc.parameters.values():
        if p.derive is not None and p.derive.names & varied and p.name not in varied:
            columns.append(Column(p.name, p.unit_text, "derived"))
    columns += [Column(k.name, k.unit, "kpi") for k in uc.kpis.values()]
    return tuple(columns)


def block_points(grid: Grid) -> int:
    """Points per block: as many as fit MEMORY_BUDGET at CELL_BYTES per cell, at most CHUNK_POINTS."""
    return max(1, min(CHUNK_POINTS, MEMORY_BUDGET // (CELL_BYTES * (len(grid.columns) + 1))))


def blocks(grid: Grid, chunk: int | None = None) -> Iterator[Block]:
    """The grid, evaluated block by block in row order."""
    for start, stop, shape, quantities in _block_values(grid, chunk or block_points(grid)):
        evaluation = evaluate(grid.usecase, {**grid.fixed, **quantities})
        values: dict[str, Any] = {name: q.magnitude for name, q in quantities.items()}
        for column in grid.columns:
            if column.kind == "derived":
                values[column.name] = np.asarray(evaluation.parameters[column.name].quantity.magnitude)
            elif column.kind == "kpi":
                values[column.name] = evaluation.kpis[column.name].value
        yield Block(start, stop, shape, evaluation, values)


def _block_values(grid: Grid, chunk: int):
    axes = grid.axes
    if grid.zipped:
        for start in range(0, grid.size, chunk):
            stop = min(start + chunk, grid.size)
            yield start, stop, (stop - start,), {a.name: a.quantity(a.values[start:stop]) for a in axes}
        return
    counts = grid.shape
    split = next(k for k in range(len(counts)) if math.prod(counts[k + 1:]) <= chunk)
    tail = counts[split + 1:]
    step = max(1, chunk // math.prod(tail))
    for prefix in np.ndindex(*counts[:split]):
        for first in range(0, counts[split], step):
            last = min(first + step, counts[split])
            shape = (last - first, *tail)
            quantities = {}
            for j, axis in enumerate(axes):
                if j < split:
                    values = np.asarray(axis.values[prefix[j]])
                elif j == split:
                    values = axis.values[first:last].reshape((-1,) + (1,) * len(tail))
                else:
                    values = axis.values.reshape((1,) * (j - split) + (-1,) + (1,) * (len(counts) - 1 - j))
                quantities[axis.name] = axis.quantity(values)
            start = int(np.ravel_multi_index((*prefix, first, *(0,) * len(tail)), counts))
            yield start, start + math.prod(shape), shape, quantities


# --- infeasible points -------------------------------------------------------------------


def infeasible_reasons(block: Block) -> tuple[np.ndarray, list[dict[str, str]]] | None:
    """Per row, an index into a list of {kpi: reason} for its infeasible KPIs; None if
    every KPI is feasible on the whole block."""
    failing = [k for k in block.evaluation.kpis.values() if k.reasons and not k.feasible.all()]
    if not failing:
        return None
    codes = [np.broadcast_to(k.reason_code, block.shape).ravel().astype(np.int64) for k in failing]
    key, radix = np.zeros(block.stop - block.start, dtype=np.int64), 1  # the codes as digits of one number
    for kpi, code in zip(failing, codes):
        if radix * (len(kpi.reasons) + 1) > 2**62:  # too many combinations for an int64: unique rows
            unique, index = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
            return index.ravel(), [_reasons(failing, row) for row in unique]
        key += code * radix
        radix *= len(kpi.reasons) + 1
    unique, index = np.unique(key, return_inverse=True)
    tables = []
    for value in unique.tolist():
        row = []
        for kpi in failing:
            row.append(value % (len(kpi.reasons) + 1))
            value //= len(kpi.reasons) + 1
        tables.append(_reasons(failing, row))
    return index.ravel(), tables


def _reasons(kpis, codes) -> dict[str, str]:
    return {k.name: k.reasons[int(c) - 1] for k, c in zip(kpis, codes) if c}


def reason_text(reasons: Mapping[str, str]) -> str:
    """`a, b: why; c: why else` (KPIs grouped by their reason)."""
    grouped: dict[str, list[str]] = {}
    for kpi, reason in reasons.items():
        grouped.setdefault(reason, []).append(kpi)
    return "; ".join(f"{', '.join(kpis)}: {reason}" for reason, kpis in grouped.items())


# --- writing -----------------------------------------------------------------------------


def write_csv(grid: Grid, out, on_block: Callable[[Block], None] | None = None, *, force: bool = False) -> None:
    """CSV to the binary stream `out`: a header row `name [unit]`, one row per point.

    An infeasible KPI has an empty cell, and the last column says which KPIs are
    infeasible at that point and why (empty when all are feasible). Refused before
    writing if the output is estimated past MAX_OUTPUT_BYTES, and stopped if it passes
    it, unless `force`.
    """
    header = _csv_line([c.header for c in grid.columns] + [INFEASIBLE_COLUMN]).encode()
    sink = _Capped(out, grid, "csv", force, len(header))
    sink.write(header)
    for block in blocks(grid):
        reasons = infeasible_reasons(block)
        texts = None
        if reasons is not None:
            texts = [_csv_line([reason_text(t)]).rstrip("\n").encode() if t else b"" for t in reasons[1]]

        def row_pieces(values: Callable[[str], tuple[Any, tuple[int, ...]]], rows: slice) -> list:
            pieces: list[numtext.Piece] = []
            if len(grid.columns) > WIDE_COLUMNS:
                pieces.append(_matrix_cells([values(c.name) for c in grid.columns], b"", [], b","))
            else:
                for column in grid.columns:
                    pieces += [_cells(*values(column.name)), b","]
            if texts is not None:
                pieces.append(numtext.text_cells(texts)[reasons[0][rows]])
            pieces.append(b"\n")
            return pieces

        _write_block(sink, block, row_pieces, texts)
        if on_block:
            on_block(block)


def write_json(grid: Grid, out, on_block: Callable[[Block], None] | None = None, *, force: bool = False) -> None:
    """JSON to the binary stream `out`, one row object per line (see README); bounded as write_csv."""
    head = (json.dumps(describe(grid), ensure_ascii=False)[:-1] + ', "rows": [').encode()  # reopen the object
    sink = _Capped(out, grid, "json", force, len(head))
    sink.write(head)
    first = True
    for block in blocks(grid):
        reasons = infeasible_reasons(block)
        texts = None if reasons is None else [json.dumps(t, ensure_ascii=False).encode() for t in reasons[1]]

        def row_pieces(values: Callable[[str], tuple[Any, tuple[int, ...]]], rows: slice) -> list:
            nonlocal first
            n = len(range(*rows.indices(block.stop - block.start)))
            separator = np.tile(np.frombuffer(b",\n", np.uint8), (n, 1))
            if first:
                separator[0, 0] = 0
                first = False
            pieces: list[numtext.Piece] = [separator, b"{"]
            if len(grid.columns) > WIDE_COLUMNS:
                pieces.append(_matrix_cells([values(c.name) for c in grid.columns], b"null",
                                            [f'"{c.name}": '.encode() for c in grid.columns], b", "))
            else:
                for column in grid.columns:
                    pieces += [f'"{column.name}": '.encode(), _cells(*values(column.name), b"null"), b", "]
            pieces.append(f'"{INFEASIBLE_COLUMN}": '.encode())
            pieces.append(b"{}" if texts is None else numtext.text_cells(texts)[reasons[0][rows]])
            pieces.append(b"}")
            return pieces

        _write_block(sink, block, row_pieces, texts)
        if on_block:
            on_block(block)
    sink.write(b"\n]}\n")


def _write_block(sink, block: Block, row_pieces, texts: list[bytes] | None) -> None:
    """A block's rows, in one piece or, when its text would pass MEMORY_BUDGET, in slices of rows."""
    rows = block.stop - block.start
    width = _ROW_WIDTH * (len(block.values) + 2) + max(map(len, texts or [b""]))
    step = max(1, MEMORY_BUDGET // (TEXT_FACTOR * width))
    if step >= rows:  # the whole block: a column constant along an axis is formatted once per value
        sink.write(numtext.join_rows(row_pieces(lambda name: (block.values[name], block.shape), slice(None)), rows))
        return
    for first in range(0, rows, step):
        part = slice(first, min(first + step, rows))
        count = part.stop - part.start
        sink.write(numtext.join_rows(row_pieces(lambda name: (block.column(name)[part], (count,)), part), count))


class _Capped:
    """The output stream, refusing a sweep estimated past MAX_OUTPUT_BYTES before its first
    byte and stopping one that passes it (unless forced)."""

    def __init__(self, out, grid: Grid, fmt: str, force: bool, head: int):
        self.out, self.force, self.written = out, force, 0
        if not force:
            estimate = estimate_output_bytes(grid, fmt, head)
            if estimate > MAX_OUTPUT_BYTES:
                raise UserError(f"the sweep's {fmt.upper()} would be about {_gb(estimate)} ({grid.size:,} rows),"
                                f" more than the limit of {_gb(MAX_OUTPUT_BYTES)}; use fewer points (or fewer KPIs),"
                                " or --force to write it anyway")

    def write(self, data: bytes) -> None:
        self.written += len(data)
        if not self.force and self.written > MAX_OUTPUT_BYTES:
            raise UserError(f"the sweep's output passed the limit of {_gb(MAX_OUTPUT_BYTES)} while it was written;"
                            " use fewer points (or fewer KPIs), or --force to write it anyway")
        self.out.write(data)


def _gb(size: float) -> str:
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


def estimate_output_bytes(grid: Grid, fmt: str = "csv", head: int = 0) -> int:
    """The output's size before it is written: `head` bytes, then every row as long as the
    longer of the grid's first and last rows, written for real (reasons included)."""
    if grid.size <= 2:
        return head + grid.size * 1024
    ends = Grid(grid.usecase, tuple(Axis(a.name, _ends(grid, i), a.unit) for i, a in enumerate(grid.axes)),
                grid.fixed, True, columns=grid.columns)
    buffer = io.BytesIO()
    (write_csv if fmt == "csv" else write_json)(ends, buffer, force=True)
    text = buffer.getvalue()
    if fmt == "csv":
        rows = text.split(b"\n")[1:3]
    else:
        rows = text[text.index(b'"rows": [') + 9:].split(b",\n")[:2]
    return head + grid.size * (max(map(len, rows)) + 1)


def _ends(grid: Grid, i: int) -> np.ndarray:
    """The values of axis i at the grid's first and last points."""
    axis = grid.axes[i]
    return axis.values[[0, -1]]


def describe(grid: Grid) -> dict:
    """What a sweep's JSON says before its rows."""
    at_first_point = {a.name: a.quantity(a.values[0]) for a in grid.axes}
    parameters = evaluate(grid.usecase, {**grid.fixed, **at_first_point}).parameters
    shown = {c.name for c in grid.columns}
    fixed = [{"name": p.name, "value": render.clean_number(float(p.quantity.magnitude)),
              "unit": units.format_unit(p.quantity.units), "origin": p.origin}
             for p in parameters.values() if p.name not in shown]
    return {
        "usecase": grid.usecase.id,
        "grid": "zip" if grid.zipped else "product",
        "points": grid.size,
        "varied": [{"name": a.name, "unit": a.unit, "spec": a.spec, "count": len(a.values), "log": a.log}
                   for a in grid.axes],
        "columns": [{"name": c.name, "unit": c.unit, "kind": c.kind} for c in grid.columns],
        "fixed": fixed,
    }


def _cells(values: Any, shape: tuple[int, ...], nan: bytes = b"") -> np.ndarray:
    """Text cells of one column of a block, one row per point (see module docstring)."""
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


def _constant_along(v: np.ndarray, axis: int) -> bool:
    def at(i):
        return v[(slice(None),) * axis + (slice(i, i + 1),)]

    def same(a, b) -> bool:
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))

    return same(at(0), at(1)) and same(v, at(0))  # the cheap test first


def _csv_line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([render.safe_cell(c) for c in cells])
    return buffer.getvalue()
