"""Repeatable `NAME=VALUE` command-line options (`--set`, `--vary`), shared by the CLI and sweeps."""

from __future__ import annotations

from .errors import UserError


def parse_pairs(items: list[str], option: str, what: str, example: str) -> dict[str, str]:
    """NAME=<what> pairs of a repeatable option; a repeated name is an error rather than a silent override."""
    parsed: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise UserError(f"{option} expects NAME={what} (e.g. {option} {example}), got '{item}'")
        if name in parsed:
            raise UserError(f"{option} {name} is given twice")
        parsed[name] = value.strip()
    return parsed
