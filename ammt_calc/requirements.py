"""Evaluate several use cases with one set of `--set` values."""

from __future__ import annotations

from typing import Mapping, Sequence

from .catalog import UseCase, suggest
from .errors import UserError
from .solver import Evaluation, evaluate, resolve_inputs
from .zoo import resolve_model_settings, zoo_setting_names


def evaluate_many(usecases: Sequence[UseCase], settings: Mapping[str, str]) -> list[Evaluation]:
    """Each setting applies to every named use case that has that parameter.

    A setting that no named use case has is an error, so a typo is never ignored.
    `model=` / `split=` (and zoo names given for a size) are resolved by the zoo.
    """
    known = {name for uc in usecases for name in uc.parameters} | zoo_setting_names(settings)
    for name in settings:
        if name not in known:
            if len(usecases) == 1:
                message = f"use case '{usecases[0].id}' has no parameter '{name}'"
            else:
                message = f"none of the use cases has a parameter '{name}'"
            raise UserError(f"{message}{suggest(name, known)} (see `ammt-calc show ID`)")
    evaluations = []
    for uc, resolved in zip(usecases, resolve_model_settings(usecases, settings)):
        mine = {k: v for k, v in resolved.settings.items() if k in uc.parameters}
        try:
            values, notes = resolve_inputs(uc, mine)
        except UserError as exc:  # one --set goes to several use cases: say which refused it
            raise UserError(f"{uc.id}: {exc}" if len(usecases) > 1 else str(exc)) from None
        evaluations.append(evaluate(uc, values, [*resolved.notes, *notes], resolved.origins))
    return evaluations
