"""The command line: a thin typer layer over the library.

Commands that do not compute (`--help`, `list`, `show`) import neither numpy nor pint.
Bad input ends in a one-line `error:` on stderr and exit code 2; anything else that goes
wrong is a bug and exits 1.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from . import __version__, fastparams
from .errors import UserError, one_line

fastparams.install()  # text and choice options without importing pydantic (start-up time)

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="KPI requirements for AI/ML model transfer over 5G (3GPP TS 22.261 clause 7.10, TR 22.874).",
)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class State:
    catalog_dirs: list[str] = []


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ammt-calc {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    catalog: List[str] = typer.Option([], "--catalog", metavar="DIR", help="Add the use-case YAML files in DIR (repeatable)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    State.catalog_dirs = list(catalog)


def load(check_units: bool = True):
    from .catalog import load_catalog

    return load_catalog(State.catalog_dirs, check_units=check_units)


def load_usecases(ids) -> list:
    """The named use cases (all when none), with units checked for those only: checking
    every formula of the catalog on pint units costs more than the rest of a command."""
    from .catalog import check_dimensions

    catalog = load(check_units=False)
    usecases = [catalog.get(i) for i in dict.fromkeys(ids)] if ids else list(catalog)  # an id named twice: once
    for uc in usecases:
        check_dimensions(uc)
    return usecases


def _only(fmt: Format, allowed: tuple[str, ...], option: str = "--format") -> None:
    if fmt.value not in allowed:
        raise UserError(f"{option} '{fmt.value}' is not available here; use one of {', '.join(allowed)}")


# --- list / show -------------------------------------------------------------------------


@app.command("list")
def list_command(
    family: Optional[str] = typer.Option(None, "--family", help="Only use cases of this family (split, distribution, federated, ddc)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
) -> None:
    """The catalog: id, title, family and sources of every use case."""
    from . import render
    from .catalog import suggest

    _only(fmt, ("table", "csv", "json"))
    catalog = load(check_units=False)
    if family is not None and family not in catalog.families():
        raise UserError(f"unknown family '{family}'{suggest(family, catalog.families())}; families: {', '.join(catalog.families())}")
    rows = [{"id": uc.id, "title": uc.title, "family": uc.family, "sources": list(uc.sources)}
            for uc in catalog if family in (None, uc.family)]
    if fmt is Format.json:
        render.emit(render.to_json({"rows": rows}), None)
    elif fmt is Format.csv:
        render.emit(render.to_csv(("id", "title", "family", "sources"),
                                  ([r["id"], r["title"], r["family"], "; ".join(r["sources"])] for r in rows)), None)
    else:
        render.print_table(("id", "family", "title"), [(r["id"], r["family"], r["title"]) for r in rows])


@app.command("show")
def show_command(
    usecase_id: str = typer.Argument(..., metavar="ID", help="A use-case id (see `ammt-calc list`)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json."),
    qos: bool = typer.Option(False, "--qos", help="Add the 5QIs that can carry each flow at the defaults (computes, so slower)."),
) -> None:
    """Parameters, KPIs with their formulas, sources and published values of one use case."""
    from . import render
    from .describe import describe, print_description

    _only(fmt, ("table", "json"))
    uc = load(check_units=False).get(usecase_id)
    flows = _flows_at_defaults(uc) if qos else None  # evaluating needs numpy and pint: only on request
    if fmt is Format.json:
        render.emit(render.to_json({**describe(uc), **({"qos": flows} if qos else {})}), None)
    else:
        print_description(uc)
        if flows:
            from .qos import print_flows

            print()
            print_flows(flows, "5QI per flow at the defaults (TS 23.501 Table 5.7.4-1)")


def _flows_at_defaults(uc) -> list | None:
    """The use case's flows and their 5QIs at the defaults; None (with a note) if it cannot be evaluated."""
    from .qos import at_defaults

    try:
        return at_defaults(uc)
    except UserError as exc:
        typer.echo(f"note: 5QIs not evaluated: {exc}", err=True)
        return None


# --- usecase / check ---------------------------------------------------------------------


@app.command("usecase")
def usecase_command(
    ids: List[str] = typer.Argument(None, metavar="[ID]...", help="Use-case ids; all use cases when none is given."),
    settings: List[str] = typer.Option([], "--set", metavar="NAME=VALUE", help="Set a parameter, with its unit: --set model_size=102.4MB (repeatable)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv, json or markdown."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write to FILE (atomically) instead of stdout."),
    cell_spec: Optional[str] = typer.Option(None, "--cell", metavar="SPEC", help="Beside every UL/DL rate, its share of an NR cell's peak rate and the users that fit: bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM[,tdd=DDDSU,ul_layers=2,...]."),
    qos: bool = typer.Option(False, "--qos", help="Add the standardized 5QIs (TS 23.501 Table 5.7.4-1) that can carry each UL/DL flow."),
) -> None:
    """The requirement table: every KPI of the named use cases, beside the published 3GPP value."""
    from . import render, report
    from .requirements import evaluate_many

    usecases = load_usecases(ids)
    cell_notes: list[str] = []
    cell = None
    if cell_spec is not None:
        from .radio import parse_cell

        cell = parse_cell(cell_spec, cell_notes)
    evaluations = evaluate_many(usecases, parse_settings(settings))
    for ev in evaluations:
        for note in ev.notes:
            typer.echo(f"note: {ev.usecase.id}: {note}", err=True)
    for note in dict.fromkeys(cell_notes):
        typer.echo(f"note: --cell: {note}", err=True)
    rows = report.usecase_rows(evaluations)
    payload = {"rows": rows, "parameters": report.parameter_rows(evaluations)}
    if cell is not None:
        report.add_cell(rows, cell)
        payload["cell"] = report.cell_json(cell)
    flows = None
    if qos:
        from . import qos as qos_module

        flows = payload["qos"] = qos_module.usecase_flows(evaluations)
    layout = report.Layout(cell is not None, flows)
    captions = [report.settings_caption(evaluations), report.cell_caption(cell) if cell is not None else ""]
    caption = "".join(f"{line}\n" for line in captions if line)
    if fmt is Format.json:
        text = render.to_json(payload)
    elif fmt is Format.csv:
        text = render.to_csv(layout.csv_columns, map(layout.csv_cells, rows))
    elif fmt is Format.markdown:
        text = (caption and caption + "\n") + render.to_markdown(layout.table_columns, map(layout.table_cells, rows))
        if flows is not None:
            text += f"\n{QOS_TITLE}\n\n" + render.to_markdown(qos_module.TABLE_COLUMNS, map(qos_module.table_cells, flows))
    elif output is not None:
        text = caption + render.to_plain(layout.table_columns, map(layout.table_cells, rows))
        if flows is not None:
            text += f"\n{QOS_TITLE}\n" + render.to_plain(qos_module.TABLE_COLUMNS, map(qos_module.table_cells, flows))
    else:
        render.print_table(layout.table_columns, [layout.table_cells(r) for r in rows], title=caption.strip() or None)
        if flows is not None:
            print()
            qos_module.print_flows(flows, QOS_TITLE)
        return
    render.emit(text, output)


QOS_TITLE = "5QI per flow (TS 23.501 Table 5.7.4-1)"


@app.command("check")
def check_command(
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write to FILE instead of stdout."),
) -> None:
    """Every published TS 22.261 value against the catalog's computation: exact, rounded or differs."""
    from dataclasses import asdict, astuple

    from . import render
    from .check import CheckRow, check_catalog

    _only(fmt, ("table", "csv", "json"))
    rows = check_catalog(load())
    if fmt is Format.json:
        text = render.to_json({"rows": [asdict(r) for r in rows]})
    elif fmt is Format.csv:
        text = render.to_csv(tuple(CheckRow.__dataclass_fields__), map(astuple, rows))
    else:
        head = ("use case", "KPI", "published", "computed", "status", "note")
        cells = [(r.usecase, r.kpi, r.published_text, _computed_cell(r), r.status, r.note) for r in rows]
        if output is None:
            render.print_table(head, cells)
            return
        text = render.to_plain(head, cells)
    render.emit(text, output)


def _computed_cell(row) -> str:
    from .render import human_number

    return "infeasible" if row.computed_value is None else f"{human_number(row.computed_value)} {row.computed_unit}".strip()


def parse_settings(settings: list[str]) -> dict[str, str]:
    """`--set NAME=VALUE` options."""
    from .options import parse_pairs

    return parse_pairs(settings, "--set", "VALUE", "latency=500ms")


# --- entry point -------------------------------------------------------------------------

from . import cli_analysis, cli_network, cli_split  # noqa: E402,F401  (register their commands on `app`)



def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        code = app(args=argv or ["--help"], standalone_mode=False)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 130
    except typer.TyperException as exc:  # typer's usage errors (unknown option, bad choice, ...)
        typer.echo(f"error: {one_line(exc.format_message())}", err=True)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    return code if isinstance(code, int) else 0  # without standalone mode typer returns an Exit's code (Ctrl-C: 130)


def run() -> None:
    sys.exit(main())
