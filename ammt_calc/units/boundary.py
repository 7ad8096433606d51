"""pint at the API boundary: what leaves `ammt_calc.api` is a `pint.Quantity` of `ureg`, and
what comes in may be a quantity of any pint registry (the user's own included).

The engine computes on plain base-unit magnitudes with the small `Unit` of quantities.py
(pint's own advice for hot paths; the CLI never imports pint). Only here do the two meet:

- `to_pint(q)`: our Quantity as a pint quantity of the project's registry (units.txt), unit
  by unit, so `Mbit/s` stays `megabit / second` and converts, formats and reduces as pint's;
- `from_pint(q)`: a pint quantity of any registry as ours, its unit read by our own parser
  from pint's long spelling (`megabyte / second`), so our rules apply (pint's default
  registry calls `bit` dimensionless; here it is information).
"""

from __future__ import annotations

import functools
import math
from typing import Any

from ..errors import UserError
from . import registry as units


def ureg():
    """The project's pint registry, built from units.txt (the same one the names table comes from)."""
    return units.registry()


def is_pint(value: Any) -> bool:
    """True for a quantity of pint (any registry), without importing pint."""
    return type(value).__module__.startswith("pint") and hasattr(value, "units") and hasattr(value, "magnitude")


def to_pint(q: units.Quantity):
    """Our quantity as a pint quantity of `ureg()`: the same magnitude (array or float) and unit."""
    return ureg().Quantity(q.magnitude, _pint_unit(q.units))


@functools.lru_cache(maxsize=256)
def _pint_unit(unit: units.Unit):
    reg = ureg()
    return math.prod((reg.Unit(name) ** exponent for name, _, exponent in unit.terms), start=reg.dimensionless)


def from_pint(value: Any, what: str = "value") -> units.Quantity:
    """A pint quantity (any registry) as ours; its unit text must be one our parser reads."""
    import numpy as np

    try:
        unit = units.parse_unit(str(value.units))
    except UserError as exc:
        raise UserError(f"{what}: the unit of a pint quantity ({value.units}) is not one of ammt-calc's: {exc}") from None
    magnitude = np.asarray(value.magnitude, dtype=float)
    return units.Quantity(magnitude if magnitude.ndim else float(magnitude), unit)
