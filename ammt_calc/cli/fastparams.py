"""Option values without pydantic, for start-up speed.

typer 0.29 coerces every option value through a pydantic TypeAdapter built when the
command runs, and importing pydantic for that costs about 70 ms: more than everything
else `ammt-calc list` does. ammt-calc's options are text, lists of text, flags and Enum
choices, which need no validation library, so `install()` has typer coerce those
directly and leaves every other annotation (numbers, paths, ...) to typer itself.

This leans on typer internals (`typer.core.build_runtime_param`, `RuntimeParam`); when
they are not there or anything in them differs, `install()` changes nothing and commands
are only slower. AMMT_CALC_NO_FASTPARAMS=1 turns it off: the tests run every command so too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Union, get_args, get_origin


def install() -> None:
    if os.environ.get("AMMT_CALC_NO_FASTPARAMS"):
        return
    try:
        _install()
        _quiet_argument_types()
    except Exception:  # typer's internals changed: keep typer's own (slower) coercion and help
        return


def _quiet_argument_types() -> None:
    """Help lists an argument as its metavar (`ID`), not `ID <list[str]>`: the type is an internal."""
    from typer.core import TyperArgument

    plain = TyperArgument.display_type_rich
    TyperArgument.display_type_rich = lambda self, ctx: None if self.metavar else plain(self, ctx)


def _install() -> None:
    try:
        from typer import core
        from typer._click.exceptions import BadParameter
        from typer._coercion import RuntimeParam
    except ImportError:
        return
    typer_build = getattr(core, "build_runtime_param", None)
    if typer_build is None or getattr(typer_build, "ammt_fast", False):
        return

    @dataclass(frozen=True)
    class Direct(RuntimeParam):
        convert: Callable[[Any], Any] = str

        def _coerce_value(self, value, param, ctx):
            try:
                return self.convert(value)
            except ValueError as exc:
                raise BadParameter(str(exc), ctx=ctx, param=param) from None

    def build(descriptor):
        info = descriptor.parameter_info
        convert = None if descriptor.file_annotation is not None or getattr(info, "parser", None) \
            else _converter(descriptor.annotation, info)
        if convert is None:
            return typer_build(descriptor)
        return Direct(parameter_info=info, annotation=descriptor.annotation, convert=convert)

    build.ammt_fast = True
    core.build_runtime_param = build


def _converter(annotation, info) -> Callable[[Any], Any] | None:
    """How to coerce a value of `annotation` without pydantic, or None to leave it to typer."""
    if get_origin(annotation) is Union:  # Optional[X]
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None
        annotation = args[0]
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        convert = _converter(item, info)
        return None if convert is None else (lambda values: [convert(v) for v in values])
    if annotation is str:
        return _text
    if annotation is bool:
        return _flag
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice(annotation, getattr(info, "case_sensitive", True))
    return None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        import sys

        return value.decode(sys.getfilesystemencoding(), errors="surrogateescape")
    return str(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in ("1", "true", "t", "yes", "y", "on"):
        return True
    if text in ("0", "false", "f", "no", "n", "off"):
        return False
    raise ValueError(f"{_text(value)!r} is not a valid boolean.")


def _choice(enum: type[Enum], case_sensitive: bool) -> Callable[[Any], Enum]:
    def fold(text: str) -> str:
        return text if case_sensitive else text.casefold()

    def convert(value: Any) -> Enum:
        if isinstance(value, enum):
            return value
        for member in enum:
            if fold(str(member.value)) == fold(_text(value)):
                return member
        choices = ", ".join(repr(str(m.value)) for m in enum)
        raise ValueError(f"{_text(value)!r} is not one of {choices}.")

    return convert
