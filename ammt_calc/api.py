"""The Python API, for notebooks and scripts: the functions the CLI calls, with Python values.

    import ammt_calc as ac
    ac.evaluate("model-distribution-image-recognition", latency="500 ms")["dl_data_rate"]

A use case is given by id (built-in catalog) or as a `UseCase` from `load_catalog(dir)`.
Parameter values may be text with units ("102.4 MB"), pint quantities of ammt-calc's
registry (`quantity`), or plain numbers and arrays, taken in the parameter's catalog unit.
See README "Sweeps, solve and the Python API".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import sweeps, units
from .catalog import Catalog, UseCase
from .catalog import load_catalog as _load_catalog
from .errors import UserError
from .inverse import Solution, parse_target
from .inverse import solve as _solve
from .solver import Evaluation, resolve_inputs
from .solver import evaluate as _evaluate

_BUILTIN: Catalog | None = None


def load_catalog(*dirs: str | Path) -> Catalog:
    """The built-in use cases plus the YAML files in `dirs`, with every formula's units checked."""
    global _BUILTIN
    if dirs:  # read afresh: a notebook may be editing them
        return _load_catalog([str(d) for d in dirs], check_units=True)
    if _BUILTIN is None:
        _BUILTIN = _load_catalog(check_units=True)
    return _BUILTIN


def usecase(usecase: str | UseCase) -> UseCase:
    """A use case by id (built-in catalog), or the `UseCase` given."""
    return usecase if isinstance(usecase, UseCase) else load_catalog().get(usecase)


def quantity(value: Any, unit: str | None = None):
    """A pint quantity of ammt-calc's registry: quantity("102.4 MB"), quantity(500, "ms"),
    quantity(np.array([1, 2]), "Gbit/s")."""
    if isinstance(value, str) and unit is None:
        return units.parse_quantity(value)
    return units.registry().Quantity(np.asarray(value, dtype=float) if np.ndim(value) else float(value),
                                      units.parse_unit(unit or ""))


# --- evaluate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """Every KPI of a use case for one set of values (arrays broadcast)."""

    evaluation: Evaluation

    @property
    def usecase(self) -> UseCase:
        return self.evaluation.usecase

    @property
    def kpis(self) -> list[str]:
        return list(self.evaluation.kpis)

    def __getitem__(self, kpi: str):
        """The KPI as a quantity in its display unit; NaN where infeasible."""
        result = self._kpi(kpi)
        value = result.value if result.value.ndim else float(result.value)
        return units.registry().Quantity(value, units.parse_unit(result.unit))

    def feasible(self, kpi: str):
        result = self._kpi(kpi)
        return result.feasible if result.feasible.ndim else bool(result.feasible)

    def reason(self, kpi: str) -> str:
        """Why the KPI is infeasible (at the first infeasible point), or ""."""
        result = self._kpi(kpi)
        failing = np.flatnonzero(~np.asarray(result.feasible).ravel())
        return result.reason_at(np.unravel_index(failing[0], result.feasible.shape)) if failing.size else ""

    @property
    def parameters(self) -> dict[str, Any]:
        """Every parameter's value (quantity) as used, set, default or derived."""
        return {p.name: p.quantity for p in self.evaluation.parameters.values()}

    def rows(self) -> list[dict]:
        """The rows of `ammt-calc usecase --format json` (scalar values only)."""
        from .report import usecase_rows

        if any(np.ndim(r.value) for r in self.evaluation.kpis.values()):
            raise UserError("rows() needs single values; index the result by KPI for arrays")
        return usecase_rows([self.evaluation])

    def _kpi(self, kpi: str):
        try:
            return self.evaluation.kpis[kpi]
        except KeyError:
            from .catalog import suggest

            raise UserError(f"use case '{self.usecase.id}' has no KPI '{kpi}'{suggest(kpi, self.evaluation.kpis)}") from None

    def __repr__(self) -> str:
        from .render import human_number

        def shown(result) -> str:
            if result.value.ndim:
                return f"array{result.value.shape} {result.unit}"
            if not result.feasible:
                return "infeasible"
            return f"{human_number(float(result.value))} {result.unit}".strip()

        kpis = list(self.evaluation.kpis.values())
        text = ", ".join(f"{k.name}={shown(k)}" for k in kpis[:4])
        return f"<Result {self.usecase.id}: {text}{', ...' if len(kpis) > 4 else ''}>"


def evaluate(usecase_or_id: str | UseCase, settings: Mapping[str, Any] | None = None, /, **values) -> Result:
    """Every KPI of a use case; parameters not given keep their defaults."""
    uc = usecase(usecase_or_id)
    quantities, notes = resolve_inputs(uc, {**(settings or {}), **values})
    return Result(_evaluate(uc, quantities, notes))


# --- sweep -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    """A sweep as flat numpy arrays, one value per grid point, in the CSV's row order."""

    grid: sweeps.Grid
    columns: dict[str, np.ndarray]  # in units[name]; NaN where a KPI is infeasible
    feasible: dict[str, np.ndarray]  # per KPI
    infeasible: np.ndarray  # per point, the CSV's `infeasible` text ("" when every KPI is feasible)

    @property
    def units(self) -> dict[str, str]:
        return {c.name: c.unit for c in self.grid.columns}

    @property
    def shape(self) -> tuple[int, ...]:
        """The grid's shape: `result["dl_data_rate"].reshape(result.shape)` is a matrix."""
        return self.grid.shape

    def __len__(self) -> int:
        return self.grid.size

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.columns[name]
        except KeyError:
            raise UserError(f"no column '{name}' (columns: {', '.join(self.columns)})") from None

    def quantity(self, name: str):
        return units.registry().Quantity(self[name], units.parse_unit(self.units[name]))

    def to_pandas(self):
        """A pandas DataFrame: a column per parameter and KPI (plain names; units in df.attrs["units"])."""
        try:
            import pandas
        except ImportError:
            raise UserError("to_pandas() needs pandas: pip install 'ammt-calc[pandas]'") from None
        frame = pandas.DataFrame({**self.columns, sweeps.INFEASIBLE_COLUMN: self.infeasible})
        frame.attrs["units"] = self.units
        return frame

    def plot(self, path: str | Path, kpi: str | None = None) -> str:
        """The picture of `sweep --plot` as a PNG file; returns the KPI drawn."""
        from .plot import Plot

        picture = Plot(self.grid, kpi)
        picture.add(0, self.columns[picture.kpi])
        picture.save(path)
        return picture.kpi


def sweep(usecase_or_id: str | UseCase, vary: Mapping[str, Any], settings: Mapping[str, Any] | None = None,
          *, zip: bool = False) -> SweepResult:
    """Every KPI over a grid: `vary` maps parameter names to a spec text ("10MB:1GB:50:log",
    "100ms,1s"), a list of values (numbers in the parameter's unit, or texts) or a quantity
    array. A full grid of all of them, or with zip=True the i-th values together."""
    grid = sweeps.plan(usecase(usecase_or_id), vary, settings, zipped=zip)
    columns: dict[str, list] = {c.name: [] for c in grid.columns}
    feasible: dict[str, list] = {k: [] for k in grid.usecase.kpis}
    texts = []
    for block in sweeps.blocks(grid):
        for name in columns:
            columns[name].append(block.column(name))
        for name, result in block.evaluation.kpis.items():
            feasible[name].append(np.broadcast_to(result.feasible, block.shape).ravel())
        reasons = sweeps.infeasible_reasons(block)
        if reasons is None:
            texts.append(np.full(block.stop - block.start, "", dtype=object))
        else:
            index, tables = reasons
            texts.append(np.array([sweeps.reason_text(t) for t in tables], dtype=object)[index])
    return SweepResult(grid, {k: np.concatenate(v) for k, v in columns.items()},
                       {k: np.concatenate(v) for k, v in feasible.items()}, np.concatenate(texts))


# --- solve -------------------------------------------------------------------------------


def solve(usecase_or_id: str | UseCase, parameter: str, target: str | tuple[str, Any],
          settings: Mapping[str, Any] | None = None, /, **values) -> Solution:
    """The smallest value of `parameter` at which a KPI reaches a target:
    target "dl_data_rate=500 Mbit/s" or ("dl_data_rate", "500 Mbit/s" | quantity | number in the
    KPI's unit). `Solution.quantity` is None (and `.message` says why) when no value does."""
    uc = usecase(usecase_or_id)
    if isinstance(target, str):
        kpi, goal, _ = parse_target(uc, target)
    else:
        kpi, goal = target
        if not hasattr(goal, "units"):  # text, or a number in the KPI's unit
            kpi, goal, _ = parse_target(uc, f"{kpi}={goal if isinstance(goal, str) else repr(float(goal))}")
    quantities, _ = resolve_inputs(uc, {**(settings or {}), **values})
    return _solve(uc, parameter, kpi, goal, quantities)
