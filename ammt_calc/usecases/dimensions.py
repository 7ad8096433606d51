"""Dimension checks of a use case: every formula evaluated once on units alone, at load."""

from __future__ import annotations

from ..errors import UserError
from .domain import CatalogError, Parameter, UseCase
from .formula import Formula
from .values import check_value


def check_dimensions(uc: UseCase) -> None:
    """Evaluate every formula on units alone; refuse any result of the wrong dimension.
    Once per use case object: a checked one is marked (`units_checked`) and not checked again."""
    if getattr(uc, "units_checked", False):
        return
    _check_dimensions(uc)
    object.__setattr__(uc, "units_checked", True)  # a frozen dataclass: marked once, checked once


def _check_dimensions(uc: UseCase) -> None:
    from ..units import registry as units

    env = {}
    for p in uc.parameters.values():
        here = f"{uc.path} ({uc.id}): parameters.{p.name}"
        default = _parse(p.default, f"{here}.default")
        for bound in (p.minimum, p.maximum):
            if bound is not None and not units.same_dimension(_parse(bound, here, p.unit_text), default):
                raise CatalogError(f"{here}: bound '{bound}' is not of the dimension of the default '{p.default}'")
        try:  # a default outside its own range would give rows that blame the budget
            check_value(p, default, default)
        except UserError as exc:
            raise CatalogError(f"{here}.default: {exc}") from None
        env[p.name] = units.base_quantity(default.units)
    for p in uc.parameters.values():
        if p.derive is not None:
            _expect(uc, f"parameters.{p.name}.derive", p.derive, env, env[p.name].units)
        if p.follows is not None:
            _expect(uc, f"parameters.{p.name}.follows", p.follows, env, env[p.name].units)
            _follows_its_default(uc, p)
    for k in uc.kpis.values():
        declared = _parse_unit(k.unit, f"{uc.path} ({uc.id}): kpis.{k.name}.unit")
        _expect(uc, f"kpis.{k.name}", k.formula, env, declared)
        env[k.name] = units.base_quantity(declared)
        for cond in (*k.infeasible_if, *k.not_applicable_if):
            cond.formula.units(env)
    for entry in uc.published.values():
        declared = _parse_unit(uc.kpis[entry.kpi].unit, "")
        for text in (entry.value, entry.minimum, entry.maximum):
            if text is not None:
                q = _parse(text, f"{uc.path} ({uc.id}): published.{entry.kpi}")
                if not units.same_dimension(q, declared):
                    raise CatalogError(
                        f"{uc.path} ({uc.id}): published.{entry.kpi} '{text}' is {units.dimension_text(q)},"
                        f" but the KPI's unit '{uc.kpis[entry.kpi].unit}' is {units.dimension_text(declared)}"
                    )
        if entry.minimum is not None and entry.maximum is not None and (
                _parse(entry.minimum, "") > _parse(entry.maximum, "")):  # quantities compare across units
            raise CatalogError(f"{uc.path} ({uc.id}): published.{entry.kpi}: min '{entry.minimum}' is above"
                               f" max '{entry.maximum}'")


def _follows_its_default(uc: UseCase, p: Parameter) -> None:
    """A default that follows a formula must be that formula's value at the defaults."""
    import math

    from ..units import registry as units

    values = {q.name: units.to_base(units.parse_quantity(q.default)) for q in uc.parameters.values()}
    value = float(p.follows.evaluate(values))
    default = float(values[p.name])
    if not math.isclose(value, default, rel_tol=1e-9, abs_tol=0.0):
        shown = value / units.base_factor(units.parse_quantity(p.default).units)
        raise CatalogError(f"{uc.path} ({uc.id}): parameters.{p.name}: default '{p.default}' is not what it follows"
                           f" ({p.follows.text} = {shown:g} {p.unit_text} at the defaults)")


def _expect(uc: UseCase, key: str, formula: Formula, env: dict, declared) -> None:
    from ..units import registry as units

    try:
        result = formula.units(env)
    except UserError as exc:
        raise CatalogError(f"{uc.path} ({uc.id}): {key}: formula '{formula.text}': {exc}") from None
    if not units.same_dimension(result, declared):
        raise CatalogError(
            f"{uc.path} ({uc.id}): {key}: formula '{formula.text}' gives {units.dimension_text(result)},"
            f" but its unit '{units.format_unit(declared)}' is {units.dimension_text(declared)}"
        )


def _parse(text: str, where: str, default_unit: str | None = None):
    from ..units import registry as units

    try:
        return units.parse_quantity(text, default_unit=default_unit or None)
    except UserError as exc:
        raise CatalogError(f"{where}: {exc}") from None


def _parse_unit(text: str, where: str):
    from ..units import registry as units

    try:
        return units.parse_unit(text)
    except UserError as exc:
        raise CatalogError(f"{where}: {exc}") from None
