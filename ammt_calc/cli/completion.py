"""Shell completion of the words a user types: use-case ids, `NAME=` after --set/--vary/--draw,
formats, zoo models, --cell profiles and sites, manual topics, families and statuses.

Each callback imports the API only when the shell asks (start-up stays cheap) and never
fails: a catalog that does not load, or anything else, completes nothing (the shell then
offers file names).
"""

from __future__ import annotations

from typing import Callable

import typer


def _safely(kind: str, incomplete: str, usecases=None, ctx: typer.Context | None = None) -> list[str]:
    try:
        from .. import api

        dirs = _catalog_dirs(ctx)
        catalog = api.load_catalog(*dirs) if dirs else None
        return api.completions(kind, incomplete or "", usecases, catalog=catalog)
    except Exception:  # completion must not print a traceback into the user's prompt
        return []


def _catalog_dirs(ctx: typer.Context | None) -> list[str]:
    """--catalog DIR given before the command (the program's option) adds its use cases."""
    root = ctx.find_root() if ctx is not None else None
    return list((root.params.get("catalog") if root is not None else None) or [])


def _usecases_of(ctx: typer.Context) -> list[str]:
    """The use-case ids on the command line so far (ID arguments, or link's --usecase). While
    an option's value is being typed the line does not parse (`--set` lacks its value), and
    the words stay unparsed in ctx.args: any of them may be an id (the API ignores the rest)."""
    given = ctx.params.get("ids") or ctx.params.get("usecase_id") or ctx.params.get("usecase") or []
    given = [given] if isinstance(given, str) else list(given)
    return given or [word for word in ctx.args if not word.startswith("-")]


def usecase(ctx: typer.Context, incomplete: str) -> list[str]:
    return _safely("usecase", incomplete, ctx=ctx)


def parameter(ctx: typer.Context, incomplete: str) -> list[str]:
    """`NAME=` of the use case(s) named before (all use cases when none), or a value after `NAME=`."""
    return _safely("parameter", incomplete, _usecases_of(ctx), ctx)


def parameter_name(ctx: typer.Context, incomplete: str) -> list[str]:
    """A parameter's name alone (solve --for)."""
    return [w[:-1] for w in parameter(ctx, incomplete) if w.endswith("=")]


def model(incomplete: str) -> list[str]:
    return _safely("model", incomplete)


def cell(incomplete: str) -> list[str]:
    return _safely("cell", incomplete)


def topic(incomplete: str) -> list[str]:
    return _safely("topic", incomplete)


def family(ctx: typer.Context, incomplete: str) -> list[str]:
    return _safely("family", incomplete, ctx=ctx)


def words(choices) -> Callable[[str], list[str]]:
    """Completion of a fixed list (a command's formats, check's statuses)."""
    offered = tuple(choices)

    def complete(incomplete: str) -> list[str]:
        return [w for w in offered if w.startswith(incomplete or "")]

    return complete
