"""A planned sweep written as it is evaluated, block by block (the facade's `write_sweep`):
CSV, JSON or Parquet to a file (atomically) or a stream, a plot from the same blocks, or a
Parquet dataset written by Dask workers; and the refusals that come before any work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import validate
from .errors import UserError


def check_sweep_output(fmt: str, output: Any, *, engine: str = "local", scheduler: str | None = None,
                       plot: str | Path | None = None, kpi: str | None = None) -> None:
    """Refuse what `write_sweep` cannot do before any work: an unknown engine, a scheduler
    without engine="dask", Parquet without a file, a plot of a Parquet sweep, a missing extra."""
    validate.engine_options(engine, scheduler)
    if fmt == "parquet" or engine == "dask":
        if output is None or output == "-" or not isinstance(output, (str, Path)):
            raise UserError("--format parquet writes a file: give -o FILE.parquet (or -o FOLDER with --engine dask)")
        if plot is not None or kpi is not None:
            raise UserError("--plot is drawn from CSV or JSON sweeps; leave it out with Parquet or --engine dask")
        from .present import parquet

        parquet.require("--engine dask" if engine == "dask" else "--format parquet")
    if plot is not None:
        from .present.plot import png_path

        png_path(plot)
    elif kpi is not None:
        raise UserError("--kpi chooses the KPI of --plot; give --plot FILE.png too")


def write_sweep(grid, output: str | Path | Any | None, fmt: str = "parquet", *, engine: str = "local",
                scheduler: str | None = None, plot: str | Path | None = None, kpi: str | None = None,
                force: bool = False, on_block=None, connect_timeout: float | str | None = None) -> str | None:
    """A planned grid (`plan_sweep`) written as it is evaluated, block by block: CSV, JSON or
    Parquet to a file (atomically) or a binary stream on the local engine, or a Parquet dataset
    (a folder of parts written by the workers) with engine="dask". `plot` draws a KPI (`kpi`, or
    the one `Plot` picks) to a PNG from the same blocks; with output=None only the plot is made.
    Returns the KPI plotted, or None. `connect_timeout`: seconds to reach `scheduler` (default 10)."""
    check_sweep_output(fmt, output, engine=engine, scheduler=scheduler, plot=plot, kpi=kpi)
    if engine == "dask":
        from .engine import dask_engine
        from .present import parquet

        timeout = dask_engine.check_timeout(connect_timeout, scheduler)
        dask_engine.sweep(grid, output, parquet.write, scheduler=scheduler, timeout=timeout)
        return None
    picture = None
    if plot is not None:
        from .present.plot import Plot

        picture = Plot(grid, kpi)

    def each(block) -> None:
        if picture is not None:
            picture.add(block.start, block.column(picture.kpi))
        if on_block is not None:
            on_block(block)

    if output is None:
        from .engine.sweeps import blocks

        for block in blocks(grid):
            each(block)
    elif isinstance(output, (str, Path)):
        from .present.atomic import atomic_file

        with atomic_file(output, binary=True) as handle:
            _write_grid(grid, handle, fmt, each, force)
    else:
        _write_grid(grid, output, fmt, each, force)
    if picture is None:
        return None
    picture.save(plot)
    return picture.kpi


def _write_grid(grid, handle, fmt: str, on_block, force: bool) -> None:
    if fmt == "parquet":
        from .present import parquet

        parquet.write_sweep(grid, handle, on_block)
        return
    from .present.sweepio import write_csv, write_json

    (write_json if fmt == "json" else write_csv)(grid, handle, on_block, force=force)


def sweep_blocks(grid) -> int:
    """How many blocks `write_sweep` evaluates the grid in (a progress bar pays for more than one)."""
    from .engine.sweeps import block_points

    return -(-grid.size // block_points(grid))
