"""The requirement table: evaluations turned into the rows of cli-contract.md."""

from __future__ import annotations

from typing import Sequence

from . import units
from .catalog import Published
from .render import clean_number, human_number
from .solver import Evaluation

CSV_COLUMNS = ("usecase", "kpi", "label", "direction", "value", "unit", "feasible",
               "published_value", "published_unit", "reason")
TABLE_COLUMNS = ("use case", "KPI", "dir", "value", "unit", "published")


def usecase_rows(evaluations: Sequence[Evaluation]) -> list[dict]:
    """One row per (use case, KPI), as `usecase --format json` prints them."""
    rows = []
    for ev in evaluations:
        for result in ev.kpis.values():
            feasible = bool(result.feasible)
            row = {
                "usecase": ev.usecase.id,
                "kpi": result.name,
                "label": result.label,
                "direction": result.direction,
                "value": clean_number(float(result.value)) if feasible else None,
                "unit": result.unit,
                "feasible": feasible,
                "published": published_json(ev.usecase.published.get(result.name)),
            }
            if not feasible:
                row["reason"] = result.reason_at()
            rows.append(row)
    return rows


def parameter_rows(evaluations: Sequence[Evaluation]) -> list[dict]:
    """The parameter values each use case was evaluated with, and where they came from."""
    rows = []
    for ev in evaluations:
        for p in ev.parameters.values():
            rows.append({
                "usecase": ev.usecase.id,
                "name": p.name,
                "value": clean_number(float(p.quantity.magnitude)),
                "unit": units.format_unit(p.quantity.units),
                "origin": p.origin,
            })
    return rows


def published_json(published: Published | None) -> dict | None:
    if published is None:
        return None
    if published.text is not None:
        return {"value": None, "unit": None, "text": published.text}
    if published.value is not None:
        q = units.parse_quantity(published.value)
        return {"value": clean_number(float(q.magnitude)), "unit": units.format_unit(q.units)}
    bounds = {k: units.parse_quantity(t) for k, t in (("min", published.minimum), ("max", published.maximum)) if t}
    unit = next(iter(bounds.values())).units
    return {"value": None, "unit": units.format_unit(unit),
            **{k: clean_number(float(q.to(unit).magnitude)) for k, q in bounds.items()}}


def published_text(published: dict | None) -> str:
    if published is None:
        return ""
    if "text" in published:
        return published["text"]
    if published["value"] is not None:
        return f"{human_number(published['value'])} {published['unit']}"
    low, high = published.get("min"), published.get("max")
    return f"{human_number(low) if low is not None else ''}-{human_number(high) if high is not None else ''} {published['unit']}"


def csv_cells(row: dict) -> list:
    published = row["published"] or {}
    return [row["usecase"], row["kpi"], row["label"], row["direction"], row["value"], row["unit"],
            str(row["feasible"]).lower(), published.get("value"), published.get("unit"), row.get("reason", "")]


def table_cells(row: dict) -> list:
    value = human_number(row["value"]) if row["feasible"] else f"infeasible: {row['reason']}"
    return [row["usecase"], row["label"], row["direction"], value, row["unit"], published_text(row["published"])]
