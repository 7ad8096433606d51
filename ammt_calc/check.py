"""Compare every published value with the catalog's computation at default parameters.

Status: `exact` (equal to 1e-9 relative), `rounded` (equal once the computed value is
rounded to the precision the published number is written with: 1.104 -> "1.1",
453.3 -> "450"), `in-range` (inside a published range), `differs`, or `no-value` (the
standard printed TBD or a dash). For `differs` the note says what the published value
would imply for each parameter the KPI depends on, found by the inverse solver.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from . import units
from .catalog import Catalog, Published, UseCase
from .inverse import solve
from .solver import Evaluation, evaluate

RELATIVE_EXACT = 1e-9


@dataclass(frozen=True)
class CheckRow:
    usecase: str
    kpi: str
    published_value: float | None
    published_unit: str
    computed_value: float | None
    computed_unit: str
    status: str
    note: str


def check_catalog(catalog: Catalog) -> list[CheckRow]:
    rows = []
    for uc in catalog:
        if uc.published:
            evaluation = evaluate(uc)
            rows.extend(check_row(uc, evaluation, p) for p in uc.published.values())
    return rows


def check_row(uc: UseCase, evaluation: Evaluation, published: Published) -> CheckRow:
    result = evaluation.kpis[published.kpi]
    feasible = bool(result.feasible)
    computed = units.registry().Quantity(float(result.value), units.parse_unit(result.unit))
    if published.value is None and published.text is not None:
        return _row(uc, published, None, "", computed, "no-value",
                    f"published as '{published.text}'")
    if published.value is None:
        return _range_row(uc, published, computed)
    target = units.parse_quantity(published.value)
    unit = units.format_unit(target.units)
    value = float(computed.to(target.units).magnitude) if feasible else math.nan
    status = compare(value, published.value)
    note = "" if status == "exact" else f"computed {value:.6g} {unit}"
    if status == "differs":
        note = "; ".join(filter(None, [note, _implications(uc, published.kpi, target)]))
    return _row(uc, published, float(target.magnitude), unit, computed.to(target.units), status, note)


def _range_row(uc: UseCase, published: Published, computed) -> CheckRow:
    bounds = [units.parse_quantity(t) for t in (published.minimum, published.maximum) if t]
    unit = bounds[0].units
    value = float(computed.to(unit).magnitude)
    low = float(units.parse_quantity(published.minimum).to(unit).magnitude) if published.minimum else -math.inf
    high = float(units.parse_quantity(published.maximum).to(unit).magnitude) if published.maximum else math.inf
    status = "in-range" if low <= value <= high else "differs"
    text = f"published range {published.minimum or '-inf'} to {published.maximum or 'inf'}"
    return _row(uc, published, None, units.format_unit(unit), computed.to(unit), status, text)


def _row(uc, published: Published, pvalue, punit, computed, status, note) -> CheckRow:
    notes = "; ".join(filter(None, [note, published.note]))
    cvalue = float(computed.magnitude)
    return CheckRow(uc.id, published.kpi, pvalue, punit, None if math.isnan(cvalue) else cvalue,
                    units.format_unit(computed.units), status, notes)


def compare(computed: float, published_text: str) -> str:
    """exact, rounded or differs, judged at the precision of the published number.

    `rounded`: within half a step of the published number's last significant digit,
    so a tie rounds either way (1.05 may be published as 1.0 or 1.1).
    """
    published = float(_number_text(published_text))
    if math.isnan(computed):
        return "differs"
    if math.isclose(computed, published, rel_tol=RELATIVE_EXACT, abs_tol=0.0):
        return "exact"
    half_step = precision(_number_text(published_text)) / 2
    return "rounded" if abs(computed - published) <= half_step * (1 + RELATIVE_EXACT) else "differs"


def precision(number_text: str) -> float:
    """The place of the last significant digit, taking at least two significant figures.

    '1.1' -> 0.1, '80.88' -> 0.01, '144' -> 1, '450' -> 10 (a trailing zero of a whole
    number is not significant), but '100' -> 10 and '1' -> 0.1: a standard writes
    "100 ms" for a value it means, so 140 ms is no rounding of it.
    """
    mantissa, _, exponent = number_text.lower().lstrip("+-").partition("e")
    whole, _, decimals = mantissa.partition(".")
    last = (int(exponent) if exponent else 0) - len(decimals)  # place of the last written digit
    value = abs(float(number_text))
    if value == 0:  # a published zero: its written place
        return 10.0 ** last
    if not decimals:
        last += len(whole) - len(whole.rstrip("0"))  # trailing zeros of a whole number
    leading = math.floor(math.log10(value))
    return 10.0 ** min(last, leading - 1)


def _number_text(quantity_text: str) -> str:
    match = re.match(r"\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)", quantity_text)
    return match.group(1)


def _implications(uc: UseCase, kpi: str, target) -> str:
    """What the published value implies, one parameter at a time (others at defaults)."""
    implied = []
    direct = uc.kpi_inputs(kpi, through_derivations=False)  # not the inputs of a derivation: alternatives
    for name in uc.parameters:
        if name not in direct:
            continue
        solution = solve(uc, name, kpi, target)
        if solution.quantity is not None and _allowed(uc.parameters[name], solution.quantity):
            default_unit = units.parse_quantity(uc.parameters[name].default).units
            value = solution.quantity.to(default_unit).magnitude
            implied.append(f"{name} = {value:.4g} {units.format_unit(default_unit)}".rstrip())
    if not implied:
        return ""
    return "the published value implies " + " or ".join(implied)


def _allowed(param, quantity) -> bool:
    """Whether a solved value lies in the parameter's allowed range (an implied
    compression ratio below 1 is no explanation of a published value)."""
    unit = param.unit_text or None
    low = units.parse_quantity(param.minimum, default_unit=unit) if param.minimum else 0 * quantity
    high = units.parse_quantity(param.maximum, default_unit=unit) if param.maximum else None
    return quantity >= low and (high is None or quantity <= high)
