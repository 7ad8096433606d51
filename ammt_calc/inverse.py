"""Inverse questions: the parameter value at which a KPI reaches a target.

Works for any catalog formula, not only ones invertible by hand: the KPI is evaluated
on a log-spaced grid of the parameter over its allowed range (one vectorised call), the
first bracket where KPI - target changes sign or touches zero is kept (so the answer is
the smallest such value), and the bracket is refined by evaluating a fine grid inside it
until it is as tight as a float allows (each refinement shrinks it 1000-fold).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from . import units
from .catalog import UseCase, suggest
from .errors import UserError
from .solver import evaluate

SPAN_DECADES = 9  # search from 1e-9 to 1e9 times the current value
GRID_POINTS = 2001
MAX_REFINEMENTS = 250  # 1000-fold each: enough to go from 1e308 to a float's precision near 1e-308


@dataclass(frozen=True)
class Solution:
    parameter: str
    quantity: Any | None  # None: no value in the searched range reaches the target
    target: Any
    kpi: str
    message: str = ""


def solve(uc: UseCase, parameter: str, kpi: str, target, values: Mapping[str, Any] | None = None) -> Solution:
    """The smallest value of `parameter` at which `kpi` equals `target` (a pint Quantity).

    The search runs from the parameter's minimum (0 unless the catalog says) to its
    maximum, or to 10**9 times its default when it has none. No value there is an answer
    too: `quantity` is None and `message` says what the KPI does over the range.
    """
    values = dict(values or {})
    _check_question(uc, parameter, kpi, target)
    if parameter in values:
        raise UserError(f"{parameter} is what to solve for; do not also --set it")
    param = uc.parameters[parameter]
    unit = param.unit
    target_base = units.to_base(target)
    kpi_factor = units.base_factor(uc.kpis[kpi].display_unit)

    def kpi_at(xs: np.ndarray) -> np.ndarray:  # base units, NaN where infeasible
        trial = dict(values, **{parameter: units.registry().Quantity(xs, unit)})
        with np.errstate(all="ignore"):  # trial values near 1e308 overflow in base units: infeasible, not a warning
            result = evaluate(uc, trial).kpis[kpi]
            return np.where(result.feasible, result.value * kpi_factor, np.nan)

    low, high = _search_range(param, unit)
    xs = _search_grid(low, high, abs(float(param.quantity.magnitude)) or 1.0)
    reached = kpi_at(xs)
    lo, hi = _first_bracket(xs, reached - target_base)
    if lo is None:
        return Solution(parameter, None, target, kpi, _no_solution(uc, parameter, kpi, target, unit, low, high,
                                                                   reached / kpi_factor))
    for _ in range(MAX_REFINEMENTS):  # until the bracket is as tight as a float: a root near 0 needs many
        if hi - lo <= 1e-15 * max(abs(lo), abs(hi)):
            break
        fine = np.linspace(lo, hi, 1001)
        finer = _first_bracket(fine, kpi_at(fine) - target_base)
        if finer[0] is None:  # infeasible points inside the bracket hide the crossing: keep what we have
            break
        lo, hi = finer
    root = 0.5 * (lo + hi)
    return Solution(parameter, units.registry().Quantity(root, unit), target, kpi,
                    _step_message(kpi, kpi_at(np.array([lo, hi])) / kpi_factor, target_base / kpi_factor, uc))


def _step_message(kpi: str, ends: np.ndarray, target: float, uc: UseCase) -> str:
    """Say so when the KPI jumps over the target (a count from ceil or floor) instead of meeting it."""
    if np.any(np.isclose(ends, target, rtol=1e-9, atol=0)):
        return ""
    unit = f" {uc.kpis[kpi].unit}".rstrip()
    return (f"{kpi} never equals {target:.6g}{unit}: here it steps from {ends[0]:.6g} to {ends[1]:.6g}{unit};"
            " the value is where the step happens")


def parse_target(uc: UseCase, text: str) -> tuple[str, Any, list[str]]:
    """`KPI=VALUE` as (kpi, quantity, notes); units are written, as for parameters."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise UserError(f"--target expects KPI=VALUE (e.g. --target dl_data_rate=500Mbit/s), got '{text}'")
    if name not in uc.kpis:
        raise UserError(f"use case '{uc.id}' has no KPI '{name}'{suggest(name, uc.kpis)} (KPIs: {', '.join(uc.kpis)})")
    unit = uc.kpis[name].display_unit
    if units.is_bare_number(value) and not (units.same_dimension(unit, "") and units.base_factor(unit) == 1):
        raise UserError(f"--target {name}={value} has no unit: write it as {value} {units.format_unit(unit)}"
                        f" or in another unit of {units.dimension_text(unit)}")
    return name, units.parse_quantity(value, what=f"--target {name}"), []


def _search_range(param, unit) -> tuple[float, float]:
    """The parameter's allowed range in `unit`; without a maximum, up to 10**SPAN_DECADES x its default."""
    minimum, maximum = param.bounds
    low = float(minimum.to(unit).magnitude)
    scale = abs(float(param.quantity.magnitude)) or 1.0
    high = float(maximum.to(unit).magnitude) if maximum is not None else max(scale, low) * 10.0**SPAN_DECADES
    return low, min(high, np.finfo(float).max)  # a default of 1e300 MByte: 1e309 would be inf (NaN grid)


def _search_grid(low: float, high: float, scale: float) -> np.ndarray:
    """low, then log-spaced points from low (or 10**-SPAN_DECADES x scale, if above) to high."""
    start = max(low, scale * 10.0**-SPAN_DECADES)
    if not start < high:
        return np.array([low, high]) if low < high else np.array([low])
    with np.errstate(all="ignore"):  # up to the largest float, whose power of ten rounds over it
        return np.unique(np.concatenate([[low], np.geomspace(start, high, GRID_POINTS)]))


def _no_solution(uc, parameter, kpi, target, unit, low, high, reached) -> str:
    where = (f"no value of {parameter} from {low:g} to {high:g} {units.format_unit(unit)}".rstrip()
             + f" gives {kpi} = {target.magnitude:g} {units.format_unit(target.units)}".rstrip())
    finite = reached[np.isfinite(reached)]
    if not finite.size:
        return f"{where}: {kpi} is infeasible over the whole range"
    return (f"{where}: over that range {kpi} goes from {finite.min():.6g} to {finite.max():.6g}"
            f" {uc.kpis[kpi].unit}".rstrip())


def _check_question(uc: UseCase, parameter: str, kpi: str, target) -> None:
    if parameter not in uc.parameters:
        raise UserError(f"use case '{uc.id}' has no parameter '{parameter}'{suggest(parameter, uc.parameters)}")
    if kpi not in uc.kpis:
        raise UserError(f"use case '{uc.id}' has no KPI '{kpi}'{suggest(kpi, uc.kpis)}")
    if parameter not in uc.kpi_inputs(kpi):
        raise UserError(f"{kpi} does not depend on {parameter} in use case '{uc.id}'")
    magnitude = np.asarray(target.magnitude, dtype=float)
    if magnitude.ndim or not np.isfinite(magnitude):
        raise UserError(f"target for {kpi} must be one finite number, got {target.magnitude!r}")
    declared = uc.kpis[kpi].display_unit
    if not units.same_dimension(target, declared):
        raise UserError(
            f"target for {kpi} is {units.dimension_text(target)}, but {kpi} is in"
            f" {uc.kpis[kpi].unit} ({units.dimension_text(declared)})"
        )


def _first_bracket(xs: np.ndarray, gaps: np.ndarray) -> tuple[float | None, float | None]:
    """The first interval on which gaps reaches zero: [xs[i], xs[i+1]] around a sign change,
    or [xs[i-1], xs[i]] before a point that hits the target exactly (a step of floor/ceil
    may reach it anywhere after xs[i-1]); a zero-width bracket only at the start of the
    grid or after an infeasible point."""
    sign = np.sign(gaps)
    candidates = np.flatnonzero((sign[:-1] * sign[1:] < 0) | (sign[1:] == 0)).tolist()
    if sign.size and sign[0] == 0:
        return float(xs[0]), float(xs[0])
    if not candidates:
        return None, None
    i = candidates[0]
    if sign[i + 1] == 0 and np.isnan(gaps[i]):
        return float(xs[i + 1]), float(xs[i + 1])
    return float(xs[i]), float(xs[i + 1])
