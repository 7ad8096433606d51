"""`sweep` and `solve`: a use case over a grid, and inverse questions."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import List, Optional

import typer

from ..errors import UserError
from ..present import views
from .app import app
from .common import catalog, emit, format_option, notes, output_option, set_option, settings

SWEEP_FORMATS = ("csv", "json")


@app.command("sweep")
def sweep_command(
    usecase_id: str = typer.Argument(..., metavar="ID", help="A use-case id (see `ammt-calc list`)."),
    vary: List[str] = typer.Option([], "--vary", metavar="NAME=SPEC", help="Vary a parameter: START:STOP:COUNT, START:STOP:COUNT:log or v1,v2,v3, with units (--vary model_size=10MB:1GB:50:log). Repeat for a full grid."),
    zipped: bool = typer.Option(False, "--zip", help="Pair the i-th values of every --vary instead of making a full grid."),
    values: List[str] = set_option("Fix a parameter with its unit: --set latency=500ms (one --set per parameter)."),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="|".join(SWEEP_FORMATS), help="csv or json [default: csv, or from -o's extension]."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write to FILE (atomically; format from its extension); '-' is stdout. With --plot and no -o, only the plot is written."),
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE.png", help="Draw a KPI against the first --vary, a line per value of the second (needs the 'plot' extra)."),
    kpi: Optional[str] = typer.Option(None, "--kpi", metavar="KPI", help="The KPI to plot (default: the first that depends on the first --vary, preferring one that depends on every --vary, then one with a published value)."),
    force: bool = typer.Option(False, "--force", help="Write an output estimated past the 2 GiB limit anyway (see docs/limits.md)."),
) -> None:
    """One row per grid point: the varied parameters and every KPI, as CSV or JSON."""
    from .. import api, sweeps
    from ..present.output import choose_format
    from ..present.sweepio import write_csv, write_json

    chosen = choose_format(fmt, output, SWEEP_FORMATS, default="csv")
    given = settings(values)
    grid = api.plan_sweep(usecase_id, sweeps.parse_vary(vary), given, zip=zipped, catalog=catalog())
    notes(grid.notes)
    picture = None
    if plot is not None:
        from ..present.plot import Plot, png_path

        png_path(plot)  # refuse a bad name before the sweep, not after it
        picture = Plot(grid, kpi)
    elif kpi is not None:
        raise UserError("--kpi chooses the KPI of --plot; give --plot FILE.png too")
    with _progress(grid.size) as advance:
        def on_block(block) -> None:
            if picture is not None:
                picture.add(block.start, block.column(picture.kpi))
            advance(block.stop - block.start)

        write = write_json if chosen == "json" else write_csv
        if output is None and picture is not None:
            for block in sweeps.blocks(grid):
                on_block(block)
        elif output is None or output == "-":
            try:
                write(grid, sys.stdout.buffer, on_block, force=force)
                sys.stdout.buffer.flush()
            except BrokenPipeError:  # `| head`: the reader has what it wants; stop quietly, exit 0
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
                return
        else:
            from ..present.files import atomic_file

            with atomic_file(output, binary=True) as handle:
                write(grid, handle, on_block, force=force)
    if picture is not None:
        picture.save(plot)
        typer.echo(f"note: plotted {picture.kpi} to {plot}", err=True)


@contextmanager
def _progress(total: int):
    """A progress bar on stderr for sweeps of more than one block, on a terminal only."""
    from ..sweeps import CHUNK_POINTS

    if total <= CHUNK_POINTS or not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TimeRemainingColumn

    with Progress("sweep", BarColumn(), "{task.completed:,}/{task.total:,} points", TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("sweep", total=total)
        yield lambda n: bar.advance(task, n)


@app.command("solve")
def solve_command(
    usecase_id: str = typer.Argument(..., metavar="ID", help="A use-case id (see `ammt-calc list`)."),
    parameter: str = typer.Option(..., "--for", metavar="PARAM", help="The parameter to find."),
    target: str = typer.Option(..., "--target", metavar="KPI=VALUE", help="The KPI value to reach, with its unit: --target dl_data_rate=500Mbit/s."),
    values: List[str] = set_option("Fix another parameter with its unit (one --set per parameter)."),
    fmt: Optional[str] = format_option(views.SOLVE),
    output: Optional[str] = output_option(),
) -> None:
    """The smallest value of PARAM at which KPI reaches VALUE (e.g. the largest model that downloads in time)."""
    from .. import api

    given = settings(values)
    emit(api.solve(usecase_id, parameter, target, given, catalog=catalog()), views.SOLVE, fmt, output)
