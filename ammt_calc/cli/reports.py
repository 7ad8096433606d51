"""`report`: use cases as one self-contained HTML page (or its JSON document)."""

from __future__ import annotations

from typing import List, Optional

import typer

from . import completion
from .app import State, app
from .common import (
    catalog,
    format_option,
    notes,
    output_option,
    set_option,
    settings,
    transport_option,
)

REPORT_FORMATS = ("html", "json")


@app.command("report")
def report_command(
    ids: List[str] = typer.Argument(None, metavar="ID", autocompletion=completion.usecase, help="Use-case ids; all use cases when none is given.", show_default=False),
    values: List[str] = set_option(),
    vary: List[str] = typer.Option([], "--vary", metavar="NAME=SPEC", autocompletion=completion.parameter, help="Plot every KPI of each use case that has NAME over START:STOP:COUNT[:log] or v1,v2,... (up to 10,000 points per use case). Repeat for a line per value of the second."),
    zipped: bool = typer.Option(False, "--zip", help="Pair the i-th values of every --vary instead of making a full grid."),
    cell: Optional[str] = typer.Option(None, "--cell", metavar="SPEC", autocompletion=completion.cell, help="Each rate's share of an NR cell and each flow's load on it (as `usecase --cell`)."),
    transport: Optional[str] = transport_option(),
    qos: bool = typer.Option(False, "--qos", help="Add the standardized 5QIs that can carry each flow."),
    fmt: Optional[str] = format_option(REPORT_FORMATS, default="html", extra=" (json: the report's document)"),
    output: Optional[str] = output_option(REPORT_FORMATS, "Write to FILE (atomically) instead of stdout"),
) -> None:
    """A report people can open: per use case its KPIs beside the published values, its parameters with their sources, and plots over --vary; one self-contained HTML file."""
    from .. import api
    from ..present.atomic import emit as write_text
    from ..present.formats import to_json
    from ..present.output import choose_format

    chosen = choose_format(fmt, output, REPORT_FORMATS, default="html")
    given = settings(values)
    result = api.report(ids or None, given, vary=api.parse_vary(vary) if vary else None, zip=zipped, cell=cell, qos=qos,
                        transport=transport, command=State.command(), catalog=catalog())
    notes(result.notes)
    write_text(result.html() if chosen == "html" else to_json(result.to_dict()), output)
