"""`link --plot`: DL and UL rate against distance, with a use case's required rates as
horizontal lines. matplotlib (optional extra) with the Agg canvas, written atomically."""

from __future__ import annotations

from pathlib import Path

from .atomic import atomic_file
from .plot import png_path, require_matplotlib

COLOURS = {"DL": "tab:blue", "UL": "tab:orange"}


def save_link_plot(doc: dict, path: str | Path) -> None:
    require_matplotlib()
    path = png_path(path)
    figure = _figure(doc)
    with atomic_file(path, binary=True) as handle:
        figure.savefig(handle, format="png")


def _figure(doc: dict):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    x = [r["distance"]["value"] for r in doc["rows"]]
    marker = "o" if len(x) <= 30 else None
    for direction in ("DL", "UL"):
        y = [r[f"{direction.lower()}_rate"]["value"] for r in doc["rows"]]
        ax.plot(x, y, marker=marker, color=COLOURS[direction], label=f"{direction} rate")
    for flow in doc.get("flows") or []:
        if flow.get("needed") is None:
            continue
        reach = flow.get("max_distance")
        where = f", reach {reach['value']:.4g} m" if reach else ", infeasible"
        ax.axhline(flow["needed"]["value"], color=COLOURS[flow["direction"]], linestyle="--",
                   label=f"{doc['usecase']}: {flow['direction']} needs {flow['needed']['value']:.4g} Mbit/s{where}")
    ax.set_xlabel("horizontal distance from the site [m]")
    ax.set_ylabel("rate [Mbit/s]")
    ax.set_title(f"{doc['scenario_title']} {doc['condition'].upper()}, {doc['fc']['value']:g} GHz,"
                 f" {doc['bandwidth']['value']:g} MHz, coverage {100 * doc['coverage']:g} %")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return figure
