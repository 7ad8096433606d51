"""`ammt-calc split`: candidate split points of a model, what each asks of the UL (registered on the main app)."""

from __future__ import annotations

from typing import Optional

import typer

from .cli import Format, _only, app
from .errors import UserError

ZOO_BITS = "8 bit"  # zoo models: int8 activations and an 8-bit image, as TR 22.874's 0.27 MByte example
UNITS = {"payload": "kByte", "work": "GMAC", "time": "ms", "rate": "Mbit/s", "frame_rate": "fps"}
COLUMNS = (  # CSV: (JSON key, unit key or None); headers are "key [unit]"
    ("elements", None), ("payload", "payload"), ("device_work", "work"), ("server_work", "work"),
    ("device_time", "time"), ("ul_time", "time"), ("server_time", "time"), ("latency", "time"),
    ("ul_rate_needed", "rate"), ("max_frame_rate", "frame_rate"),
    ("best_from_ul_rate", "rate"), ("best_to_ul_rate", "rate"),
)


@app.command("split")
def split_command(
    model_ref: str = typer.Argument(..., metavar="MODEL", help="A zoo model (alexnet, vgg16, resnet50, mobilenetv2, googlenet) or an .onnx file."),
    bits: Optional[str] = typer.Option(None, "--bits", metavar="B", help="Bits per element of the tensors sent [default: 8 bit for a zoo model, an .onnx file's own dtypes]."),
    ul_rate: str = typer.Option("100 Mbit/s", "--ul-rate", metavar="R", help="Current UL data rate (bare number: Mbit/s)."),
    latency: str = typer.Option("50 ms", "--latency", metavar="L", help="End-to-end latency budget of one inference (bare number: ms)."),
    frame_rate: Optional[str] = typer.Option(None, "--frame-rate", metavar="F", help="Frames per second the pipeline must keep up with (bare number: fps)."),
    device_speed: str = typer.Option("1 TOPS", "--device-speed", metavar="OPS/s", help="Device compute speed, e.g. 1TOPS or 500GMAC/s (bare number: TOPS)."),
    server_speed: str = typer.Option("100 TOPS", "--server-speed", metavar="OPS/s", help="Server compute speed (bare number: TOPS)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout."),
) -> None:
    """Every candidate split point of a model: payload, UL/compute times, latency, the best split."""
    from . import render
    from .splitpoint import analyse, settings_from_text
    from .zoo import load_model

    _only(fmt, ("table", "csv", "json"))
    model = load_model(model_ref)
    if bits is None and model.kind == "zoo":
        bits = ZOO_BITS
    settings, notes = settings_from_text(bits=bits, ul_rate=ul_rate, latency=latency, device_speed=device_speed,
                                         server_speed=server_speed, frame_rate=frame_rate)
    for note in [*notes, *(model.notes if model.kind == "onnx" else ())]:
        typer.echo(f"note: {note}", err=True)
    result = analyse(model, settings)
    rows = [_row_json(r) for r in result.rows]
    if fmt is Format.json:
        text = render.to_json(_document(result, rows))
    elif fmt is Format.csv:
        head = ["split", "shape", *(f"{key} [{UNITS[u]}]" if u else key for key, u in COLUMNS),
                "meets_latency", "keeps_up", "best"]
        cells = ([r["split"], r["shape"], *(r[key]["value"] for key, _ in COLUMNS),
                  r["meets_latency"], r["keeps_up"], r["best"]] for r in rows)
        text = render.to_csv(head, ([_csv(v) for v in row] for row in cells))
    else:
        head, cells = _table(result, rows)
        title = _title(result)
        if output is None:
            render.print_table(head, cells, title=title)
            _print_changes(result)
            return
        text = title + "\n" + render.to_plain(head, cells) + _changes_text(result)
    render.emit(text, output)


def _q(value: float | None, unit: str) -> dict:
    """{"value", "unit"} with value converted from base units to `unit` (null stays null)."""
    import math
    import sys

    from . import units
    from .render import clean_number

    shown = None if value is None else clean_number(value / units.base_factor(unit))
    if shown is not None and not (math.isfinite(shown) and (shown == 0 or abs(shown) >= sys.float_info.min)):
        # --ul-rate 1e-300bit/s: a UL time of 1e309 ms is inf, not a number to print
        raise UserError(f"these settings are beyond floating point: a result would be {shown:g} {unit};"
                        " use values nearer to real links and devices")
    return {"value": shown, "unit": unit}


def _row_json(r) -> dict:
    p = r.point
    return {
        "split": p.name, "label": p.label, "shape": p.shape_text,
        "tensors": [t.name for t in p.tensors],
        "elements": {"value": p.elements, "unit": ""},
        "payload": _q(r.payload, UNITS["payload"]),
        "device_work": _q(r.device_work, UNITS["work"]), "server_work": _q(r.server_work, UNITS["work"]),
        "device_time": _q(r.device_time, UNITS["time"]), "ul_time": _q(r.ul_time, UNITS["time"]),
        "server_time": _q(r.server_time, UNITS["time"]), "latency": _q(r.latency, UNITS["time"]),
        "ul_rate_needed": _q(r.ul_rate_needed, UNITS["rate"]),
        "max_frame_rate": _q(r.max_frame_rate, UNITS["frame_rate"]),
        "best_from_ul_rate": _q(r.best_from, UNITS["rate"]), "best_to_ul_rate": _q(r.best_to, UNITS["rate"]),
        "meets_latency": r.meets_latency, "keeps_up": r.keeps_up, "best": r.best,
    }


def _document(result, rows: list[dict]) -> dict:
    s, m = result.settings, result.model
    return {
        "model": {"id": m.id, "name": m.name, "kind": m.kind,
                  "parameters": {"value": m.num_params, "unit": ""},
                  "parameter_size": _q(m.param_bits, "MByte") if m.param_bits is not None else None,
                  "macs": _q(m.macs * 2.0, "GMAC"), "sources": list(m.sources), "notes": list(m.notes)},
        "settings": {
            "bits_per_element": _q(s.bits_per_element, "bit") if s.bits_per_element is not None else None,
            "ul_rate": _q(s.ul_rate, UNITS["rate"]), "latency": _q(s.latency, UNITS["time"]),
            "frame_rate": _q(s.frame_rate, UNITS["frame_rate"]) if s.frame_rate is not None else None,
            "device_speed": _q(s.device_speed, "TOPS"), "server_speed": _q(s.server_speed, "TOPS"),
        },
        "rows": rows,
        "best": result.best,
        "best_split_changes": [{"ul_rate": _q(c.ul_rate, UNITS["rate"]), "from": c.before, "to": c.after}
                               for c in result.changes],
    }


def _csv(value):
    return str(value).lower() if isinstance(value, bool) else value


def _table(result, rows: list[dict]) -> tuple[list[str], list[list]]:
    from .render import human_number

    s = result.settings
    budget = f"UL rate for {human_number(s.latency * 1e3)} ms"
    head = ["split", "shape", f"payload [{UNITS['payload']}]", f"device [{UNITS['work']}]",
            f"device [{UNITS['time']}]", f"UL [{UNITS['time']}]", f"server [{UNITS['time']}]",
            f"latency [{UNITS['time']}]", f"{budget} [{UNITS['rate']}]", "max fps",
            f"best for UL [{UNITS['rate']}]", "best"]
    if s.frame_rate is not None:
        head.insert(-2, f"keeps up {human_number(s.frame_rate)} fps")
    cells = []
    for r in rows:
        needed = r["ul_rate_needed"]["value"]
        line = [r["split"], r["shape"], *(human_number(r[k]["value"]) for k in (
            "payload", "device_work", "device_time", "ul_time", "server_time", "latency")),
            human_number(needed) if needed is not None else "compute > budget",
            human_number(r["max_frame_rate"]["value"]), _range_text(r), "*" if r["best"] else ""]
        if s.frame_rate is not None:
            line.insert(-2, "yes" if r["keeps_up"] else "no")
        cells.append(line)
    return head, cells


def _range_text(r: dict) -> str:
    from .render import human_number

    low, high = r["best_from_ul_rate"]["value"], r["best_to_ul_rate"]["value"]
    if low is None:
        return ""
    if high is None:
        return f">= {human_number(low)}"
    return f"< {human_number(high)}" if low == 0 else f"{human_number(low)} - {human_number(high)}"


def _title(result) -> str:
    from .render import human_number

    s, m = result.settings, result.model
    bits = "own dtypes" if s.bits_per_element is None else f"{human_number(s.bits_per_element)} bit/element"
    return (f"{m.name}: {m.num_params} parameters, {human_number(m.macs / 1e9)} GMAC; UL {human_number(s.ul_rate / 1e6)}"
            f" Mbit/s, device {human_number(s.device_speed / 1e12)} TOPS, server {human_number(s.server_speed / 1e12)}"
            f" TOPS, {bits}; best: {result.best}")


def _changes_text(result) -> str:
    from .render import human_number

    if not result.changes:
        return f"best split at every UL rate: {result.best}\n"
    steps = "; ".join(f"{c.before} -> {c.after} at {human_number(c.ul_rate / 1e6)} Mbit/s" for c in result.changes)
    return f"best split changes with the UL rate: {steps}\n"


def _print_changes(result) -> None:
    import sys

    sys.stdout.write(_changes_text(result))
