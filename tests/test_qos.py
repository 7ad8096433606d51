"""5QIs per flow (TS 23.501 Table 5.7.4-1): candidate sets worked out by hand from the table
in shared/reference/5qi-table.md, the 5QIs TS 23.501 names, and the MDBV to signal."""

import csv
import io
import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import evaluate_many, ok
from hypothesis import given
from hypothesis import strategies as st

from ammt_calc.engine.evaluation import evaluate, resolve_inputs
from ammt_calc.network import qos
from ammt_calc.present import views
from ammt_calc.usecases.dimensions import check_dimensions
from ammt_calc.usecases.loading import load_catalog, load_file


def flows_of(usecase, **settings):
    catalog = load_catalog(check_units=True)
    (ev,) = evaluate_many([catalog.get(usecase)], {k: str(v) for k, v in settings.items()})
    return {f["direction"]: f for f in qos.usecase_flows([ev])}


def flows_of_file(path, **settings):
    uc = load_file(path)
    check_dimensions(uc)
    values, notes = resolve_inputs(uc, {k: str(v) for k, v in settings.items()})
    return {f["direction"]: f for f in qos.usecase_flows([evaluate(uc, values, notes)])}


def numbers(entries):
    return [e["five_qi"] for e in entries]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


# --- the table -----------------------------------------------------------------------------


def test_the_table_has_every_standardized_5qi():
    table = {q.number: q for q in qos.standardized()}
    assert len(table) == 32
    assert table[88] == qos.FiveQi(88, "Delay-critical GBR", 25, 10, 1e-3, 1125, 2000, 1,
                                   "Interactive Service - Motion tracking data; split AI/ML inference - UL,"
                                   " Split AI/ML image recognition (TS 22.261)")
    assert table[85].radio_pdb_ms == 3 and table[84].radio_pdb_ms == 25 and table[69].radio_pdb_ms == 50
    assert table[74].cn_pdb_ms is None and table[74].radio_pdb_ms is None  # its notes name no CN part
    assert {q.number for q in table.values() if q.resource_type == "Non-GBR"} == {5, 6, 7, 8, 9, 10, 69, 70, 79, 80}
    assert all(q.mdbv_bytes is None for q in table.values() if q.resource_type != "Delay-critical GBR")


# --- split image recognition: the flows TS 23.501 names ------------------------------------


def test_split_image_recognition_ul_is_named_88_with_a_240_times_mdbv():
    ul = flows_of("split-image-recognition")["UL"]
    assert (ul["latency"]["value"], ul["per"], ul["burst"]["value"], ul["burst"]["unit"]) == (15.0, 0.001, 0.27, "MByte")
    # PDB <= 15 ms and PER <= 1e-3: 89 (15 ms), 88, 82, 83, 80 (10 ms), 87, 86, 85 (5 ms);
    # loosest first: larger PDB, then larger PER
    assert numbers(ul["candidates"]) == [89, 88, 82, 83, 80, 87, 86, 85]
    (named,) = ul["named"]
    assert (named["five_qi"], named["carries"]) == (88, True)
    mdbv = next(s for s in named["signalling"] if s["parameter"] == "MDBV")
    assert mdbv["ratio"] == 270_000 / 1125 == 240
    assert mdbv["value"] == {"value": 270_000, "unit": "byte"} and mdbv["default"] == {"value": 1125, "unit": "byte"}
    gfbr = next(s for s in named["signalling"] if s["parameter"] == "GFBR")
    assert gfbr["value"] == {"value": 144.0, "unit": "Mbit/s"}
    assert ul["verdict"] == "5QI 88, named by TS 23.501"
    five_qi_89 = ul["candidates"][0]
    assert next(s for s in five_qi_89["signalling"] if s["parameter"] == "MDBV")["ratio"] == pytest.approx(270_000 / 17_000)
    assert five_qi_89["radio_pdb"] == {"value": 14.0, "unit": "ms"}


def test_split_image_recognition_dl_is_named_85():
    dl = flows_of("split-image-recognition")["DL"]
    # no DL rate or latency KPI: the use case's latency (15 ms) and DL reliability 99.999 % (PER 1e-5)
    assert dl["latency"]["source"] == "parameter latency" and dl["per"] == 1e-5 and dl["rate"] is None
    assert numbers(dl["candidates"]) == [80, 85]  # PDB <= 15 ms with PER <= 1e-5
    assert dl["named"][0]["five_qi"] == 85 and dl["named"][0]["carries"]
    assert dl["named"][0]["signalling"] == [{"parameter": "GFBR", "value": None, "default": None, "ratio": None}]


def test_a_tighter_latency_rules_out_the_named_5qi():
    flows = flows_of("split-image-recognition", latency="8ms")
    ul = flows["UL"]
    assert numbers(ul["candidates"]) == [87, 86, 85]
    assert ul["named"][0]["carries"] is False and ul["named"][0]["shortfalls"] == ["PDB 10 ms > latency 8 ms"]
    assert ul["verdict"] == "5QI 88, named by TS 23.501, cannot carry it; 3 standardized 5QIs can"
    assert numbers(flows["DL"]["candidates"]) == [85]


def test_when_no_standardized_5qi_can_carry_a_flow_it_says_so():
    ul = flows_of("split-image-recognition", latency="4ms")["UL"]
    assert ul["candidates"] == []
    assert ul["verdict"] == ("no standardized 5QI can carry it (it needs PDB <= 4 ms and PER <= 0.001):"
                             " a non-standardized 5QI must be signalled")


def test_an_infeasible_rate_leaves_the_gfbr_open_and_says_why():
    ul = flows_of("split-image-recognition", device_compute_time="10ms", server_compute_time="5ms")["UL"]
    assert ul["rate"] is None
    assert any(n.startswith("ul_data_rate is infeasible (device and server compute take the whole latency budget)")
               for n in ul["notes"])
    assert ul["named"][0]["signalling"][0] == {"parameter": "GFBR", "value": None, "default": None, "ratio": None}


def test_the_whole_pdb_must_fit_in_the_latency_not_only_its_radio_part(tmp_path):
    path = write(tmp_path, "tight.yaml", """\
        id: tight-uplink
        title: A 9.5 ms uplink
        family: split
        parameters:
          payload: 1000 byte
          latency: 9.5 ms
          reliability_target: 99.9 %
        kpis:
          ul_latency: {formula: latency, unit: ms, direction: UL, label: UL latency}
          ul_payload: {formula: payload, unit: byte, direction: UL, label: UL payload}
          ul_reliability: {formula: reliability_target, unit: "%", direction: UL, label: UL reliability}
        """)
    ul = flows_of_file(path)["UL"]
    # 88's radio part (9 ms) would fit in 9.5 ms, but its PDB (10 ms) does not
    assert 88 not in numbers(ul["candidates"]) and numbers(ul["candidates"]) == [87, 86, 85]
    # 1000 byte is within 87's default MDBV of 500 byte? no: twice it; within 86's 1354 byte: yes
    signals = {c["five_qi"]: c["signalling"] for c in ul["candidates"]}
    assert [s["ratio"] for s in signals[87] if s["parameter"] == "MDBV"] == [2.0]
    assert [s for s in signals[86] if s["parameter"] == "MDBV"] == []
    assert qos.LATE_PACKETS not in ul["notes"]  # every candidate is delay-critical GBR


# --- the distribution / federated conventions, in a user catalog ----------------------------


FEDERATED = """\
    id: my-fl-round
    title: One federated-learning round
    family: federated
    parameters:
      model_size: 10 MByte
      latency: 1 s
      reliability_target: 99.99 %
    kpis:
      dl_payload: {formula: model_size, unit: MByte, direction: DL, label: global model}
      dl_latency: {formula: latency, unit: ms, direction: DL, label: DL latency}
      dl_data_rate: {formula: dl_payload / dl_latency, unit: Mbit/s, direction: DL, label: DL rate}
      ul_payload: {formula: model_size, unit: MByte, direction: UL, label: model update}
      ul_latency: {formula: latency, unit: ms, direction: UL, label: UL latency}
      ul_data_rate: {formula: ul_payload / ul_latency, unit: Mbit/s, direction: UL, label: UL rate}
      ul_reliability: {formula: reliability_target, unit: "%", direction: UL, label: UL reliability}
    """


def test_federated_conventions(tmp_path):
    flows = flows_of_file(write(tmp_path, "fl.yaml", FEDERATED))
    ul, dl = flows["UL"], flows["DL"]
    assert ul["kpi"] == "ul_data_rate" and ul["named"] == []
    # PDB <= 1000 ms and PER <= 1e-4: every 5QI but 10 (1100 ms) and those with PER 1e-3 or 1e-2
    # (1, 2, 3, 7, 65, 66, 67, 75, 79, 87, 88): 20 of 32; 76 and 74 (500 ms) are the loosest
    assert len(ul["candidates"]) == 20 and numbers(ul["candidates"])[:2] == [76, 74]
    assert not {1, 2, 3, 7, 10, 65, 66, 67, 75, 79, 87, 88} & set(numbers(ul["candidates"]))
    assert qos.LATE_PACKETS in ul["notes"]
    assert ul["verdict"] == "20 standardized 5QIs can"
    # nothing named: the loosest candidate of each resource type; GBR and delay-critical GBR need the
    # 80 Mbit/s as GFBR, and 84's default MDBV of 1354 byte is 1e7 / 1354 = 7385.52 times too small
    assert views.signalling_text(ul) == ("76 (GBR): GFBR 80 Mbit/s; 6 (Non-GBR): nothing; 84 (Delay-critical GBR):"
                                       " GFBR 80 Mbit/s, MDBV 1e+07 byte (7385.52 x default 1354 byte)")
    # no DL reliability: PER not checked, every 5QI with PDB <= 1 s can
    assert dl["per"] is None and "no reliability: PER not checked" in dl["notes"]
    assert len(dl["candidates"]) == 31 and 10 not in numbers(dl["candidates"])
    assert dl["burst"] == {"value": 10.0, "unit": "MByte", "source": "kpi dl_payload"}


def test_a_download_takes_its_burst_from_the_model_size(tmp_path):
    path = write(tmp_path, "dl.yaml", """\
        id: my-download
        title: My model download
        family: distribution
        parameters:
          model_size: 100 MByte
          latency: 1 s
        kpis:
          dl_data_rate: {formula: model_size / latency, unit: Mbit/s, direction: DL, label: DL rate}
        """)
    (dl,) = flows_of_file(path).values()
    assert dl["burst"] == {"value": 100.0, "unit": "MByte", "source": "parameter model_size"}
    assert dl["latency"] == {"value": 1.0, "unit": "s", "source": "parameter latency"}
    mdbv_90 = next(c for c in dl["candidates"] if c["five_qi"] == 90)["signalling"][1]
    assert mdbv_90["ratio"] == pytest.approx(100e6 / 63_000)


MODEL_DISTRIBUTION = """\
    id: model-distribution-image-recognition
    title: AI/ML model download for image recognition (test stand-in)
    family: distribution
    parameters:
      num_params: 138e6
      bits_per_param: 8 bit
      latency: 1 s
      reliability_target: 99.9 %
    kpis:
      model_size: {formula: num_params * bits_per_param, unit: MByte, direction: DL, label: model size}
      dl_data_rate: {formula: model_size / latency, unit: Mbit/s, direction: DL, label: DL rate}
      dl_reliability: {formula: reliability_target, unit: "%", direction: DL, label: DL reliability}
    """


def test_model_download_is_named_7_for_weights_and_6_for_topology(tmp_path):
    path = write(tmp_path, "md.yaml", MODEL_DISTRIBUTION)
    dl = flows_of_file(path)["DL"]
    assert [(n["five_qi"], n["part"], n["carries"]) for n in dl["named"]] == [
        (7, "model weight factors", True), (6, "model topology", True)]
    assert dl["verdict"] == "5QIs 7 (model weight factors), 6 (model topology), named by TS 23.501"
    assert dl["burst"] == {"value": 138.0, "unit": "MByte", "source": "kpi model_size"}
    assert views.signalling_text(dl) == "7: nothing; 6: nothing"  # Non-GBR: no GFBR, no MDBV
    # 99.99 % asks for PER 1e-4, which 5QI 7 (1e-3) does not give; 6 (1e-6) does
    dl = flows_of_file(path, reliability_target="99.99%")["DL"]
    assert [(n["five_qi"], n["carries"], n["shortfalls"]) for n in dl["named"]] == [
        (7, False, ["PER 0.001 > 0.0001"]), (6, True, [])]


# --- the command line ----------------------------------------------------------------------


def test_usecase_qos_json_keeps_the_rows_and_adds_flows(cli):
    plain = json.loads(ok(cli("usecase", "split-image-recognition", "--format", "json")))
    data = json.loads(ok(cli("usecase", "split-image-recognition", "--qos", "--format", "json")))
    assert data["rows"] == plain["rows"]
    assert [(f["direction"], [n["five_qi"] for n in f["named"]]) for f in data["qos"]] == [("UL", [88]), ("DL", [85])]


def test_usecase_qos_csv_has_trailing_columns_on_the_flow_rows(cli):
    text = ok(cli("usecase", "split-image-recognition", "--qos", "--format", "csv"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[-3:] == list(views.QOS_CSV)
    ul = next(r for r in rows if r["kpi"] == "ul_data_rate")
    assert ul["qos_5qi_named"] == "88" and ul["qos_5qi_candidates"] == "89; 88; 82; 83; 80; 87; 86; 85"
    assert ul["qos_signalling"] == "88: GFBR 144 Mbit/s, MDBV 270000 byte (240 x default 1125 byte)"
    dl = next(r for r in rows if r["kpi"] == "dl_reliability")  # the DL flow's only KPI
    assert (dl["qos_5qi_named"], dl["qos_5qi_candidates"]) == ("85", "80; 85")
    assert next(r for r in rows if r["kpi"] == "ul_latency")["qos_5qi_named"] == ""


def test_usecase_qos_table_and_markdown_have_a_flow_section(cli):
    out = ok(cli("usecase", "split-image-recognition", "--qos"))
    assert "5QI per flow" in out and "MDBV 270000 byte (240 x default 1125 byte)" in out
    md = ok(cli("usecase", "split-image-recognition", "--qos", "--format", "markdown"))
    assert "| split-image-recognition | DL | 15 ms | 1e-05 |  | 85 | 80, 85 |" in md


def test_show_gives_the_flows_at_the_defaults(cli, tmp_path):
    info = json.loads(ok(cli("show", "split-image-recognition", "--qos", "--format", "json")))
    assert [f["named"][0]["five_qi"] for f in info["qos"]] == [88, 85]
    assert "5QI per flow at the defaults" in ok(cli("show", "split-image-recognition", "--qos"))
    assert "qos" not in json.loads(ok(cli("show", "split-image-recognition", "--format", "json")))
    write(tmp_path, "fl.yaml", FEDERATED)
    info = json.loads(ok(cli("--catalog", tmp_path, "show", "my-fl-round", "--qos", "--format", "json")))
    assert [f["direction"] for f in info["qos"]] == ["UL", "DL"]


def test_show_refuses_a_use_case_of_the_wrong_dimension(cli, tmp_path):
    write(tmp_path, "bad.yaml", """\
        id: bad-units
        title: Wrong dimension
        family: split
        parameters:
          latency: 10 ms
        kpis:
          ul_data_rate: {formula: latency, unit: Mbit/s, direction: UL}
        """)
    result = cli("--catalog", tmp_path, "show", "bad-units", "--qos", "--format", "json")
    assert result.returncode == 2  # the catalog checks every formula's dimension when it loads
    assert "kpis.ul_data_rate: formula 'latency' gives [time]" in result.stderr


@given(st.integers(1, 9))
def test_per_is_exact_for_decimal_reliabilities(k):
    # 99.9 %, 99.99 %, ... 99.9999999 %: PER 1e-3, 1e-4, ... with no float noise
    percent = float(Decimal(100) - Decimal(100) * Decimal(10) ** -k)
    reliability = qos.Requirement("kpi ul_reliability", percent, "%", percent / 100)
    flow = qos.Flow("x", "UL", "ul_reliability", None, None, None, reliability, ())
    assert flow.per == 10.0 ** -k


def test_every_named_use_case_exists_with_that_flow():
    catalog = load_catalog(check_units=True)
    for (usecase, direction), entries in qos.named().items():
        flows = {f["direction"]: f for f in qos.usecase_flows(evaluate_many([catalog.get(usecase)], {}))}
        assert [n["five_qi"] for n in flows[direction]["named"]] == [n for n, _ in entries]


def test_the_whole_catalog_gets_flows_and_cell_shares(cli):
    data = json.loads(ok(cli("usecase", "--qos", "--cell", "bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM",
                             "--format", "json")))
    assert data["qos"] and all(f["verdict"] for f in data["qos"])
    rates = [r for r in data["rows"] if r["feasible"] and r["direction"] in ("UL", "DL") and r["unit"].endswith("bit/s")]
    assert rates and all(r["cell"] is not None for r in rates)


# --- the transfer window, the latency's origin, example services ---------------------------


def test_5qis_fit_the_window_left_after_device_compute(catalog):
    from ammt_calc.engine.evaluation import evaluate, resolve_inputs

    uc = catalog.get("split-image-recognition")
    values, _ = resolve_inputs(uc, {"device_compute_time": "5 ms"})
    ul, dl = qos.usecase_flows([evaluate(uc, values)])
    assert ul["latency"] == {"value": 10.0, "unit": "ms", "source": "kpi ul_transfer_window"}  # 15 ms - 5 ms
    # PDB <= 10 ms and PER <= 1e-3 (TS 23.501 Table 5.7.4-1): 89 (15 ms) and 90 (20 ms) no longer fit
    assert {c["five_qi"] for c in ul["candidates"]} == {80, 82, 83, 85, 86, 87, 88}
    at_defaults = qos.usecase_flows([evaluate(uc)])[0]
    assert {c["five_qi"] for c in at_defaults["candidates"]} == {80, 82, 83, 85, 86, 87, 88, 89}  # 15 ms
    assert any(n.startswith("latency: ul_transfer_window") for n in ul["notes"])
    assert any("gives no DL latency, so its parameter latency" in n for n in dl["notes"])


def test_candidates_show_their_example_services(catalog):
    from ammt_calc.engine.evaluation import evaluate

    flows = qos.usecase_flows([evaluate(catalog.get("model-distribution-image-recognition"))])
    candidates = {c["five_qi"]: c for c in flows[0]["candidates"]}
    assert "AI/ML model download for image recognition" in candidates[7]["example_services"]
    table = {q.number: q for q in qos.standardized()}
    assert table[65].tags == ("mission-critical", "voice")
    assert table[66].tags == ("voice",)  # Non-Mission-Critical push to talk
    assert table[69].tags == ("mission-critical",)
    assert all(q.examples for q in table.values())
