"""`sweep --plot`: one KPI against the first varied parameter, a line per value of the second.

matplotlib is an optional extra (`pip install 'ammt-calc[plot]'`); it is imported only
here, with the Agg canvas (no display, no pyplot state). The picture is written
atomically like every export. Axes are logarithmic where the x values were spaced
logarithmically (`:log`), and the KPI axis too when all its values are positive. The
published 3GPP value, where there is one, is a marked point at the x parameter's default
(it belongs to the use case's defaults, which the legend names). The KPI plotted is the
one given with --kpi, else the first that depends on the x parameter, preferring one that
depends on every varied parameter, then one with a published value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..engine.sweeps import Grid
from ..errors import UserError, suggest
from ..units import registry as units
from ..units.numbers import human_number
from .atomic import atomic_file

MAX_LINES = 10  # more values of the second parameter: 10 of them, spread evenly, first and last kept


def require_matplotlib() -> None:
    from ..scratch import matplotlib_config

    matplotlib_config()  # a read-only HOME: a folder of ours, not matplotlib's warning and leftover
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError("--plot needs matplotlib, which is not installed: pip install 'ammt-calc[plot]'") from None


def png_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise UserError(f"--plot writes a PNG image; give a file name ending in .png, not '{path.name}'")
    return path


class Plot:
    """Collects one KPI over the sweep, block by block, then draws it."""

    def __init__(self, grid: Grid, kpi: str | None = None):
        require_matplotlib()
        if not grid.zipped and len(grid.axes) > 2:
            raise UserError(f"--plot draws a KPI against the first --vary with a line per value of the second;"
                            f" this sweep varies {len(grid.axes)} parameters (plot at most 2, or use --zip)")
        self.grid = grid
        self.kpi = _choose_kpi(grid, kpi)
        self.x = grid.axes[0]
        self.line_axis = grid.axes[1] if len(grid.axes) == 2 and not grid.zipped else None
        count = len(self.line_axis.values) if self.line_axis is not None else 1
        self.lines = np.unique(np.linspace(0, count - 1, min(count, MAX_LINES)).round().astype(int))
        self.line_of = np.full(count, -1)
        self.line_of[self.lines] = np.arange(self.lines.size)
        self.y = np.full((len(self.x.values), self.lines.size), np.nan)

    def add(self, start: int, values: np.ndarray) -> None:
        """The KPI's values for the grid rows start, start + 1, ..."""
        rows = np.arange(start, start + values.size)
        if self.line_axis is None:
            self.y[rows, 0] = values
            return
        along, across = np.divmod(rows, len(self.line_axis.values))
        line = self.line_of[across]
        keep = line >= 0
        self.y[along[keep], line[keep]] = values[keep]

    def save(self, path: str | Path) -> None:
        path = png_path(path)
        figure = self._figure()
        with atomic_file(path, binary=True) as handle:
            figure.savefig(handle, format="png")

    def _figure(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        uc, kpi = self.grid.usecase, self.grid.usecase.kpis[self.kpi]
        figure = Figure(figsize=(8, 5), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
        x, order = self.x.values, np.argsort(self.x.values, kind="stable")
        marker = "o" if x.size <= 30 else None
        for j, index in enumerate(self.lines):
            label = None
            if self.line_axis is not None:
                value = self.line_axis.values[index]
                shown = (self.line_axis.choices[int(value)] if self.line_axis.choices
                         else f"{human_number(float(value))} {self.line_axis.unit}".strip())
                label = f"{self.line_axis.name} = {shown}"
            ax.plot(x[order], self.y[order, j], marker=marker, label=label)
        self._published(ax, uc, kpi)
        y = self.y[np.isfinite(self.y)]
        if self.x.log:
            ax.set_xscale("log")
            if y.size and (y > 0).all():
                ax.set_yscale("log")
        if self.x.choices:  # named choices on the x axis: their names at their codes
            ax.set_xticks(range(len(self.x.choices)), self.x.choices)
            ax.set_xlabel(self.x.name)
        else:
            ax.set_xlabel(f"{self.x.name} [{self.x.unit}]")
        ax.set_ylabel(f"{kpi.label} [{kpi.unit}]")
        title = f"{uc.title}: {kpi.name}"
        if np.isnan(self.y).any():
            title += " (gaps: infeasible)"
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
        return figure

    def _published(self, ax, uc, kpi) -> None:
        entry = uc.published.get(kpi.name)
        if entry is None or (entry.value is None and entry.minimum is None and entry.maximum is None):
            return
        param = uc.parameters[self.x.name]
        at = param.quantity.to(units.parse_unit(self.x.unit)).magnitude
        defaults = ", ".join(f"{a.name} = {uc.parameters[a.name].default_text}" for a in self.grid.axes)
        where = f"at the defaults {defaults}"
        unit = kpi.display_unit
        source = f"{entry.source}, " if entry.source else ""
        if entry.value is not None:
            value = units.parse_quantity(entry.value).to(unit).magnitude
            ax.plot([at], [value], marker="*", markersize=14, color="black", linestyle="none",
                    label=f"published {entry.value} ({source}{where})")
        else:
            low = units.parse_quantity(entry.minimum).to(unit).magnitude if entry.minimum else None
            high = units.parse_quantity(entry.maximum).to(unit).magnitude if entry.maximum else None
            ax.vlines([at], low if low is not None else high, high if high is not None else low, color="black",
                      linewidth=3, label=f"published {entry.minimum or ''} to {entry.maximum or ''} ({source}{where})")


def _choose_kpi(grid: Grid, kpi: str | None) -> str:
    """The named KPI, else the first that depends on the x parameter, preferring one that
    depends on every varied parameter, then one with a published value."""
    uc = grid.usecase
    if kpi is not None:
        if kpi not in uc.kpis:
            raise UserError(f"use case '{uc.id}' has no KPI '{kpi}'{suggest(kpi, uc.kpis)} (KPIs: {', '.join(uc.kpis)})")
        return kpi
    x = grid.axes[0].name
    varied = {a.name for a in grid.axes}
    moving = [k for k in uc.kpis if x in uc.kpi_inputs(k)]
    if not moving:
        raise UserError(f"no KPI of '{uc.id}' depends on {x}; vary another parameter first, or name one with --kpi")
    return min(moving, key=lambda k: (not varied <= uc.kpi_inputs(k), k not in uc.published))
