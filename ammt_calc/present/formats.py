"""Rows to text: JSON, CSV, Markdown and aligned plain text. Every format carries the same rows."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Iterable, Sequence

from ..units.numbers import NUMBER_RE

SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def to_json(payload: dict) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else csv_value(safe_cell(v)) for v in row])
    return out.getvalue()


def csv_value(value):
    """true/false as JSON writes them; a float as a sweep's CSV writes it ('%.12g': 16, not 16.0);
    everything else as it is."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return "%.12g" % value
    return value


def safe_cell(value):
    """Neutralise text a spreadsheet would run as a formula (numbers pass unchanged)."""
    if not isinstance(value, str):
        return value
    # the csv module quotes a field holding \n but not one holding a lone \r, which readers
    # take as the end of the row: "x\r=cmd" would start a new row with a formula
    value = "'" + value if value.startswith(SPREADSHEET_TRIGGERS) else value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def to_markdown(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    rows = [list(r) for r in rows]
    right = numeric_columns(len(columns), rows)

    def cell(v) -> str:
        return "" if v is None else " ".join(str(v).replace("|", "\\|").splitlines())  # \n, \r, \u2028 ...

    rule = "|" + "".join("---:|" if i in right else "---|" for i in range(len(columns)))
    lines = ["| " + " | ".join(columns) + " |", rule]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def to_plain(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Aligned plain text for pipes and files; numbers right-aligned."""
    table = [list(columns)] + [["" if v is None else str(v) for v in row] for row in rows]
    right = numeric_columns(len(columns), table[1:])
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]

    def line(cells) -> str:
        return "  ".join(v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(cells, widths))).rstrip()

    lines = [line(r) for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


ABSENT_RE = re.compile(r"(n/a|infeasible)( \(\d+\))?")
GROUPED_RE = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+")  # a count with its digits grouped: 11,272,200


def numeric_columns(count: int, rows: Sequence[Sequence]) -> set[int]:
    """Columns of numbers, right-aligned: more than half of their non-empty cells are numbers.
    A value that is not there ("n/a (1)", "infeasible (2)") or a named choice ("B") among
    numbers does not make the column text."""
    def numeric(v) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) or NUMBER_RE.fullmatch(str(v).strip()) is not None \
            or GROUPED_RE.fullmatch(str(v).strip()) is not None

    def absent(v) -> bool:
        return isinstance(v, str) and ABSENT_RE.fullmatch(v.strip()) is not None

    found = set()
    for i in range(count):
        cells = [r[i] for r in rows if i < len(r) and r[i] not in (None, "") and not absent(r[i])]
        if cells and 2 * sum(map(numeric, cells)) > len(cells):
            found.add(i)
    return found
