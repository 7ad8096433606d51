"""The typer application and the options every command shares."""

from __future__ import annotations

import typer

from .. import __version__
from . import fastparams

fastparams.install()  # text and choice options without importing pydantic (start-up time)

app = typer.Typer(
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="KPI requirements for AI/ML model transfer over 5G (3GPP TS 22.261 clause 7.10, TR 22.874).",
)


class State:
    catalog_dirs: list[str] = []
    argv: list[str] = []  # the command line as given, for the header of a report (State.command())

    @classmethod
    def command(cls) -> str:
        import shlex

        return "ammt-calc " + shlex.join(cls.argv)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ammt-calc {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    catalog: list[str] = typer.Option([], "--catalog", metavar="DIR",
                                      help="Add the use-case YAML files in DIR (repeatable; before or after the command)."),
    version: bool = typer.Option(False, "-V", "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
    no_cache: bool = typer.Option(False, "--no-cache",
                                  help="Read the catalog afresh and keep no compiled copy (see `ammt-calc docs scaling`)."),
    width: str = typer.Option(None, "--width", metavar="N",
                              help="Lay tables out in N columns (before or after the command; 0: a line per row)."
                                   " Default: the terminal's width (COLUMNS if set); piped, a line per row."),
) -> None:
    from ..present.tables import set_width

    State.catalog_dirs = list(catalog)
    set_width(width)
    from ..api import use_cache

    use_cache(not no_cache)  # per invocation: in-process runs do not inherit it
