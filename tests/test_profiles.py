"""--cell profile=: ITU-R M.2410 average and cell-edge rates, users per cell from sustained
rates, burst versus sustained, and the layer-2 factor against the TS 38.306 peak. Expected
values are spectral efficiency (bit/s/Hz) x bandwidth, worked out in the comments."""

import functools

import pytest

from ammt_calc.network import cells as radio
from ammt_calc.usecases.loading import load_catalog
from ammt_calc.errors import UserError
from ammt_calc.engine.evaluation import evaluate


def cell(text):
    return radio.parse_cell(text, [], profiles=True)


@functools.lru_cache(maxsize=None)
def catalog():
    return load_catalog(check_units=True)


def flows(usecase, the_cell, transport=None):
    uc = catalog().get(usecase)
    return {f["direction"]: f for f in radio.cell_flows(evaluate(uc, transport=transport), the_cell, transport)}


# (average DL, average UL, edge DL, edge UL) in Mbit/s = M.2410 bit/s/Hz x MHz
@pytest.mark.parametrize("profile, mhz, expected", [
    ("indoor-hotspot", 20, (9 * 20, 6.75 * 20, 0.3 * 20, 0.21 * 20)),       # 180, 135, 6, 4.2
    ("indoor-hotspot", 100, (9 * 100, 6.75 * 100, 0.3 * 100, 0.21 * 100)),  # 900, 675, 30, 21
    ("dense-urban", 20, (7.8 * 20, 5.4 * 20, 0.225 * 20, 0.15 * 20)),       # 156, 108, 4.5, 3
    ("dense-urban", 100, (7.8 * 100, 5.4 * 100, 0.225 * 100, 0.15 * 100)),  # 780, 540, 22.5, 15
    ("rural", 20, (3.3 * 20, 1.6 * 20, 0.12 * 20, 0.045 * 20)),             # 66, 32, 2.4, 0.9
    ("rural", 100, (3.3 * 100, 1.6 * 100, 0.12 * 100, 0.045 * 100)),        # 330, 160, 12, 4.5
])
def test_profile_capacities(profile, mhz, expected):
    c = cell(f"profile={profile},bandwidth={mhz}MHz")
    got = (c.average_mbps("DL"), c.average_mbps("UL"), c.edge_mbps("DL"), c.edge_mbps("UL"))
    assert got == pytest.approx(expected)
    assert not c.has_peak and c.peak_mbps("DL") is None


def test_dense_urban_100_mhz_reference_numbers():
    c = cell("profile=dense-urban,bandwidth=100MHz")
    assert c.average_mbps("DL") == pytest.approx(780) and c.edge_mbps("DL") == pytest.approx(22.5)
    doc = c.document()
    assert doc["average"]["source"].startswith("ITU-R M.2410") and "peak" not in doc
    assert doc["average"]["capacity"]["DL"] == {"value": pytest.approx(780), "unit": "Mbit/s"}


def test_bandwidth_defaults_to_100_mhz_with_a_note():
    notes = []
    assert radio.parse_cell("profile=rural", notes, profiles=True).average_mbps("UL") == pytest.approx(160)
    assert notes == ["profile rural: bandwidth 100 MHz (default; give bandwidth=...)"]


def test_peak_and_average_together_are_labelled_apart():
    c = cell("profile=dense-urban,bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")
    doc = c.document()
    assert doc["peak"]["basis"] == "peak" and doc["average"]["basis"] == "average"
    assert doc["peak"]["rate"]["DL"]["value"] == pytest.approx(2337.0, abs=0.05)
    # the UL peak has a handset's 2 layers: 1e-6 x 2 x 8 x 948/1024 x 273 x 12 x 28000 x 0.92 = 1250.0
    assert doc["peak"]["rate"]["UL"]["value"] == pytest.approx(1250.0, abs=0.05) and doc["peak"]["layers"]["UL"] == 2
    assert radio.cell_share(780, "DL", c) == {"share": pytest.approx(100 * 780 / c.peak_mbps("DL")), "users": 2,
                                              "fits": True}
    assert radio.cell_share(780, "DL", c, "average") == {"share": pytest.approx(100), "users": 1, "fits": True}


def test_layer_two_factor():
    # SDAP 1 + PDCP 3 + RLC 3 + MAC 3 = 10 byte per 1500-byte packet
    assert radio.l2_factor() == pytest.approx(1510 / 1500)
    c = cell("bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")
    assert radio.phy_factor(c.dl) == pytest.approx(1510 / 1500 / 0.86)  # with FR1 DL OH 0.14


def test_model_download_does_not_fit_a_dense_urban_cell():
    # 138 MByte in 1 s = 1104 Mbit/s; over TCP/IPv4 x 1500/1460 = 1134.25 Mbit/s > 780
    f = flows("model-distribution-image-recognition", cell("profile=dense-urban,bandwidth=100MHz"), "tcp,warm")["DL"]
    # warm TCP: 1134246720 bit on the wire in 1 s less 5 ms one way = 1139.95 Mbit/s burst
    assert f["burst"] == {"value": pytest.approx(1134246720 / 0.995 / 1e6), "unit": "Mbit/s", "kpi": "dl_transport_rate"}
    assert f["sustained"]["value"] == pytest.approx(1104 * 1500 / 1460) and f["rate_layer"] == "IP"
    avg = f["average"]
    assert avg["burst_fits"] is False and avg["users"] == 0 and avg["edge_meets"] is False
    assert avg["share"] == pytest.approx(100 * 1104 * 1500 / 1460 / 780)  # 145.4 %
    # a one-off download sends all the time while it lasts: sustained = its rate
    assert "taken to send all the time" in f["notes"][0]
    # cold TCP needs 1223.05 Mbit/s (see docs/network.md for the arithmetic)
    cold = flows("model-distribution-image-recognition", cell("profile=dense-urban"), "tcp")["DL"]
    assert cold["burst"]["value"] == pytest.approx(1223.05, abs=0.005)


def test_users_per_cell_count_the_sustained_rate():
    c = cell("profile=dense-urban,bandwidth=100MHz")
    f = flows("split-control-robotics", c)
    # DL: 40 kByte per 12 ms loop = 26.667 Mbit/s sustained, 320 Mbit/s burst (1 ms window)
    dl = f["DL"]
    assert dl["burst"]["value"] == pytest.approx(320) and dl["sustained"]["value"] == pytest.approx(320 / 12)
    assert dl["duty_cycle"] == pytest.approx(1 / 12)
    assert dl["average"]["users"] == 29  # 780 / 26.667 = 29.25
    assert dl["average"]["burst_fits"] is True and dl["average"]["edge_meets"] is False  # 320 > 22.5
    # UL: the 4.7 Mbit/s state stream is continuous; 540 / 4.7 = 114.9; a cell-edge user gets 15
    ul = f["UL"]
    assert ul["average"]["users"] == 114 and ul["average"]["edge_meets"] is True
    # over TCP the sustained rate takes the headers too: 26.667 x 1500 / 1460 = 27.397 -> 28 users
    assert flows("split-control-robotics", c, "tcp")["DL"]["average"]["users"] == 28


def test_a_single_image_leaves_no_sustained_load():
    f = flows("split-image-recognition", cell("profile=indoor-hotspot,bandwidth=20MHz"))["UL"]
    # 144 Mbit/s burst > 135 Mbit/s average UL at 20 MHz; frame_rate 0: no sustained load
    assert f["sustained"]["value"] == 0 and f["duty_cycle"] == 0 and f["average"]["users"] is None
    assert f["average"]["burst_fits"] is False


def test_peak_users_take_the_layer_two_headers_on_ip_rates():
    c = cell("bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")
    dl = flows("model-distribution-image-recognition", c, "tcp")["DL"]["peak"]
    # cold TCP burst 1223.05 x 1510 / 1500 = 1231.2 Mbit/s fits 2337.0; sustained 1134.25 x 1.00667
    # = 1141.81 Mbit/s: 2 users
    assert dl["burst_needed"]["value"] == pytest.approx(1223.05 * 1510 / 1500, abs=0.01)
    assert dl["users"] == 2 and dl["burst_fits"] is True and "average" not in flows(
        "model-distribution-image-recognition", c, "tcp")["DL"]


@pytest.mark.parametrize("text, fragment", [
    ("profile=suburban", "unknown profile 'suburban'"),
    ("profile=dense-urbn", "did you mean 'dense-urban'"),
    ("profile=rural,bandwidth=-5MHz", "must be positive"),
    ("profile=rural,bandwidth=5ms", "is not a frequency"),
    ("profile=rural,profile=rural", "given twice"),
    ("profile=rural,layers=4", "scs is missing"),
])
def test_bad_profiles_are_refused(text, fragment):
    with pytest.raises(UserError, match=fragment) as error:
        radio.parse_cell(text, [], profiles=True)
    assert "\n" not in str(error.value)


def test_a_caller_that_shows_only_the_peak_refuses_profiles():
    with pytest.raises(UserError, match="profile= .* is not available here"):
        radio.parse_cell("profile=rural", [])
