"""Documents: results turned into plain data, exactly what `--format json` prints.

Every API result's `to_dict()` is built here, so the CLI and scripts see the same thing.
No text formatting for people (that is `present/`), no printing.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Sequence

from ..units import registry as units
from ..usecases.domain import Published, UseCase
from ..errors import UserError
from ..units.numbers import clean_number

if TYPE_CHECKING:  # numpy-free at import: `list` and `show` use this module
    from ..engine.evaluation import Evaluation

SPLIT_UNITS = {"payload": "kByte", "work": "GMAC", "time": "ms", "rate": "Mbit/s", "frame_rate": "fps"}


def quantity(value: float | None, unit: str) -> dict:
    """{"value", "unit"} of a number already in `unit`."""
    return {"value": clean_number(value), "unit": unit}


# --- list / show -------------------------------------------------------------------------


def list_rows(usecases) -> dict:
    return {"rows": [{"id": uc.id, "title": uc.title, "family": uc.family, "sources": list(uc.sources)}
                     for uc in usecases]}


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
                "default": p.default_text,
                "unit": p.unit_text,
                "description": p.description,
                "min": None if p.choices else p.minimum if p.minimum is not None else "0",
                "max": None if p.choices else p.maximum,
                "choices": list(p.choices) or None,
                "derive": p.derive.text if p.derive else None,
                "follows": p.follows.text if p.follows else None,
                "fitted_to": list(p.fitted_to),
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
                "not_applicable_if": [{"condition": c.formula.text, "reason": c.reason} for c in k.not_applicable_if],
                "choices": list(k.choices) or None,
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


# --- usecase -----------------------------------------------------------------------------


def usecase_rows(evaluations: Sequence[Evaluation]) -> list[dict]:
    """One row per (use case, KPI), as `usecase --format json` prints them."""
    from ..engine.published import published_status

    rows = []
    for ev in evaluations:
        statuses = published_status(ev.usecase, ev) if ev.usecase.published else {}
        for result in ev.kpis.values():
            feasible = bool(result.feasible)
            value = (result.choice_at() if result.choices else clean_number(float(result.value))) if feasible else None
            row = {
                "usecase": ev.usecase.id,
                "kpi": result.name,
                "label": result.label,
                "direction": result.direction,
                "value": value,  # a KPI with choices gives the chosen name
                "unit": result.unit,
                "feasible": feasible,  # false also where it does not apply (applicable false)
                "applicable": result.applies_at(),
                "published": published_json(ev.usecase.published.get(result.name)),
                "status": statuses.get(result.name),
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
                "value": p.choice if p.choices else clean_number(float(p.quantity.magnitude)),
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


def add_cell(rows: list[dict], cell) -> None:
    """Give every row a "cell" key: for a feasible UL or DL rate, its share of the cell's peak
    rate (else its average capacity) in that direction and whether it fits
    (`radio.cell_share`); else None. Users per cell are a flow's, shown once in
    `cell_flows` (the sustained rate, 0 when the burst does not fit). IP-layer rates (a transport's `<dir>_ip_rate` and
    `<dir>_transport_rate`) take the layer-2 headers on top against the peak (`radio.l2_factor`)."""
    from ..network.cells import cell_share, l2_factor

    for row in rows:
        entry = None
        if row["feasible"] and row["direction"] in ("UL", "DL") and units.same_dimension(row["unit"], "bit/s"):
            ip_layer = cell.has_peak and row["kpi"].endswith(("_ip_rate", "_transport_rate"))
            mbps = row["value"] * units.base_factor(row["unit"]) / 1e6 * (l2_factor() if ip_layer else 1.0)
            share = cell_share(mbps, row["direction"], cell)
            entry = {"share": {"value": clean_number(share["share"]), "unit": "%"}, "fits": share["fits"]}
        row["cell"] = entry


def cell_json(cell) -> dict:
    """The cell: "basis" of the shares in the rows (peak, else average), "peak_rate" and
    "source" of the TS 38.306 peak when the cell has one, and `Cell.document()`'s readings
    ("peak", "average": each with its source)."""
    from ..network.cells import PROFILE_SOURCE, SOURCE

    doc = {"spec": cell.spec, "basis": "peak" if cell.has_peak else "average",
           "source": SOURCE if cell.has_peak else PROFILE_SOURCE}
    if cell.has_peak:
        doc["peak_rate"] = {d: {"value": clean_number(cell.peak_mbps(d)), "unit": "Mbit/s"} for d in ("DL", "UL")}
    return {**doc, **cleaned(cell.document()), "spec": cell.spec}


def cell_flows(evaluations: Sequence[Evaluation], cell, transport) -> list[dict]:
    """Every flow's burst and sustained load on the cell (`radio.cell_flows`)."""
    from ..network.cells import cell_flows as flows

    return [cleaned(flow) for ev in evaluations for flow in flows(ev, cell, transport)]


def cleaned(value):
    """A document with every float rounded by `clean_number` (lists and dicts walked)."""
    if isinstance(value, dict):
        return {k: cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    return clean_number(value) if isinstance(value, float) else value


# --- solve -------------------------------------------------------------------------------


def solution(uc: UseCase, solved) -> dict:
    """`solve --format json`: value null (with a message) when no value reaches the target."""
    unit = uc.parameters[solved.parameter].unit
    return {
        "usecase": uc.id,
        "parameter": solved.parameter,
        "value": clean_number(float(solved.quantity.to(unit).magnitude)) if solved.quantity is not None else None,
        "unit": units.format_unit(unit),
        "target": {"kpi": solved.kpi, "value": clean_number(float(solved.target.magnitude)),
                   "unit": units.format_unit(solved.target.units)},
        "message": solved.message,
    }


# --- split -------------------------------------------------------------------------------


def _q(value: float | None, unit: str) -> dict:
    """{"value", "unit"} with value converted from base units to `unit` (null stays null)."""
    shown = None if value is None else clean_number(value / units.base_factor(unit))
    if shown is not None and not (math.isfinite(shown) and (shown == 0 or abs(shown) >= sys.float_info.min)):
        # --ul-rate 1e-300bit/s: a UL time of 1e309 ms is inf, not a number to print
        raise UserError(f"these settings are beyond floating point: a result would be {shown:g} {unit};"
                        " use values nearer to real links and devices")
    return {"value": shown, "unit": unit}


def _split_row(r) -> dict:
    p = r.point
    return {
        "split": p.name, "label": p.label, "shape": p.shape_text,
        "tensors": [t.name for t in p.tensors],
        "elements": {"value": p.elements, "unit": ""},
        "payload": _q(r.payload, SPLIT_UNITS["payload"]),
        "device_work": _q(r.device_work, SPLIT_UNITS["work"]), "server_work": _q(r.server_work, SPLIT_UNITS["work"]),
        "device_time": _q(r.device_time, SPLIT_UNITS["time"]), "ul_time": _q(r.ul_time, SPLIT_UNITS["time"]),
        "server_time": _q(r.server_time, SPLIT_UNITS["time"]), "latency": _q(r.latency, SPLIT_UNITS["time"]),
        "ul_rate_needed": _q(r.ul_rate_needed, SPLIT_UNITS["rate"]),
        "max_frame_rate": _q(r.max_frame_rate, SPLIT_UNITS["frame_rate"]),
        "best_from_ul_rate": _q(r.best_from, SPLIT_UNITS["rate"]), "best_to_ul_rate": _q(r.best_to, SPLIT_UNITS["rate"]),
        "meets_latency": r.meets_latency, "keeps_up": r.keeps_up, "best": r.best,
    }


def split(result) -> dict:
    rows = [_split_row(r) for r in result.rows]
    s, m = result.settings, result.model
    return {
        "model": {"id": m.id, "name": m.name, "kind": m.kind,
                  "input": {"name": m.points[0].tensors[0].name if len(m.points[0].tensors) == 1 else None,
                            "shape": m.points[0].shape_text},
                  "parameters": {"value": m.num_params, "unit": ""},
                  "parameter_size": _q(m.param_bits, "MByte") if m.param_bits is not None else None,
                  "macs": _q(m.macs * 2.0, "GMAC"), "sources": list(m.sources), "notes": list(m.notes)},
        "settings": {
            "bits_per_element": _q(s.bits_per_element, "bit") if s.bits_per_element is not None else None,
            "ul_rate": _q(s.ul_rate, SPLIT_UNITS["rate"]), "latency": _q(s.latency, SPLIT_UNITS["time"]),
            "frame_rate": _q(s.frame_rate, SPLIT_UNITS["frame_rate"]) if s.frame_rate is not None else None,
            "device_speed": _q(s.device_speed, "TOPS"), "server_speed": _q(s.server_speed, "TOPS"),
        },
        "rows": rows,
        "best": result.best,
        "best_split_changes": [{"ul_rate": _q(c.ul_rate, SPLIT_UNITS["rate"]), "from": c.before, "to": c.after}
                               for c in result.changes],
    }


# --- radio -------------------------------------------------------------------------------


def radio(direction: str, carriers, total_mbps: float, notes: Sequence[str]) -> dict:
    from ..network.cells import SOURCE

    return {"direction": direction, "peak_rate": quantity(total_mbps, "Mbit/s"),
            "carriers": [_carrier(c) for c in carriers], "source": SOURCE, "notes": list(notes)}


def _carrier(c) -> dict:
    from ..network.cells import R_MAX

    return {"fr": c.fr, "bandwidth": quantity(c.bandwidth_mhz, "MHz"), "scs": quantity(c.scs_khz, "kHz"),
            "mu": c.mu, "n_prb": c.n_prb, "layers": c.layers, "modulation": c.modulation, "q_m": c.q_m,
            "scaling_factor": c.scaling, "r_max": R_MAX, "overhead": c.overhead, "tdd": c.tdd or None,
            "tdd_share": clean_number(c.tdd_share), "symbol_duration": quantity(c.symbol_duration_s * 1e6, "us"),
            "peak_rate": quantity(c.peak_rate_mbps, "Mbit/s")}
