"""The use-case model: UseCase, Parameter, Kpi, Published and the Catalog that holds them.

Plain values built by usecases.loading from YAML; the engine reads them, nothing here reads files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from ..errors import UserError, suggest
from ..units.numbers import unit_part
from .formula import Formula

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DIRECTIONS = ("UL", "DL", "UL+DL", "")
FAMILY_ORDER = ("split", "distribution", "federated", "ddc")


class CatalogError(UserError):
    """A catalog file is invalid; the message names the file and the key."""


@dataclass(frozen=True, eq=False)  # compared by identity (no generated __eq__ and __hash__: quicker to import)
class Parameter:
    name: str
    default: str  # quantity text, e.g. "0.27 MByte"; for a choice its code ("0")
    description: str = ""
    source: str = ""
    minimum: str | None = None  # quantity text; None means 0 (sizes and times are never negative)
    maximum: str | None = None
    derive: Formula | None = None  # used when the user sets one of its inputs
    follows: Formula | None = None  # the default, whenever the parameter is not set
    choices: tuple[str, ...] = ()  # a categorical parameter: its value is a choice, its code the position
    fitted_to: tuple[str, ...] = ()  # published KPIs this default was chosen to reproduce

    @property
    def unit_text(self) -> str:
        """The unit part of the default, e.g. 'MByte' (empty when dimensionless)."""
        return "" if self.choices else unit_part(self.default)

    @property
    def default_text(self) -> str:
        """The default as the catalog writes it: '0.27 MByte', or the choice 'pipelined'."""
        return self.choices[int(self.default)] if self.choices else self.default

    def choice_code(self, text: str) -> int:
        """The code of a choice given as text; a UserError lists the choices otherwise."""
        word = str(text).strip()
        if word in self.choices:
            return self.choices.index(word)
        raise UserError(f"{self.name}: '{word}' is not one of its choices: {', '.join(self.choices)}"
                        f"{suggest(word, self.choices)}")

    # Parsed on first use (and once).
    @cached_property
    def quantity(self):
        """The default as a quantity."""
        from ..units import registry as units

        return units.parse_quantity(self.default)

    @property
    def unit(self):
        """The default's unit: the unit values of this parameter are shown in."""
        return self.quantity.units

    @cached_property
    def bounds(self):
        """(minimum, maximum) as quantities; the minimum is 0 unless given, the maximum None unless given."""
        from ..units import registry as units

        def bound(text):
            return units.parse_quantity(text, default_unit=self.unit_text or None)

        return (bound(self.minimum) if self.minimum else 0 * self.quantity,
                bound(self.maximum) if self.maximum else None)


class Condition(NamedTuple):
    formula: Formula
    reason: str


@dataclass(frozen=True, eq=False)  # compared by identity (no generated __eq__ and __hash__: quicker to import)
class Kpi:
    name: str
    formula: Formula
    unit: str
    label: str
    direction: str = ""
    description: str = ""
    source: str = ""
    infeasible_if: tuple[Condition, ...] = ()
    allow_negative: bool = False
    not_applicable_if: tuple[Condition, ...] = ()  # the KPI does not apply (value null, not infeasible)
    choices: tuple[str, ...] = ()  # the formula gives one of these (its code, the position from 0)

    @cached_property
    def display_unit(self):
        """The declared unit, parsed once."""
        from ..units import registry as units

        return units.parse_unit(self.unit)


class Published(NamedTuple):
    """A value a standard published for one KPI of the use case."""

    kpi: str
    value: str | None = None  # quantity text as published, e.g. "1.1 Gbit/s"
    text: str | None = None  # a non-numeric cell such as "TBD"
    minimum: str | None = None  # a published range, e.g. 5000-10000 /km^2
    maximum: str | None = None
    note: str = ""
    source: str = ""

    @property
    def as_written(self) -> str:
        """The cell as the standard wrote it: "1.0 Gbit/s", "TBD", "2 s to 3 s", "<= 100 kbit/s"."""
        if self.value is not None or self.text is not None:
            return self.value if self.value is not None else self.text
        if self.minimum and self.maximum:
            return f"{self.minimum} to {self.maximum}"
        return f">= {self.minimum}" if self.minimum else f"<= {self.maximum}"


@dataclass(frozen=True, eq=False)  # compared by identity (no generated __eq__ and __hash__: quicker to import)
class UseCase:
    id: str
    title: str
    family: str
    description: str
    sources: tuple[str, ...]
    parameters: dict[str, Parameter]
    kpis: dict[str, Kpi]
    published: dict[str, Published]
    path: str = ""
    notes: tuple[str, ...] = field(default=())

    def kpi_inputs(self, kpi: str, through_derivations: bool = True) -> set[str]:
        """Parameter names a KPI depends on, through earlier KPIs (and derivations)."""
        seen: set[str] = set()
        todo = [kpi]
        while todo:
            name = todo.pop()
            if name in self.kpis:
                todo.extend(self.kpis[name].formula.names - seen)
            elif name in self.parameters and name not in seen:
                seen.add(name)
                derive = self.parameters[name].derive
                if derive is not None and through_derivations:
                    todo.extend(derive.names - seen)
        return seen


class Catalog:
    """Use cases by id, in load order (built-in first, then user directories).

    A use case whose file the cache knows as unchanged and already checked is built
    (structure validated, formulas compiled) only when it is first asked for, so a command
    about one use case builds one; listing needs only `summaries()`.
    """

    def __init__(self, usecases: list):  # UseCase, or a loading._Deferred built on first use
        self._items = {uc.id: uc for uc in usecases}

    def _built(self, usecase_id: str) -> UseCase:
        item = self._items[usecase_id]
        if not isinstance(item, UseCase):
            item = self._items[usecase_id] = item.build()
        return item

    def __iter__(self):
        return (self._built(uc_id) for uc_id in list(self._items))

    def __len__(self):
        return len(self._items)

    @property
    def ids(self) -> list[str]:
        return list(self._items)

    def get(self, usecase_id: str) -> UseCase:
        if usecase_id not in self._items:
            raise UserError(
                f"unknown use case '{usecase_id}'{suggest(usecase_id, self._items)}"
                " (see `ammt-calc list`)"
            )
        return self._built(usecase_id)

    def summaries(self) -> list:
        """id, title, family, sources and (truth of) published of each use case, without building any."""
        return list(self._items.values())

    def families(self) -> list[str]:
        return sorted({uc.family for uc in self.summaries()})


