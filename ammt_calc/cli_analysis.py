"""Commands that explore a use case: `sweep` and `solve` (registered on the main app)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import List, Optional

import typer

from .cli import Format, _only, app, load_usecases, parse_settings
from .errors import UserError


@app.command("sweep")
def sweep_command(
    usecase_id: str = typer.Argument(..., metavar="ID", help="A use-case id (see `ammt-calc list`)."),
    vary: List[str] = typer.Option([], "--vary", metavar="NAME=SPEC", help="Vary a parameter: START:STOP:COUNT, START:STOP:COUNT:log or v1,v2,v3, with units (--vary model_size=10MB:1GB:50:log). Repeat for a full grid."),
    zipped: bool = typer.Option(False, "--zip", help="Pair the i-th values of every --vary instead of making a full grid."),
    settings: List[str] = typer.Option([], "--set", metavar="NAME=VALUE", help="Fix a parameter, with its unit: --set latency=500ms (repeatable)."),
    fmt: Format = typer.Option(Format.csv, "--format", help="csv or json."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write to FILE (atomically); '-' is stdout. With --plot and no -o, only the plot is written."),
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE.png", help="Draw a KPI against the first --vary, a line per value of the second (needs the 'plot' extra)."),
    kpi: Optional[str] = typer.Option(None, "--kpi", metavar="KPI", help="The KPI to plot (default: the first that depends on the first --vary, preferring one that depends on every --vary, then one with a published value)."),
) -> None:
    """One row per grid point: the varied parameters and every KPI, as CSV or JSON."""
    from . import sweeps

    _only(fmt, ("csv", "json"))
    (uc,) = load_usecases([usecase_id])
    grid = sweeps.plan(uc, sweeps.parse_vary(vary), _with_zoo(uc, settings), zipped)
    for note in grid.notes:
        typer.echo(f"note: {note}", err=True)
    picture = None
    if plot is not None:
        from .plot import Plot, png_path

        png_path(plot)  # refuse a bad name before the sweep, not after it
        picture = Plot(grid, kpi)
    elif kpi is not None:
        raise UserError("--kpi chooses the KPI of --plot; give --plot FILE.png too")
    with _progress(grid.size) as advance:
        def on_block(block) -> None:
            if picture is not None:
                picture.add(block.start, block.column(picture.kpi))
            advance(block.stop - block.start)

        write = sweeps.write_json if fmt is Format.json else sweeps.write_csv
        if output is None and picture is not None:
            for block in sweeps.blocks(grid):
                on_block(block)
        elif output is None or output == "-":
            try:
                write(grid, sys.stdout.buffer, on_block)
                sys.stdout.buffer.flush()
            except BrokenPipeError:  # `| head`: the reader has what it wants; stop quietly, exit 0
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
                return
        else:
            from .render import atomic_file

            with atomic_file(output, binary=True) as handle:
                write(grid, handle, on_block)
    if picture is not None:
        picture.save(plot)
        typer.echo(f"note: plotted {picture.kpi} to {plot}", err=True)


def _with_zoo(uc, settings: list[str]) -> dict:
    """--set values with zoo references (model=vgg16, split=pool5, a model file) resolved, as in `usecase`."""
    from .zoo import resolve_model_settings

    (resolved,) = resolve_model_settings([uc], parse_settings(settings))
    for note in resolved.notes:
        typer.echo(f"note: {uc.id}: {note}", err=True)
    return resolved.settings


@contextmanager
def _progress(total: int):
    """A progress bar on stderr for sweeps of more than one block, on a terminal only."""
    from rich.console import Console

    from .sweeps import CHUNK_POINTS

    console = Console(stderr=True)
    if total <= CHUNK_POINTS or not console.is_terminal:
        yield lambda n: None
        return
    from rich.progress import BarColumn, Progress, TimeRemainingColumn

    with Progress("sweep", BarColumn(), "{task.completed:,}/{task.total:,} points", TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("sweep", total=total)
        yield lambda n: bar.advance(task, n)


@app.command("solve")
def solve_command(
    usecase_id: str = typer.Argument(..., metavar="ID", help="A use-case id (see `ammt-calc list`)."),
    parameter: str = typer.Option(..., "--for", metavar="PARAM", help="The parameter to find."),
    target: str = typer.Option(..., "--target", metavar="KPI=VALUE", help="The KPI value to reach, with its unit: --target dl_data_rate=500Mbit/s."),
    settings: List[str] = typer.Option([], "--set", metavar="NAME=VALUE", help="Fix another parameter, with its unit (repeatable)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json."),
) -> None:
    """The smallest value of PARAM at which KPI reaches VALUE (e.g. the largest model that downloads in time)."""
    from . import render
    from .inverse import parse_target, solve
    from .solver import resolve_inputs

    _only(fmt, ("table", "json"))
    (uc,) = load_usecases([usecase_id])
    kpi, quantity, target_notes = parse_target(uc, target)
    values, notes = resolve_inputs(uc, _with_zoo(uc, settings))
    for note in notes + target_notes:
        typer.echo(f"note: {note}", err=True)
    row = solution_json(uc, solve(uc, parameter, kpi, quantity, values))
    if fmt is Format.json:
        render.emit(render.to_json(row), None)
        return
    value = render.human_number(row["value"]) if row["value"] is not None else "none"
    target_text = f"{row['target']['kpi']} = {render.human_number(row['target']['value'])} {row['target']['unit']}"
    render.print_table(("use case", "parameter", "value", "unit", "target"),
                       [(uc.id, row["parameter"], value, row["unit"], target_text.strip())])
    if row["message"]:
        print(f"{'note' if row['value'] is not None else 'no solution'}: {row['message']}")


def solution_json(uc, solution) -> dict:
    """`solve --format json`: value null (with a message) when no value reaches the target."""
    from . import units
    from .render import clean_number

    unit = units.parse_quantity(uc.parameters[solution.parameter].default).units
    return {
        "usecase": uc.id,
        "parameter": solution.parameter,
        "value": clean_number(float(solution.quantity.to(unit).magnitude)) if solution.quantity is not None else None,
        "unit": units.format_unit(unit),
        "target": {"kpi": solution.kpi, "value": clean_number(float(solution.target.magnitude)),
                   "unit": units.format_unit(solution.target.units)},
        "message": solution.message,
    }
