"""Tables and text for a person, laid out to a width: the terminal's, `--width N`, or none when piped.

The rule every view obeys at any width from 60 columns up: a number, a unit, an id or a
status is never cut or split; only prose (labels, notes, titles, column headings) folds, and
only between words. When a table's columns do not fit even with their prose folded, the
table changes shape instead of cutting: the least important columns leave it and are shown
under each row as `name: value` (psql's expanded display), down to one block per row. Of
the shapes that fit, the one that takes the fewest lines is printed.

Without a width (piped, or a file) a table is one line per row, as `formats.to_plain`.

Why not rich's Table (which 0.3.0 used): its overflow modes either crop a cell with `…` or
fold it at any character, a number included, and it has no way to move columns under a row;
the rule above needs both decided per column.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import unicodedata
from typing import NamedTuple, Sequence

from .formats import numeric_columns

MIN_WIDTH = 40  # narrower terminals are laid out as this (the rule holds from 60 columns up)
PROSE_MIN = 20  # prose narrower than this reads as a word per line: rather change the table's shape
MOST_LINES = 4  # nor is a cell of prose folded into more lines than about this
GAP = "  "  # between columns
UNDER_ROW = "    "  # indent of the fields shown under a row of the table
UNDER_HEADING = "  "  # and under a row's heading, when the table is one block per row
HANG = "  "  # the lines a first column's prose folds onto
BETWEEN_FIELDS = "   "
STACKED_COST = 1.5  # a line of fields under a row reads slower than a table line: prefer the table
NUMBER_WORD = re.compile(r"[+-]?[0-9][0-9,]*(\.[0-9]*)?([eE][+-]?[0-9]+)?|[<>]=?|=")  # keeps the word after it

_requested: list = [None]  # --width: None (the terminal decides), 0 (no limit) or the columns


# --- the width ---------------------------------------------------------------------------


MAX_WIDTH = 10_000  # columns: wider than any screen; a bound for the number grammar


def set_width(text: str | None) -> None:
    """`--width N` of this run: N columns, 0 for no limit (one line per row), None to ask the
    terminal. N is a whole number (units.numbers' grammar), 0 or from MIN_WIDTH up."""
    from ..errors import UserError
    from ..units.numbers import whole_number

    columns = None if text is None else whole_number(text, "--width", 0, MAX_WIDTH)
    if columns is not None and 0 < columns < MIN_WIDTH:
        raise UserError(f"--width must be a whole number of columns, {MIN_WIDTH} or more (0: a line per row),"
                        f" got '{text}'")
    _requested[0] = columns


def page_width(stream=None) -> int | None:
    """The width to lay out `stream` (stdout by default) to: --width if given; on a terminal,
    COLUMNS if set, else the terminal's; piped or into a file, None (no limit)."""
    if _requested[0] is not None:
        return _requested[0] or None
    stream = sys.stdout if stream is None else stream
    if not is_terminal(stream):
        return None
    text = os.environ.get("COLUMNS", "").strip()
    usable = text.isascii() and text.isdigit() and len(text) <= 5  # else (², 10**5000) the terminal's own
    columns = int(text) if usable else shutil.get_terminal_size((80, 24)).columns
    return max(MIN_WIDTH, min(columns, MAX_WIDTH))


def is_terminal(stream) -> bool:
    """A terminal, or something that says it shows as one (TTY_COMPATIBLE, FORCE_COLOR: as rich reads them)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or any(os.environ.get(v) for v in ("FORCE_COLOR", "TTY_COMPATIBLE"))


# --- text --------------------------------------------------------------------------------


def text_width(text: str) -> int:
    """Columns a terminal gives `text`: two for wide East Asian characters, none for combining marks."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _tokens(text: str) -> list[str]:
    """The words of `text`; a number keeps the word after it (`15 ms`, `>= 0`, `5 x`): a
    number and its unit are never parted at the end of a line."""
    words = text.split()
    out: list[str] = []
    for word in words:
        if out and NUMBER_WORD.fullmatch(out[-1].rsplit(" ", 1)[-1]) and out[-1][-1:] not in (",", ";"):
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def wrap(text: str, width: int | None, hang: str = "") -> list[str]:
    """`text` in lines of at most `width` columns, broken between words (its own indent
    kept); lines after the first start with `hang`. A line break in the text is kept. Only
    a word longer than a whole line is broken (tests/test_layout.py meets none from 60 columns up)."""
    if width is None:
        return [line.rstrip() for line in text.split("\n")]
    hang = hang if text_width(hang) <= width // 2 else ""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = paragraph[:len(paragraph) - len(paragraph.lstrip(" "))]
        empty = True
        for token in _tokens(paragraph):
            for word in _pieces(token, width - text_width(hang)):
                if empty:
                    line, empty = line + word, False
                elif text_width(line) + 1 + text_width(word) <= width:
                    line += " " + word
                else:
                    lines.append(line)
                    line = hang + word
        lines.append(line.rstrip())
    return lines


def _pieces(token: str, width: int) -> list[str]:
    """A token that fits, as it is; a number with its unit too long for a line, as its words;
    a list too long for a line (`bandwidth=100MHz,scs=30kHz,...`), after its commas; a
    single word longer than a line, in pieces (the last resort)."""
    width = max(1, width)
    if text_width(token) <= width:
        return [token]
    if " " in token:
        return [p for word in token.split(" ") for p in _pieces(word, width)]
    if "," in token.rstrip(","):
        items = [item + "," for item in token.rstrip(",").split(",")]
        items[-1] = items[-1][:-1] + token[len(token.rstrip(",")):]
        pieces = [""]
        for item in items:
            if pieces[-1] and text_width(pieces[-1] + item) > width:
                pieces.append("")
            pieces[-1] += item
        return [p for piece in pieces for p in ([piece] if text_width(piece) <= width else _cut(piece, width))]
    return _cut(token, width)


def _cut(word: str, width: int) -> list[str]:
    return [word[i:i + width] for i in range(0, len(word), width)]


def text_lines(text: str, width: int | None) -> list[str]:
    """A text section: each line wrapped, continuing under its own text (past a `(1) `,
    `note: `, `source: ` ... marker at its start)."""
    out: list[str] = []
    for line in text.rstrip("\n").split("\n"):
        out += wrap(line, width, _hang(line)) if width else [line.rstrip()]
    return out


def _hang(line: str) -> str:
    indent = len(line) - len(line.lstrip(" "))
    marker = re.match(r"\s*(\(\d+\) |(note|source|no solution|basis): )", line)
    return " " * (marker.end() if marker else indent + 2)


# --- tables ------------------------------------------------------------------------------


class _Column(NamedTuple):
    name: str
    right: bool  # numbers: right-aligned
    fold: bool  # prose: may wrap between words
    least: int  # the narrowest it may be
    most: int  # its width on one line


def table_lines(columns: Sequence[str], rows: Sequence[Sequence], width: int | None = None,
                title: str | None = None, fold: Sequence[str] = (), keep: Sequence[str] = ()) -> list[str]:
    """The table in lines of at most `width` columns (None: no limit).

    `fold` names the prose columns, which may wrap; every other cell is kept whole. `keep`
    names the columns that stay in the table longest, most important first (the first
    column always stays); the others leave first, the rightmost first."""
    return tables_lines([(columns, rows, title, fold, keep)], width)[0]


def tables_lines(tables: Sequence[tuple], width: int | None) -> list[list[str]]:
    """The lines of each (columns, rows, title, fold, keep) table; tables of the same
    columns (a page of use cases) take the same shape, the one cheapest for them all."""
    shapes = [_shapes(*table, width) for table in tables]
    chosen: dict[tuple, int] = {}
    for (columns, *_), options in zip(tables, shapes):
        chosen.setdefault(tuple(columns), -1)
    for key in chosen:
        group = [options for (columns, *_), options in zip(tables, shapes) if tuple(columns) == key]
        common = set.intersection(*(set(options) for options in group))
        if common:
            chosen[key] = min(common, key=lambda count: (sum(options[count][0] for options in group), count))
    out = []
    for (columns, _, title, *_), options in zip(tables, shapes):
        count = chosen[tuple(columns)]
        lines = options[count][1] if count in options else min(options.values(), key=lambda o: o[0])[1]
        out.append((text_lines(title, width) if title else []) + lines)
    return out


def _shapes(columns: Sequence[str], rows: Sequence[Sequence], title, fold: Sequence[str], keep: Sequence[str],
            width: int | None) -> dict[int, tuple[float, list[str]]]:
    """Per number of columns out of the table, (cost in lines, lines) of the shapes that fit."""
    fold = (fold,) if isinstance(fold, str) else tuple(fold or ())
    rows = [[_cell(v) for v in row] for row in rows]
    right = numeric_columns(len(columns), rows)
    specs = [_column(name, [r[i] for r in rows if i < len(r)], i in right, name in fold)
             for i, name in enumerate(columns)]
    if width is None:
        return {0: (0, _render(specs, rows, [c.most for c in specs], [], None)[0])}
    options = {}
    for count, moved in enumerate(_leaving_order(columns, keep, right)):
        shown = [i for i in range(len(specs)) if i not in moved]
        if sum(specs[i].least for i in shown) + len(GAP) * (len(shown) - 1) > width:
            continue
        lines, under = _render(specs, rows, _share(specs, shown, width), sorted(moved), width)
        if len(shown) == 1:  # one block per row: its heading reads as a field too
            under = len(lines)
        options[count] = (len(lines) + (STACKED_COST - 1) * under, lines)
    if not options:  # not even the first column fits: one block per row, its heading wrapped
        first = list(columns).index(keep[0]) if keep and keep[0] in columns else 0
        specs[first] = specs[first]._replace(fold=True)
        widths = [min(c.most, width) for c in specs]
        options[len(columns) - 1] = (0, _render(specs, rows, widths, [i for i in range(len(specs)) if i != first],
                                                width)[0])
    return options


def _cell(value) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def _column(name: str, cells: list[str], right: bool, fold: bool) -> _Column:
    heading = max((text_width(w) for w in name.split()), default=0)
    if fold:
        longest = max((text_width(w) for c in cells for w in _tokens(c)), default=0)
        natural = max((text_width(line) for c in cells for line in c.split("\n")), default=0)
        longest_cell = max((text_width(c) for c in cells), default=0)
        least = max(longest + len(HANG), min(natural, PROSE_MIN), -(-longest_cell // MOST_LINES))
    else:
        natural = least = max((text_width(c.replace("\n", " ")) for c in cells), default=0)
    return _Column(name, right, fold, max(heading, least), max(text_width(name), natural))


def _one_line_each(specs: list[_Column]) -> int:
    return sum(c.most for c in specs) + len(GAP) * (len(specs) - 1)


def _leaving_order(columns: Sequence[str], keep: Sequence[str], numbers: set[int]):
    """Sets of columns out of the table, one more each time: first those not in `keep`
    (rightmost first), then `keep` from its end; the first column stays. A `unit` column
    goes with the column of numbers on its left."""
    first = keep[0] if keep else columns[0]
    ranked = [c for c in reversed(columns) if c not in keep and c != first]
    ranked += [c for c in reversed(keep) if c != first and c in columns]
    index = {c: i for i, c in enumerate(columns)}
    together = {i: {i} for i in range(len(columns))}
    for i, c in enumerate(columns):
        if c == "unit" and i - 1 in numbers and columns[i - 1] != first:
            together[i] = together[i - 1] = {i - 1, i}
    moved: set[int] = set()
    yield set(moved)
    for c in ranked:
        if index[c] in moved or together[index[c]] & {index[first]}:
            continue
        moved |= together[index[c]]
        yield set(moved)


def _share(specs: list[_Column], shown: list[int], width: int) -> list[int]:
    """Column widths: each its least, and what is left shared in proportion to what each
    lacks of one line per cell (as browsers lay out tables)."""
    widths = [0] * len(specs)
    for i in shown:
        widths[i] = specs[i].least
    spare = width - sum(widths) - len(GAP) * (len(shown) - 1)
    wanting = {i: specs[i].most - specs[i].least for i in shown if specs[i].most > specs[i].least}
    total = sum(wanting.values())
    if total <= spare:
        for i in wanting:
            widths[i] = specs[i].most
        return widths
    for i, want in wanting.items():
        widths[i] += spare * want // total
    left = width - sum(widths) - len(GAP) * (len(shown) - 1)
    for i in sorted(wanting, key=lambda i: specs[i].most - widths[i], reverse=True)[:left]:
        widths[i] += 1
    return widths


def _render(specs: list[_Column], rows: list[list[str]], widths: list[int], moved: list[int],
            width: int | None) -> tuple[list[str], int]:
    """The lines, and how many of them are fields under a row."""
    shown = [i for i in range(len(specs)) if i not in moved]
    blocks = len(shown) == 1 and moved  # one block per row: `name: value` of its first column, then its fields
    lines: list[str] = []
    under = 0
    if not blocks:
        heads = {i: wrap(specs[i].name, widths[i]) if width else [specs[i].name] for i in shown}
        height = max(len(h) for h in heads.values())
        for k in range(height):  # headings at the bottom, right above the rule
            lines.append(_line(specs, shown, widths,
                               {i: (heads[i][k - height + len(heads[i])] if k >= height - len(heads[i]) else "")
                                for i in shown}))
        lines.append(GAP.join("-" * widths[i] for i in shown))
    for row in rows:
        row = row + [""] * (len(specs) - len(row))
        if blocks:
            lines += _fields([(specs[shown[0]].name, row[shown[0]])], width or 0, "")
        cells = {} if blocks else {i: _folded(row[i], widths[i], i == shown[0]) if specs[i].fold and width
                                   else [row[i].replace("\n", " ")] for i in shown}
        for k in range(max((len(c) for c in cells.values()), default=0)):
            lines.append(_line(specs, shown, widths, {i: c[k] if k < len(c) else "" for i, c in cells.items()}))
        fields = [(specs[i].name, row[i]) for i in moved if row[i].strip()]
        if fields:
            extra = _fields(fields, width, UNDER_HEADING if blocks else UNDER_ROW)
            lines += extra
            under += len(extra)
    return lines, under


def _folded(text: str, width: int, first: bool) -> list[str]:
    """Prose in a column: in as few lines as `width` allows, of even lengths (no word left
    alone on the last line); in the first column the lines after the first are indented,
    so that a row's continuation does not read as a row of its own."""
    hang = HANG if first and width > 2 * len(HANG) else ""
    lines = wrap(text, width, hang)
    if len(lines) == 1:
        return lines
    narrow = width
    while narrow > 1 and len(wrap(text, narrow - 1, hang)) == len(lines) and \
            all(text_width(w) <= narrow - 1 - len(hang) for w in _tokens(text)):
        narrow -= 1
    return wrap(text, narrow, hang)


def _line(specs: list[_Column], shown: list[int], widths: list[int], cells: dict[int, str]) -> str:
    parts = []
    for i in shown:
        pad = " " * max(0, widths[i] - text_width(cells[i]))
        parts.append(pad + cells[i] if specs[i].right else cells[i] + pad)
    return GAP.join(parts).rstrip()


def _fields(fields: list[tuple[str, str]], width: int, indent: str) -> list[str]:
    """`name: value` pairs under a row, as many to a line as fit; a long one on lines of its own."""
    lines: list[str] = []
    line = ""
    for name, value in fields:
        pair = f"{name}: {' '.join(value.split())}"
        if line and text_width(line) + len(BETWEEN_FIELDS) + text_width(pair) <= width:
            line += BETWEEN_FIELDS + pair
            continue
        if line:
            lines.append(line)
        wrapped = wrap(indent + pair, width, indent + "  ")
        lines += wrapped[:-1]
        line = wrapped[-1]
        if len(wrapped) > 1:  # the next field on a line of its own, not after a folded one
            lines.append(line)
            line = ""
    return lines + [line] if line else lines


# --- printing ----------------------------------------------------------------------------


def print_page(sections: Sequence, width: int | None = None) -> None:
    """A page of tables (anything with columns, rows, title, fold, keep) and texts, a blank line between."""
    width = page_width() if width is None else width or None
    tables = [s for s in sections if hasattr(s, "columns")]
    laid = iter(tables_lines([(t.columns, t.rows, t.title or None, t.fold or t.columns[-1:], t.keep)
                              for t in tables], width))
    pieces = [next(laid) if hasattr(s, "columns") else text_lines(s.text, width) for s in sections]
    sys.stdout.write("\n".join("".join(line + "\n" for line in lines) for lines in pieces))


def note_lines(text: str, stream) -> list[str]:
    """A `note: ...` message for `stream` (stderr): wrapped to its width, continuing under its text."""
    return text_lines(text, page_width(stream))


