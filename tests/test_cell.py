"""`usecase --cell`: every UL/DL rate KPI beside its share of an NR cell's peak rate in its
direction and whether it fits (users per cell are per flow: tests/test_profiles.py). Expected values are computed here from
TS 38.306 clause 4.1.2 by hand."""

import csv
import io
import json
import math
import textwrap

import pytest
from helpers import ok, refused

from ammt_calc.errors import UserError
from ammt_calc.network import cells as radio

CELL = "bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM"


def peak_100mhz_30khz(layers, q_m, overhead, share=1.0):
    """TS 38.306 peak rate of a 100 MHz, 30 kHz (mu = 1, 273 PRB) carrier in Mbit/s."""
    return 1e-6 * layers * q_m * (948 / 1024) * (273 * 12 / (1e-3 / 28)) * (1 - overhead) * share


# 100 MHz is a TDD channel: without tdd= a --cell takes DDDSU with S = 10:2:2 (DL 52, UL 16 of 70 symbols)
DL_PEAK = peak_100mhz_30khz(4, 8, 0.14, 52 / 70)  # 2337.0 x 52/70 = 1736.06
UL_PEAK = peak_100mhz_30khz(2, 8, 0.08, 16 / 70)  # 1250.0 x 16/70 = 285.7: a handset's 2 layers unless ul_layers says


def rows_by_kpi(cli, *args):
    data = json.loads(ok(cli("usecase", *args, "--format", "json")))
    return data, {(r["usecase"], r["kpi"]): r for r in data["rows"]}


# --- the library ---------------------------------------------------------------------------


def test_cell_peaks_in_both_directions():
    cell = radio.parse_cell(CELL, [])
    assert cell.dl.peak_rate_mbps == pytest.approx(DL_PEAK) and round(DL_PEAK, 1) == 1736.1
    assert cell.ul.peak_rate_mbps == pytest.approx(UL_PEAK)


def test_direction_prefixes_override_and_tdd_patterns_split_the_frame():
    cell = radio.parse_cell(CELL + ",ul_layers=1,tdd=DDDSU", [])
    assert cell.dl.peak_rate_mbps == pytest.approx(DL_PEAK)
    assert cell.ul.peak_rate_mbps == pytest.approx(peak_100mhz_30khz(1, 8, 0.08, 16 / 70))
    cell = radio.parse_cell(CELL + ",dl_tdd=0.8,ul_tdd=20%", [])
    assert cell.ul.peak_rate_mbps == pytest.approx(peak_100mhz_30khz(2, 8, 0.08) * 0.2)


def test_uplink_layers_default_to_a_handsets_two():
    notes = []
    assert radio.parse_cell(CELL, notes).ul.layers == 2 and any("UL 2 layers" in n for n in notes)
    assert radio.parse_cell(CELL + ",ul_layers=4", []).ul.peak_rate_mbps == pytest.approx(
        peak_100mhz_30khz(4, 8, 0.08, 16 / 70))
    assert radio.parse_cell(CELL.replace("layers=4", "layers=1"), []).ul.layers == 1  # never more than the DL's


def test_share_and_users():
    cell = radio.parse_cell(CELL + ",ul_layers=4", [])
    ul_peak = peak_100mhz_30khz(4, 8, 0.08, 16 / 70)  # 2500.0 x 16/70 = 571.4
    assert radio.cell_share(144, "UL", cell) == {"share": pytest.approx(100 * 144 / ul_peak), "users": 3, "fits": True}
    # exactly a tenth of the peak: ten users, not nine from float noise
    assert radio.cell_share(DL_PEAK / 10, "DL", cell)["users"] == 10
    assert radio.cell_share(DL_PEAK * 1.01, "DL", cell) == {"share": pytest.approx(101), "users": 0, "fits": False}
    assert radio.cell_share(0, "UL", cell) == {"share": 0, "users": None, "fits": True}


@pytest.mark.parametrize("spec, fragment", [
    (CELL + ",tdd=0.7", "would give DL and UL the same share"),
    (CELL + ",direction=UL", "the cell is sized in both directions"),
    ("bandwidth=100MHz,scs=30kHz,layers=4", "--cell: modulation is missing"),
    (CELL + ",colour=red", "--cell: unknown key 'colour'"),
    ("bandwidth=90MHz,scs=15kHz,layers=4,modulation=256QAM", "valid bandwidths: FR1 5, 10"),
])
def test_bad_cells_are_refused(spec, fragment):
    with pytest.raises(UserError, match=fragment):
        radio.parse_cell(spec, [])


# --- usecase --cell ------------------------------------------------------------------------


def test_json_rows_carry_the_cell_share(cli):
    data, rows = rows_by_kpi(cli, "split-image-recognition", "split-control-robotics", "--cell", CELL)
    assert data["cell"]["peak_rate"]["DL"]["value"] == pytest.approx(DL_PEAK)
    assert data["cell"]["peak_rate"]["UL"] == {"value": pytest.approx(UL_PEAK), "unit": "Mbit/s"}
    ul = rows[("split-image-recognition", "ul_data_rate")]["cell"]
    assert ul == {"share": {"value": pytest.approx(100 * 144 / UL_PEAK), "unit": "%"}, "fits": True}  # 144 of 285.7
    # a DL KPI is compared with the DL peak: 320 Mbit/s of 1736 Mbit/s; users per cell are the flows' only
    dl = rows[("split-control-robotics", "dl_data_rate")]["cell"]
    assert dl["share"]["value"] == pytest.approx(100 * 320 / DL_PEAK) and "users" not in dl
    # a single image has no frame-rate stream: the KPI does not apply, so it has no share
    assert rows[("split-image-recognition", "ul_sustained_rate")]["cell"] is None
    # KPIs that are not rates have no share
    assert rows[("split-image-recognition", "ul_latency")]["cell"] is None
    assert rows[("split-image-recognition", "ul_payload")]["cell"] is None


def test_a_rate_beyond_the_cell_does_not_fit(cli):
    # 0.27 MByte in 1 ms = 2160 Mbit/s UL against a one-layer UL of 625.0 x 16/70 = 142.86 Mbit/s
    args = ("split-image-recognition", "--set", "latency=1ms", "--cell", CELL + ",ul_layers=1")
    _, rows = rows_by_kpi(cli, *args)
    assert rows[("split-image-recognition", "ul_data_rate")]["cell"] == {
        "share": {"value": pytest.approx(100 * 2160 / peak_100mhz_30khz(1, 8, 0.08, 16 / 70)), "unit": "%"},
        "fits": False}
    table = ok(cli("usecase", *args))
    line = next(l for l in table.splitlines() if "UL experienced data rate" in l)
    share = 100 * 2160 / peak_100mhz_30khz(1, 8, 0.08, 16 / 70)
    assert line.rstrip().endswith("no") and f"{share:.6g} %" in line and round(share, 1) == 1512.0


def test_csv_has_trailing_cell_columns(cli):
    text = ok(cli("usecase", "split-image-recognition", "--cell", CELL + ",tdd=DDDSU", "--format", "csv"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[-3:] == ["cell_share", "cell_share_unit", "cell_fits"]
    row = next(r for r in rows if r["kpi"] == "ul_data_rate")
    ul_peak = UL_PEAK  # DDDSU with S = 10:2:2 gives UL 16 of 70 symbols
    assert float(row["cell_share"]) == pytest.approx(100 * 144 / ul_peak)
    assert (row["cell_share_unit"], row["cell_fits"]) == ("%", "true")  # 144 of 285.7
    latency = next(r for r in rows if r["kpi"] == "ul_latency")
    assert (latency["cell_share"], latency["cell_fits"]) == ("", "")


def test_without_cell_the_rows_keep_their_shape(cli):
    data, rows = rows_by_kpi(cli, "split-image-recognition")
    assert "cell" not in data and all("cell" not in r for r in data["rows"])
    header = ok(cli("usecase", "split-image-recognition", "--format", "csv")).splitlines()[0]
    assert header == ("usecase,kpi,label,direction,value,unit,feasible,applicable,published_value,published_min,"
                      "published_max,published_unit,reason,published_text,status")


def test_user_catalog_rates_in_other_units_and_without_a_direction(cli, tmp_path):
    (tmp_path / "mine.yaml").write_text(textwrap.dedent("""\
        id: my-cell-check
        title: Rates for the cell
        family: distribution
        parameters:
          model_size: 500 MByte
          latency: 2 s
        kpis:
          dl_data_rate: {formula: model_size / latency, unit: Gbit/s, direction: DL, label: DL rate}
          either_rate: {formula: model_size / latency, unit: Mbit/s, direction: UL+DL, label: either way}
          plain_rate: {formula: model_size / latency, unit: Mbit/s, label: no direction}
          ul_data_rate:
            formula: model_size / (latency - latency)
            unit: Mbit/s
            direction: UL
            label: infeasible UL rate
        """))
    _, rows = rows_by_kpi_catalog(cli, tmp_path)
    dl = rows["dl_data_rate"]["cell"]  # 500 MByte / 2 s = 2 Gbit/s = 2000 Mbit/s
    assert dl == {"share": {"value": pytest.approx(100 * 2000 / DL_PEAK), "unit": "%"}, "fits": False}
    assert rows["either_rate"]["cell"] is None and rows["plain_rate"]["cell"] is None
    assert rows["ul_data_rate"]["feasible"] is False and rows["ul_data_rate"]["cell"] is None


def rows_by_kpi_catalog(cli, directory):
    data = json.loads(ok(cli("--catalog", directory, "usecase", "my-cell-check", "--cell", CELL, "--format", "json")))
    return data, {r["kpi"]: r for r in data["rows"]}


def test_cli_refuses_a_bad_cell_before_computing(cli):
    refused(cli("usecase", "split-image-recognition", "--cell", "bandwidth=100MHz,scs=15kHz,layers=4,modulation=256QAM"),
            "bandwidth 100 MHz is not defined for 15 kHz SCS")
    refused(cli("usecase", "split-image-recognition", "--cell", CELL + ",tdd=0.7"), "dl_tdd=... and ul_tdd=...")
