"""Compare every published value with the catalog's computation at default parameters.

Status: `exact` (equal to 1e-9 relative), `rounded` (within half a step of the published
number's last significant digit: 1.104 -> "1.1", 453.3 -> "450"), `in-range` (inside a
published range), `differs` (also when the KPI is infeasible at the defaults), or
`no-value` (the standard printed TBD). For `differs` the note says what the published value
would imply for each parameter the KPI depends on, found by the inverse solver.

Basis: how the computed value comes about. `fitted`: an input's default was chosen to
reproduce this published value (the catalog declares it with `fitted_to`: a default whose
only source is the published number itself); `echo`: the KPI is, or passes through, a
parameter whose default is the computed value, or every parameter it reads cites the
very cell the published value comes from (30 m x 30 m read from the cell that publishes
900 m^2: the published number restated; a source names a cell when it ends in a
parenthesis, "Table 7.10.2-1 (30 m x 30 m)", not only a table); `derived`: computed by the use case's formulas from other
inputs. A row without a number (`no-value`) has no basis.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..units import registry as units
from ..units.numbers import clean_number, leading_number
from ..usecases.domain import Catalog, Published, UseCase
from ..usecases.values import violations
from .evaluation import Evaluation, evaluate

RELATIVE_EXACT = 1e-9


class CheckRow(NamedTuple):
    usecase: str
    kpi: str
    published_value: float | None
    published_unit: str
    computed_value: float | None  # None: infeasible at the defaults (the note says why)
    computed_unit: str
    status: str
    note: str
    published_text: str  # as the standard wrote it: "1.0 Gbit/s", "TBD", "2 s to 3 s"
    basis: str | None = None  # derived, echo or fitted (None for no-value)


BASES = ("derived", "echo", "fitted")
STATUSES = ("exact", "rounded", "in-range", "differs", "no-value")


def check_catalog(catalog: Catalog, keep=None) -> list[CheckRow]:
    """Every published value of the catalog (of the use cases `keep(summary)` accepts)."""
    rows = []
    for summary in catalog.summaries():
        if summary.published and (keep is None or keep(summary)):  # only these are built
            uc = catalog.get(summary.id)
            evaluation = evaluate(uc)
            rows.extend(check_row(uc, evaluation, p) for p in uc.published.values())
    return rows


def unpublished(catalog: Catalog) -> list[str]:
    """Ids of the use cases without any published value (beyond the standard, such as the
    llm- family): `check` has nothing to compare for them and should say so."""
    return [uc.id for uc in catalog.summaries() if not uc.published]


def check_row(uc: UseCase, evaluation: Evaluation, published: Published) -> CheckRow:
    result = evaluation.kpis[published.kpi]
    infeasible = "" if bool(result.feasible) else f"infeasible at the defaults: {result.reason_at()}"
    status, computed, target = _judge(result, published)
    basis, basis_note = _basis(uc, evaluation, published) if status != "no-value" else (None, "")
    if published.text is not None:
        return _row(uc, published, None, "", computed, status, infeasible, basis, basis_note)
    if published.value is None:
        return _row(uc, published, None, units.format_unit(target.units), computed, status, infeasible, basis,
                    basis_note)
    note = infeasible or ("" if status == "exact" else f"computed {float(computed.magnitude):.6g} {units.format_unit(target.units)}")
    if status == "differs":
        note = "; ".join(filter(None, [note, _implications(uc, published.kpi, target)]))
    return _row(uc, published, float(target.magnitude), units.format_unit(target.units), computed, status, note,
                basis, basis_note)


def _judge(result, published: Published):
    """(status, computed quantity in the published unit, published quantity or None): the one
    comparison `check` and the use-case rows share."""
    computed = units.quantity(float(result.value), units.parse_unit(result.unit))
    if published.text is not None:
        return "no-value", computed, None
    if published.value is None:
        unit = units.parse_quantity(published.minimum or published.maximum).units
        value = float(computed.to(unit).magnitude)
        low = float(units.parse_quantity(published.minimum).to(unit).magnitude) if published.minimum else -math.inf
        high = float(units.parse_quantity(published.maximum).to(unit).magnitude) if published.maximum else math.inf
        status = "in-range" if low <= value <= high else "differs"
        return status, computed.to(unit), units.quantity(1.0, unit)
    target = units.parse_quantity(published.value)
    computed = computed.to(target.units)
    return compare(float(computed.magnitude), published.value), computed, target


def _basis(uc: UseCase, evaluation: Evaluation, published: Published) -> tuple[str, str]:
    """(basis, what the note says about it); see the module docstring."""
    kpi = published.kpi
    inputs = uc.kpi_inputs(kpi)

    def fitted_to(kpis: set[str]) -> list[str]:
        return [p.name for p in uc.parameters.values() if p.name in inputs and kpis & set(p.fitted_to)]

    echoed = echoes(uc, evaluation, kpi)
    # declared for this KPI; else an echo; else fitted through a KPI it reads (a rate from a fitted payload)
    fitted = fitted_to({kpi}) or ([] if echoed else fitted_to(_upstream_kpis(uc, kpi)))
    if fitted:
        return "fitted", f"fitted: holds through {', '.join(fitted)}, whose default was chosen to reproduce it"
    if echoed:
        return "echo", f"echo of parameter {echoed[0]}"
    restated = sorted(n for n in inputs if n in uc.parameters)
    if restated and _one_cell(published.source) and all(
            uc.parameters[n].source.strip() == published.source.strip() for n in restated):
        return "echo", f"restates its source: {', '.join(restated)} come from the published cell ({published.source})"
    return "derived", ""


def _one_cell(source: str) -> bool:
    """A source that names one cell of its table ("Table 7.10.2-1 (30 m x 30 m)"), not only
    the table: inputs that all cite it are that cell's number, restated."""
    return source.rstrip().endswith(")") and "(" in source


def _upstream_kpis(uc: UseCase, kpi: str) -> set[str]:
    """`kpi` and every KPI its formula reads, directly or through other KPIs."""
    seen, todo = set(), [kpi]
    while todo:
        name = todo.pop()
        if name in uc.kpis and name not in seen:
            seen.add(name)
            todo.extend(uc.kpis[name].formula.names)
    return seen


def echoes(uc: UseCase, evaluation: Evaluation, kpi: str) -> list[str]:
    """The input parameters of `kpi` whose value the KPI restates (same dimension, equal to 1e-9)."""
    result = evaluation.kpis[kpi]
    if not bool(result.feasible):
        return []
    value = float(result.value) * units.base_factor(units.parse_unit(result.unit))
    found = []
    for name in sorted(uc.kpi_inputs(kpi, through_derivations=False)):
        parameter = evaluation.parameters[name]
        if uc.parameters[name].choices or not units.same_dimension(parameter.quantity, result.unit):
            continue
        if math.isclose(float(units.to_base(parameter.quantity)), value, rel_tol=RELATIVE_EXACT, abs_tol=0.0):
            found.append(name)
    return found


def summary(rows: list[CheckRow]) -> dict[str, dict[str, int]]:
    """Counts per status and per basis (rows without a basis are not counted there)."""
    return {"status": {s: sum(r.status == s for r in rows) for s in STATUSES},
            "basis": {b: sum(r.basis == b for r in rows) for b in BASES}}


def _row(uc, published: Published, pvalue, punit, computed, status, note, basis, basis_note) -> CheckRow:
    return CheckRow(uc.id, published.kpi, clean_number(pvalue), punit, clean_number(float(computed.magnitude)),
                    units.format_unit(computed.units), status,
                    "; ".join(filter(None, [note, basis_note, published.note])), published.as_written, basis)


def compare(computed: float, published_text: str) -> str:
    """exact, rounded or differs, judged at the precision of the published number.

    `rounded`: within half a step of the published number's last significant digit,
    so a tie rounds either way (1.05 may be published as 1.0 or 1.1).
    """
    published = float(leading_number(published_text))
    if math.isnan(computed):
        return "differs"
    if math.isclose(computed, published, rel_tol=RELATIVE_EXACT, abs_tol=0.0):
        return "exact"
    half_step = precision(leading_number(published_text)) / 2
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


def _implications(uc: UseCase, kpi: str, target) -> str:
    """What the published value implies, one parameter at a time (others at defaults)."""
    from .inverse import (
        solve_many,  # only check's notes solve: `usecase` rows need no solver
    )

    implied = []
    direct = uc.kpi_inputs(kpi, through_derivations=False)  # not the inputs of a derivation: alternatives
    # a choice is no number to solve for
    names = [name for name in uc.parameters if name in direct and not uc.parameters[name].choices]
    # in lockstep, to 1e-9: the note prints 4 digits (a float-tight root takes 2 rounds more)
    for name, solution in zip(names, solve_many(uc, [(name, kpi, target) for name in names], precision=1e-9)):
        # an implied compression ratio below 1 is no explanation of a published value
        if solution.quantity is not None and _allowed(uc.parameters[name], solution.quantity):
            default_unit = uc.parameters[name].unit
            value = solution.quantity.to(default_unit).magnitude
            implied.append(f"{name} = {value:.4g} {units.format_unit(default_unit)}".rstrip())
    if not implied:
        return ""
    return "the published value implies " + " or ".join(implied)


def _allowed(param, quantity) -> bool:
    """Whether a solved value lies in the parameter's allowed range."""
    default = param.quantity
    return not any(mask.any() for mask, _ in violations(param, quantity, default))


def published_status(uc: UseCase, evaluation: Evaluation) -> dict[str, str]:
    """{kpi: status} of every published value against this evaluation (at whatever parameters
    were set), without the notes (and the solving) of a check row: what `usecase` rows carry
    as `status`. The comparison is check's own (`_judge`); an evaluation of several points
    (a sweep) has none."""
    return {p.kpi: _judge(evaluation.kpis[p.kpi], p)[0] for p in uc.published.values()
            if not np.ndim(evaluation.kpis[p.kpi].value)}
