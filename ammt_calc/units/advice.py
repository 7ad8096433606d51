"""A bare number where a quantity has a unit is refused, with the value written out as the fix.

Units are written, not guessed: `--latency 20` could be 20 ms or 20 s, and a guess that is
off by 1000 gives an answer that looks right. Every option and spec field that takes a
quantity with a unit refuses a bare number the same way `--set` does:
"--latency 20 has no unit: write 20 ms (e.g. 50 ms)".
"""

from __future__ import annotations

from ..errors import UserError
from .numbers import is_bare_number

# units a bare number may have been meant in, for the advice of a refusal
ADVICE_UNITS = ("bit", "byte", "kByte", "MByte", "GByte", "kbit/s", "Mbit/s", "Gbit/s", "us", "ms", "s", "min",
                "Hz", "kHz", "MHz", "GHz", "%", "ppm", "", "MAC", "GMAC", "TOPS", "m", "km", "/km^2")


def unit_advice(number: float, default, example: str) -> str:
    """'write 270000 byte or 0.27 MByte (e.g. 1 MByte)': the number in the unit that puts it
    nearest `default` (a quantity: the option's default or example), and that value in the
    default's unit. The default's own unit wins a tie (30 for a frame rate: 30 fps, not 30 Hz)."""
    import math

    from . import registry as units
    from .numbers import human_number

    target = abs(units.to_base(default)) or 1.0
    best, distance = None, math.inf
    for name in (units.format_unit(default.units), *ADVICE_UNITS):
        unit = units.parse_unit(name)
        if units.same_dimension(unit, default) and number:
            gap = abs(math.log(abs(number)) + math.log(units.base_factor(unit)) - math.log(target))  # no underflow
            if gap < distance - 1e-12:
                best, distance = unit, gap
    if best is None:
        return f"write it with its unit, e.g. {example}"
    like = f" (e.g. {example})"
    converted = units.quantity(number, best).to(default.units)
    alternative = f"{human_number(float(converted.magnitude))} {units.format_unit(default.units)}".strip()
    if units.base_factor(best) == 1 and units.same_dimension(best, ""):  # a fraction meant as a percentage
        return f"write {alternative}" + (like if alternative != example else "")
    written = f"{human_number(number)} {units.format_unit(best)}".strip()
    return f"write {written}" + (f" or {alternative}" if alternative != written else "") + \
        (like if example not in (written, alternative) else "")


def require_unit(text, shown: str, example: str) -> None:
    """Refuse `text` when it is a bare number: "{shown} has no unit: write ...". `shown` is how
    the user wrote it ("--latency 20", "bandwidth=100"); `example` a value with its unit."""
    if isinstance(text, str) and is_bare_number(text):
        from . import registry as units

        raise UserError(f"{shown} has no unit: {unit_advice(float(text), units.parse_quantity(example), example)}")
