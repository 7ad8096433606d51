"""Excel workbooks from documents (present/xlsx.py), read back with openpyxl and compared
cell by cell with the JSON document they come from."""

import sys

import openpyxl
import pytest
from report_helpers import EXAMPLE

import ammt_calc as ac
from ammt_calc.errors import UserError
from ammt_calc.present import xlsx

CELL = "bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM"


def read(path):
    """{sheet: (header, rows)}, and the sheets themselves."""
    book = openpyxl.load_workbook(path)
    tables = {}
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        tables[ws.title] = (list(rows[0]), [list(r) for r in rows[1:]])
    return tables, book


def same(cell, value) -> bool:
    """A cell holds the JSON's value: a number as a number (not text), true/false as booleans,
    null (and an empty text) as an empty cell."""
    if value in (None, ""):
        return cell is None
    if isinstance(value, bool):
        return cell is value
    if isinstance(value, (int, float)):
        return isinstance(cell, (int, float)) and not isinstance(cell, bool) and cell == value
    return cell == value


def test_usecase_a_sheet_per_use_case_compared_with_the_json(tmp_path):
    doc = ac.evaluate(list(EXAMPLE), cell=CELL).to_dict()
    xlsx.write_document("usecase", doc, tmp_path / "u.xlsx")
    tables, book = read(tmp_path / "u.xlsx")
    assert book.sheetnames == ["split-image-recognition", "model-distribution-image-recogn", "parameters"]
    for uc, title in zip(EXAMPLE, book.sheetnames):
        head, rows = tables[title]
        expected = [r for r in doc["rows"] if r["usecase"] == uc]
        assert len(rows) == len(expected)
        for row, r in zip(rows, expected):
            cells = dict(zip(head, row))
            published = r["published"] or {}
            pairs = [("kpi", r["kpi"]), ("label", r["label"]), ("direction", r["direction"]), ("value", r["value"]),
                     ("unit", r["unit"]), ("feasible", r["feasible"]), ("applicable", r["applicable"]),
                     ("published value", published.get("value")), ("published unit", published.get("unit")),
                     ("published text", published.get("text")), ("status", r["status"]),
                     ("reason", r.get("reason")),
                     ("cell share [%]", r["cell"]["share"]["value"] if r["cell"] else None),
                     ("fits the cell", r["cell"]["fits"] if r["cell"] else None)]
            for column, value in pairs:
                assert same(cells[column], value), (uc, r["kpi"], column, cells[column], value)
    head, rows = tables["parameters"]
    assert head == ["usecase", "parameter", "value", "unit", "origin"]
    assert [[p[k] for k in ("usecase", "name", "value", "unit", "origin")] for p in doc["parameters"]] == \
        [[c if c is not None else "" for c in row] for row in rows]


def test_frozen_header_and_column_widths(tmp_path):
    doc = ac.evaluate("split-image-recognition").to_dict()
    xlsx.write_document("usecase", doc, tmp_path / "u.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "u.xlsx")["split-image-recognition"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    # the label column is as wide as its longest label (plus 2), the kpi column as "ul_transfer_window"
    assert ws.column_dimensions["B"].width == max(len(r["label"]) for r in doc["rows"]) + 2
    assert ws.column_dimensions["A"].width == len("ul_transfer_window") + 2


def test_sweep_every_cell_of_the_json_with_units_in_the_header(tmp_path):
    doc = ac.sweep("model-distribution-image-recognition", {"model_size": "10MB:1GB:7:log"}).to_dict()
    xlsx.write_document("sweep", doc, tmp_path / "s.xlsx")
    tables, book = read(tmp_path / "s.xlsx")
    head, rows = tables["model-distribution-image-recogn"]
    assert head[0] == "model_size [MByte]" and "dl_data_rate [Mbit/s]" in head and "packets" in head
    assert head[-1] == "infeasible" and len(rows) == 7
    for row, point in zip(rows, doc["rows"]):
        for column, cell in zip(doc["columns"], row):
            assert same(cell, point[column["name"]]), (column, cell, point[column["name"]])
        assert (row[-1] or "") == "; ".join(f"{k}: {v}" for k, v in point["infeasible"].items())
    assert rows[-1][head.index("retransmissions")] is None  # infeasible: an empty cell
    fixed_head, fixed = tables["fixed"]
    assert fixed_head == ["parameter", "value", "unit", "origin"]
    assert [f[:2] for f in fixed] == [[f["name"], f["value"]] for f in doc["fixed"]]


@pytest.mark.parametrize("command, make", [
    ("check", lambda: ac.api.check().to_dict()),
    ("solve", lambda: ac.solve("model-distribution-image-recognition", "model_size",
                               "dl_data_rate=500Mbit/s").to_dict()),
])
def test_flat_documents_cell_by_cell(command, make, tmp_path):
    doc = make()
    xlsx.write_document(command, doc, tmp_path / "x.xlsx")
    tables, _ = read(tmp_path / "x.xlsx")
    (head, rows), = tables.values()
    if command == "check":
        assert len(rows) == len(doc["rows"])
        for row, r in zip(rows, doc["rows"]):
            for column, cell in zip(head, row):
                assert same(cell, r[column]), (r["usecase"], r["kpi"], column)
    else:
        assert rows == [[doc["usecase"], doc["parameter"], 62.5, "MByte", "dl_data_rate", 500, "Mbit/s", None]]
        assert same(rows[0][2], doc["value"])


def test_sample_split_and_radio(tmp_path):
    sample = ac.api.sample("model-distribution-image-recognition", {"model_size": "loguniform:10MB:1GB"},
                           count=200).to_dict()
    xlsx.write_document("sample", sample, tmp_path / "sample.xlsx")
    (head, rows), = read(tmp_path / "sample.xlsx")[0].values()
    assert head[:8] == ["usecase", "kpi", "unit", "mean", "p5", "p50", "p95", "p99"] and "infeasible share" in head
    assert "p95_low" in head and "not_applicable_share" in head  # every column of the sample's CSV
    for row, r in zip(rows, sample["rows"]):
        assert all(same(c, r[k]) for c, k in zip(row, xlsx.SAMPLE_CSV))

    split = ac.api.split("vgg16").to_dict()
    xlsx.write_document("split", split, tmp_path / "split.xlsx")
    tables, book = read(tmp_path / "split.xlsx")
    head, rows = tables["VGG-16"]
    assert "payload [kByte]" in head and "latency [ms]" in head
    for row, r in zip(rows, split["rows"]):
        assert row[0] == r["split"] and same(row[head.index("payload [kByte]")], r["payload"]["value"])
        assert same(row[head.index("best")], r["best"]) and same(row[head.index("fastest")], r["fastest"])

    radio = ac.api.radio(bandwidth="100MHz", scs="30kHz", layers="4", modulation="256QAM").to_dict()
    xlsx.write_document("radio", radio, tmp_path / "radio.xlsx")
    (head, rows), = read(tmp_path / "radio.xlsx")[0].values()
    assert rows[0][head.index("peak_rate [Mbit/s]")] == radio["carriers"][0]["peak_rate"]["value"]
    assert rows[-1][1] == "total" and rows[-1][-1] == radio["peak_rate"]["value"]


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    sheet = xlsx.Sheet("t", ("a", "b"), [["=HYPERLINK(\"http://x\")", "bell\x07 here"], ["+1", 2.5]])
    xlsx.write([sheet], tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    assert ws["A2"].value == "=HYPERLINK(\"http://x\")" and ws["A2"].data_type == "s"
    assert ws["B2"].value == "bell here" and ws["B3"].value == 2.5


def test_sheet_names_excel_accepts_and_unique():
    taken = set()
    names = [xlsx._title(t, taken) for t in ("a/b:c", "x" * 40, "x" * 40, "X" * 31)]
    assert names[0] == "a-b-c" and names[1] == "x" * 31
    assert names[2] == "x" * 29 + "~2" and names[3] == "X" * 29 + "~3"
    assert all(len(n) <= 31 for n in names)


def test_beyond_the_sheet_row_limit_is_refused():
    xlsx.check_rows(1_048_575)
    with pytest.raises(UserError, match=r"has 1,048,576 rows; an Excel sheet holds at most 1,048,575"):
        xlsx.check_rows(1_048_576)


def test_without_openpyxl_the_refusal_names_the_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(UserError, match=r"needs openpyxl, which is not installed: pip install 'ammt-calc\[excel\]'"):
        xlsx.write([xlsx.Sheet("t", ("a",), [[1]])], tmp_path / "t.xlsx")
    assert not (tmp_path / "t.xlsx").exists()


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch):
    from openpyxl.workbook import Workbook

    def broken(self, handle):
        handle.write(b"PK partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", broken)
    with pytest.raises(UserError):
        xlsx.write([xlsx.Sheet("t", ("a",), [[1]])], tmp_path / "t.xlsx")
    assert list(tmp_path.iterdir()) == []


# --- through the command line ------------------------------------------------------------


def test_cli_usecase_to_xlsx_matches_its_json(cli, tmp_path):
    import json

    from helpers import ok

    ok(cli("usecase", "split-image-recognition", "--set", "latency=30ms", "-o", "u.xlsx"))
    doc = json.loads(ok(cli("usecase", "split-image-recognition", "--set", "latency=30ms", "--format", "json")))
    tables, _ = read(tmp_path / "u.xlsx")
    head, rows = tables["split-image-recognition"]
    for row, r in zip(rows, doc["rows"], strict=True):
        assert same(row[head.index("value")], r["value"]) and row[head.index("kpi")] == r["kpi"]
    burst = rows[3]  # 0.27 MByte in 30 ms: 72 Mbit/s, a number in its cell
    assert burst[head.index("kpi")] == "ul_burst_rate" and same(burst[head.index("value")], 72.0)


@pytest.mark.parametrize("args", [
    ("sweep", "model-distribution-image-recognition", "--vary", "model_size=10MB:1GB:3"),
    ("check",), ("split", "vgg16"), ("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "4",
                                      "--modulation", "256QAM"),
    ("solve", "model-distribution-image-recognition", "--for", "model_size", "--target", "dl_data_rate=500Mbit/s"),
    ("sample", "model-distribution-image-recognition", "--draw", "model_size=loguniform:10MB:1GB", "--draws", "50"),
])
def test_cli_commands_that_write_tables_write_workbooks(cli, tmp_path, args):
    from helpers import ok

    ok(cli(*args, "-o", "t.xlsx"))
    tables, _ = read(tmp_path / "t.xlsx")
    head, rows = next(iter(tables.values()))
    assert head and rows and any(isinstance(c, float) for row in rows for c in row)


def test_cli_refusals(cli, monkeypatch, tmp_path):
    from helpers import refused

    refused(cli("sweep", "model-distribution-image-recognition", "--vary", "model_size=10MB:1GB:1048576", "-o",
                "s.xlsx"), "has 1,048,576 rows; an Excel sheet holds at most 1,048,575")
    refused(cli("usecase", "split-image-recognition", "--format", "xlsx"), "a workbook is a file: give -o FILE.xlsx")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    refused(cli("usecase", "split-image-recognition", "-o", "u.xlsx"), "pip install 'ammt-calc[excel]'")
    assert list(tmp_path.iterdir()) == []
