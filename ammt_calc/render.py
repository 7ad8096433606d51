"""Rows out: table (rich on a terminal, plain text when piped), CSV, JSON, Markdown.

Every output format carries the same rows. Files are written atomically: a temporary
file beside the target, then a rename, so a failed run never leaves a partial file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Sequence

from .errors import UserError

SIGNIFICANT_DIGITS = 12  # machine output: enough for any input, without float noise (144.00000000000003)
TABLE_DIGITS = 6  # human output
SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def clean_number(value: float | None) -> float | None:
    """A float rounded to SIGNIFICANT_DIGITS, or None for NaN/None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def human_number(value: float | None) -> str:
    """TABLE_DIGITS significant digits, with more where rounding would carry into the
    next power of ten: a per-packet success of 99.99999891 % must not read "100"."""
    if value is None or math.isnan(value):
        return ""
    for digits in range(TABLE_DIGITS, SIGNIFICANT_DIGITS + 1):
        text = f"{value:.{digits}g}"
        if _decade(float(text)) == _decade(value):
            break
    return text


def _decade(value: float) -> int | None:
    return math.floor(math.log10(abs(value))) if value and math.isfinite(value) else None


def to_json(payload: dict) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()


def safe_cell(value):
    """Neutralise text a spreadsheet would run as a formula (numbers pass unchanged)."""
    if not isinstance(value, str):
        return value
    # the csv module quotes a field holding \n but not one holding a lone \r, which readers
    # take as the end of the row: "x\r=cmd" would start a new row with a formula
    value = "'" + value if value.startswith(SPREADSHEET_TRIGGERS) else value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def to_markdown(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    def cell(v) -> str:
        return "" if v is None else " ".join(str(v).replace("|", "\\|").splitlines())  # \n, \r, \u2028 ...

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def to_plain(columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Aligned plain text for pipes and files."""
    table = [list(columns)] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def print_table(columns: Sequence[str], rows: Sequence[Sequence], title: str | None = None) -> None:
    """A rich table on a terminal, plain aligned text otherwise."""
    if not _maybe_terminal():  # piped: plain text, without the cost of importing rich
        if title:
            sys.stdout.write(title + "\n")
        sys.stdout.write(to_plain(columns, rows))
        return
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        if title:
            sys.stdout.write(title + "\n")
        sys.stdout.write(to_plain(columns, rows))
        return
    from rich.table import Table
    from rich.text import Text

    # Text, not str: rich would read "[/bold]" or "[link=...]" in a user's title as markup
    table = Table(title=Text(title) if title else None, title_justify="left")
    for column in columns:
        table.add_column(Text(column), overflow="fold")
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    console.print(table)


def _maybe_terminal() -> bool:
    """False when rich would certainly not see a terminal (stdout not a tty, nothing forcing it)."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty()) or any(os.environ.get(v) for v in ("FORCE_COLOR", "TTY_COMPATIBLE"))


def emit(text: str, output: str | Path | None) -> None:
    """Print to stdout, or write `output` atomically."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    write_atomic(output, text)


def write_atomic(path: str | Path, text: str) -> None:
    with atomic_file(path) as handle:
        handle.write(text)


@contextmanager
def atomic_file(path: str | Path, binary: bool = False):
    """A file handle for streaming into `path`: a temporary file beside it, renamed into
    place only when the block ends without error (otherwise removed).

    A symlink is followed (the file it points to is replaced, the link stays); a FIFO or
    device (`-o /dev/stdout`) is written into, as nothing can be renamed over it."""
    shown = path
    path, special = _target(str(path))
    if special:
        with _direct(path, shown, binary) as handle:
            yield handle
        return
    directory = path.parent
    import tempfile  # only when writing a file

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UserError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, _file_mode(path))  # mkstemp's 0600 would hide the export from everyone else
        with os.fdopen(fd, **_open_mode(binary)) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _target(text: str) -> tuple[Path, bool]:
    """The real path to write and whether it is a FIFO or device; refuses what cannot be a file."""
    if not text or text.endswith(os.sep):
        raise UserError(f"cannot write '{text}': give a file name")
    try:
        if os.path.islink(text) and not os.path.exists(text):
            raise UserError(f"cannot write '{text}': it is a symbolic link to nothing (or a loop)")
        path = Path(os.path.realpath(text))
        if path.is_dir():
            raise UserError(f"cannot write '{text}': it is a directory")
        if path.exists() and not path.is_file():
            return path, True
        if path.exists() and not (os.access(path, os.W_OK) and path.stat().st_mode & 0o222):
            raise UserError(f"cannot write '{text}': the file is read-only")  # even for root, who could
    except OSError as exc:  # a name too long, a symlink loop, ...
        raise UserError(f"cannot write '{text}': {exc.strerror or exc}") from None
    return path, False


@contextmanager
def _direct(path: Path, shown, binary: bool):
    try:
        with open(path, **_open_mode(binary)) as handle:
            yield handle
    except OSError as exc:
        raise UserError(f"cannot write '{shown}': {exc.strerror or exc}") from None


def _open_mode(binary: bool) -> dict:
    return {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else what a plain open() would give (umask)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
