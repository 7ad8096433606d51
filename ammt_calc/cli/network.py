"""`radio`: NR peak data rate of a carrier."""

from __future__ import annotations

from typing import List, Optional

import typer

from ..present import views
from .app import app
from .common import emit, format_option, output_option


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
    fmt: Optional[str] = format_option(views.RADIO),
    output: Optional[str] = output_option(),
) -> None:
    """NR peak data rate of one or more carriers (TS 38.306 clause 4.1.2, N_PRB from TS 38.101)."""
    from .. import api

    result = api.radio(carriers, direction, bandwidth=bandwidth, scs=scs, layers=layers, modulation=modulation,
                       fr=fr, scaling=scaling, tdd=tdd)
    emit(result, views.RADIO, fmt, output)
