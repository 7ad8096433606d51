"""A user's value for a parameter: read in the parameter's dimension, checked against its range."""

from __future__ import annotations

from ..errors import UserError
from ..units.numbers import is_bare_number
from .domain import Parameter


def parse_setting(param: Parameter, text: str, what: str | None = None):
    """A value a user wrote for a parameter, as a quantity of the parameter's dimension.

    Units are written, not guessed: a bare number is taken only where the parameter is a
    plain count or ratio; a bits parameter also takes a precision name (fp16, int4, ...), a
    compression ratio a compression preset (signsgd, dgc, topk-1%, ...; precision.COMPRESSION).
    """
    from ..units import registry as units
    from ..units.precision import resolve_preset

    what = what or param.name
    if param.choices:  # a choice by name; its value is its code (see Parameter.choices)
        return units.quantity(float(param.choice_code(text)), "")
    preset = resolve_preset(param.name, param.unit_text, text)
    if preset is not None:
        return units.parse_quantity(preset, what=what)
    default = param.quantity
    if is_bare_number(text) and not takes_bare_numbers(default):
        raise UserError(f"{what}={text.strip()} has no unit: {bare_number_advice(param, float(text), default)}")
    quantity = units.parse_quantity(text, what=what)
    if not units.same_dimension(quantity, default):
        raise UserError(f"{what}: '{text.strip()}' is {units.dimension_text(quantity)}, but {param.name}"
                        f" is {units.dimension_text(default)} (e.g. {param.default})")
    return quantity


def takes_bare_numbers(unit) -> bool:
    """Counts, ratios and flags take plain numbers; '%' and 'ppm' (scaled ratios) do not.
    `unit` is a unit or a quantity of it (a parameter's default)."""
    from ..units import registry as units

    unit = getattr(unit, "units", unit)
    return units.same_dimension(unit, "") and units.base_factor(unit) == 1


def bare_number_advice(param: Parameter, number: float, default) -> str:
    """'write 270000 byte or 0.27 MByte': the number in the unit that puts it nearest the
    default, and that value in the default's unit."""
    from ..units.advice import unit_advice

    return unit_advice(number, default, param.default)


def check_value(param: Parameter, quantity, default) -> None:
    """The one allowed-range check: `quantity` (a value or an array) has the dimension of the
    parameter's default and lies within its range; else a UserError naming the first bad value."""
    from ..units import registry as units

    if not units.same_dimension(quantity, default):
        raise UserError(
            f"{param.name}: '{_show(quantity)}' is {units.dimension_text(quantity)}, but {param.name}"
            f" is {units.dimension_text(default)} (e.g. {param.default})"
        )
    for mask, what in violations(param, quantity, default):
        if mask.any():
            raise UserError(f"{param.name}: '{_show(quantity, mask)}' is {what}")


def violations(param: Parameter, quantity, default):
    """(mask, what) for each way values break the parameter's allowed range."""
    import numpy as np

    magnitude = np.asarray(quantity.to(default.units).magnitude, dtype=float)
    finite = np.isfinite(magnitude)
    yield ~finite, "not a finite number"
    low, high = param.bounds
    yield finite & (magnitude < low.to(default.units).magnitude), f"below its minimum {param.minimum or '0'}"
    if high is not None:
        yield finite & (magnitude > high.to(default.units).magnitude), f"above its maximum {param.maximum}"


def _show(quantity, bad=None) -> str:
    """'5 ms', or for an array the first offending value: '5 ms (one of 20 values)'."""
    import numpy as np

    from ..units import registry as units

    magnitude = np.asarray(quantity.magnitude, dtype=float)
    unit = units.format_unit(quantity.units)
    if magnitude.ndim == 0:
        return f"{float(magnitude):g} {unit}".strip()
    flat, where = magnitude.ravel(), np.ravel(bad) if bad is not None else None
    first = flat[np.argmax(where)] if where is not None and where.any() else flat[0]
    return f"{first:g} {unit}".strip() + f" (one of {flat.size} values)"
