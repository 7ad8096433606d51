"""Documents: results turned into plain data, exactly what `--format json` prints.

Every API result's `to_dict()` is built here, so the CLI and scripts see the same thing.
No text formatting for people (that is `present/`), no printing.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Mapping, Sequence

from ..errors import UserError
from ..units import registry as units
from ..units.numbers import clean_number
from ..usecases.domain import Published, UseCase

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


def usecase_rows(evaluations: Sequence[Evaluation], unit_options: Mapping[str, str] | None = None) -> list[dict]:
    """One row per (use case, KPI), as `usecase --format json` prints them: each value in the
    one unit of its kind (units/machine.py) or the one `unit_options` asks for (--unit)."""
    from ..engine.evaluation import OVERFLOW
    from ..engine.published import published_status
    from ..units import machine

    if unit_options:
        machine.check_names(unit_options, dict.fromkeys(k for ev in evaluations for k in ev.kpis))
    rows = []
    for ev in evaluations:
        statuses = published_status(ev.usecase, ev) if ev.usecase.published else {}
        for result in ev.kpis.values():
            applicable = result.applies_at()
            feasible = bool(result.feasible)
            unit = "" if result.choices else machine.requested(result.name, result.unit, unit_options)
            value = None
            if feasible:  # a KPI with choices gives the chosen name
                value = result.choice_at() if result.choices else converted(float(result.value), result.unit, unit)
                feasible = value is not None
            row = {
                "usecase": ev.usecase.id,
                "kpi": result.name,
                "label": result.label,
                "direction": result.direction,
                "value": value,
                "unit": unit,
                "feasible": feasible if applicable else None,  # null where the KPI does not apply
                "applicable": applicable,
                "published": published_json(ev.usecase.published.get(result.name), unit),
                "status": statuses.get(result.name),
            }
            if not feasible:
                row["reason"] = result.reason_at() or OVERFLOW  # past the float range in the machine unit
            rows.append(row)
    return rows


def converted(value: float, source: str, target: str) -> float | None:
    """`value` from unit `source` into `target`, as the engine shows a result: a subnormal
    (a few digits left) is 0, a number past the float range is None (overflow)."""
    out = value * units.base_factor(source) / units.base_factor(target) if source != target else value
    if not math.isfinite(out):
        return None
    return 0.0 if abs(out) < sys.float_info.min else clean_number(out)


def parameter_rows(evaluations: Sequence[Evaluation]) -> list[dict]:
    """The parameter values each use case was evaluated with (in the machine unit of their
    kind), where they came from, and `text`: the value in the unit the use case declares for
    it, as `--set` takes it back ("30 fps", "8 bit")."""
    from ..units.machine import machine_unit

    rows = []
    for ev in evaluations:
        for p in ev.parameters.values():
            unit = "" if p.choices else machine_unit(units.format_unit(p.quantity.units))
            rows.append({
                "usecase": ev.usecase.id,
                "name": p.name,
                "value": p.choice if p.choices else clean_number(float(p.quantity.to(unit).magnitude)),
                "unit": unit,
                "origin": p.origin,
                "text": p.choice if p.choices else _as_declared(p.quantity, ev.usecase.parameters[p.name].unit_text, unit),
            })
    return rows


def _as_declared(quantity, declared: str, machine: str) -> str:
    """The value in its declared unit where it reads well there (8 bit, 30 fps), else scaled
    as tables scale the machine unit (0.025088 MByte reads 25.088 kByte)."""
    from ..units.machine import for_people

    value = float(quantity.to(declared).magnitude)
    if value == 0 or 1 <= abs(value) < 1000 or not declared:
        return f"{value:.12g} {declared}".strip()
    number, shown = for_people(float(quantity.to(machine).magnitude), machine)
    return f"{number:.12g} {shown}".strip()


def published_json(published: Published | None, unit: str | None = None) -> dict | None:
    """{"value", "min", "max", "unit", "text"}: the number (or a range's bounds) in `unit` (the
    row's unit, when the published one converts to it) and the cell as written; a cell without
    a number has only the text."""
    if published is None:
        return None
    if published.text is not None:
        return {"value": None, "min": None, "max": None, "unit": None, "text": published.text}
    texts = {"value": published.value, "min": published.minimum, "max": published.maximum}
    bounds = {k: units.parse_quantity(t) for k, t in texts.items() if t}
    first = next(iter(bounds.values())).units
    target = units.parse_unit(unit) if unit is not None and units.same_dimension(unit, first) else first
    shown = {k: converted(float(q.magnitude), units.format_unit(q.units), units.format_unit(target))
             for k, q in bounds.items()}
    return {"value": shown.get("value"), "min": shown.get("min"), "max": shown.get("max"),
            "unit": units.format_unit(target), "text": published.as_written}


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


# --- check -------------------------------------------------------------------------------


def check_rows(rows, catalog) -> list[dict]:
    """`check --format json` rows: the published value (or range) and the computed one in one
    unit per kind (units/machine.py), and `deviation`, computed / published - 1 (for a range:
    0 inside it, else against the bound passed; null without a number on both sides)."""
    from ..units.machine import machine_unit

    out = []
    for r in rows:
        published = catalog.get(r.usecase).published[r.kpi]
        unit = machine_unit(r.computed_unit) if r.computed_unit or r.published_unit else ""
        pub = published_json(published, unit) if published.text is None else None
        computed = None
        if r.computed_value is not None and r.status != "no-value" and math.isfinite(r.computed_value):
            computed = converted(r.computed_value, r.computed_unit, unit)
        out.append({
            "usecase": r.usecase, "kpi": r.kpi,
            "published_value": pub and pub["value"], "published_min": pub and pub["min"],
            "published_max": pub and pub["max"], "published_unit": unit if pub else "",
            "computed_value": computed, "computed_unit": unit if computed is not None else "",
            "deviation": _deviation(computed, pub),
            "status": r.status, "basis": r.basis, "note": r.note, "published_text": r.published_text,
        })
    return out


def _deviation(computed: float | None, pub: dict | None) -> float | None:
    if computed is None or pub is None:
        return None
    if pub["value"] is not None:
        reference = pub["value"]
    elif pub["min"] is not None and computed < pub["min"]:
        reference = pub["min"]
    elif pub["max"] is not None and computed > pub["max"]:
        reference = pub["max"]
    else:
        return 0.0
    if not reference:
        return None
    deviation = computed / reference - 1
    return clean_number(deviation) if math.isfinite(deviation) else None


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
        "fastest_from_ul_rate": _q(r.fastest_from, SPLIT_UNITS["rate"]),
        "fastest_to_ul_rate": _q(r.fastest_to, SPLIT_UNITS["rate"]),
        "meets_latency": r.meets_latency, "keeps_up": r.keeps_up, "best": r.best, "fastest": r.fastest,
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
        "best": result.best,  # the least UL rate that meets the latency budget (null: none meets it)
        "fastest": result.fastest,  # the least latency at the UL rate given
        "fastest_split_changes": [{"ul_rate": _q(c.ul_rate, SPLIT_UNITS["rate"]), "from": c.before, "to": c.after}
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
