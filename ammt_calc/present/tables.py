"""Tables for a person: rich on a terminal (fitted to its width), aligned plain text when piped.

Only one column, the one holding prose (a label, a note), folds; ids, numbers and units
never break mid-word. Numbers are right-aligned.
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

from .formats import numeric_columns, to_plain


def print_table(columns: Sequence[str], rows: Sequence[Sequence], title: str | None = None,
                fold: str | None = None, width: int | None = None) -> None:
    """`fold` names the column that may wrap (default: the last one)."""
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    console = _console(width)
    if console is None:  # piped: plain text, without the cost of importing rich
        sys.stdout.write((title + "\n" if title else "") + to_plain(columns, rows))
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    folding = columns.index(fold) if fold in columns else len(columns) - 1
    right = numeric_columns(len(columns), rows)
    # Text, not str: rich would read "[/bold]" or "[link=...]" in a user's title as markup
    # no outer frame and no rules between columns: the width goes to the text, not to lines
    table = Table(title=Text(title) if title else None, title_justify="left", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False)
    for i, column in enumerate(columns):
        table.add_column(Text(column), justify="right" if i in right else "left",
                         no_wrap=i != folding, overflow="fold" if i == folding else "ellipsis")
    for row in rows:
        table.add_row(*(Text(v) for v in row))
    console.print(table)


def _console(width: int | None):
    """A rich console when stdout is a terminal (or something forces one), else None."""
    isatty = getattr(sys.stdout, "isatty", None)
    if not (isatty and isatty()) and not any(os.environ.get(v) for v in ("FORCE_COLOR", "TTY_COMPATIBLE")):
        return None
    from rich.console import Console

    console = Console(width=width)
    return console if console.is_terminal else None

