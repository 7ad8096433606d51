"""One unit per kind of quantity in every machine format (CSV, JSON, Parquet).

A catalog author declares each KPI's unit for people: `dl_data_rate` is Gbit/s in one use
case, Mbit/s in most and kbit/s in another. A script sorting a CSV by `value`, or
concatenating two sweeps, needs one unit per kind, whatever the use case and run: this
module names it (docs/units.md, "Machine formats"). Tables for people keep their own units.

    data rate      Mbit/s          size (information)  MByte
    time           s               rate of events      Hz (fps, 1/s, 1/h)
    ratio          % (a KPI in %, ppm or any scaled dimensionless unit)
    count          (no unit: a plain number)
    area density   1/km^2          area traffic        Mbit/s/m^2
    length, area   m, m^2          computation         GMAC; speed TOPS

Any other dimension is written in base units (bit, s, m, op), so it too is one unit per
kind. `--unit NAME=UNIT` asks for another unit for one column (`requested`).
"""

from __future__ import annotations

from typing import Mapping

from ..errors import UserError, suggest
from . import registry as units

MACHINE_UNITS = {
    "[information] / [time]": "Mbit/s",
    "[information]": "MByte",
    "[time]": "s",
    "1 / [time]": "Hz",
    "1 / [length] ** 2": "1/km^2",
    "[information] / [time] / [length] ** 2": "Mbit/s/m^2",
    "[length]": "m",
    "[length] ** 2": "m^2",
    "[computation]": "GMAC",
    "[computation] / [time]": "TOPS",
}
RATIO, COUNT = "%", ""


def machine_unit(unit: str) -> str:
    """The unit every machine format writes a quantity declared in `unit` in."""
    parsed = units.parse_unit(unit)
    dimension = units.dimension_text(parsed)
    if dimension == "dimensionless":
        return COUNT if parsed.factor == 1 else RATIO
    known = MACHINE_UNITS.get(dimension)
    return known if known is not None else units.format_unit(units.base_quantity(parsed).units)


def factor(source: str, target: str) -> float:
    """Multiply a magnitude in `source` by this to have it in `target` (same dimension)."""
    return units.base_factor(source) / units.base_factor(target)


def requested(name: str, unit: str, asked: Mapping[str, str] | None) -> str:
    """The unit of column `name` (declared in `unit`): the one asked for with --unit, else the machine unit."""
    wanted = (asked or {}).get(name)
    if wanted is None:
        return machine_unit(unit)
    if not units.same_dimension(wanted, unit or ""):
        raise UserError(f"--unit {name}={wanted}: {name} is in {unit or 'plain numbers'}"
                        f" ({units.dimension_text(unit or '')}), not {units.dimension_text(wanted)}")
    return units.format_unit(units.parse_unit(wanted))


def parse_unit_options(items: list[str] | tuple[str, ...] | Mapping[str, str] | None) -> dict[str, str]:
    """`--unit NAME=UNIT` options (or a mapping from the API), each unit checked as unit text."""
    if not items:
        return {}
    pairs = dict(items) if isinstance(items, Mapping) else {}
    for item in [] if isinstance(items, Mapping) else items:
        name, sep, unit = str(item).partition("=")
        if not sep or not name.strip() or not unit.strip():
            raise UserError(f"--unit: expected NAME=UNIT (e.g. --unit dl_data_rate=Gbit/s), got '{item}'")
        if name.strip() in pairs:
            raise UserError(f"--unit {name.strip()} is given twice")
        pairs[name.strip()] = unit.strip()
    for name, unit in pairs.items():
        units.parse_unit(unit)  # unknown unit text: one error line naming it
    return pairs


def check_names(asked: Mapping[str, str], known) -> None:
    """Every --unit NAME names a column (a KPI or parameter) of what is written."""
    known = list(known)
    for name in asked:
        if name not in known:
            raise UserError(f"--unit {name}: no such KPI or parameter here{suggest(name, known)}"
                            f" (names: {', '.join(known)})")


# --- for people ----------------------------------------------------------------------------

_LADDERS = {  # a machine unit and the units a table may show it in, smallest first
    "Mbit/s": ("bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"),
    "MByte": ("Byte", "kByte", "MByte", "GByte", "TByte"),
    "s": ("ns", "us", "ms", "s"),
}


def for_people(value: float, unit: str) -> tuple[float, str]:
    """A number in a machine unit as a table shows it: kept where it reads well (1 to 9999,
    or 0), else in the unit of its ladder that puts it in 1 to 999 (0.0192 Mbit/s is
    19.2 kbit/s, 0.005 s is 5 ms; time stays in s from 1 s up: 60.23 s, not 60230 ms)."""
    ladder = _LADDERS.get(unit)
    size = abs(value)
    if ladder is None or size == 0 or 1 <= size < 10_000 or size != size:
        return value, unit
    best = ladder[0]
    for step in ladder:
        if size * factor(unit, step) >= 1:
            best = step
    return value * factor(unit, best), best
