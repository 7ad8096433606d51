"""Excel workbooks (`-o FILE.xlsx`) from documents: a sheet per use case or table.

Numbers are numbers (not text), true/false are booleans, a value a document does not have
(an infeasible KPI) is an empty cell. A column of one unit says it in its header
("payload [kByte]"); where the unit changes from row to row (KPIs) it has its own column.
The header row is frozen and every column is as wide as its longest text (up to a limit).
Text that a spreadsheet would run as a formula ("=...") is stored as text.

openpyxl is an optional extra (`pip install 'ammt-calc[excel]'`), imported only here; it
writes in its streaming mode, so a sweep of a million rows does not build a million cell
objects. A sheet holds at most 1,048,576 rows: a longer sweep is refused (`check_rows`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from ..errors import UserError
from .atomic import atomic_file
from .views import RADIO_CSV, SAMPLE_CSV, SPLIT_KEYS

SHEET_ROWS = 1_048_576  # Excel's limit, the header row included
WIDTH_LIMIT = 60  # characters: a longer text wraps in the cell instead of widening the column
WIDTH_SAMPLE = 500  # rows read to size the columns
TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
INSTALL = "pip install 'ammt-calc[excel]'"


class Sheet(NamedTuple):
    title: str
    columns: Sequence[str]  # the header row; units in brackets where the column has one
    rows: Sequence[Sequence]


def require(what: str = "-o FILE.xlsx") -> None:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise UserError(f"{what} needs openpyxl, which is not installed: {INSTALL}") from None


def check_rows(count: int, what: str = "this sweep") -> None:
    """Refuse a table longer than a sheet holds, before anything is computed or written."""
    if count > SHEET_ROWS - 1:
        raise UserError(f"{what} has {count:,} rows; an Excel sheet holds at most {SHEET_ROWS - 1:,} below its"
                        " header: write CSV or Parquet instead (-o FILE.csv, -o FILE.parquet), or use fewer points")


def write(sheets: Sequence[Sheet], path: str | Path) -> None:
    """The workbook, written atomically (a failed run leaves no partial file)."""
    require()
    from openpyxl import Workbook

    for sheet in sheets:
        check_rows(len(sheet.rows), f"the table '{sheet.title}'")
    book = Workbook(write_only=True)
    titles: set[str] = set()
    try:
        for sheet in sheets:
            _fill(book.create_sheet(_title(sheet.title, titles)), sheet)
        with atomic_file(path, binary=True) as handle:
            book.save(handle)
    except BaseException:
        _discard(book)
        raise


def _discard(book) -> None:
    """Close the sheets of a workbook that was not saved: a streaming sheet left open would
    write its closing tags into a closed file when it is collected (a traceback on stderr)."""
    for ws in book.worksheets:
        try:
            ws.close()
        except Exception:  # already closed by a save that failed later; nothing left to do
            pass


def _fill(ws, sheet: Sheet) -> None:
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    for i, width in enumerate(_widths(sheet), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append([_cell(ws, c, header=True) for c in sheet.columns])
    for row in sheet.rows:
        ws.append([_cell(ws, v) for v in row])


def _cell(ws, value, header: bool = False):
    """A number, boolean or empty cell as it is; text cleaned of characters XML cannot hold,
    and kept text when it starts like a formula."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    if cell.data_type == "f":  # "=cmd": text here, not a formula to run
        cell.data_type = "s"
    if header:
        cell.font = Font(bold=True)
    return cell


def _widths(sheet: Sheet) -> list[float]:
    widths = [len(str(c)) for c in sheet.columns]
    for row in sheet.rows[:WIDTH_SAMPLE]:
        for i, v in enumerate(row):
            text = "" if v is None else f"{v:.12g}" if isinstance(v, float) else str(v)
            widths[i] = max(widths[i], len(text))
    return [min(w, WIDTH_LIMIT) + 2 for w in widths]


def _title(text: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = TITLE_BAD.sub("-", text).strip("'") or "sheet"
    title, n = base[:31], 1
    while title.lower() in taken:
        n += 1
        title = f"{base[:31 - len(str(n)) - 1]}~{n}"
    taken.add(title.lower())
    return title


def _header(name: str, unit: str | None) -> str:
    return f"{name} [{unit}]" if unit else name


# --- a command's document as sheets ------------------------------------------------------

USECASE_COLUMNS = ("kpi", "label", "direction", "value", "unit", "feasible", "applicable", "published value",
                   "published min", "published max", "published unit", "published text", "status", "reason")


def usecase_sheets(doc: dict) -> list[Sheet]:
    """A sheet per use case (its KPIs), one of the parameters, and the flows on a cell if asked."""
    cell = "cell" in doc
    columns = USECASE_COLUMNS + (("cell share [%]", "fits the cell") if cell else ())  # users: per flow
    sheets = []
    for uc in doc["usecases"]:
        rows = []
        for r in (r for r in doc["rows"] if r["usecase"] == uc["id"]):
            p = r["published"] or {}
            line = [r["kpi"], r["label"], r["direction"], r["value"], r["unit"], r["feasible"], r.get("applicable", True),
                    p.get("value"), p.get("min"), p.get("max"), p.get("unit"), p.get("text"), r["status"],
                    r.get("reason")]
            if cell:
                entry = r.get("cell")
                line += [None] * 2 if entry is None else [entry["share"]["value"], entry["fits"]]
            rows.append(line)
        sheets.append(Sheet(uc["id"], columns, rows))
    sheets.append(Sheet("parameters", ("usecase", "parameter", "value", "unit", "origin"),
                        [[p["usecase"], p["name"], p["value"], p["unit"], p["origin"]] for p in doc["parameters"]]))
    return sheets


CHECK_COLUMNS = ("usecase", "kpi", "published_value", "published_unit", "computed_value", "computed_unit", "status",
                 "basis", "published_text", "note")


def check_sheets(doc: dict) -> list[Sheet]:
    return [Sheet("check", CHECK_COLUMNS, [[r[c] for c in CHECK_COLUMNS] for r in doc["rows"]])]


def sweep_sheets(doc: dict) -> list[Sheet]:
    """The grid's rows (a column per parameter and KPI, its unit in the header; `infeasible`:
    each infeasible KPI and why), and the parameters the sweep held fixed."""
    check_rows(len(doc["rows"]))
    names = [c["name"] for c in doc["columns"]]
    columns = [_header(c["name"], c["unit"]) for c in doc["columns"]] + ["infeasible"]
    rows = [[r[n] for n in names] + ["; ".join(f"{k}: {why}" for k, why in r["infeasible"].items())]
            for r in doc["rows"]]
    fixed = [[f["name"], f["value"], f["unit"], f["origin"]] for f in doc.get("fixed", ())]
    return [Sheet(doc["usecase"], columns, rows), Sheet("fixed", ("parameter", "value", "unit", "origin"), fixed)]


def sample_sheets(doc: dict) -> list[Sheet]:
    columns = [c if c != "infeasible_share" else "infeasible share" for c in SAMPLE_CSV]
    title = doc["rows"][0]["usecase"] if doc["rows"] else "sample"
    return [Sheet(title, columns, [[r[c] for c in SAMPLE_CSV] for r in doc["rows"]])]


def solve_sheets(doc: dict) -> list[Sheet]:
    t = doc["target"]
    return [Sheet("solve", ("usecase", "parameter", "value", "unit", "target KPI", "target value", "target unit",
                            "message"),
                  [[doc["usecase"], doc["parameter"], doc["value"], doc["unit"], t["kpi"], t["value"], t["unit"],
                    doc["message"]]])]


def split_sheets(doc: dict) -> list[Sheet]:
    """The split points (a column per quantity, its unit in the header) and the settings."""
    first = doc["rows"][0] if doc["rows"] else {}
    columns = ["split", "label", "shape"] + [_header(k, first[k]["unit"] if first else "") for k in SPLIT_KEYS] \
        + ["meets latency", "keeps up", "best", "fastest"]
    rows = [[r["split"], r["label"], r["shape"], *(r[k]["value"] for k in SPLIT_KEYS), r["meets_latency"],
             r["keeps_up"], r["best"], r["fastest"]] for r in doc["rows"]]
    settings = [[name, q["value"], q["unit"]] for name, q in doc["settings"].items() if q is not None]
    return [Sheet(doc["model"]["name"], columns, rows), Sheet("settings", ("setting", "value", "unit"), settings)]


def radio_sheets(doc: dict) -> list[Sheet]:
    c_rows = [[doc["direction"], i, c["fr"], c["bandwidth"]["value"], c["scs"]["value"], c["mu"], c["n_prb"],
               c["layers"], c["modulation"], c["q_m"], c["scaling_factor"], c["overhead"], c["tdd"], c["tdd_share"],
               c["peak_rate"]["value"]] for i, c in enumerate(doc["carriers"], 1)]
    c_rows.append([doc["direction"], "total"] + [None] * (len(RADIO_CSV) - 3) + [doc["peak_rate"]["value"]])
    return [Sheet(f"radio {doc['direction']}", RADIO_CSV, c_rows)]


SHEETS: dict[str, Callable[[dict], list[Sheet]]] = {
    "usecase": usecase_sheets, "check": check_sheets, "sweep": sweep_sheets, "sample": sample_sheets,
    "solve": solve_sheets, "split": split_sheets, "radio": radio_sheets}


def write_document(command: str, doc: dict, path: str | Path) -> None:
    write(SHEETS[command](doc), path)
