"""One way out for every command's document: `emit(document, view, format, output)`."""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from .atomic import emit as write_text
from .formats import to_csv, to_json, to_markdown, to_plain
from .tables import print_page
from .views import EXTENSIONS, Table, View


def choose_format(fmt: str | None, output: str | None, offered: tuple[str, ...], default: str = "table") -> str:
    """--format wins; else the extension of -o FILE; else `default`. Refuses what the command does not offer."""
    if fmt is None and output not in (None, "-"):
        suffix = Path(output).suffix.lower()
        fmt = EXTENSIONS.get(suffix) if suffix else default  # no extension: the command's own format
        if fmt is None:
            raise UserError(f"-o {output}: cannot tell the format from the extension '{suffix}'; use one of"
                            f" {', '.join(e for e, f in EXTENSIONS.items() if f in offered)}, or give --format")
    fmt = fmt or default
    if fmt not in offered:
        raise UserError(f"--format {fmt} is not available here; use one of {', '.join(offered)}")
    if fmt == "xlsx":  # refused before anything is computed
        if output in (None, "-"):
            raise UserError("a workbook is a file: give -o FILE.xlsx")
        from .xlsx import require

        require()
    return fmt


def emit(document: dict, view: View, fmt: str, output: str | None) -> None:
    if fmt == "xlsx":
        from . import xlsx

        xlsx.write(xlsx.SHEETS[view.sheets](document), output)
        return
    if fmt == "table" and output in (None, "-"):
        print_page(view.page(document))
        return
    write_text(render(document, view, fmt), output)


def emit_bytes(data: bytes, output: str | None) -> None:
    """Bytes as they are (a use case's YAML file) to stdout, or to `output` atomically."""
    import sys

    if output in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from .atomic import atomic_file

    with atomic_file(output, binary=True) as handle:
        handle.write(data)


def render(document: dict, view: View, fmt: str) -> str:
    if fmt == "json":
        return to_json(document)
    if fmt == "csv":
        return to_csv(*view.csv(document))
    pieces = []
    for section in view.page(document):
        if isinstance(section, Table):
            if fmt == "markdown":
                lines = section.title.splitlines()
                title = f"### {lines[0]}\n\n" + "".join(f"{line.strip()}\n\n" for line in lines[1:]) if lines else ""
                pieces.append(title + to_markdown(section.columns, section.rows))
            else:
                pieces.append((section.title + "\n" if section.title else "") + to_plain(section.columns, section.rows))
        else:
            pieces.append(section.text.rstrip("\n") + "\n")
    return "\n".join(pieces)

