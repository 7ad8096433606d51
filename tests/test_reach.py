"""Each flow's reach as a KPI (`--cell site=...`): `usecase`, `sweep`, `solve`, `sample` and the API.

The hand computation (docs/network.md, "Worked example"): UMa NLOS at 3.5 GHz, 100 MHz at
30 kHz (273 PRB), one DL layer, the M.2412 defaults (44 dBm per 20 MHz -> 50.99 dBm, BS gain
8 dBi, UE noise figure 7 dB). llm-model-download with a 750 MByte model in its 60 s needs
750 x 8 / 60 = 100 Mbit/s: SE = 100e6 / (273 x 12 x 28000 x 0.86) = 1.26767 bit/s/Hz;
SINR = 2^(1.26767 / 0.6) - 1 (5.2185 dB); the largest path loss is 50.99 + 8 + 87.075 -
5.2181 = 140.847 dB; 13.54 + 39.08 log10(d3D) + 20 log10(3.5) = 140.847 gives d3D = 953.15 m;
d2D = sqrt(d3D^2 - 23.5^2) = 952.86 m.
"""

import json
import math

import pytest
from helpers import ok, refused

LG = math.log10
SITE = "site=uma,fc=3.5GHz,bandwidth=100MHz,nlos,layers=1"
USECASE = "llm-model-download"


def hand_reach(rate_bps: float) -> float:
    """The largest d2D (m) at which one DL layer gives `rate_bps` (the module docstring)."""
    re_per_s, occupied_hz = 273 * 12 * 28000, 273 * 12 * 30e3
    se = rate_bps / (re_per_s * (1 - 0.14))
    sinr_db = 10 * LG(2 ** (se / 0.6) - 1)
    pl_max = 44 + 10 * LG(5) + 8 - (-174 + 10 * LG(occupied_hz) + 7) - sinr_db
    d3d = 10 ** ((pl_max - 13.54 - 20 * LG(3.5)) / 39.08)
    return math.sqrt(d3d ** 2 - 23.5 ** 2)


def rows(out) -> dict:
    return {row["kpi"]: row for row in json.loads(ok(out))["rows"]}


def test_hand_computed_reach_of_one_flow(cli):
    expected = hand_reach(100e6)
    assert expected == pytest.approx(952.86, abs=0.005)
    found = rows(cli("usecase", USECASE, "--set", "model_size=750MByte", "--cell", SITE, "--format", "json"))
    assert found["dl_data_rate"]["value"] == pytest.approx(100.0)
    reach = found["dl_max_distance"]
    assert (reach["value"], reach["unit"], reach["direction"], reach["feasible"]) == \
        (pytest.approx(expected, rel=1e-6), "m", "DL", True)
    assert "ul_max_distance" not in found  # a flow without a rate has no reach


def test_infeasible_at_any_distance_names_the_bound(cli):
    """A 10 MByte intermediate in 15 ms is 5333 Mbit/s UL; the most the UL gives is at 10 m
    (LOS, d3D = sqrt(10^2 + 23.5^2), below the 560 m breakpoint): PL = 28 + 22 log10(d3D) +
    20 log10(3.5); SNR = 23 + 0 + 8 - PL - (-174 + 10 log10(98.28 MHz) + 5); 2 layers at
    SNR - 3.01 dB each, SE = 0.4 log2(1 + SINR) (below the cap); x 273 x 12 x 28000 /s x 0.92."""
    pl = 28 + 22 * LG(math.hypot(10, 23.5)) + 20 * LG(3.5)
    snr = 23 + 8 - pl - (-174 + 10 * LG(273 * 12 * 30e3) + 5)
    bound = 2 * 0.4 * math.log2(1 + 10 ** ((snr - 10 * LG(2)) / 10)) * 273 * 12 * 28000 * 0.92 / 1e6
    assert bound == pytest.approx(1059.1, abs=0.1)
    out = cli("usecase", "split-image-recognition", "--set", "payload=10MByte", "--format", "json",
              "--cell", "site=uma,fc=3.5GHz,bandwidth=100MHz,los")
    reach = rows(out)["ul_max_distance"]
    assert reach["value"] is None and not reach["feasible"] and reach["unit"] == "m"
    assert reach["reason"] == (f"needs more than the {bound:.6g} Mbit/s the link gives at 10 m, the nearest distance"
                               " TR 38.901 Table 7.4.1-1 holds for (UMa LOS, 3.5 GHz, 100 MHz)")


def test_reach_past_the_table_is_its_end_with_a_note(cli):
    """LOS at 5 km: PL2 = 28 + 40 log10(5000.06) + 20 log10(3.5) - 9 log10(560^2 + 23.5^2) = 137.4 dB,
    SNR 8.7 dB: 1 MByte a minute (0.13 Mbit/s) is still met where the table ends."""
    out = cli("usecase", USECASE, "--set", "model_size=1MByte", "--cell", "site=uma,fc=3.5GHz,bandwidth=100MHz,los",
              "--format", "json")
    assert rows(out)["dl_max_distance"]["value"] == 5000
    assert "dl_max_distance: the rate is still met at 5000 m, where TR 38.901 Table 7.4.1-1 ends" in out.stderr


def test_reach_with_a_transport_is_the_link_commands(cli):
    """With --transport the flow needs its IP rate or the rate through slow start, x 1510/1500:
    the same reach as `link --usecase` finds for it."""
    cell = "site=uma,fc=3.5GHz,bandwidth=100MHz,mixed,coverage=95%"
    found = rows(cli("usecase", USECASE, "--set", "bits_per_param=int4", "--transport", "tcp", "--cell", cell,
                     "--format", "json"))
    link = json.loads(ok(cli("link", "uma", "--mixed", "--coverage", "95%", "--fc", "3.5GHz", "--bandwidth", "100MHz",
                             "--distance", "400m", "--usecase", USECASE, "--set", "bits_per_param=int4",
                             "--transport", "tcp", "--format", "json")))
    (flow,) = link["flows"]
    assert found["dl_max_distance"]["value"] == pytest.approx(flow["max_distance"]["value"], rel=1e-9)
    assert 600 < found["dl_max_distance"]["value"] < 700  # docs/network.md: 660 m


def test_sweep_has_a_reach_column(cli):
    out = json.loads(ok(cli("sweep", USECASE, "--vary", "model_size=750MByte,100GByte", "--cell", SITE,
                            "--format", "json")))
    assert {"name": "dl_max_distance", "unit": "m", "kind": "kpi"} in out["columns"]
    assert out["cell"]["site"]["scenario"] == "uma"
    first, second = out["rows"]
    assert first["dl_max_distance"] == pytest.approx(hand_reach(100e6), rel=1e-6)
    assert second["dl_max_distance"] is None and "the link gives at 10 m" in second["infeasible"]["dl_max_distance"]


def test_sweep_csv_header_and_plan_note(cli):
    out = cli("sweep", USECASE, "--vary", "model_size=1GByte:10GByte:4", "--cell", SITE)
    assert ok(out).splitlines()[0].endswith("dl_max_distance [m],infeasible")
    assert "note: dl_max_distance: at most 5000 m, where TR 38.901 Table 7.4.1-1 ends for UMa NLOS" in out.stderr


def test_solve_for_the_model_that_still_downloads_at_a_distance(cli):
    """The inverse of the hand computation: at 952.86 m one layer gives 100 Mbit/s, 750 MByte a minute."""
    out = json.loads(ok(cli("solve", USECASE, "--for", "model_size", "--target",
                            f"dl_max_distance={hand_reach(100e6):.9f}m", "--cell", SITE, "--format", "json")))
    assert out["value"] == pytest.approx(750.0, rel=1e-6) and out["unit"] == "MByte"


def test_solve_a_reach_needs_a_site(cli):
    refused(cli("solve", USECASE, "--for", "model_size", "--target", "dl_max_distance=500m"),
            "has no KPI 'dl_max_distance'")
    refused(cli("solve", USECASE, "--for", "model_size", "--target", "dl_max_distance=500m",
                "--cell", "bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM"), "give a site, e.g. site=uma")


def test_sample_summarises_the_reach(cli):
    """Models of 700 to 800 MByte: every reach lies between the two ends' reaches."""
    out = json.loads(ok(cli("sample", USECASE, "--draw", "model_size=uniform:700MByte:800MByte", "--draws", "500",
                            "--cell", SITE, "--format", "json")))
    (row,) = [r for r in out["rows"] if r["kpi"] == "dl_max_distance"]
    near, far = hand_reach(800 * 8e6 / 60), hand_reach(700 * 8e6 / 60)
    assert row["unit"] == "m" and row["infeasible_share"] == 0
    assert near <= row["p5"] <= row["p50"] <= row["p95"] <= far
    assert row["p50"] == pytest.approx(hand_reach(100e6), rel=0.01)  # the median model is 750 MByte


@pytest.mark.parametrize("spec, words", [
    ("site=uma,fc=3.5GHz", "--cell: bandwidth missing"),
    ("site=uma,fc=3.5GHz,bandwidth=100MHz,lso", "did you mean 'los'?"),
    ("site=uma,fc=3.5GHz,bandwidth=100MHz,los,nlos", "give one of los, nlos, mixed"),
    ("site=uma,fc=3.5,bandwidth=100MHz", "--cell: fc=3.5 has no unit"),
    ("site=uma,fc=3.5GHz,bandwidth=100MHz,coverage=20%", "at least 50 %"),
    ("site=uma,fc=3.5GHz,bandwidth=100MHz,bs_power=46", "bs_power=46 is not a value in dBm"),
    ("site=moon,fc=3.5GHz,bandwidth=100MHz", "unknown scenario 'moon'"),
])
def test_bad_site_cells_are_one_line(cli, spec, words):
    refused(cli("usecase", USECASE, "--cell", spec), words)
    refused(cli("sweep", USECASE, "--vary", "model_size=1GB,2GB", "--cell", spec), words)


def test_api_reach_is_a_quantity_in_metres():
    import ammt_calc as ac

    result = ac.evaluate(USECASE, model_size="750 MByte", cell=SITE)
    assert result["dl_max_distance"].to("m").magnitude == pytest.approx(hand_reach(100e6), rel=1e-6)
    swept = ac.sweep(USECASE, {"model_size": "750MByte,1500MByte"}, cell=SITE)
    assert swept.units["dl_max_distance"] == "m" and swept["dl_max_distance"][0] > swept["dl_max_distance"][1]
    solved = ac.solve(USECASE, "model_size", "dl_max_distance=952.86m", cell=SITE)
    assert solved.quantity.to("MB").magnitude == pytest.approx(750.0, rel=1e-3)
