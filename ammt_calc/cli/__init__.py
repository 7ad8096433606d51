"""The command line: a thin typer layer over `ammt_calc.api` (the only package that imports typer).

Commands that do not compute (`--help`, `list`, `show`) import neither numpy nor pint; no usual
command imports pint (docs/speed.md).
Bad input ends in a one-line `error:` on stderr and exit code 2; anything else that goes
wrong is a bug and exits 1.
"""

from __future__ import annotations

import contextlib
import os
import sys

import typer

from ..errors import Interrupted, UserError, one_line
from . import catalog_commands, explore, manual_command, models, network, reports  # noqa: F401  (register their commands)
from .app import State, app

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    State.argv = given
    argv = _catalog_first(given) or ["--help"]
    try:
        with _only_the_command_run(argv):
            code = app(args=argv, standalone_mode=False, prog_name="ammt-calc")
    except UserError as exc:
        _cache_notes()
        typer.echo(f"error: {exc}", err=True)
        return exc.exit_code  # 2; 3 for a Dask cluster that failed mid-run
    except MemoryError:
        _cache_notes()
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
    except OSError as exc:  # the output itself failed (a full disk behind a redirect); files say so as UserError
        return _output_failed(exc)
    _cache_notes()
    return code if isinstance(code, int) else 0  # without standalone mode typer returns an Exit's code (Ctrl-C: 130)


def _cache_notes() -> None:
    """The catalog cache's notes (a damaged document replaced, a shared folder not used), if it was read."""
    if "ammt_calc.usecases.cache" in sys.modules:
        from .. import api

        for line in api.cache_notes():
            typer.echo(f"note: {line}", err=True)


GLOBAL = ("--catalog", "--width")  # options of the program, with a value


def _catalog_first(argv: list[str]) -> list[str]:
    """`--catalog DIR` and `--width N` belong to the program, not a command: accept them anywhere (before `--`)."""
    front, rest, i = [], [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        if arg in GLOBAL and i + 1 < len(argv):
            front += argv[i:i + 2]
            i += 2
            continue
        (front if arg.startswith(tuple(f"{o}=" for o in GLOBAL)) else rest).append(arg)
        i += 1
    return front + rest


@contextlib.contextmanager
def _only_the_command_run(argv: list[str]):
    """typer turns every command's signature into options on each run (6.8 ms for the 12
    commands, 0.5 ms for one: `get_command` timed in process), though a run needs one:
    register only the command named, if argv names one.
    Anything else (a typo, `--help`, completion) gets the whole application."""
    name = _command_name(argv)
    chosen = [c for c in app.registered_commands if c.name == name]
    if len(chosen) != 1 or any(k.startswith("_AMMT_CALC_COMPLETE") for k in os.environ):
        yield
        return
    everything = app.registered_commands
    app.registered_commands = chosen
    try:
        yield
    finally:
        app.registered_commands = everything


def _command_name(argv: list[str]) -> str | None:
    """The first argument after the program's own options (which _catalog_first put in front)."""
    i = 0
    while i < len(argv):
        if argv[i] in GLOBAL:
            i += 2
        elif argv[i] == "--no-cache" or argv[i].startswith(tuple(f"{o}=" for o in GLOBAL)):
            i += 1
        else:
            return argv[i]
    return None


def run() -> None:
    """The `ammt-calc` program: main(), then the exit."""
    import atexit

    handlers = atexit._ncallbacks()  # those registered while the command runs want the usual exit
    _exit(main(), handlers)


def _exit(code: int, handlers: int) -> None:
    """Exit with `code`, skipping the interpreter's teardown where nothing needs it: freeing
    every module's objects one by one is ~30 ms of a 200 ms run. Output is flushed first.
    The exit is the usual one (docs/speed.md) when anything may need it: a thread still
    running; an exit handler registered during the run (Dask, multiprocessing, matplotlib's
    temporary folder, a user's own); a profiler or tracer (cProfile, coverage, a debugger);
    `-X importtime`; or AMMT_CALC_NORMAL_EXIT=1."""
    import atexit
    import threading

    busy = any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread())
    observed = sys.getprofile() is not None or sys.gettrace() is not None or "importtime" in sys._xoptions \
        or os.environ.get("PYTHONPROFILEIMPORTTIME")
    if busy or observed or atexit._ncallbacks() > handlers or os.environ.get("AMMT_CALC_NORMAL_EXIT") == "1":
        sys.exit(code)
    scratch = sys.modules.get("ammt_calc.scratch")  # os._exit skips atexit: its folders go first
    if scratch is not None:
        scratch.remove_all()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader that stopped early (| head); a closed stream
            pass
        except OSError as exc:  # a full disk behind a redirect: the output is incomplete
            code = _output_failed(exc)
    os._exit(code)


def _output_failed(exc: OSError) -> int:
    """One error line for output that could not be written; the exit code (1: not bad input)."""
    os.write(2, f"error: could not write the output: {exc.strerror or exc}\n".encode())
    return 1
