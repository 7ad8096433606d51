"""Inverse questions: the parameter value at which a KPI reaches a target.

Works for any catalog formula, not only ones invertible by hand: the KPI is evaluated
on a log-spaced grid of the parameter over its allowed range (one vectorised call), the
first bracket where KPI - target changes sign or touches zero is kept (so the answer is
the smallest such value), and the bracket is refined by evaluating a fine grid inside it
until it is as tight as a float allows (each refinement shrinks it 1000-fold).
"""

from __future__ import annotations

from typing import Any, Generator, Mapping, NamedTuple, Sequence

import numpy as np

from ..errors import UserError, suggest
from ..units import registry as units
from ..usecases.domain import UseCase
from ..usecases.values import takes_bare_numbers
from .evaluation import evaluate

SPAN_DECADES = 9  # search from 1e-9 to 1e9 times the current value
GRID_POINTS = 2001
FLOAT_TIGHT = 1e-15  # a bracket this narrow (relative) is a few floats wide: the root as exact as a float
MAX_REFINEMENTS = 250  # 1000-fold each: enough to go from 1e308 to a float's precision near 1e-308


class Solution(NamedTuple):
    parameter: str
    quantity: Any | None  # None: no value in the searched range reaches the target
    target: Any
    kpi: str
    message: str = ""


def solve(uc: UseCase, parameter: str, kpi: str, target, values: Mapping[str, Any] | None = None,
          transport=None, cell=None) -> Solution:
    """The smallest value of `parameter` at which `kpi` equals `target` (a Quantity).

    The search runs from the parameter's minimum (0 unless the catalog says) to its
    maximum, or to 10**9 times its default when it has none. No value there is an answer
    too: `quantity` is None and `message` says what the KPI does over the range.
    """
    return solve_many(uc, [(parameter, kpi, target)], values, transport, cell=cell)[0]


def solve_many(uc: UseCase, questions: Sequence[tuple[str, str, Any]],
               values: Mapping[str, Any] | None = None, transport=None, precision: float = FLOAT_TIGHT,
               cell=None) -> list[Solution]:
    """solve() for several (parameter, kpi, target) questions of one use case, in lockstep:
    each round's trial values of every question go into as few evaluations as the
    derivations allow (usually one), so `check` evaluates each use case about once per
    refinement round instead of once per question and round.

    A question's other parameters stay at their defaults (or `values`), exactly as in
    solve(): a parameter that is derived, or that a derivation reads, is never set on
    another question's rows (setting it, even to its default, would change what is
    derived), so its questions get evaluations of their own. Each root is found to within
    `precision` (relative; by default as tight as a float allows).
    """
    values = dict(values or {})
    searches = []
    for parameter, kpi, target in questions:
        _check_question(uc, parameter, kpi, target, transport, cell)
        if parameter in values:
            raise UserError(f"{parameter} is what to solve for; do not also --set it")
        searches.append(_search(uc, parameter, kpi, target, transport, precision, cell))
    requests = {i: next(search) for i, search in enumerate(searches)}  # question -> trial values
    solutions: dict[int, Solution] = {}
    while requests:
        answers = {}
        for batch in _batches(uc, requests, questions):
            answers.update(_evaluate_batch(uc, values, batch, requests, questions, transport, cell))
        for i, reached in answers.items():
            try:
                requests[i] = searches[i].send(reached)
            except StopIteration as done:
                solutions[i] = done.value
                del requests[i]
    return [solutions[i] for i in range(len(questions))]


def _batches(uc: UseCase, requests: dict, questions) -> list[list[int]]:
    """Questions whose trials can share one evaluation: all those on parameters no
    derivation touches together; each derivation-bound parameter on its own."""
    bound = {p.name for p in uc.parameters.values() if p.derive is not None}
    bound |= {name for p in uc.parameters.values() if p.derive is not None for name in p.derive.names}
    groups: dict[str, list[int]] = {}
    for i in requests:
        parameter = questions[i][0]
        groups.setdefault(parameter if parameter in bound else "", []).append(i)
    return list(groups.values())


def _evaluate_batch(uc: UseCase, values: dict, batch: list[int], requests: dict, questions, transport=None,
                    cell=None) -> dict:
    """One evaluation for the trials of `batch`; each question's KPI (base units, NaN where
    infeasible) on its own trial values."""
    sizes = [len(requests[i]) for i in batch]
    edges = np.concatenate([[0], np.cumsum(sizes)])
    trial = dict(values)
    for parameter in dict.fromkeys(questions[i][0] for i in batch):
        default = uc.parameters[parameter].quantity
        column = np.full(edges[-1], float(default.magnitude))
        for j, i in enumerate(batch):
            if questions[i][0] == parameter:
                column[edges[j]:edges[j + 1]] = requests[i]
        trial[parameter] = units.quantity(column, default.units)
    with np.errstate(all="ignore"):  # trial values near 1e308 overflow in base units: infeasible, not a warning
        kpis = evaluate(uc, trial, transport=transport, only={questions[i][1] for i in batch}, cell=cell).kpis
        answers = {}
        for j, i in enumerate(batch):
            result = kpis[questions[i][1]]
            factor = units.base_factor(result.unit)
            part = slice(edges[j], edges[j + 1])
            answers[i] = np.where(result.feasible[part], result.value[part] * factor, np.nan)
    return answers


def _search(uc: UseCase, parameter: str, kpi: str, target, transport=None,
            precision: float = FLOAT_TIGHT, cell=None) -> Generator[np.ndarray, np.ndarray, Solution]:
    """One question's search: yields trial values (in the parameter's unit), is sent the
    KPI at them (base units, NaN where infeasible), returns the Solution."""
    param = uc.parameters[parameter]
    if param.choices:
        raise UserError(f"{parameter} is a choice ({', '.join(param.choices)}), not a number to solve for;"
                        f" compare the choices with --vary {parameter}={','.join(param.choices)}")
    unit = param.unit
    target_base = units.to_base(target)
    kpi_factor = units.base_factor(units.parse_unit(kpi_unit(uc, kpi, transport, cell)))
    low, high = _search_range(param, unit)
    xs = _search_grid(low, high, abs(float(param.quantity.magnitude)) or 1.0)
    reached = yield xs
    lo, hi = _first_bracket(xs, reached - target_base)
    if lo is None:
        return Solution(parameter, None, target, kpi, _no_solution(uc, parameter, kpi, target, unit, low, high,
                                                                   reached / kpi_factor, transport, cell))
    ends = _at(xs, reached, lo, hi)
    for _ in range(MAX_REFINEMENTS):  # until the bracket is as tight as a float: a root near 0 needs many
        if hi - lo <= precision * max(abs(lo), abs(hi)):
            break
        fine = np.linspace(lo, hi, 1001)
        reached = yield fine
        finer = _first_bracket(fine, reached - target_base)
        if finer[0] is None:  # infeasible points inside the bracket hide the crossing: keep what we have
            break
        lo, hi = finer
        ends = _at(fine, reached, lo, hi)
    root = 0.5 * (lo + hi)
    return Solution(parameter, units.quantity(root, unit), target, kpi,
                    _step_message(kpi, ends / kpi_factor, target_base / kpi_factor, uc, transport, cell))


def _at(xs: np.ndarray, reached: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The KPI at the bracket's ends, as evaluated on the grid that gave the bracket."""
    return np.array([reached[np.flatnonzero(xs == lo)[0]], reached[np.flatnonzero(xs == hi)[0]]])


def kpi_unit(uc: UseCase, kpi: str, transport=None, cell=None) -> str:
    """The display unit of a catalog KPI or of a KPI a transport spec or a cell at a site appends."""
    if kpi in uc.kpis:
        return uc.kpis[kpi].unit
    return dict(_appended(uc, transport, cell))[kpi]


def _appended(uc: UseCase, transport, cell) -> list[tuple[str, str]]:
    """(name, unit) of the KPIs a transport and a cell at a site append, as `evaluate` does."""
    from ..network.reach import kpi_columns as reach_columns
    from ..network.transport import kpi_columns, parse_transport

    return kpi_columns(uc, None if transport is None else parse_transport(transport)) + reach_columns(uc, cell)


def _kpi_names(uc: UseCase, transport, cell=None) -> list[str]:
    return list(uc.kpis) + [n for n, _ in _appended(uc, transport, cell)]


def _kpi_inputs(uc: UseCase, kpi: str, transport, cell=None) -> set[str]:
    if kpi.endswith("_max_distance") and kpi in dict(_appended(uc, transport, cell)):
        from ..network.reach import rate_sources  # the reach reads the flow's rate KPIs

        return set().union(*(_kpi_inputs(uc, name, transport) for name in rate_sources(uc, kpi[:2].upper(), transport)))
    if kpi in uc.kpis or transport is None:
        return uc.kpi_inputs(kpi)
    from ..network.transport import flow_inputs

    flow = next(f for f in flow_inputs(uc) if kpi.startswith(f.direction.lower() + "_"))
    reads = [flow.rate] + ([flow.burst] if flow.burst and not kpi.endswith("_ip_rate") else []) \
        + ([flow.deadline] if kpi.endswith("transport_rate") and flow.deadline else [])
    inputs: set[str] = set()
    for origin, name in reads:
        inputs |= uc.kpi_inputs(name) if origin == "kpi" else {name}
    return inputs


def _step_message(kpi: str, ends: np.ndarray, target: float, uc: UseCase, transport=None, cell=None) -> str:
    """Say so when the KPI jumps over the target (a count from ceil or floor) instead of meeting it."""
    if np.any(np.isclose(ends, target, rtol=1e-9, atol=0)):
        return ""
    unit = f" {kpi_unit(uc, kpi, transport, cell)}".rstrip()
    return (f"{kpi} never equals {target:.6g}{unit}: here it steps from {ends[0]:.6g} to {ends[1]:.6g}{unit};"
            " the value is where the step happens")


def parse_target(uc: UseCase, text: str, transport=None, cell=None) -> tuple[str, Any, list[str]]:
    """`KPI=VALUE` as (kpi, quantity, notes); units are written, as for parameters. With a
    `transport` spec its KPIs (`ul_transport_rate`, ...) are targets too, with a cell at a
    site each flow's reach (`dl_max_distance=500m`)."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise UserError(f"--target expects KPI=VALUE (e.g. --target dl_data_rate=500Mbit/s), got '{text}'")
    names = _kpi_names(uc, transport, cell)
    if name not in names:
        raise UserError(f"use case '{uc.id}' has no KPI '{name}'{suggest(name, names)} (KPIs: {', '.join(names)})")
    unit = units.parse_unit(kpi_unit(uc, name, transport, cell))
    if units.is_bare_number(value) and not takes_bare_numbers(unit):
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


def _no_solution(uc, parameter, kpi, target, unit, low, high, reached, transport=None, cell=None) -> str:
    where = (f"no value of {parameter} from {low:g} to {high:g} {units.format_unit(unit)}".rstrip()
             + f" gives {kpi} = {target.magnitude:g} {units.format_unit(target.units)}".rstrip())
    finite = reached[np.isfinite(reached)]
    if not finite.size:
        return f"{where}: {kpi} is infeasible over the whole range"
    return (f"{where}: over that range {kpi} goes from {finite.min():.6g} to {finite.max():.6g}"
            f" {kpi_unit(uc, kpi, transport, cell)}".rstrip())


def _check_question(uc: UseCase, parameter: str, kpi: str, target, transport=None, cell=None) -> None:
    if parameter not in uc.parameters:
        raise UserError(f"use case '{uc.id}' has no parameter '{parameter}'{suggest(parameter, uc.parameters)}")
    names = _kpi_names(uc, transport, cell)
    if kpi not in names:
        raise UserError(f"use case '{uc.id}' has no KPI '{kpi}'{suggest(kpi, names)}")
    if parameter not in _kpi_inputs(uc, kpi, transport, cell):
        raise UserError(f"{kpi} does not depend on {parameter} in use case '{uc.id}'")
    magnitude = np.asarray(target.magnitude, dtype=float)
    if magnitude.ndim or not np.isfinite(magnitude):
        raise UserError(f"target for {kpi} must be one finite number, got {target.magnitude!r}")
    declared = units.parse_unit(kpi_unit(uc, kpi, transport, cell))
    if not units.same_dimension(target, declared):
        raise UserError(
            f"target for {kpi} is {units.dimension_text(target)}, but {kpi} is in"
            f" {kpi_unit(uc, kpi, transport, cell)} ({units.dimension_text(declared)})"
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
