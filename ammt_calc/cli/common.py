"""What every command does the same way: the catalog, --set, --format/-o, notes, output."""

from __future__ import annotations

from typing import Optional

import typer

from . import completion
from .app import State


def catalog():
    from ..api import load_catalog

    return load_catalog(*State.catalog_dirs)


def settings(items: list[str]) -> dict[str, str]:
    from ..api import parse_settings

    return parse_settings(items)


def notes(lines) -> None:
    """Each note once, on stderr; wrapped to the width on a terminal (a line each when piped)."""
    import sys

    from ..present.tables import note_lines

    for line in dict.fromkeys(lines):
        typer.echo("\n".join(note_lines(f"note: {line}", sys.stderr)), err=True)


def emit(result, view, fmt: Optional[str], output: Optional[str], default: str = "table") -> None:
    """Notes to stderr, then the result's document in the format asked for (or -o's extension)."""
    from ..present.output import choose_format
    from ..present.output import emit as emit_document

    chosen = choose_format(fmt, output, view.formats, default)
    notes(getattr(result, "notes", ()))
    emit_document(result.to_dict(), view, chosen, output)


def offered(formats) -> tuple[str, ...]:
    """The formats of a view (its `formats`) or a tuple of them."""
    return tuple(getattr(formats, "formats", formats))


def format_option(formats, default: str = "table", extra: str = ""):
    """--format naming exactly the formats the command accepts (a test holds help and command to it)."""
    names = offered(formats)
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    return typer.Option(None, "--format", metavar="|".join(names), autocompletion=completion.words(names),
                        help=f"{listed}{extra} [default: {default}, or from -o's extension].")


def output_option(formats, text: str = "Write to FILE (atomically) instead of stdout"):
    """-o FILE, naming the extensions that pick one of the command's formats (and no other)."""
    from ..present.views import extensions

    return typer.Option(None, "-o", "--output", metavar="FILE",
                        help=f"{text}; the format follows its extension ({', '.join(extensions(offered(formats)))}).")


def transport_option():
    return typer.Option(None, "--transport", metavar="SPEC",
                        help="Add each flow's IP rate, delivery time and the rate meeting its deadline over a protocol:"
                             " tcp|quic|udp[,ip=4|6][,mtu=SIZE][,rtt=TIME][,warm|cold] (default ip=4, mtu=1500,"
                             " rtt=10ms, cold: handshake and slow start; see `ammt-calc docs network`).")


def site_cell_option():
    return typer.Option(None, "--cell", metavar="SPEC", autocompletion=completion.cell,
                        help="Add each flow's reach, <dir>_max_distance [m]: the farthest distance from a site at which"
                             " the flow's rate is met (TR 38.901 path loss, `ammt-calc docs network`):"
                             " site=uma|umi|rma|inh,fc=3.5GHz,bandwidth=100MHz[,los|nlos|mixed][,coverage=95%]"
                             "[,share=20%] and any `link` option as key=value.")


def set_option(help_text: str = "Set a parameter with its unit: --set latency=500ms (one --set per parameter)."):
    return typer.Option([], "--set", metavar="NAME=VALUE", help=help_text, autocompletion=completion.parameter)


def unit_option():
    return typer.Option([], "--unit", metavar="NAME=UNIT",
                        help="Write a KPI or parameter in this unit in CSV, JSON and Parquet: --unit dl_data_rate=Gbit/s"
                             " (repeatable; by default one unit per kind of quantity, see `ammt-calc docs units`).")
