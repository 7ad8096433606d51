"""`ammt-calc radio`: NR peak data rate of a carrier (registered on the main app)."""

from __future__ import annotations

from typing import List, Optional

import typer

from .cli import Format, _only, app
from .errors import UserError


@app.command("radio")
def radio_command(
    bandwidth: Optional[str] = typer.Option(None, "--bandwidth", metavar="B", help="Channel bandwidth, e.g. 100MHz (a bare number is MHz)."),
    scs: Optional[str] = typer.Option(None, "--scs", metavar="S", help="Subcarrier spacing, e.g. 30kHz (a bare number is kHz)."),
    layers: Optional[str] = typer.Option(None, "--layers", metavar="N", help="MIMO layers, 1 to 8."),
    modulation: Optional[str] = typer.Option(None, "--modulation", metavar="M", help="QPSK, 16QAM, 64QAM, 256QAM or 1024QAM."),
    fr: Optional[str] = typer.Option(None, "--fr", help="FR1 or FR2; inferred from the SCS and bandwidth where only one range has them."),
    direction: str = typer.Option("DL", "--direction", help="DL or UL (sets the overhead OH)."),
    scaling: Optional[str] = typer.Option(None, "--scaling-factor", metavar="F", help="Scaling factor f: 1 (default), 0.8, 0.75 or 0.4."),
    tdd: Optional[str] = typer.Option(None, "--tdd-share", metavar="SHARE|PATTERN", help="The direction's share of the symbols: 0.74, 74%, or a slot pattern DDDSU (S = 10 DL, 2 guard, 2 UL symbols) or DDDSU:6:4:4. Default: all (FDD)."),
    carriers: List[str] = typer.Option([], "--carrier", metavar="SPEC", help="One carrier of several (repeatable): bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM[,fr=..,scaling=..,tdd=..]; keys left out take the options above."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout."),
) -> None:
    """NR peak data rate of one or more carriers (TS 38.306 clause 4.1.2, N_PRB from TS 38.101)."""
    from . import radio, render

    _only(fmt, ("table", "csv", "json"))
    direction = radio.parse_direction(direction)
    options = {"bandwidth": bandwidth, "scs": scs, "layers": layers, "modulation": modulation, "fr": fr,
               "scaling": scaling, "tdd": tdd}
    defaults = {k: v for k, v in options.items() if v is not None}
    missing = [f"--{k}" for k in radio.REQUIRED_KEYS if k not in defaults]
    if not carriers and missing:
        raise UserError(f"radio needs {', '.join(missing)} (e.g. --bandwidth 100MHz --scs 30kHz --layers 4"
                        " --modulation 256QAM), or --carrier SPEC")
    specs = [{**defaults, **radio.parse_spec(c, "--carrier")} for c in carriers] or [defaults]
    notes: list[str] = []
    built = [radio.make_carrier(fields, direction, notes) for fields in specs]
    for note in dict.fromkeys(notes):
        typer.echo(f"note: {note}", err=True)
    total = radio.total_rate_mbps(built)
    if fmt is Format.json:
        text = render.to_json({"direction": direction, "peak_rate": _quantity(total, "Mbit/s"),
                               "carriers": [_carrier_json(c) for c in built], "source": radio.SOURCE,
                               "notes": list(dict.fromkeys(notes))})
    elif fmt is Format.csv:
        rows = [_carrier_cells(i, c) for i, c in enumerate(built, 1)]
        rows.append([direction, "total"] + [None] * (len(CSV_COLUMNS) - 3) + [render.clean_number(total)])
        text = render.to_csv(CSV_COLUMNS, rows)
    else:
        rows = [_table_cells(i, c) for i, c in enumerate(built, 1)]
        if len(built) > 1:
            rows.append(["total"] + [""] * (len(TABLE_COLUMNS) - 2) + [render.human_number(total)])
        title = f"NR peak data rate, {direction} ({radio.SOURCE})"
        if output is None:
            render.print_table(TABLE_COLUMNS, rows, title=title)
            return
        text = title + "\n" + render.to_plain(TABLE_COLUMNS, rows)
    render.emit(text, output)


CSV_COLUMNS = ("direction", "carrier", "fr", "bandwidth [MHz]", "scs [kHz]", "mu", "n_prb", "layers", "modulation",
               "q_m", "scaling_factor", "overhead", "tdd", "tdd_share", "peak_rate [Mbit/s]")
TABLE_COLUMNS = ("carrier", "FR", "bandwidth", "SCS", "mu", "N_PRB", "layers", "modulation", "f", "OH", "TDD share",
                 "peak rate [Mbit/s]")


def _quantity(value: float, unit: str) -> dict:
    from .render import clean_number

    return {"value": clean_number(value), "unit": unit}


def _carrier_json(c) -> dict:
    from .radio import R_MAX
    from .render import clean_number

    return {"fr": c.fr, "bandwidth": _quantity(c.bandwidth_mhz, "MHz"), "scs": _quantity(c.scs_khz, "kHz"),
            "mu": c.mu, "n_prb": c.n_prb, "layers": c.layers, "modulation": c.modulation, "q_m": c.q_m,
            "scaling_factor": c.scaling, "r_max": R_MAX, "overhead": c.overhead, "tdd": c.tdd or None,
            "tdd_share": clean_number(c.tdd_share), "symbol_duration": _quantity(c.symbol_duration_s * 1e6, "us"),
            "peak_rate": _quantity(c.peak_rate_mbps, "Mbit/s")}


def _carrier_cells(index: int, c) -> list:
    from .render import clean_number

    return [c.direction, index, c.fr, c.bandwidth_mhz, c.scs_khz, c.mu, c.n_prb, c.layers, c.modulation, c.q_m,
            c.scaling, c.overhead, c.tdd, clean_number(c.tdd_share), clean_number(c.peak_rate_mbps)]


def _table_cells(index: int, c) -> list:
    from .render import human_number

    pattern = f" ({c.tdd})" if c.tdd[:1].isalpha() else ""
    share = "100 % (FDD)" if not c.tdd else f"{human_number(100 * c.tdd_share)} %{pattern}"
    return [index, c.fr, f"{c.bandwidth_mhz:g} MHz", f"{c.scs_khz} kHz", c.mu, c.n_prb, c.layers, c.modulation,
            f"{c.scaling:g}", f"{c.overhead:g}", share, human_number(c.peak_rate_mbps)]
