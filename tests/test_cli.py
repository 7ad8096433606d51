"""The real entry point, run as a subprocess; assertions on JSON and CSV, not on tables."""

import csv
import io
import json

import pytest
from helpers import ok, refused


def test_version(cli):
    assert ok(cli("--version")).startswith("ammt-calc ")


def test_list_json(cli):
    rows = json.loads(ok(cli("list", "--format", "json")))["rows"]
    ids = {r["id"] for r in rows}
    assert {"split-image-recognition", "enhanced-media-recognition", "split-control-robotics",
            "condition-dependent-split"} <= ids
    assert all(set(r) == {"id", "title", "family", "sources"} for r in rows)


def test_list_family_filter_and_unknown_family(cli):
    rows = json.loads(ok(cli("list", "--family", "split", "--format", "json")))["rows"]
    assert rows and all(r["family"] == "split" for r in rows)
    refused(cli("list", "--family", "splt"), "unknown family 'splt'", "did you mean 'split'")


def test_show_json_explains_formulas(cli):
    info = json.loads(ok(cli("show", "split-image-recognition", "--format", "json")))
    kpis = {k["name"]: k for k in info["kpis"]}
    assert kpis["ul_burst_rate"]["formula"] == "payload / ul_transfer_window"
    params = {p["name"]: p for p in info["parameters"]}
    assert params["payload"]["default"] == "0.27 MByte" and params["payload"]["unit"] == "MByte"


def test_show_table_runs(cli):
    out = ok(cli("show", "split-control-robotics"))
    assert "transfer_window" in out and "payload / transfer_window" in out


def test_usecase_json_shape_and_values(cli):
    data = json.loads(ok(cli("usecase", "split-image-recognition", "--format", "json")))
    row = next(r for r in data["rows"] if r["kpi"] == "ul_data_rate")
    assert row == {"usecase": "split-image-recognition", "kpi": "ul_data_rate", "label": "UL experienced data rate",
                   "direction": "UL", "value": 144.0, "unit": "Mbit/s", "feasible": True,
                   "published": {"value": 144.0, "min": None, "max": None, "unit": "Mbit/s", "text": "144 Mbit/s"},
                   "status": "exact", "applicable": True}
    params = {p["name"]: p for p in data["parameters"]}
    assert params["payload"] == {"usecase": "split-image-recognition", "name": "payload", "value": 0.27,
                                 "unit": "MByte", "origin": "default", "text": "270 kByte"}


def test_usecase_set_with_units(cli):
    data = json.loads(ok(cli("usecase", "split-image-recognition", "--set", "payload=1MB", "--set", "latency=0.5 s",
                             "--format", "json")))
    row = next(r for r in data["rows"] if r["kpi"] == "ul_data_rate")
    assert row["value"] == 16.0  # 8 Mbit / 0.5 s


def test_a_bare_number_for_a_quantity_is_refused_with_how_to_write_it(cli):
    # 30 is nearest the default 15 ms as 30 ms: the advice names that, and the default
    refused(cli("usecase", "split-image-recognition", "--set", "latency=30"),
            "latency=30 has no unit: write 30 ms (e.g. 15 ms)")
    rows = json.loads(ok(cli("usecase", "split-image-recognition", "--set", "latency=30ms", "--format", "json")))
    assert next(r for r in rows["rows"] if r["kpi"] == "ul_data_rate")["value"] == 72.0  # 2.16 Mbit / 30 ms


def test_usecase_csv_columns(cli):
    rows = list(csv.DictReader(io.StringIO(ok(cli("usecase", "split-control-robotics", "--format", "csv")))))
    assert list(rows[0]) == ["usecase", "kpi", "label", "direction", "value", "unit", "feasible", "applicable",
                             "published_value", "published_min", "published_max", "published_unit", "reason",
                             "published_text", "status"]
    dl = next(r for r in rows if r["kpi"] == "dl_data_rate")
    assert (dl["value"], dl["unit"], dl["feasible"], dl["published_value"], dl["published_unit"]) == (
        "320", "Mbit/s", "true", "320", "Mbit/s")


def test_infeasible_rows_in_json_and_csv(cli):
    args = ("usecase", "split-image-recognition", "--set", "device_compute_time=20ms")
    row = next(r for r in json.loads(ok(cli(*args, "--format", "json")))["rows"] if r["kpi"] == "ul_data_rate")
    assert row["value"] is None and row["feasible"] is False
    assert row["reason"] == "device and server compute take the whole latency budget"
    rows = list(csv.DictReader(io.StringIO(ok(cli(*args, "--format", "csv")))))
    assert next(r for r in rows if r["kpi"] == "ul_data_rate")["feasible"] == "false"


def test_markdown_and_plain_table(cli):
    md = ok(cli("usecase", "split-image-recognition", "--format", "markdown"))
    assert md.startswith("### Split AI/ML image recognition (split-image-recognition)\n\n| KPI | dir |")
    assert "| UL experienced data rate | UL | 144 | Mbit/s | 144 Mbit/s | exact |" in md
    plain = ok(cli("usecase", "split-image-recognition"))
    assert "UL experienced data rate" in plain and "144" in plain


def test_output_file_written(cli, tmp_path):
    target = tmp_path / "out.csv"
    assert ok(cli("usecase", "split-image-recognition", "--format", "csv", "-o", target)) == ""
    assert target.read_text().startswith("usecase,kpi,")


def test_check_json(cli):
    rows = json.loads(ok(cli("check", "--format", "json")))["rows"]
    row = next(r for r in rows if (r["usecase"], r["kpi"]) == ("split-image-recognition", "ul_data_rate"))
    assert row == {"usecase": "split-image-recognition", "kpi": "ul_data_rate", "published_value": 144.0,
                   "published_min": None, "published_max": None, "published_unit": "Mbit/s", "computed_value": 144.0,
                   "computed_unit": "Mbit/s", "deviation": 0.0, "status": "exact", "note": "fitted: holds through"
                   " device_compute_time, server_compute_time, whose default was chosen to reproduce it;"
                   " 0.27 MByte x 8 / 15 ms", "published_text": "144 Mbit/s", "basis": "fitted"}


def test_check_shows_infeasible_and_range_cells_honestly(cli, tmp_path):
    (tmp_path / "r.yaml").write_text(
        "id: my-ranges\ntitle: t\nfamily: x\nparameters:\n  model_size: {default: 1 MByte}\n  latency: {default: 0 s}\n"
        "kpis:\n  dl_latency: {formula: latency, unit: ms}\n  dl_data_rate: {formula: model_size / latency, unit: Mbit/s}\n"
        "published:\n  dl_latency: {max: 100 ms}\n  dl_data_rate: 8 Mbit/s\n")
    rows = {r["kpi"]: r for r in json.loads(ok(cli("--catalog", tmp_path, "check", "--format", "json")))["rows"]
            if r["usecase"] == "my-ranges"}
    assert rows["dl_latency"]["published_text"] == "<= 100 ms" and rows["dl_latency"]["status"] == "in-range"
    rate = rows["dl_data_rate"]
    assert rate["computed_value"] is None and rate["status"] == "differs"
    assert rate["note"].startswith("infeasible at the defaults: not finite") and "nan" not in rate["note"]


@pytest.mark.parametrize("args, fragments", [
    (("usecase", "split-image-recogniton"), ("unknown use case 'split-image-recogniton'", "split-image-recognition")),
    (("show", "nope"), ("unknown use case 'nope'",)),
    (("usecase", "split-image-recognition", "--set", "paylod=1MB"), ("no parameter 'paylod'", "did you mean 'payload'")),
    (("usecase", "split-image-recognition", "--set", "payload"), ("NAME=VALUE",)),
    (("usecase", "split-image-recognition", "--set", "payload=5 ms"), ("payload", "[time]", "[information]")),
    (("usecase", "split-image-recognition", "--set", "payload=-1 MB"), ("payload", "minimum")),
    (("usecase", "split-image-recognition", "--set", "payload=lots"), ("lots",)),
    (("usecase", "split-image-recognition", "--set", "payload=nan MB"), ("payload",)),
    (("usecase", "split-image-recognition", "--set", "payload=3 Mb"), ("Mbit", "MByte")),
    (("usecase", "split-image-recognition", "--set", "latency=1 ms", "--set", "latency=2 ms"), ("twice",)),
    (("usecase", "--format", "xml"), ("xml",)),
    (("show", "split-image-recognition", "--format", "csv"), ("--format csv is not available here", "table, json, markdown")),
    (("usecase", "split-image-recognition", "-o", "/nonexistent-dir/x.csv", "--format", "csv"), ("cannot write",)),
    (("frobnicate",), ("frobnicate",)),
    (("usecase", "split-image-recognition", "--format", "csv", "-o", "x.csv/"), ("give a file name",)),
    (("usecase", "split-image-recognition", "--format", "csv", "-o", ""), ("give a file name",)),
    (("usecase", "split-image-recognition", "--format", "csv", "-o", "d/" + "a" * 300 + ".csv"), ("cannot write",)),
])
def test_bad_input_is_one_line_exit_2(cli, args, fragments):
    refused(cli(*args), *fragments)


def test_user_catalog(cli, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "id: my-model-download\ntitle: My model download\nfamily: distribution\n"
        "sources: ['TR 22.874 clause 6.1']\n"
        "parameters:\n  model_size: {default: 300 MByte, description: size of the model}\n"
        "  latency: {default: 2 s, description: download deadline}\n"
        "kpis:\n  dl_data_rate: {formula: model_size / latency, unit: Mbit/s, direction: DL, label: DL experienced data rate}\n"
        "published:\n  dl_data_rate: 1.2 Gbit/s\n"
    )
    data = json.loads(ok(cli("--catalog", folder, "usecase", "my-model-download", "--format", "json")))
    assert data["rows"][0]["value"] == 1200.0
    # in the row's unit (Mbit/s, the one unit of rates in files), as written in the text
    assert data["rows"][0]["published"] == {"value": 1200.0, "min": None, "max": None, "unit": "Mbit/s",
                                            "text": "1.2 Gbit/s"}


def test_user_catalog_with_wrong_dimension_is_refused(cli, tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "id: bad\ntitle: t\nfamily: x\nparameters:\n  model_size: {default: 1 MB}\n  latency: {default: 1 s}\n"
        "kpis:\n  dl_data_rate: {formula: model_size * latency, unit: Mbit/s}\n"
    )
    refused(cli("--catalog", tmp_path, "usecase", "bad"), "bad.yaml", "model_size * latency", "[information] / [time]")


def test_text_table_says_which_parameters_were_set_or_derived(cli):
    out = ok(cli("usecase", "split-image-recognition", "--set", "latency=30ms", "--set", "tensor_elements=1000"))
    assert out.splitlines()[:2] == ["Split AI/ML image recognition (split-image-recognition)",
                                    "  payload = 1 kByte (derived: tensor_elements * bits_per_element),"
                                    " tensor_elements = 1000 (set), latency = 30 ms (set)"]
    assert ok(cli("usecase", "split-image-recognition")).splitlines()[1].startswith("KPI")  # defaults: no caption


def test_output_through_a_symlink_loop_is_refused_and_the_links_stay(cli, tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    refused(cli("usecase", "split-image-recognition", "--format", "csv", "-o", tmp_path / "a"), "symbolic link")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def test_an_id_named_twice_is_evaluated_once(cli):
    once = ok(cli("usecase", "split-control-robotics", "--format", "csv"))
    assert ok(cli("usecase", "split-control-robotics", "split-control-robotics", "--format", "csv")) == once


def test_a_catalog_folder_named_twice_is_read_once(cli, tmp_path):
    (tmp_path / "d.yaml").write_text("id: my-d\ntitle: t\nfamily: x\nparameters:\n  latency: {default: 1 s}\n"
                                     "kpis:\n  dl_latency: {formula: latency, unit: s}\n")
    rows = json.loads(ok(cli("--catalog", tmp_path, "--catalog", tmp_path, "list", "--format", "json")))["rows"]
    assert [r["id"] for r in rows].count("my-d") == 1


def test_a_setting_refused_by_one_of_several_use_cases_names_it(cli):
    refused(cli("usecase", "split-image-recognition", "split-control-robotics", "--set", "payload=5s"),
            "split-image-recognition: payload: '5s' is [time]")


@pytest.mark.parametrize("argv, name", [
    (["list"], "list"), (["--catalog", "d", "usecase", "x"], "usecase"), (["--catalog=d", "--no-cache", "check"], "check"),
    (["--help"], "--help"), (["--catalog", "d"], None), ([], None),
])
def test_the_command_a_run_names(argv, name):
    from ammt_calc.cli import _command_name

    assert _command_name(argv) == name


def test_a_run_registers_its_command_only_while_it_runs(cli):
    from ammt_calc.cli import app

    names = [c.name for c in app.registered_commands]
    assert json.loads(ok(cli("list", "--format", "json")))["rows"]
    assert [c.name for c in app.registered_commands] == names and len(names) == 13
    refused(cli("usecas"), "No such command 'usecas'", "Did you mean 'usecase'?")  # a typo sees them all
