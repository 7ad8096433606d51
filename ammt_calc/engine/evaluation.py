"""Evaluate a use case: parameter values in, KPI values (with feasibility) out.

Values are numpy arrays in the registry's base units while computing (see
docs/architecture.md); each KPI is converted to its display unit at the end. A result
that is not finite, is negative (unless the KPI allows it), meets one of its
`infeasible_if` conditions, or reads an infeasible KPI, is infeasible: its value is NaN
and a reason says why. Nothing negative or infinite is ever reported as a requirement.
"""

from __future__ import annotations

import sys
from typing import Any, Mapping, NamedTuple

import numpy as np

from ..errors import UserError, suggest
from ..units import registry as units
from ..units.boundary import from_pint, is_pint
from ..usecases.domain import UseCase
from ..usecases.values import check_value, parse_setting, takes_bare_numbers, violations

NOT_FINITE = "not finite: a deadline or transfer window of zero leaves no time to transfer, or the numbers overflow"
OVERFLOW = "overflow: too large for a float in its unit"
NEGATIVE = "negative: the budget is used up before the transfer"
TINY = sys.float_info.min  # the smallest float with full precision


class ParameterValue(NamedTuple):
    name: str
    quantity: Any  # units.Quantity in the unit given or the default's unit; a choice's code (dimensionless)
    origin: str  # "default", "set", "derived: ...", "follows: ..." or where a zoo/ONNX value came from
    choices: tuple[str, ...] = ()  # a categorical parameter: quantity holds the code of one of these

    @property
    def choice(self) -> str | None:
        """The chosen name of a categorical parameter with one value (else None)."""
        return choice_name(self.choices, self.quantity.magnitude) if self.choices else None


def choice_name(choices: tuple[str, ...], code) -> str | None:
    """The name a code stands for (None for an array or a NaN)."""
    if np.ndim(code) or not np.isfinite(code):
        return None
    return choices[int(code)]


class KpiResult(NamedTuple):
    name: str
    label: str
    direction: str
    unit: str  # display unit
    value: np.ndarray  # in `unit`; NaN where infeasible or not applicable; a choice's code if `choices`
    feasible: np.ndarray  # bool; False also where the KPI does not apply (see `applicable`)
    reason_code: np.ndarray  # int: 0 feasible, i > 0 -> reasons[i - 1]
    reasons: tuple[str, ...]
    applicable: np.ndarray | None = None  # bool; None: applies everywhere
    choices: tuple[str, ...] = ()  # the KPI gives one of these names (value holds its code)

    def reason_at(self, index=()) -> str:
        code = int(self.reason_code[index])
        return self.reasons[code - 1] if code else ""

    def applies_at(self, index=()) -> bool:
        return True if self.applicable is None else bool(np.asarray(self.applicable)[index])

    def choice_at(self, index=()) -> str | None:
        """The name of the choice at one point (None when infeasible, or not a KPI with choices)."""
        return choice_name(self.choices, np.asarray(self.value)[index]) if self.choices else None


class Evaluation(NamedTuple):
    usecase: UseCase
    parameters: dict[str, ParameterValue]
    kpis: dict[str, KpiResult]
    notes: tuple[str, ...]  # e.g. how a bare number was read


def resolve_inputs(uc: UseCase, settings: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Turn user settings (text, numbers or quantities) into checked quantities.

    Returns the quantities by name and notes to show the user. Text is read by
    `usecases.values.parse_setting` (units written, never guessed).
    """
    values, notes = {}, []
    for name, raw in settings.items():
        param = uc.parameters.get(name)
        if param is None:
            raise UserError(
                f"use case '{uc.id}' has no parameter '{name}'{suggest(name, uc.parameters)}"
                f" (parameters: {', '.join(uc.parameters)})"
            )
        default = param.quantity
        if param.choices:
            quantity = _choice_codes(param, raw)
        elif isinstance(raw, str):
            quantity = parse_setting(param, raw)
        elif isinstance(raw, units.Quantity):
            quantity = raw
        elif is_pint(raw):  # the API's quantities, or the user's own registry's
            quantity = from_pint(raw, name)
        elif hasattr(raw, "units"):
            raise UserError(f"{name}: a quantity of another library ({type(raw).__name__}); use pint,"
                            f" ammt_calc.quantity(...) or text such as '{param.default}'")
        elif isinstance(raw, (list, tuple)) and any(hasattr(v, "units") for v in raw):
            quantity = _from_list(name, [from_pint(v, name) if is_pint(v) else v for v in raw], param)
        else:
            quantity = _from_numbers(name, raw, param, default)
        check_value(param, quantity, default)
        values[name] = _without_negative_zero(quantity)
    _rebase_compression_presets(uc, settings, values, notes)
    return values, notes


def refuse_presets_across(uc: UseCase, varied, settings) -> None:
    """A compression preset set (`settings`: text by name, or names) while bits_per_param is
    varied or drawn (`varied`): its ratio beyond bits_per_param would change along that axis,
    which a fixed value cannot say. Refused, with what to give instead."""
    from ..units.precision import compression_preset

    if "bits_per_param" not in varied:
        return
    presets = [name for name in settings if name in uc.parameters and (
        compression_preset(name, uc.parameters[name].unit_text, settings[name]) if isinstance(settings, Mapping)
        else True)]
    if presets:
        raise UserError(f"{', '.join(sorted(presets))}: a compression preset is a ratio to the fp32 size, so its"
                        " ratio beyond bits_per_param changes with it; vary one of them, or give the ratio as a number")


def _rebase_compression_presets(uc: UseCase, settings: Mapping[str, Any], values: dict, notes: list) -> None:
    """A compression preset is a ratio to the fp32 size (precision.rebased): next to a
    bits_per_param it becomes the ratio beyond that width, so the size it gives does not
    depend on the width it was applied from."""
    from ..units.precision import compression_preset, rebased

    if "bits_per_param" not in uc.parameters:
        return
    bits = values.get("bits_per_param", uc.parameters["bits_per_param"].quantity)
    for name, raw in settings.items():
        param = uc.parameters[name]
        preset = compression_preset(name, param.unit_text, raw)
        if preset is not None:
            ratio, note = rebased(name, preset, np.asarray(bits.to("bit").magnitude, dtype=float))
            values[name] = units.quantity(ratio, "")
            notes += [note] if note else []


def _choice_codes(param, raw):
    """A choice (text) or a list of choices as their codes, a dimensionless quantity."""
    items = [raw] if isinstance(raw, str) else raw
    if isinstance(items, (list, tuple, np.ndarray)) and len(items) and all(isinstance(v, str) for v in items):
        codes = [param.choice_code(v) for v in items]
        magnitude = np.float64(codes[0]) if isinstance(raw, str) else np.array(codes, dtype=float)
        return units.quantity(magnitude, "")
    raise UserError(f"{param.name}: expected one of its choices as text ({', '.join(param.choices)}),"
                    f" got {raw!r}"[:300])


def _without_negative_zero(quantity):
    """The quantity with -0.0 made 0.0 (from the API: -0.0, [0.0, -0.0]); -0 and 0 give the same KPIs."""
    magnitude = np.asarray(quantity.magnitude, dtype=float)
    if not np.any((magnitude == 0) & np.signbit(magnitude)):
        return quantity
    fixed = magnitude + 0.0
    return units.quantity(fixed if fixed.ndim else float(fixed), quantity.units)


def _from_numbers(name: str, raw, param, default):
    """Plain numbers (API callers): only for counts and ratios; a unit is written, not guessed."""
    try:
        magnitude = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):  # API callers: [1, 'x'], None, an object
        raise UserError(f"{name}: expected a number, an array of numbers or text with a unit"
                        f" (e.g. {param.default}), got {type(raw).__name__}") from None
    if not takes_bare_numbers(default):
        raise UserError(f"{name}: plain numbers have no unit; give text such as '{param.default}' or"
                        f" ammt_calc.quantity(values, '{param.unit_text}')")
    return units.quantity(magnitude, default.units)


def _from_list(name: str, items, param):
    """[quantity, quantity, ...] as one array quantity (API callers)."""
    try:
        return units.Quantity.from_list(list(items))
    except Exception:  # several kinds: mixed types, foreign objects, units of another dimension
        raise UserError(f"{name}: a list must hold quantities of one dimension made with ammt_calc.quantity"
                        f" (e.g. {param.default})") from None


def evaluate(uc: UseCase, values: Mapping[str, Any] | None = None, notes=(),
             origins: Mapping[str, str] | None = None, transport=None,
             only: set[str] | None = None, cell=None) -> Evaluation:
    """Every KPI of `uc` for the given parameter quantities (the rest take defaults).

    `origins` overrides the origin "set" of a value, e.g. with the zoo model it came from.
    `transport` (a `transport.TransportSpec` or its text) appends each flow's IP rate,
    delivery time and the rate meeting its deadline (`transport.transport_kpis`).
    `only` names the KPIs wanted (the inverse solver's): those and the KPIs they read.
    `cell` (a `cells.Cell` at a site, `site=...`) appends each flow's reach (`reach.reach_kpis`).
    """
    values = dict(values or {})
    env, parameters, invalid = _parameter_magnitudes(uc, values, origins or {})
    try:
        shape = np.broadcast_shapes(*(np.shape(v) for v in env.values()))
    except ValueError:  # API callers: arrays of shapes (3,) and (4,)
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in env.items() if np.ndim(v))
        raise UserError(f"array values of these shapes do not broadcast together: {shapes}") from None
    kpis: dict[str, KpiResult] = {}
    wanted = uc.kpis.values() if only is None or transport is not None or cell is not None else _needed(uc, only)
    for kpi in wanted:
        magnitude = np.broadcast_to(np.asarray(kpi.formula.evaluate(env), dtype=float), shape)
        env[kpi.name] = magnitude  # a KPI that does not apply is still read by later formulas as computed
        kpis[kpi.name] = _judge(kpi, magnitude, env, kpis, shape, invalid)
    if transport is not None:
        from ..network.transport import parse_transport, transport_kpis

        for result in transport_kpis(parse_transport(transport), uc, env, kpis, shape, _judge):
            kpis[result.name] = result
    if getattr(cell, "site", None) is not None:
        from ..network.reach import reach_kpis

        results, reach_notes = reach_kpis(cell, uc, kpis, shape, _judge, transport)
        kpis.update((result.name, result) for result in results)
        notes = (*notes, *reach_notes)
    return Evaluation(uc, parameters, kpis, tuple(notes))


def _needed(uc: UseCase, names: set[str]) -> list:
    """The KPIs `names` and every KPI their formulas and conditions read, in catalog order."""
    needed, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in uc.kpis and name not in needed:
            needed.add(name)
            kpi = uc.kpis[name]
            for formula in (kpi.formula, *(c.formula for c in (*kpi.infeasible_if, *kpi.not_applicable_if))):
                todo.extend(formula.names)
    return [k for k in uc.kpis.values() if k.name in needed]


def _parameter_magnitudes(uc: UseCase, values: dict, origins: Mapping[str, str]):
    """Base-unit magnitudes, the parameter values shown, and {derived parameter: [(mask,
    reason)]} for sweep points where a derived value leaves its allowed range."""
    env, parameters, invalid = {}, {}, {}
    for p in uc.parameters.values():
        quantity = values.get(p.name)
        origin = origins.get(p.name, "set") if quantity is not None else "default"
        if quantity is None:
            quantity = p.quantity
        env[p.name] = units.to_base(quantity)
        parameters[p.name] = ParameterValue(p.name, quantity, origin, p.choices)
    for p in uc.parameters.values():
        if p.derive is None:
            continue
        inputs_set = sorted(n for n in p.derive.names if n in values)
        if not inputs_set:
            continue
        if p.name in values:
            raise UserError(
                f"set either {p.name} or the values it is derived from ({', '.join(sorted(p.derive.names))}),"
                f" not both"
            )
        magnitude = np.asarray(p.derive.evaluate(env), dtype=float)
        env[p.name] = magnitude
        _place(p, magnitude, parameters, invalid, f"derived as {p.derive.text}", f"derived: {p.derive.text}")
    _follow(uc, values, env, parameters, invalid)
    return env, parameters, invalid


def _place(p, magnitude: np.ndarray, parameters: dict, invalid: dict, how: str, origin: str) -> None:
    """A computed parameter value (base units) shown in its unit and checked against its
    range: one value must obey it as a set one does; in a sweep the points out of range are
    infeasible and the others stand."""
    unit = parameters[p.name].quantity.units
    with np.errstate(all="ignore"):
        quantity = units.quantity(magnitude / units.base_factor(unit), unit)
    if magnitude.ndim == 0:
        try:
            check_value(p, quantity, p.quantity)
        except UserError as exc:
            raise UserError(f"{exc} ({how})") from None
    else:
        invalid[p.name] = [(mask, f"{p.name} ({how}) is {what}")
                           for mask, what in violations(p, quantity, p.quantity) if mask.any()]
    parameters[p.name] = ParameterValue(p.name, quantity, origin)


def _follow(uc: UseCase, values: dict, env: dict, parameters: dict, invalid: dict) -> None:
    """Defaults that follow other parameters (`follows`), once those are known: whenever the
    parameter is not set. Its origin says so when an input moved it from the catalog default."""
    todo = [p for p in uc.parameters.values() if p.follows is not None and p.name not in values]
    pending = {p.name for p in todo}
    while todo:  # the catalog refuses cycles, so each pass settles at least one
        ready = [p for p in todo if not (p.follows.names & pending)]
        for p in ready:
            magnitude = np.asarray(p.follows.evaluate(env), dtype=float)
            env[p.name] = magnitude
            pending.discard(p.name)
            moved = _moved(p, values, parameters, uc)
            if moved:
                _place(p, magnitude, parameters, invalid, f"following {p.follows.text}",
                       f"follows: {', '.join(moved)}")
        todo = [p for p in todo if p not in ready]


def _moved(p, values: dict, parameters: dict, uc: UseCase) -> list[str]:
    """What `p` follows (directly or through other parameters) that was set or derived."""
    todo, seen, moved = sorted(p.follows.names), set(), []
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if name in values or parameters[name].origin != "default":
            moved.append(name)
            continue
        other = uc.parameters[name]
        todo.extend(sorted((other.follows.names if other.follows is not None else set())
                           | (other.derive.names if other.derive is not None else set())))
    return moved


def _judge(kpi, magnitude: np.ndarray, env: dict, upstream: dict[str, KpiResult], shape,
           invalid: Mapping[str, list]) -> KpiResult:
    """Feasibility of one KPI: the first reason that applies is reported."""
    with np.errstate(all="ignore"):  # once: conditions on inf and NaN are answers, not warnings
        return _judged(kpi, magnitude, env, upstream, shape, invalid)


def _judged(kpi, magnitude, env, upstream, shape, invalid) -> KpiResult:
    reasons: list[str] = []
    code = np.zeros(shape, dtype=np.int16)
    applicable = None

    def mark(mask, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():  # the usual case, decided before any broadcasting
            return
        mask = np.broadcast_to(mask, shape) & (code == 0)
        if mask.any():
            reasons.append(reason)
            code[mask] = len(reasons)

    for condition in kpi.not_applicable_if:  # first: what does not apply is neither feasible nor infeasible
        mark(condition.formula.evaluate(env), condition.reason)
    if kpi.not_applicable_if:
        applicable = code == 0
    for name in sorted(kpi.formula.names & invalid.keys()) if invalid else ():
        for mask, reason in invalid[name]:
            mark(mask, reason)
    for name in sorted(kpi.formula.names & upstream.keys()):
        earlier = upstream[name]  # an infeasible input makes this KPI infeasible for the same reason
        if not earlier.reasons:
            continue
        applies = True if earlier.applicable is None else earlier.applicable  # n/a does not spread: formulas decide
        for index, reason in enumerate(earlier.reasons, start=1):
            mark((earlier.reason_code == index) & applies, reason)
    for condition in kpi.infeasible_if:
        mark(condition.formula.evaluate(env), condition.reason)
    shown = magnitude / units.base_factor(kpi.display_unit)  # 1e306 s is inf ms
    if not np.isfinite(shown).all():  # shown is finite wherever magnitude is: one test for the usual case
        mark(~np.isfinite(magnitude), NOT_FINITE)
        mark(~np.isfinite(shown), OVERFLOW)
    # Below 2.2e-308 floats are subnormal (1e-320 keeps 3 digits, not 15): such a result is
    # shown as 0, not marked infeasible, so a sweep of a loss probability has no holes.
    subnormal = np.abs(shown) < TINY
    if subnormal.any():
        shown = np.where(subnormal, 0.0, shown)
    if not kpi.allow_negative:
        mark(magnitude < 0, NEGATIVE)
    shown = shown + 0.0  # turns -0.0 (ceil(-0.5)) into 0.0
    if reasons:
        feasible = code == 0
        value = np.where(feasible, shown, np.nan)
    else:  # the usual case: no pass over the codes
        feasible, value = np.ones(shape, dtype=bool), np.asarray(shown)
    return KpiResult(kpi.name, kpi.label, kpi.direction, kpi.unit, value, feasible, code, tuple(reasons),
                     applicable, kpi.choices)
