"""Inverse questions: the parameter value at which a KPI reaches a target.

Works for any catalog formula, not only ones invertible by hand: the KPI is evaluated
on a log-spaced grid of the parameter (one vectorised call), the first bracket where
KPI - target changes sign is kept, and the bracket is refined by evaluating a fine grid
inside it a few times over (each refinement shrinks it 1000-fold).
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
REFINEMENTS = 4


@dataclass(frozen=True)
class Solution:
    parameter: str
    quantity: Any | None  # None: no value in the searched range reaches the target
    target: Any
    kpi: str
    message: str = ""


def solve(uc: UseCase, parameter: str, kpi: str, target, values: Mapping[str, Any] | None = None) -> Solution:
    """The value of `parameter` at which `kpi` equals `target` (a pint Quantity)."""
    values = dict(values or {})
    _check_question(uc, parameter, kpi, target)
    if parameter in values:
        raise UserError(f"{parameter} is what to solve for; do not also --set it")
    current = values.get(parameter) or units.parse_quantity(uc.parameters[parameter].default)
    unit = current.units
    target_base = units.to_base(target)

    def gap(xs: np.ndarray) -> np.ndarray:
        trial = dict(values, **{parameter: units.registry().Quantity(xs, unit)})
        result = evaluate(uc, trial).kpis[kpi]
        return np.where(result.feasible, result.value * units.base_factor(units.parse_unit(result.unit)) - target_base, np.nan)

    scale = float(current.magnitude) or 1.0
    xs = np.concatenate([[0.0], scale * np.logspace(-SPAN_DECADES, SPAN_DECADES, GRID_POINTS)])
    lo, hi = _first_bracket(xs, gap(xs))
    if lo is None:
        return Solution(parameter, None, target, kpi,
                        f"no value of {parameter} between 0 and {scale * 10**SPAN_DECADES:g}"
                        f" {units.format_unit(unit)} makes {kpi} reach the target")
    for _ in range(REFINEMENTS):
        fine = np.linspace(lo, hi, 1001)
        lo, hi = _first_bracket(fine, gap(fine))
    root = 0.5 * (lo + hi)
    return Solution(parameter, units.registry().Quantity(root, unit), target, kpi)


def _check_question(uc: UseCase, parameter: str, kpi: str, target) -> None:
    if parameter not in uc.parameters:
        raise UserError(f"use case '{uc.id}' has no parameter '{parameter}'{suggest(parameter, uc.parameters)}")
    if kpi not in uc.kpis:
        raise UserError(f"use case '{uc.id}' has no KPI '{kpi}'{suggest(kpi, uc.kpis)}")
    if parameter not in uc.kpi_inputs(kpi):
        raise UserError(f"{kpi} does not depend on {parameter} in use case '{uc.id}'")
    declared = units.parse_unit(uc.kpis[kpi].unit)
    if not units.same_dimension(target, declared):
        raise UserError(
            f"target for {kpi} is {units.dimension_text(target)}, but {kpi} is in"
            f" {uc.kpis[kpi].unit} ({units.dimension_text(declared)})"
        )


def _first_bracket(xs: np.ndarray, gaps: np.ndarray) -> tuple[float | None, float | None]:
    """The first interval [xs[i], xs[i+1]] on which gaps touches or changes sign."""
    exact = np.flatnonzero(gaps == 0)
    sign = np.sign(gaps)
    change = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    candidates = [i for i in (exact[:1].tolist() + change[:1].tolist())]
    if not candidates:
        return None, None
    i = min(candidates)
    if gaps[i] == 0:
        return float(xs[i]), float(xs[i])
    return float(xs[i]), float(xs[i + 1])
