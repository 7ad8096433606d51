"""The one settings resolver: what a user gives (NAME=VALUE text, numbers, quantities, zoo
names, model files, presets) becomes checked quantities with their origins, the same way
for every command and for the Python API.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, NamedTuple, Sequence

from ..errors import UserError, suggest
from ..usecases.domain import UseCase

_ANOTHER_PAIR = re.compile(r",\s*[a-z][a-z0-9_]*\s*=")


class Inputs(NamedTuple):
    """One use case's parameter values: quantities by name, where each came from, notes."""

    usecase: UseCase
    values: dict[str, Any]
    origins: dict[str, str]
    notes: list[str]


def parse_pairs(items: Sequence[str], option: str = "--set", what: str = "VALUE",
                example: str = "latency=500ms") -> dict[str, str]:
    """NAME=<what> pairs of a repeatable option; a repeated name is an error rather than a silent override."""
    parsed: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise UserError(f"{option} expects NAME={what}, one {option} per parameter (e.g. {option} {example}),"
                            f" got '{item}'")
        if _ANOTHER_PAIR.search(value) and option == "--set":
            pairs = " ".join(f"{option} {p.strip()}" for p in f"{name}={value}".split(","))
            raise UserError(f"one {option} per parameter: write {pairs}")
        if name in parsed:
            raise UserError(f"{option} {name} is given twice")
        parsed[name] = value.strip()
    return parsed


def resolve(usecases: Sequence[UseCase], settings: Mapping[str, Any]) -> list[Inputs]:
    """Each setting applies to every named use case that has that parameter.

    A setting that no named use case has is an error, so a typo is never ignored.
    `model=` / `split=` (and zoo names given for a size) are resolved by the zoo.
    """
    if not settings:  # the defaults: nothing for the zoo to resolve, nor to import it for
        return [Inputs(uc, {}, {}, []) for uc in usecases]
    from ..models.zoo import resolve_model_settings, zoo_setting_names
    from .evaluation import resolve_inputs

    settings = dict(settings)
    known = {name for uc in usecases for name in uc.parameters} | zoo_setting_names(settings)
    for name in settings:
        if name not in known:
            if len(usecases) == 1:
                message = f"use case '{usecases[0].id}' has no parameter '{name}'"
            else:
                message = f"none of the use cases has a parameter '{name}'"
            raise UserError(f"{message}{suggest(name, known)} (see `ammt-calc show ID`)")
    resolved_all = []
    for uc, resolved in zip(usecases, resolve_model_settings(usecases, settings)):
        mine = {k: v for k, v in resolved.settings.items() if k in uc.parameters}
        try:
            values, notes = resolve_inputs(uc, mine)
        except UserError as exc:  # one --set goes to several use cases: say which refused it
            raise UserError(f"{uc.id}: {exc}" if len(usecases) > 1 else str(exc)) from None
        resolved_all.append(Inputs(uc, values, dict(resolved.origins), [*resolved.notes, *notes]))
    return resolved_all

