"""Units and quantities as plain values: what the engine computes with, without pint.

pint decides what a unit name means (units.py asks it, or unit_names.json, its answers
made by units.build_names_table); the algebra on those meanings is small and lives here, so that a
command importing neither pint nor its ~400 ms of start-up can still check dimensions,
convert and format. Everything behaves as the same pint objects would:

- a `Unit` is its terms in order (canonical name, symbol, exponent), merged as pint
  merges them (`MB/s * s` is `MByte`, the order of first appearance is kept, so
  `format_unit` writes what pint's symbols would), plus its factor to base units and
  its dimensions in pint's order (`[computation] / [time]` for op/s);
- a `Quantity` is a magnitude (a float or a numpy array) and a Unit; `to()` converts
  by the ratio of base factors and refuses another dimension.

tests/test_units.py compares units built here with pint's own (terms, symbols, factor,
dimension text) and checks that unit_names.json is what pint says today.
"""

from __future__ import annotations

from typing import Any

from ..errors import UserError

BASE_UNITS = {"[information]": ("bit", "bit"), "[time]": ("second", "s"), "[length]": ("metre", "m"),
              "[computation]": ("operation", "op")}  # units.txt's base unit (name, symbol) of each dimension


def read_unit(text: str) -> Unit:
    """Unit text as a Unit: units.parse_unit, which units.py installs here when it is imported
    (it imports this module, so this one cannot import it)."""
    raise NotImplementedError("import ammt_calc.units to read unit text")


class DimensionalityError(UserError):
    """A conversion between units of different dimensions."""


def _merge(*parts: tuple[tuple[Any, ...], float]) -> tuple:
    """Terms (key, ..., exponent) of several containers times a power each, in order of first
    appearance, without the ones that cancel: pint's UnitsContainer arithmetic."""
    exponents: dict[Any, float] = {}
    rest: dict[Any, tuple] = {}
    for terms, power in parts:
        for *key, exponent in terms:
            k = key[0]
            rest.setdefault(k, tuple(key))
            exponents[k] = exponents.get(k, 0) + exponent * power
    return tuple((*rest[k], tidy_exponent(e)) for k, e in exponents.items() if e != 0)


def tidy_exponent(exponent: float) -> float:
    """2.0 -> 2 (so a unit prints km^2), 0.5 stays."""
    return int(exponent) if float(exponent).is_integer() else exponent


class Dimensionality:
    """The dimensions of a unit, `[information] / [time]`; equal when the exponents are."""

    __slots__ = ("terms",)

    def __init__(self, terms: tuple):
        self.terms = terms  # ((dimension, exponent), ...)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dimensionality) and dict(self.terms) == dict(other.terms)

    def __hash__(self) -> int:
        return hash(frozenset(self.terms))

    def __str__(self) -> str:  # as pint writes it
        if not self.terms:
            return "dimensionless"
        up = [_power(d, e) for d, e in self.terms if e > 0]
        down = [_power(d, -e) for d, e in self.terms if e < 0]
        return " / ".join([" * ".join(up) or "1", *down])

    __repr__ = __str__


def _power(name: str, exponent: float) -> str:
    return name if exponent == 1 else f"{name} ** {exponent}"


class Unit:
    """A unit: terms ((name, symbol, exponent), ...), factor to base units, dimensions."""

    __slots__ = ("terms", "factor", "dims")

    def __init__(self, terms: tuple = (), factor: float = 1.0, dims: tuple = ()):
        self.terms, self.factor, self.dims = terms, factor, dims

    @property
    def dimensionality(self) -> Dimensionality:
        return Dimensionality(self.dims)

    @property
    def dimensionless(self) -> bool:
        return not self.dims

    def _combine(self, other: Unit, power: float) -> Unit:
        return Unit(_merge((self.terms, 1), (other.terms, power)), self.factor * other.factor ** power,
                    _merge((self.dims, 1), (other.dims, power)))

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, Unit):
            return self._combine(other, 1)
        return Quantity(other, self)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        if isinstance(other, Unit):
            return self._combine(other, -1)
        return Quantity(1.0 / other, self)

    def __pow__(self, power: float) -> Unit:
        return Unit(_merge((self.terms, power)), self.factor ** power, _merge((self.dims, power)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unit) and _exponents(self.terms) == _exponents(other.terms)

    def __hash__(self) -> int:
        return hash(frozenset(_exponents(self.terms).items()))

    def __str__(self) -> str:
        """Compact text parse_unit reads back: `Mbit/s`, `MByte`, `1/km^2`, `%`; "" if dimensionless."""
        numerator, denominator = [], []
        for _, symbol, exponent in self.terms:
            power = abs(exponent)
            (numerator if exponent > 0 else denominator).append(symbol if power == 1 else f"{symbol}^{power}")
        if not numerator and not denominator:
            return ""  # so "5 {unit}".strip() prints a plain number
        return ("*".join(numerator) or "1") + "".join("/" + term for term in denominator)

    def __repr__(self) -> str:
        return f"Unit({str(self)!r})"


def _exponents(terms: tuple) -> dict:
    return {name: exponent for name, _, exponent in terms}


DIMENSIONLESS = Unit()


def base_unit(unit: Unit) -> Unit:
    """1 of the base units of `unit`'s dimension (Mbit/s -> bit/s)."""
    terms = tuple((*BASE_UNITS[d], e) for d, e in unit.dims)
    return Unit(terms, 1.0, unit.dims)


class Quantity:
    """A magnitude (float or numpy array) in a Unit."""

    __slots__ = ("magnitude", "units")

    def __init__(self, magnitude: Any, unit: Unit = DIMENSIONLESS):
        if not isinstance(unit, Unit):  # text is read by units.quantity
            raise TypeError(f"a Unit is needed, not {type(unit).__name__}")
        self.magnitude, self.units = magnitude, unit

    @property
    def dimensionality(self) -> Dimensionality:
        return self.units.dimensionality

    @property
    def dimensionless(self) -> bool:
        return self.units.dimensionless

    @property
    def m(self) -> Any:  # pint's short name
        return self.magnitude

    def m_as(self, unit: Any) -> Any:
        return self.to(unit).magnitude

    def to(self, unit: Any) -> Quantity:
        """In `unit` (a Unit or its text)."""
        target = unit if isinstance(unit, Unit) else read_unit(unit)
        if target.dimensionality != self.dimensionality:
            raise DimensionalityError(f"cannot convert from '{self.units}' ({self.dimensionality})"
                                      f" to '{target}' ({target.dimensionality})")
        if target == self.units:
            return self
        return Quantity(self.magnitude * (self.units.factor / target.factor), target)

    def to_base(self) -> Any:
        """The magnitude in base units (bit, s, m, op)."""
        return self.magnitude * self.units.factor

    def to_base_units(self) -> Quantity:
        return Quantity(self.to_base(), base_unit(self.units))

    def __float__(self) -> float:
        if self.units.dims:
            raise DimensionalityError(f"only a dimensionless quantity is a plain number, not one in '{self.units}'")
        return float(self.to_base())

    def _compare(self, other: Any, op) -> Any:
        if not isinstance(other, Quantity):
            return NotImplemented
        return op(self.to_base(), other.to(self.units).to_base())

    def __lt__(self, other): return self._compare(other, lambda a, b: a < b)  # noqa: E704
    def __le__(self, other): return self._compare(other, lambda a, b: a <= b)  # noqa: E704
    def __gt__(self, other): return self._compare(other, lambda a, b: a > b)  # noqa: E704
    def __ge__(self, other): return self._compare(other, lambda a, b: a >= b)  # noqa: E704

    def __eq__(self, other: object) -> Any:
        if not isinstance(other, Quantity) or other.dimensionality != self.dimensionality:
            return False
        return self._compare(other, lambda a, b: a == b)

    __hash__ = None  # mutable magnitudes (arrays), as pint's

    def __add__(self, other: Any) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.magnitude + other.to(self.units).magnitude, self.units)

    def __sub__(self, other: Any) -> Quantity:
        return self + -other if isinstance(other, Quantity) else NotImplemented

    def __mul__(self, other: Any) -> Quantity:
        if isinstance(other, Quantity):
            return Quantity(self.magnitude * other.magnitude, self.units * other.units)
        if isinstance(other, Unit):
            return Quantity(self.magnitude, self.units * other)
        return Quantity(self.magnitude * other, self.units)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Quantity:
        if isinstance(other, Quantity):
            return Quantity(self.magnitude / other.magnitude, self.units / other.units)
        if isinstance(other, Unit):
            return Quantity(self.magnitude, self.units / other)
        return Quantity(self.magnitude / other, self.units)

    def __rtruediv__(self, other: Any) -> Quantity:
        return Quantity(other / self.magnitude, DIMENSIONLESS / self.units)

    def __pow__(self, power: float) -> Quantity:
        return Quantity(self.magnitude ** power, self.units ** power)

    def __neg__(self) -> Quantity:
        return Quantity(-self.magnitude, self.units)

    def __abs__(self) -> Quantity:
        return Quantity(abs(self.magnitude), self.units)

    def __str__(self) -> str:
        return f"{self.magnitude} {self.units}".strip()

    def __format__(self, spec: str) -> str:
        """`f"{q:.6g}"` formats the magnitude; a trailing `~` (pint's short-symbol flag) is accepted."""
        return f"{format(self.magnitude, spec.rstrip('~'))} {self.units}".strip()

    def __repr__(self) -> str:
        return f"<Quantity({self.magnitude!r}, {str(self.units)!r})>"

    @classmethod
    def from_list(cls, items: list) -> Quantity:
        """[quantity, ...] of one dimension as one array quantity in the first one's unit."""
        import numpy as np

        if not items or not all(isinstance(q, Quantity) for q in items):
            raise TypeError("a list of quantities is needed")
        unit = items[0].units
        return cls(np.array([float(q.to(unit).magnitude) for q in items]), unit)
