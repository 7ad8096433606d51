"""`ammt-calc show`: everything about one use case, from the catalog text alone.

Works without numpy or pint: parameters and published values are shown as written in
the catalog.
"""

from __future__ import annotations

from .catalog import UseCase


def describe(uc: UseCase) -> dict:
    return {
        "id": uc.id,
        "title": uc.title,
        "family": uc.family,
        "description": uc.description,
        "sources": list(uc.sources),
        "notes": list(uc.notes),
        "parameters": [
            {
                "name": p.name,
                "default": p.default,
                "unit": p.unit_text,
                "description": p.description,
                "min": p.minimum if p.minimum is not None else "0",
                "max": p.maximum,
                "derive": p.derive.text if p.derive else None,
                "source": p.source,
            }
            for p in uc.parameters.values()
        ],
        "kpis": [
            {
                "name": k.name,
                "label": k.label,
                "formula": k.formula.text,
                "unit": k.unit,
                "direction": k.direction,
                "description": k.description,
                "infeasible_if": [{"condition": c.formula.text, "reason": c.reason} for c in k.infeasible_if],
                "source": k.source,
            }
            for k in uc.kpis.values()
        ],
        "published": [
            {
                "kpi": p.kpi,
                "value": p.value,
                "text": p.text,
                "min": p.minimum,
                "max": p.maximum,
                "note": p.note,
                "source": p.source,
            }
            for p in uc.published.values()
        ],
    }


def print_description(uc: UseCase) -> None:
    from . import render

    info = describe(uc)
    lines = [f"{uc.title} ({uc.id}, family {uc.family})"]
    if uc.description:
        lines.append(uc.description)
    lines += [f"source: {s}" for s in uc.sources] + [f"note: {n}" for n in uc.notes]
    print("\n".join(lines) + "\n")
    render.print_table(
        ("parameter", "default", "allowed", "meaning", "source"),
        [(p["name"], p["default"], _allowed(p), _meaning(p), p["source"]) for p in info["parameters"]],
        title="Parameters",
    )
    print()
    render.print_table(
        ("KPI", "dir", "formula", "unit", "label"),
        [(k["name"], k["direction"], _formula(k), k["unit"], k["label"]) for k in info["kpis"]],
        title="KPIs",
    )
    if info["published"]:
        print()
        render.print_table(
            ("KPI", "published", "source", "note"),
            [(p["kpi"], _published(p), p["source"], p["note"]) for p in info["published"]],
            title="Published values",
        )


def _allowed(p: dict) -> str:
    return f">= {p['min']}" + (f", <= {p['max']}" if p["max"] else "")


def _meaning(p: dict) -> str:
    derive = f" (derived as {p['derive']} when one of those is set)" if p["derive"] else ""
    return p["description"] + derive


def _formula(k: dict) -> str:
    conditions = "".join(f"; infeasible if {c['condition']}: {c['reason']}" for c in k["infeasible_if"])
    return k["formula"] + conditions


def _published(p: dict) -> str:
    if p["value"] is not None:
        return p["value"]
    if p["text"] is not None:
        return p["text"]
    return f"{p['min'] or ''} to {p['max'] or ''}"
