"""`list`, `show`, `usecase` and `check`."""

from __future__ import annotations

from typing import List, Optional

import typer

from ..errors import UserError
from ..present import views
from . import completion
from .app import app
from .common import (
    catalog,
    emit,
    format_option,
    output_option,
    set_option,
    settings,
    transport_option,
    unit_option,
)

SHOW_FORMATS = (*views.SHOW.formats, "yaml")


@app.command("list")
def list_command(
    family: Optional[str] = typer.Option(None, "--family", metavar="FAMILY", autocompletion=completion.family, help="Only use cases of this family (split, distribution, federated, ddc, ...; any case)."),
    fmt: Optional[str] = format_option(views.LIST),
    output: Optional[str] = output_option(views.LIST),
) -> None:
    """The catalog: id, family and title of every use case (CSV and JSON add its sources)."""
    from .. import api

    emit(api.list_usecases(family, catalog()), views.LIST, fmt, output)


@app.command("show")
def show_command(
    usecase_id: str = typer.Argument(..., metavar="ID", autocompletion=completion.usecase, help="A use-case id (see `ammt-calc list`)."),
    qos: bool = typer.Option(False, "--qos", help="Add the 5QIs that can carry each flow at the defaults (computes, so slower)."),
    fmt: Optional[str] = format_option(SHOW_FORMATS, extra=" (yaml: the use case's file as shipped, to start your own)"),
    output: Optional[str] = output_option(SHOW_FORMATS),
) -> None:
    """Parameters, KPIs with their formulas, sources and published values of one use case; or its YAML file."""
    from .. import api
    from ..present.output import choose_format, emit_bytes

    if choose_format(fmt, output, SHOW_FORMATS) == "yaml":
        if qos:
            raise UserError("--qos adds to the description; the YAML file is the use case as shipped: leave out --qos")
        emit_bytes(api.usecase_yaml(usecase_id, catalog()), output)
        return
    emit(api.show(usecase_id, qos, catalog()), views.SHOW, fmt, output)


@app.command("usecase")
def usecase_command(
    ids: List[str] = typer.Argument(None, metavar="ID", autocompletion=completion.usecase, help="Use-case ids; all use cases when none is given.", show_default=False),
    values: List[str] = set_option(),
    cell: Optional[str] = typer.Option(None, "--cell", metavar="SPEC", autocompletion=completion.cell, help="Beside every UL/DL rate, its share of an NR cell and the users that fit, and each flow's burst and sustained load: the peak, bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM[,tdd=DDDSU,ul_layers=2,...] (UL: 2 layers unless ul_layers says), or the ITU-R M.2410 average, profile=indoor-hotspot|dense-urban|rural[,bandwidth=100MHz], or both; or a site, site=uma|umi|rma|inh,fc=3.5GHz,bandwidth=100MHz[,los|nlos|mixed][,coverage=95%][,share=20%]: its carrier's peak and each flow's reach, <dir>_max_distance [m]."),
    transport: Optional[str] = transport_option(),
    qos: bool = typer.Option(False, "--qos", help="Add the standardized 5QIs (TS 23.501 Table 5.7.4-1) that can carry each UL/DL flow."),
    unit_options: List[str] = unit_option(),
    fmt: Optional[str] = format_option(views.USECASE),
    output: Optional[str] = output_option(views.USECASE),
) -> None:
    """The requirement table: every KPI of the named use cases, beside the published 3GPP value."""
    from .. import api

    given = settings(values)  # before the ids: `--set latency 5ms` is about --set, not a use case '5ms'
    emit(api.evaluate(ids or None, given, cell=cell, qos=qos, transport=transport, catalog=catalog(),
                      units=unit_options or None), views.USECASE, fmt, output)


@app.command("check")
def check_command(
    ids: List[str] = typer.Argument(None, metavar="ID", autocompletion=completion.usecase, help="Use-case ids; all use cases when none is given.", show_default=False),
    status: Optional[str] = typer.Option(None, "--status", metavar="STATUS", autocompletion=completion.words(("exact", "rounded", "in-range", "differs", "no-value")), help="Only rows of this status: exact, rounded, in-range, differs or no-value."),
    family: Optional[str] = typer.Option(None, "--family", metavar="FAMILY", autocompletion=completion.family, help="Only use cases of this family (split, distribution, federated, ddc, ...; any case)."),
    fmt: Optional[str] = format_option(views.CHECK),
    output: Optional[str] = output_option(views.CHECK),
) -> None:
    """Every published TS 22.261 value against the catalog's computation: exact, rounded, in-range, differs or no-value, with the relative deviation (computed / published - 1)."""
    from .. import api

    emit(api.check(catalog(), ids or None, status=status, family=family), views.CHECK, fmt, output)
