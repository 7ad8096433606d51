"""The link budget (ammt_calc/network/linkbudget.py) against hand-computed values of TR 38.901,
TR 36.942 and the thermal noise floor, and its properties over random settings."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.errors import UserError
from ammt_calc.network import linkbudget as L

LG = math.log10
FC = 3.5  # GHz
# 100 MHz at 30 kHz: 273 PRB (TS 38.101-1 Table 5.3.2-1); T_s = 1e-3 / (14 x 2) s
RE_PER_S = 273 * 12 * 28_000
OCCUPIED_HZ = 273 * 12 * 30e3


def resources(overhead=0.14):
    return L.Resources(RE_PER_S, OCCUPIED_HZ, overhead)


def dl_radio(layers=4, **kw):
    """UMa macro, 4 GHz row of M.2412: 44 dBm per 20 MHz -> 51 dBm over 100 MHz; 8 dBi, 0 dBi, UE NF 7 dB."""
    return L.Radio("DL", 44 + 10 * LG(100 / 20), 8.0, 0.0, 7.0, 0.6, -10.0, L.NR_SE_MAX, layers, **kw)


# --- path loss, each scenario on both sides of its breakpoint -----------------------------


@pytest.mark.parametrize("scenario, d2d, expected", [
    # UMa: d'BP = 4 x 24 x 0.5 x 3.5e9 / 3e8 = 560 m. 200 m: d3D = 201.376, 28 + 22 x 2.30401 + 10.8814
    ("uma", 200.0, 89.5695),
    # 1000 m: 28 + 40 log10(1000.276) + 10.8814 - 9 log10(560^2 + 23.5^2)
    ("uma", 1000.0, 109.4119),
    # UMi: d'BP = 4 x 9 x 0.5 x 3.5e9 / 3e8 = 210 m. 100 m: 32.4 + 21 log10(100.361) + 10.8814
    ("umi", 100.0, 85.3142),
    # 500 m: 32.4 + 40 log10(500.072) + 10.8814 - 9.5 log10(210^2 + 8.5^2)
    ("umi", 500.0, 107.1138),
    # RMa: dBP = 2 pi x 35 x 1.5 x 3.5e9 / 3e8 = 3848.45 m; h = 5 m
    ("rma", 1000.0, 105.4596),
    # 6000 m: PL1(3848.45) + 40 log10(6000.094 / 3848.45)
    ("rma", 6000.0, 129.1362),
    # InH: no breakpoint; 10 m: d3D = 10.198, 32.4 + 17.3 log10(10.198) + 10.8814
    ("inh", 10.0, 60.7287),
    ("inh", 100.0, 77.8829),
])
def test_los_path_loss_by_hand(scenario, d2d, expected):
    site = L.make_site(scenario, "los", FC)
    assert L.path_loss_los(site, [d2d])[0] == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("scenario, d2d, expected", [
    ("uma", 400.0, 126.1391),  # 13.54 + 39.08 log10(400.690) + 10.8814 (PL' above the LOS 97.1 dB)
    ("umi", 300.0, 121.4372),  # 35.3 log10(300.120) + 22.4 + 21.3 log10(3.5)
    ("rma", 2000.0, 142.0471),  # 161.04 - 7.1 log10 20 + 7.5 log10 5 - ... (LOS: 113.0 dB)
    ("inh", 100.0, 107.4506),  # 38.3 log10(100.02) + 17.30 + 24.9 log10(3.5)
])
def test_nlos_path_loss_by_hand(scenario, d2d, expected):
    site = L.make_site(scenario, "nlos", FC)
    assert L.path_loss_nlos(site, [d2d])[0] == pytest.approx(expected, abs=1e-3)


def test_nlos_is_never_below_los():
    site = L.make_site("uma", "nlos", FC)
    d = np.geomspace(10, 5000, 500)
    assert (L.path_loss_nlos(site, d) >= L.path_loss_los(site, d)).all()


def test_breakpoints():
    assert L.breakpoint_distance(L.make_site("uma", "los", FC)) == pytest.approx(560.0)
    assert L.breakpoint_distance(L.make_site("umi", "los", FC)) == pytest.approx(210.0)
    assert L.breakpoint_distance(L.make_site("rma", "los", FC)) == pytest.approx(3848.451, abs=1e-3)


def test_uma_and_umi_los_are_continuous_at_the_breakpoint():
    for scenario in ("uma", "umi"):
        site = L.make_site(scenario, "los", FC)
        bp = L.breakpoint_distance(site)
        below, above = L.path_loss_los(site, [bp, bp * (1 + 1e-9)])
        assert above == pytest.approx(below, abs=1e-6)


def test_los_probability_by_hand():
    uma = L.make_site("uma", "mixed", FC)
    # 18/100 + exp(-100/63) (1 - 18/100) = 0.18 + 0.20449 x 0.82
    assert L.los_probability(uma, [10.0, 100.0])[1] == pytest.approx(0.18 + math.exp(-100 / 63) * 0.82)
    assert L.los_probability(uma, [10.0])[0] == 1.0
    umi = L.make_site("umi", "mixed", FC)
    assert L.los_probability(umi, [100.0])[0] == pytest.approx(0.18 + math.exp(-100 / 36) * 0.82)
    rma = L.make_site("rma", "mixed", FC)
    assert L.los_probability(rma, [1010.0])[0] == pytest.approx(math.exp(-1))
    inh = L.make_site("inh", "mixed", FC)
    assert L.los_probability(inh, [1.0, 3.0, 20.0]) == pytest.approx(
        [1.0, math.exp(-1.8 / 4.7), 0.32 * math.exp(-13.5 / 32.6)])


# --- shadow fading and the mixed quantile -------------------------------------------------


def test_shadow_margin_is_sigma_times_the_normal_quantile():
    # UMa NLOS, sigma 6 dB, coverage 95 %: 6 x 1.644854 = 9.869 dB
    site = L.make_site("uma", "nlos", FC, coverage=0.95)
    curve = L.evaluate(site, dl_radio(), resources(), [400.0])
    assert curve.shadow_margin[0] == pytest.approx(9.8691, abs=1e-4)
    assert curve.path_loss[0] == pytest.approx(126.1391, abs=1e-3)


def test_rma_los_sigma_changes_at_the_breakpoint():
    site = L.make_site("rma", "los", FC)
    assert L.shadow_sigma(site, "los", [1000.0, 6000.0]).tolist() == [4.0, 6.0]


def test_mixed_quantile_within_los_and_nlos_and_equal_to_los_where_los_is_certain():
    from statistics import NormalDist

    site = L.make_site("uma", "mixed", FC, coverage=0.9)
    d = np.array([10.0, 18.0, 50.0, 200.0, 1000.0])
    z = NormalDist().inv_cdf(0.9)  # 1.28155
    los = L.path_loss_los(site, d) + 4 * z
    nlos = L.path_loss_nlos(site, d) + 6 * z
    mixed = L.path_loss_quantile(site, d, 0.9)
    # Pr_LOS = 1 up to 18 m; the CDF approximation (1.5e-7) moves the quantile by < 1e-5 dB
    assert mixed[:2] == pytest.approx(los[:2], abs=1e-4)
    assert (mixed >= np.minimum(los, nlos) - 1e-9).all() and (mixed <= np.maximum(los, nlos) + 1e-9).all()


def test_mixed_quantile_meets_its_probability():
    """At the returned loss x, P_LOS Phi((x - PL_LOS)/4) + (1 - P_LOS) Phi((x - PL_NLOS)/6) = p."""
    from statistics import NormalDist

    site = L.make_site("uma", "mixed", FC, coverage=0.95)
    d = 100.0
    x = L.path_loss_quantile(site, [d], 0.95)[0]
    p_los = L.los_probability(site, [d])[0]
    pl_los, pl_nlos = L.path_loss_los(site, [d])[0], L.path_loss_nlos(site, [d])[0]
    phi = NormalDist().cdf
    assert p_los * phi((x - pl_los) / 4) + (1 - p_los) * phi((x - pl_nlos) / 6) == pytest.approx(0.95, abs=1e-6)


# --- noise and the SINR mapping -----------------------------------------------------------


def test_noise_floor():
    assert L.noise_dbm(100e6, 7.0) == pytest.approx(-87.0)  # -174 + 80 + 7
    assert L.noise_dbm(1.0, 0.0) == pytest.approx(-174.0)
    assert L.noise_dbm(OCCUPIED_HZ, 7.0) == pytest.approx(-174 + 10 * LG(98.28e6) + 7)


def test_attenuated_shannon_at_the_floor_between_and_at_the_cap():
    se = L.attenuated_shannon([-10.0, -10.01, 10.0, 30.0, 60.0], 0.6, -10.0, 4.4)
    assert se[0] == pytest.approx(0.6 * math.log2(1.1))  # 0.08250 at SINR_min
    assert se[1] == 0.0  # below SINR_min
    assert se[2] == pytest.approx(0.6 * math.log2(11))  # 2.0757
    assert se[3] == 4.4 and se[4] == 4.4  # 0.6 log2(1001) = 5.98 > 4.4: the cap
    assert L.NR_SE_MAX == pytest.approx(7.40625)


def test_the_rate_near_the_site_is_the_ts_38306_peak():
    """4 layers x 7.40625 x 273 x 12 x 28000 /s x 0.86 = 2337.0 Mbit/s, the peak of
    `radio --bandwidth 100MHz --scs 30kHz --layers 4 --modulation 256QAM`."""
    curve = L.evaluate(L.make_site("uma", "los", FC), dl_radio(), resources(), [10.0])
    assert curve.rate[0] / 1e6 == pytest.approx(4 * 7.40625 * RE_PER_S * 0.86 / 1e6)
    assert curve.rate[0] / 1e6 == pytest.approx(2337.0, abs=0.1)
    assert curve.rank[0] == 4


def test_rate_at_400m_nlos_by_hand():
    """UMa NLOS 400 m: PL 126.139; S = 50.990 + 8 - 126.139 = -67.149 dBm; N = -174 +
    10 log10(98.28e6) + 7 = -87.075 dBm; SNR 19.926 dB. Rank 4: 13.905 dB per layer,
    0.6 log2(1 + 24.58) = 2.806; rate 4 x 2.806 x 91.728e6 x 0.86 = 885.4 Mbit/s."""
    curve = L.evaluate(L.make_site("uma", "nlos", FC), dl_radio(), resources(), [400.0])
    assert curve.snr[0] == pytest.approx(19.926, abs=1e-3)
    snr_layer = 44 + 10 * LG(5) + 8 - 126.1391 - (-174 + 10 * LG(98.28e6) + 7) - 10 * LG(4)
    se = 0.6 * math.log2(1 + 10 ** (snr_layer / 10))
    assert curve.spectral_efficiency[0] == pytest.approx(se, rel=1e-4)
    assert curve.rate[0] == pytest.approx(4 * se * RE_PER_S * 0.86, rel=1e-4)
    assert curve.rate[0] / 1e6 == pytest.approx(885.4, abs=0.1)


def test_interference_margin_and_ceiling():
    site = L.make_site("uma", "los", FC)
    plain = L.evaluate(site, dl_radio(layers=1), resources(), [50.0])
    margin = L.evaluate(site, dl_radio(layers=1, interference_margin_db=3.0), resources(), [50.0])
    ceiling = L.evaluate(site, dl_radio(layers=1, sinr_max_db=10.0), resources(), [50.0])
    assert margin.sinr[0] == pytest.approx(plain.sinr[0] - 3.0)
    assert ceiling.sinr[0] == 10.0
    assert ceiling.spectral_efficiency[0] == pytest.approx(0.6 * math.log2(11))


def test_ul_power_goes_into_the_share_dl_power_does_not():
    site = L.make_site("uma", "nlos", FC)
    ul = L.Radio("UL", 23.0, 0.0, 8.0, 5.0, 0.4, -10.0, L.NR_SE_MAX, 1, power_follows_share=False)
    full, tenth = (L.evaluate(site, ul, resources(0.08), [400.0], share) for share in (1.0, 0.1))
    assert tenth.snr[0] == pytest.approx(full.snr[0] + 10.0)
    dl = dl_radio(layers=1)
    full, tenth = (L.evaluate(site, dl, resources(), [400.0], share) for share in (1.0, 0.1))
    assert tenth.snr[0] == pytest.approx(full.snr[0])
    assert tenth.rate[0] == pytest.approx(0.1 * full.rate[0])


# --- the inverse ---------------------------------------------------------------------------


def test_max_distance_solved_by_hand():
    """UMa NLOS, 1 layer, 100 Mbit/s: SE = 100e6 / (91.728e6 x 0.86) = 1.26767;
    SINR = 2^(1.26767 / 0.6) - 1 = 3.3253 (5.2185 dB); PL_max = 51 + 8 + 87.0749 - 5.2185
    = 140.847 dB; 13.54 + 39.08 log10(d3D) + 10.8814 = PL_max -> d3D = 953.1 m;
    d2D = sqrt(d3D^2 - 23.5^2)."""
    se = 100e6 / (RE_PER_S * 0.86)
    sinr_db = 10 * LG(2 ** (se / 0.6) - 1)
    pl_max = 44 + 10 * LG(5) + 8 - (-174 + 10 * LG(OCCUPIED_HZ) + 7) - sinr_db
    d3d = 10 ** ((pl_max - 13.54 - 20 * LG(3.5)) / 39.08)
    expected = math.sqrt(d3d ** 2 - 23.5 ** 2)
    assert expected == pytest.approx(952.86, abs=0.005)
    reach = L.max_distance(L.make_site("uma", "nlos", FC), dl_radio(layers=1), resources(), [100e6])
    assert reach.distance[0] == pytest.approx(expected, rel=1e-6)
    assert reach.feasible[0] and not reach.range_limited[0]


def test_max_distance_infeasible_and_range_limited():
    site = L.make_site("uma", "los", FC)
    reach = L.max_distance(site, dl_radio(), resources(), [3e9, 1e3])
    assert not reach.feasible[0] and math.isnan(reach.distance[0])  # above the 2337 Mbit/s peak
    assert reach.rate_at_nearest == pytest.approx(2337.0e6, rel=1e-4) and reach.nearest == 10.0
    assert reach.range_limited[1] and reach.distance[1] == 5000.0  # 1 kbit/s: met to the table's end


def test_vectorised_equals_pointwise():
    site = L.make_site("umi", "mixed", FC, coverage=0.9)
    d = np.geomspace(10, 5000, 100_000)
    curve = L.evaluate(site, dl_radio(), resources(), d)
    for i in (0, 4_321, 99_999):
        one = L.evaluate(site, dl_radio(), resources(), [d[i]])
        assert one.rate[0] == pytest.approx(curve.rate[i])
    need = np.array([50e6, 500e6, 1e9])
    many = L.max_distance(site, dl_radio(), resources(), need).distance
    assert [L.max_distance(site, dl_radio(), resources(), [n]).distance[0] for n in need] == pytest.approx(many)


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, words", [
    (dict(scenario="uma", condition="los", fc_ghz=0.4), "0.5 to 100 GHz"),
    (dict(scenario="rma", condition="los", fc_ghz=40), "0.5 to 30 GHz"),
    (dict(scenario="uma", condition="los", fc_ghz=3.5, h_bs=30), "25 m"),
    (dict(scenario="uma", condition="los", fc_ghz=3.5, h_ut=15), "hE"),
    (dict(scenario="umi", condition="los", fc_ghz=3.5, h_ut=30), "1.5 to 22.5 m"),
    (dict(scenario="rma", condition="los", fc_ghz=3.5, h_bs=200), "10 to 150 m"),
    (dict(scenario="rma", condition="los", fc_ghz=3.5, h_ut=12), "1 to 10 m"),
    (dict(scenario="rma", condition="los", fc_ghz=3.5, street_width=60), "5 to 50 m"),
    (dict(scenario="uma", condition="los", fc_ghz=3.5, street_width=20), "only the RMa"),
    (dict(scenario="uma", condition="nlos", fc_ghz=3.5, coverage=0.3), "at least 50 %"),
    (dict(scenario="uma", condition="nlos", fc_ghz=3.5, coverage=1.0), "below 100 %"),
    (dict(scenario="xyz", condition="los", fc_ghz=3.5), "uma, umi, rma, inh"),
    (dict(scenario="uma", condition="sometimes", fc_ghz=3.5), "los, nlos, mixed"),
])
def test_out_of_range_settings_are_refused_with_the_range(kwargs, words):
    with pytest.raises(UserError, match=words):
        L.make_site(**kwargs)


@pytest.mark.parametrize("scenario, condition, d2d, words", [
    ("uma", "los", 5.0, "10 to 5000 m"),
    ("uma", "nlos", 6000.0, "10 to 5000 m"),
    ("rma", "los", 9000.0, None),  # RMa LOS holds to 10 km
    ("rma", "nlos", 9000.0, "10 to 5000 m"),
    ("rma", "mixed", 9000.0, "10 to 5000 m"),  # mixed needs both formulas
    ("inh", "los", 200.0, "d3D"),
])
def test_distances_outside_the_table_are_refused(scenario, condition, d2d, words):
    site = L.make_site(scenario, condition, FC)
    if words is None:
        assert L.check_distances(site, [d2d])[0] == d2d
        return
    with pytest.raises(UserError, match=words):
        L.evaluate(site, dl_radio(), resources(), [50.0, d2d])


# --- properties ----------------------------------------------------------------------------

sites = st.fixed_dictionaries({
    "scenario": st.sampled_from(sorted(L.SCENARIOS)),
    "fc_ghz": st.floats(0.5, 30.0),
    "coverage": st.floats(0.5, 0.999),
})
radios = st.fixed_dictionaries({
    "layers": st.integers(1, 4),
    "interference_margin_db": st.floats(0.0, 10.0),
    "tx_power_dbm": st.floats(10.0, 60.0),
})


def _radio(r, direction="DL"):
    return L.Radio(direction, r["tx_power_dbm"], 8.0, 0.0, 7.0, 0.6, -10.0, L.NR_SE_MAX, r["layers"],
                   interference_margin_db=r["interference_margin_db"], power_follows_share=direction == "DL")


@settings(max_examples=40, deadline=None)
@given(sites, radios, st.sampled_from(L.CONDITIONS), st.floats(0.01, 1.0))
def test_rate_never_rises_with_distance(s, r, condition, share):
    site = L.make_site(s["scenario"], condition, s["fc_ghz"], coverage=s["coverage"])
    near, far = site.distance_range()
    d = np.geomspace(max(near, 0.01), far, 400)
    rate = L.evaluate(site, _radio(r, "UL" if share < 0.5 else "DL"), resources(), d, share).rate
    assert (np.diff(rate) <= 1e-6 * rate[:-1] + 1e-9).all()


@settings(max_examples=40, deadline=None)
@given(sites, radios, st.sampled_from(L.CONDITIONS), st.floats(0.01, 1.0), st.floats(1e5, 3e9))
def test_reach_is_where_the_forward_curve_stops_meeting_the_rate(s, r, condition, share, need):
    """max_distance inverts the SNR and the path-loss quantile instead of evaluating the
    curve: at the reach the forward `evaluate` meets the rate, a hair farther it does not."""
    site = L.make_site(s["scenario"], condition, s["fc_ghz"], coverage=s["coverage"])
    radio = _radio(r, "UL" if share < 0.5 else "DL")
    reach = L.max_distance(site, radio, resources(), [need], share)
    d = reach.distance[0]
    if not reach.feasible[0]:
        assert L.evaluate(site, radio, resources(), [reach.nearest], share).rate[0] < need
        return
    assert L.evaluate(site, radio, resources(), [d], share).rate[0] >= need * (1 - 1e-6)
    if not reach.range_limited[0]:
        assert L.evaluate(site, radio, resources(), [min(d * (1 + 1e-6), reach.farthest)], share).rate[0] \
            <= need * (1 + 1e-6)


@settings(max_examples=30, deadline=None)
@given(sites, radios, st.sampled_from(L.CONDITIONS), st.floats(0.5, 0.999), st.floats(1e6, 3e9))
def test_higher_coverage_never_reaches_farther(s, r, condition, other, need):
    low, high = sorted((s["coverage"], other))
    reach = [L.max_distance(L.make_site(s["scenario"], condition, s["fc_ghz"], coverage=p), _radio(r),
                            resources(), [need]).distance[0] for p in (low, high)]
    if math.isnan(reach[0]):
        assert math.isnan(reach[1])
    else:
        assert math.isnan(reach[1]) or reach[1] <= reach[0] * (1 + 1e-9)


@settings(max_examples=30, deadline=None)
@given(sites, radios, st.floats(1e6, 3e9))
def test_nlos_never_reaches_farther_than_los(s, r, need):
    reach = {c: L.max_distance(L.make_site(s["scenario"], c, s["fc_ghz"], coverage=s["coverage"]), _radio(r),
                               resources(), [need]).distance[0] for c in ("los", "nlos")}
    if not math.isnan(reach["nlos"]):
        assert reach["nlos"] <= reach["los"] * (1 + 1e-9)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(L.SCENARIOS)), st.one_of(st.floats(0.01, 0.49), st.floats(100.5, 1000.0)))
def test_frequencies_outside_the_table_are_refused(scenario, fc):
    with pytest.raises(UserError, match="GHz"):
        L.make_site(scenario, "los", fc)
