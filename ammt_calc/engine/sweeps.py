"""Parameter sweeps: `--vary` specs, the grid, chunked evaluation (writers: present/sweepio.py).

(Not `sweep.py`: a submodule of that name would shadow the `ammt_calc.sweep` function of
the Python API.)

The grid is never built point by point. A product grid is cut into blocks that are
contiguous in row order (a range along one axis times every later axis whole), and each
block is evaluated in one call of `solver.evaluate` with the varied values shaped to
broadcast, so a formula that reads one varied parameter is computed once per value of
it. Blocks hold about CHUNK_POINTS points, so memory stays flat however large the grid.

Rows come in C order: the first `--vary` changes slowest, the last fastest (`--zip`: the
i-th value of every spec together).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from ..errors import UserError, suggest
from ..units import registry as units
from ..units.numbers import clean_number
from ..usecases.domain import UseCase
from ..usecases.values import parse_setting
from .evaluation import Evaluation, evaluate, refuse_presets_across, resolve_inputs

MAX_POINTS = 10_000_000  # larger grids are refused before any work (their CSV would pass 1 GB)
CHUNK_POINTS = 65_536  # points per evaluated block at most: arrays stay in cache, memory stays flat
# Memory is bounded by bytes, not points (docs/limits.md). A block's points are chosen so that
# its columns fit MEMORY_BUDGET; a block whose rows carry long reason texts is written in
# slices of rows that fit it too.
MEMORY_BUDGET = 64 << 20  # 64 MiB for one block: its evaluated arrays and its text
CELL_BYTES = 72  # per number cell of a block (measured with tracemalloc: 69 bytes at 3,200 KPIs)
MAX_OUTPUT_BYTES = 2 << 30  # 2 GiB: a larger sweep output is refused unless forced
INFEASIBLE_COLUMN = "infeasible"
NOT_APPLICABLE_COLUMN = "not_applicable"  # only for use cases with a KPI that may not apply


@dataclass(frozen=True)
class Axis:
    """One varied parameter: its values (magnitudes in `unit`) and how they were asked for."""

    name: str
    values: np.ndarray
    unit: str  # the parameter's catalog unit ("" when dimensionless)
    log: bool = False  # values spaced logarithmically (plots use a log axis)
    spec: str = ""
    choices: tuple[str, ...] = ()  # a categorical parameter: values are the codes of these

    def quantity(self, values: np.ndarray | None = None):
        unit = units.parse_unit(self.unit)
        return units.quantity(self.values if values is None else values, unit)


@dataclass(frozen=True)
class Column:
    name: str
    unit: str  # the machine unit (units/machine.py) or the one asked for with --unit
    kind: str  # "parameter" (varied), "derived" (a parameter derived from varied ones) or "kpi"
    choices: tuple[str, ...] = ()  # values are codes of these names, written as the names
    scale: float = 1.0  # from the catalog's unit (what the engine computes in) to `unit`

    @property
    def header(self) -> str:
        return f"{self.name} [{self.unit}]"


@dataclass(frozen=True)
class Grid:
    usecase: UseCase
    axes: tuple[Axis, ...]
    fixed: dict[str, Any]  # --set quantities
    origins: dict[str, str]  # where a fixed value came from when not simply set ("zoo: vgg16")
    zipped: bool = False
    notes: tuple[str, ...] = ()
    columns: tuple[Column, ...] = field(default=())
    transport: Any = None  # a transport.TransportSpec: its KPIs are columns too
    cell: Any = None  # a cells.Cell at a site: each flow's reach is a column too

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
    from .settings import parse_pairs

    return parse_pairs(list(items), "--vary", "SPEC", "latency=100ms:10s:50:log")


def parse_spec(uc: UseCase, name: str, spec: str) -> tuple[Axis, list[str]]:
    """START:STOP:COUNT, START:STOP:COUNT:log or v1,v2,...; returns the axis and notes."""
    param = parameter(uc, name)
    what = f"--vary {name}"
    if param.choices:
        return _choice_axis(uc, param, spec, what), []
    if ":" in spec:
        parts = [p.strip() for p in spec.split(":")]
        if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "log"):
            raise UserError(f"{what}: '{spec}' is not START:STOP:COUNT or START:STOP:COUNT:log"
                            " (e.g. 10MB:1GB:50:log)")
        log = len(parts) == 4
        count = _count(parts[2], what)
        (start, stop), notes = unit_magnitudes(param, parts[:2], what)
        if not start < stop:
            raise UserError(f"{what}: START {parts[0]} must be below STOP {parts[1]} (got an empty or reversed range)")
        if log and start <= 0:
            raise UserError(f"{what}: a log range needs START above 0, got {parts[0]}")
        with np.errstate(all="ignore"):  # -1e308:1e308 overflows; _check_range refuses it in one line
            values = np.geomspace(start, stop, count) if log else np.linspace(start, stop, count)
        values[[0, -1]] = start, stop  # exact ends despite rounding in geomspace
    else:
        if spec.count(",") >= MAX_POINTS:  # counted before the list is made (1e7 values took 60 s)
            raise UserError(f"{what}: more than {MAX_POINTS:,} values")
        items = [p.strip() for p in spec.split(",")]
        if not all(items):
            raise UserError(f"{what}: '{spec}' has an empty item; write values as v1,v2,v3 (e.g. 100ms,1s,10s)")
        magnitudes, notes = unit_magnitudes(param, items, what)
        values, log = np.array(magnitudes, dtype=float), False
        if len(values) > MAX_POINTS:
            raise UserError(f"{what}: {len(values)} values is more than {MAX_POINTS:,}")
    axis = Axis(name, values, param.unit_text, log, spec)
    _check_range(uc, axis)
    return axis, notes


def _choice_axis(uc: UseCase, param, spec: str, what: str) -> Axis:
    """`--vary schedule=pipelined,sequential`: the choices named, in the order given."""
    items = [p.strip() for p in spec.split(",")]
    if not all(items):
        raise UserError(f"{what}: '{spec}' has an empty item; name choices as a,b ({', '.join(param.choices)})")
    try:
        codes = [param.choice_code(item) for item in items]
    except UserError as exc:
        raise UserError(f"{what}: {exc}") from None
    return Axis(param.name, np.array(codes, dtype=float), "", False, spec, param.choices)


def axis_from_values(uc: UseCase, name: str, values: Any) -> Axis:
    """An axis from the Python API: a spec string, a quantity array (ammt_calc.quantity), or numbers
    (in the parameter's unit) or quantity texts."""
    param = parameter(uc, name)
    if isinstance(values, str):
        return parse_spec(uc, name, values)[0]
    if param.choices:
        return _choice_axis(uc, param, ",".join(str(v) for v in np.asarray(values, dtype=object).ravel()), name)
    texts = [] if hasattr(values, "units") else [v for v in np.asarray(values, dtype=object).ravel() if isinstance(v, str)]
    if texts:
        items = [str(v) for v in np.asarray(values, dtype=object).ravel()]
        magnitudes = np.array(unit_magnitudes(param, items, name)[0], dtype=float)
    else:  # a quantity array, a list of quantities, or numbers: checked as --set values are
        quantity = resolve_inputs(uc, {name: values})[0][name]
        magnitudes = np.asarray(quantity.to(param.unit).magnitude, dtype=float).ravel()
    if magnitudes.size == 0:
        raise UserError(f"{name}: no values to sweep")
    spec = ",".join(f"{v:.12g} {param.unit_text}".strip() for v in magnitudes.tolist())  # as --vary would write them
    axis = Axis(name, magnitudes, param.unit_text, spec=spec)
    _check_range(uc, axis)
    return axis


def parameter(uc: UseCase, name: str):
    param = uc.parameters.get(name)
    if param is None:
        raise UserError(f"use case '{uc.id}' has no parameter '{name}'{suggest(name, uc.parameters)}"
                        f" (parameters: {', '.join(uc.parameters)})")
    return param


def _count(text: str, what: str) -> int:
    from ..units.numbers import whole_number

    return whole_number(text, f"{what}: COUNT", 2, MAX_POINTS)


def unit_magnitudes(param, texts: Sequence[str], what: str) -> tuple[list[float], list[str]]:
    """Values written for the parameter (`usecases.values.parse_setting`), as magnitudes in its unit."""
    default_unit = param.unit
    return [float(parse_setting(param, text, what).to(default_unit).magnitude) for text in texts], []


def _check_range(uc: UseCase, axis: Axis) -> None:
    """The parameter's own checks (finite, min, max) on the extreme values, which name them."""
    if not np.all(np.isfinite(axis.values)):
        raise UserError(f"--vary {axis.name}: values must be finite numbers")
    for value in (axis.values.min(), axis.values.max()):
        resolve_inputs(uc, {axis.name: axis.quantity(np.float64(value))})


# --- the grid ----------------------------------------------------------------------------


def plan(uc: UseCase, vary: Mapping[str, Any], settings: Mapping[str, Any] | None = None,
         zipped: bool = False, origins: Mapping[str, str] | None = None, notes: Sequence[str] = (),
         transport=None, cell=None, unit_options: Mapping[str, str] | None = None) -> Grid:
    """Check everything and size the grid before any evaluation."""
    settings = dict(settings or {})
    if transport is not None:
        from ..network.transport import parse_transport

        transport = parse_transport(transport)
    if not vary:
        raise UserError("nothing to sweep: give at least one --vary NAME=SPEC")
    for name in vary:
        if name in settings:
            raise UserError(f"{name} is both varied and set; give it with --vary or --set, not both")
    fixed, more_notes = resolve_inputs(uc, settings)
    notes = [*notes, *more_notes]
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
    axes = _rebased_presets(uc, vary, fixed, axes, notes)
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
    evaluate(uc, {**fixed, **{a.name: a.quantity(a.values[:1]) for a in axes}}, transport=transport, cell=cell)
    notes += reach_notes(uc, cell)
    return Grid(uc, tuple(axes), fixed, dict(origins or {}), zipped, tuple(notes),
                columns_for(uc, axes, transport, cell, unit_options), transport, cell)


def _rebased_presets(uc: UseCase, vary: Mapping[str, Any], fixed: Mapping[str, Any], axes: list[Axis], notes: list[str]) -> list[Axis]:
    """Compression presets on an axis, rebased to the fixed bits_per_param as `--set` does
    (precision.rebased); with bits_per_param varied, a preset's ratio beyond it would change
    along that axis: refused, with the number to give instead."""
    from ..units.precision import compression_preset, rebased

    if "bits_per_param" not in uc.parameters:
        return axes
    param = uc.parameters.get
    given = {name: [p.strip() for p in spec.split(",")] if isinstance(spec, str) and ":" not in spec else []
             for name, spec in vary.items()}
    presets = {name for name, items in given.items()
               if any(compression_preset(name, param(name).unit_text, item) for item in items)}
    refuse_presets_across(uc, vary, presets)
    bits = fixed.get("bits_per_param", uc.parameters["bits_per_param"].quantity).to("bit").magnitude
    out = []
    for axis in axes:
        items = given.get(axis.name, [])
        if axis.name in presets and items:
            values = axis.values.copy()
            for i, item in enumerate(items):
                preset = compression_preset(axis.name, param(axis.name).unit_text, item)
                if preset is not None:
                    values[i], note = rebased(axis.name, preset, float(bits))
                    notes += [note] if note else []
            axis = Axis(axis.name, values, axis.unit, axis.log, axis.spec, axis.choices)
        out.append(axis)
    return out


def columns_for(uc: UseCase, axes: Sequence[Axis], transport=None, cell=None,
                unit_options: Mapping[str, str] | None = None) -> tuple[Column, ...]:
    """The columns written, each in one unit per kind of quantity (units/machine.py) unless
    `unit_options` (--unit NAME=UNIT) asks for another."""
    from ..network.reach import kpi_columns as reach_columns
    from ..network.transport import kpi_columns
    from ..units import machine

    varied = {a.name for a in axes}
    declared = [(a.name, a.unit, "parameter", a.choices) for a in axes]
    for p in uc.parameters.values():
        if p.derive is not None and p.derive.names & varied and p.name not in varied:
            declared.append((p.name, p.unit_text, "derived", ()))
    declared += [(k.name, k.unit, "kpi", k.choices) for k in uc.kpis.values()]
    declared += [(name, unit, "kpi", ()) for name, unit in kpi_columns(uc, transport) + reach_columns(uc, cell)]
    machine.check_names(unit_options or {}, [d[0] for d in declared])
    columns = []
    for name, unit, kind, choices in declared:
        if choices:
            columns.append(Column(name, "", kind, choices))
            continue
        shown = machine.requested(name, unit, unit_options)
        columns.append(Column(name, shown, kind, (), machine.factor(unit, shown)))
    return tuple(columns)


def reach_notes(uc: UseCase, cell) -> list[str]:
    """Said once for a sweep or a sample with a cell at a site: where its reach columns end."""
    from ..network.reach import plan_notes

    return plan_notes(uc, cell)


def cell_document(cell) -> dict:
    from ..network.reach import document

    return document(cell)


def block_points(grid: Grid) -> int:
    """Points per block: as many as fit MEMORY_BUDGET at CELL_BYTES per cell, at most CHUNK_POINTS."""
    return max(1, min(CHUNK_POINTS, MEMORY_BUDGET // (CELL_BYTES * (len(grid.columns) + 1))))


def blocks(grid: Grid, chunk: int | None = None) -> Iterator[Block]:
    """The grid, evaluated block by block in row order."""
    for start, stop, shape, quantities in block_values(grid, chunk):
        yield evaluate_block(grid.usecase, grid.fixed, grid.columns, start, stop, shape, quantities, grid.transport,
                             grid.cell)


def evaluate_block(uc: UseCase, fixed: Mapping[str, Any], columns: Sequence[Column], start: int, stop: int,
                   shape: tuple[int, ...], quantities: Mapping[str, Any], transport=None, cell=None) -> Block:
    """Rows start..stop: the varied (or drawn) `quantities`, shaped to broadcast to `shape`,
    evaluated in one call with the `fixed` ones; the block's values by column name."""
    evaluation = evaluate(uc, {**fixed, **quantities}, transport=transport, cell=cell)
    values: dict[str, Any] = {name: q.magnitude for name, q in quantities.items()}
    for column in columns:
        if column.kind == "derived":
            values[column.name] = np.asarray(evaluation.parameters[column.name].quantity.magnitude)
        elif column.kind == "kpi":
            values[column.name] = evaluation.kpis[column.name].value
        if column.scale != 1.0 and column.name in values:  # into the column's unit (units/machine.py)
            values[column.name] = np.asarray(values[column.name], dtype=float) * column.scale
    return Block(start, stop, shape, evaluation, values)


def block_values(grid: Grid, chunk: int | None = None):
    """(start, stop, shape, quantities) of each block, in row order, not yet evaluated; blocks
    of `chunk` points, by default as many as fit the memory budget (block_points)."""
    chunk = chunk or block_points(grid)
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


def reason_columns(uc: UseCase) -> tuple[str, ...]:
    """The text columns after the numbers: why KPIs are infeasible, and (for a use case with a
    KPI that may not apply) why they do not apply; a KPI that does not apply is not infeasible."""
    if any(k.not_applicable_if for k in uc.kpis.values()):
        return INFEASIBLE_COLUMN, NOT_APPLICABLE_COLUMN
    return (INFEASIBLE_COLUMN,)


def infeasible_reasons(block: Block, column: str = INFEASIBLE_COLUMN) -> tuple[np.ndarray, list[dict[str, str]]] | None:
    """Per row, an index into a list of {kpi: reason} for its infeasible KPIs (`column`
    NOT_APPLICABLE_COLUMN: those that do not apply); None if there are none on the whole block."""
    wanted = column == NOT_APPLICABLE_COLUMN
    failing, codes = [], []
    for k in block.evaluation.kpis.values():
        if not k.reasons or k.feasible.all() or (wanted and k.applicable is None):
            continue
        code = np.broadcast_to(k.reason_code, block.shape).ravel().astype(np.int64)
        if k.applicable is not None:
            applies = np.broadcast_to(k.applicable, block.shape).ravel()
            code = np.where(applies != wanted, code, 0)
        if code.any():
            failing.append(k)
            codes.append(code)
    if not failing:
        return None
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


def describe(grid: Grid) -> dict:
    """What a sweep's JSON says before its rows."""
    at_first_point = {a.name: a.quantity(a.values[0]) for a in grid.axes}
    parameters = evaluate(grid.usecase, {**grid.fixed, **at_first_point}, origins=grid.origins).parameters
    from ..units.machine import machine_unit

    shown = {c.name: c for c in grid.columns}
    fixed = []
    for p in parameters.values():
        if p.name in shown:
            continue
        unit = "" if p.choices else machine_unit(units.format_unit(p.quantity.units))
        fixed.append({"name": p.name, "value": p.choice if p.choices else clean_number(float(p.quantity.to(unit).magnitude)),
                      "unit": unit, "origin": p.origin})
    return {
        "usecase": grid.usecase.id,
        "grid": "zip" if grid.zipped else "product",
        "points": grid.size,
        "varied": [{"name": a.name, "unit": shown[a.name].unit, "spec": a.spec, "count": len(a.values), "log": a.log}
                   for a in grid.axes],
        "columns": [{"name": c.name, "unit": c.unit, "kind": c.kind, **({"choices": list(c.choices)} if c.choices else {})}
                    for c in grid.columns],
        "fixed": fixed,
        **({"transport": grid.transport.document()} if grid.transport is not None else {}),
        **({"cell": cell_document(grid.cell)} if grid.cell is not None else {}),
    }
