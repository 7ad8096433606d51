"""The command line: a thin typer layer over `ammt_calc.api` (the only package that imports typer).

Commands that do not compute (`--help`, `list`, `show`) import neither numpy nor pint.
Bad input ends in a one-line `error:` on stderr and exit code 2; anything else that goes
wrong is a bug and exits 1.
"""

from __future__ import annotations

import sys

import typer

from ..errors import Interrupted, UserError, one_line
from . import catalog_commands, explore, models, network  # noqa: F401  (register their commands)
from .app import app

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        code = app(args=_catalog_first(argv) or ["--help"], standalone_mode=False, prog_name="ammt-calc")
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except MemoryError:
        typer.echo("error: out of memory: ask for less (fewer points, a smaller file)", err=True)
        return 2
    except Interrupted as exc:  # SIGINT, SIGTERM, SIGHUP during -o FILE: the file is as it was
        typer.echo(f"interrupted: {exc.target} left unchanged", err=True)
        return 128 + exc.signum
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


def _catalog_first(argv: list[str]) -> list[str]:
    """`--catalog DIR` belongs to the program, not a command: accept it anywhere (before `--`)."""
    front, rest, i = [], [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        if arg == "--catalog" and i + 1 < len(argv):
            front += argv[i:i + 2]
            i += 2
            continue
        (front if arg.startswith("--catalog=") else rest).append(arg)
        i += 1
    return front + rest


def run() -> None:
    sys.exit(main())
