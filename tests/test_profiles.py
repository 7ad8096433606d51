"""--cell profile=: ITU-R M.2410 average and cell-edge rates, users per cell from sustained
rates, burst versus sustained, and the layer-2 factor against the TS 38.306 peak. Expected
values are spectral efficiency (bit/s/Hz) x bandwidth, worked out in the comments."""

import functools

import pytest

from ammt_calc.engine.evaluation import evaluate
from ammt_calc.errors import UserError
from ammt_calc.network import cells as radio
from ammt_calc.usecases.loading import load_catalog


def cell(text):
    return radio.parse_cell(text, [], profiles=True)


@functools.lru_cache(maxsize=None)
def catalog():
    return load_catalog(check_units=True)


def flows(usecase, the_cell, transport=None):
    uc = catalog().get(usecase)
    return {f["direction"]: f for f in radio.cell_flows(evaluate(uc, transport=transport), the_cell, transport)}


DL, UL = 52 / 70, 16 / 70  # DDDSU with S = 10:2:2: the default of a channel above 50 MHz (a TDD band)


# (average DL, average UL, edge DL, edge UL) in Mbit/s = M.2410 bit/s/Hz x MHz (x the TDD share)
@pytest.mark.parametrize("profile, mhz, expected", [
    ("indoor-hotspot", 20, (9 * 20, 6.75 * 20, 0.3 * 20, 0.21 * 20)),       # 180, 135, 6, 4.2 (FDD)
    ("indoor-hotspot", 100, (900 * DL, 675 * UL, 30 * DL, 21 * UL)),         # 668.57, 154.29, 22.29, 4.8
    ("dense-urban", 20, (7.8 * 20, 5.4 * 20, 0.225 * 20, 0.15 * 20)),       # 156, 108, 4.5, 3
    ("dense-urban", 100, (780 * DL, 540 * UL, 22.5 * DL, 15 * UL)),          # 579.43, 123.43, 16.71, 3.43
    ("rural", 20, (3.3 * 20, 1.6 * 20, 0.12 * 20, 0.045 * 20)),             # 66, 32, 2.4, 0.9
    ("rural", 100, (330 * DL, 160 * UL, 12 * DL, 4.5 * UL)),                 # 245.14, 36.57, 8.91, 1.03
])
def test_profile_capacities(profile, mhz, expected):
    c = cell(f"profile={profile},bandwidth={mhz}MHz")
    got = (c.average_mbps("DL"), c.average_mbps("UL"), c.edge_mbps("DL"), c.edge_mbps("UL"))
    assert got == pytest.approx(expected)
    assert not c.has_peak and c.peak_mbps("DL") is None


def test_dense_urban_100_mhz_reference_numbers():
    c = cell("profile=dense-urban,bandwidth=100MHz")
    assert c.average_mbps("DL") == pytest.approx(780 * DL) and c.edge_mbps("DL") == pytest.approx(22.5 * DL)
    doc = c.document()
    assert doc["average"]["source"].startswith("ITU-R M.2410") and "peak" not in doc
    assert doc["average"]["capacity"]["DL"] == {"value": pytest.approx(579.428571), "unit": "Mbit/s"}
    assert doc["average"]["tdd"] == "DDDSU:10:2:2"
    # an explicit share: DL 50 %, UL the other 50 %
    half = cell("profile=dense-urban,bandwidth=100MHz,dl_share=0.5")
    assert (half.average_mbps("DL"), half.average_mbps("UL")) == pytest.approx((390, 270))
    # DDSUU: DL 2 x 14 + 10 = 38, UL 2 x 14 + 2 = 30 of 70 symbols
    two = cell("profile=dense-urban,bandwidth=100MHz,tdd=DDSUU")
    assert (two.average_mbps("DL"), two.average_mbps("UL")) == pytest.approx((780 * 38 / 70, 540 * 30 / 70))


def test_bandwidth_defaults_to_100_mhz_with_a_note():
    notes = []
    assert radio.parse_cell("profile=rural", notes, profiles=True).average_mbps("UL") == pytest.approx(160 * UL)
    assert notes[0] == "profile rural: bandwidth 100 MHz (default; give bandwidth=...)"
    assert "100 MHz is a TDD channel" in notes[1] and "tdd=DDDSU:10:2:2" in notes[1]


def test_peak_and_average_together_are_labelled_apart():
    c = cell("profile=dense-urban,bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")
    doc = c.document()
    assert doc["peak"]["basis"] == "peak" and doc["average"]["basis"] == "average"
    assert doc["peak"]["rate"]["DL"]["value"] == pytest.approx(2337.0 * DL, abs=0.05)
    # the UL peak has a handset's 2 layers: 1e-6 x 2 x 8 x 948/1024 x 273 x 12 x 28000 x 0.92 x 16/70 = 285.7
    assert doc["peak"]["rate"]["UL"]["value"] == pytest.approx(1250.0 * UL, abs=0.05) and doc["peak"]["layers"]["UL"] == 2
    assert radio.cell_share(780, "DL", c) == {"share": pytest.approx(100 * 780 / c.peak_mbps("DL")), "users": 2,
                                              "fits": True}
    assert radio.cell_share(780 * DL, "DL", c, "average") == {"share": pytest.approx(100), "users": 1, "fits": True}
    # the case: the UL average 540 x 16/70 = 123.4 Mbit/s, below the UL peak 285.7
    assert c.average_mbps("UL") == pytest.approx(540 * UL) and c.average_mbps("UL") < c.peak_mbps("UL")


def test_layer_two_factor():
    # SDAP 1 + PDCP 3 + RLC 3 + MAC 3 = 10 byte per 1500-byte packet
    assert radio.l2_factor() == pytest.approx(1510 / 1500)
    c = cell("bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")
    assert radio.phy_factor(c.dl) == pytest.approx(1510 / 1500 / 0.86)  # with FR1 DL OH 0.14


def test_model_download_does_not_fit_a_dense_urban_cell():
    # 138,357,544 byte in 1 s = 1106.86 Mbit/s; over TCP/IPv4 x 1500/1460 = 1137.19 Mbit/s > 579.43
    f = flows("model-distribution-image-recognition", cell("profile=dense-urban,bandwidth=100MHz"), "tcp,warm")["DL"]
    # warm TCP: 94766 packets: 1106860352 + 94766 x 320 = 1137185472 bit on the wire in 1 s less 5 ms one way
    assert f["burst"] == {"value": pytest.approx(1137185472 / 0.995 / 1e6), "unit": "Mbit/s", "kpi": "dl_transport_rate"}
    assert f["sustained"]["value"] == pytest.approx(1106.860352 * 1500 / 1460) and f["rate_layer"] == "IP"
    avg = f["average"]
    assert avg["burst_fits"] is False and avg["users"] == 0 and avg["edge_meets"] is False
    assert avg["users_reason"] == "the burst does not fit the average capacity"
    assert avg["share"] == pytest.approx(100 * 1106.860352 * 1500 / 1460 / (780 * DL))  # 196.3 %
    # a one-off download sends all the time while it lasts: sustained = its rate
    assert "taken to send all the time" in f["notes"][0]
    # cold TCP needs 1226.26 Mbit/s (see docs/network.md for the arithmetic)
    cold = flows("model-distribution-image-recognition", cell("profile=dense-urban"), "tcp")["DL"]
    assert cold["burst"]["value"] == pytest.approx(1226.26, abs=0.005)


def test_users_per_cell_count_the_sustained_rate():
    c = cell("profile=dense-urban,bandwidth=100MHz")
    f = flows("split-control-robotics", c)
    # DL: 40 kByte per 12 ms loop = 26.667 Mbit/s sustained, 320 Mbit/s burst (1 ms window)
    dl = f["DL"]
    assert dl["burst"]["value"] == pytest.approx(320) and dl["sustained"]["value"] == pytest.approx(320 / 12)
    assert dl["duty_cycle"] == pytest.approx(1 / 12)
    assert dl["average"]["users"] == 21  # 579.43 / 26.667 = 21.7
    assert dl["average"]["burst_fits"] is True and dl["average"]["edge_meets"] is False  # 320 > 16.7
    # UL: the 4.7 Mbit/s state stream is continuous; 123.43 / 4.7 = 26.3; a cell-edge user gets 3.43
    ul = f["UL"]
    assert ul["average"]["users"] == 26 and ul["average"]["edge_meets"] is False
    # over TCP the sustained rate takes the headers too: 26.667 x 1500 / 1460 = 27.397 -> 21 users
    assert flows("split-control-robotics", c, "tcp")["DL"]["average"]["users"] == 21


def test_a_flow_the_cell_cannot_serve_serves_no_users():
    # rural 20 MHz (FDD): DL average 3.3 x 20 = 66 Mbit/s; split-control's DL burst 320 Mbit/s does not fit
    dl = flows("split-control-robotics", cell("profile=rural,bandwidth=20MHz"))["DL"]["average"]
    assert dl["burst_fits"] is False and dl["users"] == 0
    assert dl["users_reason"] == "the burst does not fit the average capacity"
    # cold TCP: the 4-byte token cannot arrive in 10 ms (1 RTT handshake + 5 ms one way = 15 ms)
    token = flows("llm-split-inference", cell("profile=dense-urban"), "tcp,cold")["DL"]["average"]
    assert token["users"] == 0 and token["users_reason"] == "no link rate meets the deadline"
    # streaming by default (warm): 0.0704 Mbit/s burst fits; users count 4 byte x 1500/1460 per 40 ms
    warm = flows("llm-split-inference", cell("profile=dense-urban"), "tcp")["DL"]["average"]
    assert warm["users"] == int(780 * DL / (32 / 0.040 * 1e-6 * 1500 / 1460)) == 704971


def test_a_single_image_leaves_no_sustained_load():
    f = flows("split-image-recognition", cell("profile=indoor-hotspot,bandwidth=20MHz"))["UL"]
    # 144 Mbit/s burst > 135 Mbit/s average UL at 20 MHz: 0 users; frame_rate 0: no sustained load
    assert f["sustained"]["value"] == 0 and f["duty_cycle"] == 0 and f["average"]["users"] == 0
    assert f["average"]["burst_fits"] is False


def test_peak_users_take_the_layer_two_headers_on_ip_rates():
    c = cell("bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")
    dl = flows("model-distribution-image-recognition", c, "tcp")["DL"]["peak"]
    # cold TCP burst 1226.26 x 1510 / 1500 = 1234.44 Mbit/s fits 1736.06; sustained 1137.19 x 1.00667
    # = 1144.77 Mbit/s: 1 user
    assert dl["burst_needed"]["value"] == pytest.approx(1226.26 * 1510 / 1500, abs=0.01)
    assert dl["users"] == 1 and dl["burst_fits"] is True and "average" not in flows(
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


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st


@settings(max_examples=150, deadline=None)
@given(profile=st.sampled_from(sorted(radio.PROFILES)), mhz=st.sampled_from([20, 40, 50, 60, 80, 100]),
       duplex=st.sampled_from(["", ",tdd=DDDSU", ",tdd=DDSUU", ",tdd=DSUUU", ",tdd=DDDDDDDSUU", ",tdd=DDDSU:6:4:4",
                               ",dl_share=0.5", ",dl_share=0.9", ",dl_share=0.1"]),
       layers=st.integers(1, 4), modulation=st.sampled_from(["QPSK", "16QAM", "64QAM", "256QAM"]))
def test_no_average_above_the_peak_of_the_same_carrier(profile, mhz, duplex, layers, modulation):
    c = cell(f"profile={profile},bandwidth={mhz}MHz,scs=30kHz,layers={layers},modulation={modulation}{duplex}")
    for direction in ("DL", "UL"):
        # both readings at the IP layer: the peak counts MAC PDUs, l2_factor above IP
        assert c.average_mbps(direction) <= c.peak_mbps(direction) / radio.l2_factor() * (1 + 1e-12)
        assert c.edge_mbps(direction) <= c.average_mbps(direction) * (1 + 1e-12)
        # the same TDD share scales both readings
        assert c.carrier(direction).tdd_share == pytest.approx(c.share(direction))
