"""`sweep` and `solve`: a use case over a grid, and inverse questions."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
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
    notes,
    output_option,
    set_option,
    settings,
    site_cell_option,
    transport_option,
    unit_option,
)

SWEEP_FORMATS = ("csv", "json", "parquet", "xlsx")
SAMPLE_FORMATS = (*views.SAMPLE.formats, "parquet")  # parquet: every draw, not the summary
ENGINE_HELP = "local (this process) or dask (a Dask cluster; needs the 'dask' extra)."
CONNECT_HELP = ("With --scheduler: the seconds to connect, shake hands and hear the scheduler's first answer"
                " [default: 10].")
SCHEDULER_HELP = ("With --engine dask: the scheduler of an existing cluster (tcp://HOST:8786); without it, a local"
                  " cluster of one worker per core.")


@app.command("sweep")
def sweep_command(
    usecase_id: str = typer.Argument(..., metavar="ID", autocompletion=completion.usecase, help="A use-case id (see `ammt-calc list`)."),
    vary: List[str] = typer.Option([], "--vary", metavar="NAME=SPEC", autocompletion=completion.parameter, help="Vary a parameter: START:STOP:COUNT, START:STOP:COUNT:log or v1,v2,v3, with units (--vary model_size=10MB:1GB:50:log). Repeat for a full grid."),
    zipped: bool = typer.Option(False, "--zip", help="Pair the i-th values of every --vary instead of making a full grid."),
    values: List[str] = set_option("Fix a parameter with its unit: --set latency=500ms (one --set per parameter)."),
    transport: Optional[str] = transport_option(),
    cell: Optional[str] = site_cell_option(),
    unit_options: List[str] = unit_option(),
    fmt: Optional[str] = typer.Option(None, "--format", metavar="|".join(SWEEP_FORMATS), autocompletion=completion.words(SWEEP_FORMATS), help="csv, json, parquet (needs the 'parquet' extra) or xlsx (needs the 'excel' extra; up to 1,048,575 points) [default: csv, or from -o's extension]."),
    output: Optional[str] = output_option(SWEEP_FORMATS, "Write to FILE (atomically; '-' is stdout; with --engine dask, a FOLDER for the Parquet dataset; with --plot and no -o, only the plot is written)"),
    engine: str = typer.Option("local", "--engine", metavar="local|dask", help=ENGINE_HELP),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP),
    connect_timeout: Optional[str] = typer.Option(None, "--connect-timeout", metavar="SECONDS", help=CONNECT_HELP),
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE.png", help="Draw a KPI against the first --vary, a line per value of the second (needs the 'plot' extra)."),
    kpi: Optional[str] = typer.Option(None, "--kpi", metavar="KPI", help="The KPI to plot (default: the first that depends on the first --vary, preferring one that depends on every --vary, then one with a published value)."),
    force: bool = typer.Option(False, "--force", help="Write an output estimated past the 2 GiB limit anyway (see `ammt-calc docs limits`)."),
) -> None:
    """One row per grid point: the varied parameters and every KPI, as CSV, JSON, Parquet or an Excel workbook."""
    from .. import api
    from ..present.output import choose_format

    chosen = choose_format(fmt, output, SWEEP_FORMATS, default="parquet" if engine == "dask" else "csv")
    if chosen == "xlsx":
        if engine != "local" or plot is not None or kpi is not None:
            raise UserError("-o FILE.xlsx writes the rows on this machine; leave out --engine dask and --plot")
        _sweep_workbook(usecase_id, api.parse_vary(vary), settings(values), zipped, transport, output)
        return
    to_stdout = output == "-" or (output is None and plot is None)
    api.check_sweep_output(chosen, None if to_stdout else output, engine=engine, scheduler=scheduler, plot=plot,
                           kpi=kpi)
    grid = api.plan_sweep(usecase_id, api.parse_vary(vary), settings(values), zip=zipped, transport=transport,
                          cell=cell, catalog=catalog(), units=unit_options or None)
    notes(grid.notes)
    with _progress(grid.size if engine == "local" and api.sweep_blocks(grid) > 1 else 0) as advance:
        try:
            plotted = api.write_sweep(grid, sys.stdout.buffer if to_stdout else output, chosen, engine=engine,
                                      scheduler=scheduler, plot=plot, kpi=kpi, force=force,
                                      connect_timeout=connect_timeout,
                                      on_block=lambda block: advance(block.stop - block.start))
            if to_stdout:
                sys.stdout.buffer.flush()
        except BrokenPipeError:  # `| head`: the reader has what it wants; stop quietly, exit 0
            if not to_stdout:
                raise
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            return
    if plotted is not None:
        typer.echo(f"note: plotted {plotted} to {plot}", err=True)


def _sweep_workbook(usecase_id, vary, given, zipped, transport, output) -> None:
    """The rows in a sheet, refused before the sweep runs when a sheet cannot hold them."""
    from .. import api
    from ..present import xlsx

    grid = api.plan_sweep(usecase_id, vary, given, zip=zipped, transport=transport, catalog=catalog())
    notes(grid.notes)
    xlsx.check_rows(grid.size)
    result = api.sweep(usecase_id, vary, given, zip=zipped, transport=transport, catalog=catalog())
    xlsx.write(xlsx.sweep_sheets(result.to_dict()), output)


@contextmanager
def _progress(total: int):
    """A progress bar on stderr (for `total` points; none for 0), on a terminal only."""
    if not total or not sys.stderr.isatty():
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
    usecase_id: str = typer.Argument(..., metavar="ID", autocompletion=completion.usecase, help="A use-case id (see `ammt-calc list`)."),
    parameter: str = typer.Option(..., "--for", metavar="PARAM", autocompletion=completion.parameter_name, help="The parameter to find."),
    target: str = typer.Option(..., "--target", metavar="KPI=VALUE", help="The KPI value to reach, with its unit: --target dl_data_rate=500Mbit/s."),
    values: List[str] = set_option("Fix another parameter with its unit (one --set per parameter)."),
    transport: Optional[str] = transport_option(),
    cell: Optional[str] = site_cell_option(),
    fmt: Optional[str] = format_option(views.SOLVE),
    output: Optional[str] = output_option(views.SOLVE),
) -> None:
    """The smallest value of PARAM at which KPI reaches VALUE (e.g. the largest model that downloads in time)."""
    from .. import api

    given = settings(values)
    emit(api.solve(usecase_id, parameter, target, given, transport=transport, cell=cell, catalog=catalog()),
         views.SOLVE, fmt, output)


@app.command("sample")
def sample_command(
    usecase_id: str = typer.Argument(..., metavar="ID", autocompletion=completion.usecase, help="A use-case id (see `ammt-calc list`)."),
    draw: List[str] = typer.Option([], "--draw", metavar="NAME=DIST", autocompletion=completion.parameter, help="Draw a parameter from uniform:LOW:HIGH, loguniform:LOW:HIGH, normal:MEAN:SD (truncated to the parameter's range), triangular:LOW:MODE:HIGH or choice:V1,V2,..., with units (--draw model_size=loguniform:10MB:1GB). Repeatable."),
    count: str = typer.Option("10000", "--draws", metavar="N", help="How many draws (1 to 100,000,000)."),
    seed: str = typer.Option("0", "--seed", metavar="S", help="The random seed: the same seed gives the same numbers."),
    values: List[str] = set_option("Fix another parameter with its unit (one --set per parameter)."),
    transport: Optional[str] = transport_option(),
    cell: Optional[str] = site_cell_option(),
    unit_options: List[str] = unit_option(),
    fmt: Optional[str] = format_option(SAMPLE_FORMATS, extra=" (parquet: every draw, to -o FILE.parquet)"),
    output: Optional[str] = output_option(SAMPLE_FORMATS, "Write the summary to FILE, or every draw to FILE.parquet (a FOLDER with --engine dask)"),
    engine: str = typer.Option("local", "--engine", metavar="local|dask", help=ENGINE_HELP),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP),
    connect_timeout: Optional[str] = typer.Option(None, "--connect-timeout", metavar="SECONDS", help=CONNECT_HELP),
) -> None:
    """Monte Carlo over uncertain parameters: per KPI the mean, p5, p50, p95, p99 over the feasible draws and the infeasible share."""
    from .. import api
    from ..present.output import choose_format

    every_draw = fmt == "parquet" or (fmt is None and output is not None and
                                      (output.lower().endswith(".parquet") or (engine == "dask" and "." not in
                                                                              os.path.basename(output.rstrip("/")))))
    if every_draw and output in (None, "-"):
        raise UserError("every draw goes to a file: give -o FILE.parquet")
    chosen = "parquet" if every_draw else choose_format(fmt, output, views.SAMPLE.formats)
    result = api.sample(usecase_id, api.parse_draws(draw), settings(values), count=count, seed=seed,
                        transport=transport, cell=cell, engine=engine, scheduler=scheduler,
                        connect_timeout=connect_timeout,
                        draws_output=output if every_draw else None, catalog=catalog(),
                        units=unit_options or None)
    if every_draw:
        notes(result.notes)
        typer.echo(f"note: every draw written to {output}", err=True)
        return
    emit(result, views.SAMPLE, chosen, output)
