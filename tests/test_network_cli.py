"""`--transport` on usecase, sweep and solve; `--cell profile=` with flows against the cell.
The figures are the hand-computed ones of tests/test_transport.py and tests/test_profiles.py."""

import csv
import io
import json

import pytest
from helpers import ok, refused

import ammt_calc as ac


def doc(cli, *args):
    return json.loads(ok(cli(*args, "--format", "json")))


def test_usecase_json_carries_transport_kpis_and_the_spec(cli):
    data = doc(cli, "usecase", "split-image-recognition", "--transport", "tcp,warm")
    rows = {r["kpi"]: r for r in data["rows"]}
    assert rows["ul_ip_rate"]["value"] == pytest.approx(144 * 1500 / 1460)  # 147.95
    assert rows["ul_transport_rate"]["value"] == pytest.approx(221.92)  # 2219200 bit in 15 - 5 ms
    assert data["transport"]["header_bytes"] == 40 and data["transport"]["warm"] is True
    cold = {r["kpi"]: r for r in doc(cli, "usecase", "split-image-recognition", "--transport", "tcp,cold")["rows"]}
    assert cold["ul_transport_rate"]["feasible"] is False and cold["ul_transport_rate"]["reason"].startswith("slow start")


def test_the_defaults_taken_are_noted(cli):
    result = cli("usecase", "split-image-recognition", "--transport", "udp")
    assert "note: --transport: ip=4, mtu=1500 byte (RFC 894, Ethernet), rtt=10 ms (assumption" in ok(result) + result.stderr


def test_a_dense_urban_cell_and_a_model_download(cli):
    data = doc(cli, "usecase", "model-distribution-image-recognition", "--transport", "tcp",
               "--cell", "profile=dense-urban,bandwidth=100MHz")
    # 7.8 bit/s/Hz x 100 MHz x 52/70 (DDDSU, the default of a 100 MHz TDD channel) = 579.43 Mbit/s
    assert data["cell"]["basis"] == "average" and data["cell"]["average"]["capacity"]["DL"]["value"] == pytest.approx(
        780 * 52 / 70)
    assert data["cell"]["source"].startswith("ITU-R M.2410")
    (flow,) = data["cell_flows"]
    assert flow["burst"] == {"value": pytest.approx(1226.26, abs=0.005), "unit": "Mbit/s", "kpi": "dl_transport_rate"}
    assert flow["average"]["burst_fits"] is False and flow["average"]["users"] == 0
    row = next(r for r in data["rows"] if r["kpi"] == "dl_data_rate")
    assert row["cell"]["share"]["value"] == pytest.approx(100 * 1106.860352 / (780 * 52 / 70))  # of the average: 191 %
    table = ok(cli("usecase", "model-distribution-image-recognition", "--transport", "tcp",
                   "--cell", "profile=dense-urban"))
    assert "Flows against the cell" in table and "average DL 579.429 Mbit/s" in table and "cell edge DL 16.7143 Mbit/s" in table


def test_peak_and_average_side_by_side(cli):
    data = doc(cli, "usecase", "split-control-robotics", "--cell",
               "profile=dense-urban,scs=30kHz,layers=4,modulation=256QAM")
    assert data["cell"]["basis"] == "peak" and "average" in data["cell"] and "peak" in data["cell"]
    dl = next(f for f in data["cell_flows"] if f["direction"] == "DL")
    # 40 kByte per 12 ms loop: 26.667 Mbit/s sustained; 320 Mbit/s burst; 1736.06 / 26.667 = 65.1
    # (DDDSU: 2337.0 x 52/70); the average 579.43 / 26.667 = 21.7
    assert dl["peak"]["users"] == 65 and dl["average"]["users"] == 21
    assert dl["duty_cycle"] == pytest.approx(1 / 12)


def test_sweep_and_solve_take_a_transport(cli):
    text = ok(cli("sweep", "split-image-recognition", "--vary", "latency=10ms,20ms", "--transport", "tcp,rtt=2ms,cold"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["ul_transport_rate [Mbit/s]"] == "" and "slow start" in rows[0]["infeasible"]
    assert float(rows[1]["ul_ip_rate [Mbit/s]"]) == pytest.approx(108 * 1500 / 1460)
    head = doc(cli, "sweep", "split-image-recognition", "--vary", "latency=10ms,20ms", "--transport", "quic")
    assert head["transport"]["protocol"] == "quic" and head["columns"][-1]["name"] == "ul_transport_rate"
    solved = doc(cli, "solve", "split-image-recognition", "--for", "latency", "--target",
                 "ul_transport_rate=221.92Mbit/s", "--transport", "tcp,warm")
    assert solved["value"] == pytest.approx(15)


@pytest.mark.parametrize("args, fragment", [
    (("usecase", "split-image-recognition", "--transport", "tcp,rtt=10"), "rtt=10 has no unit: write 10 ms"),
    (("usecase", "split-image-recognition", "--transport", "sctp"), "unknown item 'sctp'"),
    (("sweep", "split-image-recognition", "--vary", "latency=10ms,20ms", "--transport", "tcp,ip=5"), "not 4 or 6"),
    (("solve", "split-image-recognition", "--for", "latency", "--target", "ul_transport_rate=1Gbit/s",
      "--transport", "tcp,mtu=big"), "mtu=big is not a size"),
    (("usecase", "split-image-recognition", "--cell", "profile=suburban"), "unknown profile 'suburban'"),
    (("solve", "split-image-recognition", "--for", "latency", "--target", "ul_transport_rate=1Gbit/s"),
     "has no KPI 'ul_transport_rate'"),
])
def test_bad_specs_are_refused_in_one_line(cli, args, fragment):
    refused(cli(*args), fragment)


def test_the_api_takes_transport_everywhere():
    assert ac.evaluate("split-image-recognition", transport="udp")["ul_ip_rate"].magnitude == pytest.approx(
        144 * 1500 / 1472)
    swept = ac.sweep("split-image-recognition", {"latency": "20ms,60ms"}, transport="tcp,rtt=2ms")
    assert swept.feasible["ul_transport_rate"].tolist() == [True, True]
    solved = ac.solve("split-image-recognition", "latency", "ul_transport_rate=221.92 Mbit/s", transport="tcp,warm")
    assert solved.quantity.to("ms").magnitude == pytest.approx(15)


def test_ip_rate_rows_take_the_layer_two_headers_against_the_peak(cli):
    data = doc(cli, "usecase", "split-image-recognition", "--transport", "tcp,warm", "--cell",
               "bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")
    rows = {r["kpi"]: r for r in data["rows"]}
    ul_peak = 1e-6 * 2 * 8 * (948 / 1024) * (273 * 12 * 28000) * 0.92 * 16 / 70  # 285.7, 2 layers, DDDSU
    # 147.95 x 1510 / 1500 = 148.93 Mbit/s of the peak; the application rate 144 as it is
    assert rows["ul_ip_rate"]["cell"]["share"]["value"] == pytest.approx(100 * 144 * 1500 / 1460 * 1510 / 1500 / ul_peak)
    assert rows["ul_data_rate"]["cell"]["share"]["value"] == pytest.approx(100 * 144 / ul_peak)
