"""The requirement table: evaluations turned into the rows of cli-contract.md."""

from __future__ import annotations

from typing import Sequence

from . import units
from .catalog import Published
from .render import clean_number, human_number
from .solver import Evaluation

CSV_COLUMNS = ("usecase", "kpi", "label", "direction", "value", "unit", "feasible",
               "published_value", "published_unit", "reason", "published_text")
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
    """{"value", "unit", "text"}: the number in its unit and the cell as written; a range
    has "min" and "max" instead of a value; a cell without a number has only the text."""
    if published is None:
        return None
    if published.text is not None:
        return {"value": None, "unit": None, "text": published.text}
    if published.value is not None:
        q = units.parse_quantity(published.value)
        return {"value": clean_number(float(q.magnitude)), "unit": units.format_unit(q.units), "text": published.as_written}
    bounds = {k: units.parse_quantity(t) for k, t in (("min", published.minimum), ("max", published.maximum)) if t}
    unit = next(iter(bounds.values())).units
    return {"value": None, "unit": units.format_unit(unit),
            **{k: clean_number(float(q.to(unit).magnitude)) for k, q in bounds.items()}, "text": published.as_written}


def csv_cells(row: dict) -> list:
    published = row["published"] or {}
    return [row["usecase"], row["kpi"], row["label"], row["direction"], row["value"], row["unit"],
            str(row["feasible"]).lower(), published.get("value"), published.get("unit"), row.get("reason", ""),
            published.get("text")]


def table_cells(row: dict) -> list:
    value = human_number(row["value"]) if row["feasible"] else f"infeasible: {row['reason']}"
    return [row["usecase"], row["label"], row["direction"], value, row["unit"], (row["published"] or {}).get("text", "")]


# --- optional columns: --cell and --qos ----------------------------------------------------

CELL_CSV_COLUMNS = ("cell_share", "cell_share_unit", "cell_users", "cell_fits")
CELL_TABLE_COLUMNS = ("cell share", "users per cell")


def add_cell(rows: list[dict], cell) -> None:
    """Give every row a "cell" key: for a feasible UL or DL rate, its share of the cell's peak
    rate in that direction and how many such users fit (`radio.cell_share`); else None."""
    from .radio import cell_share

    for row in rows:
        entry = None
        if row["feasible"] and row["direction"] in ("UL", "DL") and units.same_dimension(row["unit"], "bit/s"):
            share = cell_share(row["value"] * units.base_factor(row["unit"]) / 1e6, row["direction"], cell)
            entry = {"share": {"value": clean_number(share["share"]), "unit": "%"}, "users": share["users"],
                     "fits": share["fits"]}
        row["cell"] = entry


def cell_json(cell) -> dict:
    from .radio import SOURCE

    return {"spec": cell.spec, "source": SOURCE,
            "peak_rate": {d: {"value": clean_number(cell.carrier(d).peak_rate_mbps), "unit": "Mbit/s"}
                          for d in ("DL", "UL")}}


def settings_caption(evaluations: Sequence[Evaluation]) -> str:
    """One line per use case whose parameters are not all defaults: what was set or derived."""
    lines = []
    for ev in evaluations:
        changed = [f"{p.name} = {human_number(float(p.quantity.magnitude))} {units.format_unit(p.quantity.units)}".rstrip()
                   + f" ({p.origin})" for p in ev.parameters.values() if p.origin != "default"]
        if changed:
            lines.append(f"{ev.usecase.id}: " + ", ".join(changed))
    return "\n".join(lines)


def cell_caption(cell) -> str:
    peaks = ", ".join(f"{d} peak {human_number(cell.carrier(d).peak_rate_mbps)} Mbit/s" for d in ("DL", "UL"))
    return f"cell {cell.spec}: {peaks} (TS 38.306 clause 4.1.2)"


class Layout:
    """The requirement table's columns plus the optional --cell columns and --qos columns (CSV
    only: the table shows the flows as a section of their own)."""

    def __init__(self, cell: bool = False, flows: list[dict] | None = None):
        self.cell = cell
        self.flows = None if flows is None else {(f["usecase"], f["kpi"]): f for f in flows}

    @property
    def csv_columns(self) -> tuple[str, ...]:
        from .qos import CSV_COLUMNS as QOS_COLUMNS

        return CSV_COLUMNS + (CELL_CSV_COLUMNS if self.cell else ()) + (QOS_COLUMNS if self.flows is not None else ())

    @property
    def table_columns(self) -> tuple[str, ...]:
        return TABLE_COLUMNS + (CELL_TABLE_COLUMNS if self.cell else ())

    def csv_cells(self, row: dict) -> list:
        from .qos import csv_cells as qos_cells

        cells = csv_cells(row)
        if self.cell:
            entry = row["cell"]
            cells += [None] * 4 if entry is None else [entry["share"]["value"], "%", entry["users"],
                                                      str(entry["fits"]).lower()]
        if self.flows is not None:
            cells += qos_cells(self.flows.get((row["usecase"], row["kpi"])))
        return cells

    def table_cells(self, row: dict) -> list:
        cells = table_cells(row)
        if self.cell:
            entry = row["cell"]
            if entry is None:
                cells += ["", ""]
            else:
                users = "does not fit" if not entry["fits"] else "no limit (zero rate)" if entry["users"] is None \
                    else str(entry["users"])
                cells += [f"{human_number(entry['share']['value'])} %", users]
        return cells
