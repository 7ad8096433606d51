"""--transport: header overhead, handshake and slow start, the rate meeting a deadline.

Every expected value is worked out by hand in the comments: packets of 1500 byte = 12000
bit, so at 120 Mbit/s one packet takes tau = 100 us and at 1.2 Gbit/s 10 us.
"""

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.engine import inverse, sweeps
from ammt_calc.engine.evaluation import evaluate
from ammt_calc.errors import UserError
from ammt_calc.network.transport import (
    FORMS,
    TransportSpec,
    kpi_columns,
    parse_transport,
)
from ammt_calc.units import registry as units
from ammt_calc.usecases.loading import load_catalog

PAYLOAD = 0.27e6 * 8  # split image recognition's 0.27 MByte, in bit


def spec(text):
    return parse_transport(text)


@functools.lru_cache(maxsize=None)
def usecase(name):
    return load_catalog(check_units=True).get(name)


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize("text, headers, payload, ip_rate", [
    ("tcp", 20 + 20, 1460, 144 * 1500 / 1460),            # 147.945 Mbit/s
    ("tcp,ip=6", 40 + 20, 1440, 144 * 1500 / 1440),       # 150.0
    ("udp", 20 + 8, 1472, 144 * 1500 / 1472),             # 146.739
    ("udp,ip=6", 40 + 8, 1452, 144 * 1500 / 1452),        # 148.760
    # QUIC: UDP 8 + short header (1 + 8 + 2) + AEAD tag 16 + STREAM frame header 6 = 41
    ("quic", 20 + 41, 1439, 144 * 1500 / 1439),           # 150.104
    ("quic,ip=6", 40 + 41, 1419, 144 * 1500 / 1419),      # 152.220
    ("tcp,mtu=9000", 40, 8960, 144 * 9000 / 8960),        # 144.643 (jumbo frames)
])
def test_header_overhead_per_stack(text, headers, payload, ip_rate):
    s = spec(text)
    assert s.header_bytes == headers and s.payload_bytes == payload
    assert float(s.ip_rate(144e6)) / 1e6 == pytest.approx(ip_rate, rel=1e-12)
    assert round(float(s.ip_rate(144e6)) / 1e6, 3) == round(ip_rate, 3)


def test_the_reference_figure_for_tcp_over_ipv4():
    # 144 x 1500 / 1460 = 147.9452 Mbit/s (and 150.0 over IPv6: 144 x 1500 / 1440)
    assert round(float(spec("tcp").ip_rate(144e6)) / 1e6, 2) == 147.95
    assert float(spec("tcp,ip=6").ip_rate(144e6)) == pytest.approx(150e6)


@pytest.mark.parametrize("text, window", [
    ("tcp", 10),             # RFC 6928: min(14600, max(2920, 14600)) / 1460 = 10
    ("tcp,ip=6", 10),        # min(14400, max(2880, 14600)) = 14400 = 10 x 1440
    ("quic", 10),            # RFC 9002: datagram 1472: min(14720, max(14720, 2944)) = 14720
    ("quic,ip=6", 10),       # datagram 1452: min(14520, max(14720, 2904)) = 14520
    ("tcp,mtu=4000", 3),     # MSS 3960: min(39600, max(7920, 14600)) = 14600 -> 3 full segments
    ("tcp,mtu=9000", 2),     # MSS 8960: min(89600, max(17920, 14600)) = 17920 = 2 segments
])
def test_initial_windows(text, window):
    assert spec(text).initial_window == window


# --- delivery time -------------------------------------------------------------------------


def test_segments_and_flights_of_the_split_payload():
    # 270000 / 1460 = 184.9 -> 185 segments; flights 10, 20, 40, 80 carry 150, the 5th the rest
    s = spec("tcp")
    assert s.packets(PAYLOAD) == 185 and s.flights(PAYLOAD) == 5
    # 10 / 30 / 70 segments fill 1 / 2 / 3 flights exactly; one more needs the next
    for segments, flights in ((10, 1), (11, 2), (30, 2), (31, 3), (70, 3), (71, 4)):
        assert s.flights(segments * 1460 * 8) == flights


def test_cold_tcp_at_120_mbit_s():
    # 185 packets: W = 270000 + 185 x 40 = 277400 byte = 2219200 bit -> W / R = 18.49333 ms
    # stalls (tau = 0.1 ms, RTT 10 ms): flight k waits RTT - (w_k - 1) tau for w = 10, 20, 40, 80:
    # 9.1 + 8.1 + 6.1 + 2.1 = 25.4 ms; handshake 10 ms; last packet one way 5 ms
    t = spec("tcp,rtt=10ms").transport_time(PAYLOAD, 120e6)
    assert float(t) * 1e3 == pytest.approx(10 + 25.4 + 18.49333333 + 5, rel=1e-9)  # 58.8933 ms


def test_cold_tcp_fast_link_waits_every_flight():
    # 1.2 Gbit/s: tau = 10 us, BDP = 1000 packets > 80: stalls 9.91 + 9.81 + 9.61 + 9.21 = 38.54 ms
    t = spec("tcp").transport_time(PAYLOAD, 1.2e9)
    assert float(t) * 1e3 == pytest.approx(10 + 38.54 + 1.849333333 + 5, rel=1e-9)  # 55.389 ms
    # at an infinite rate: (1 handshake + 4 stalls + 0.5) RTT = 55 ms
    assert float(spec("tcp").floor_time(PAYLOAD)) == pytest.approx(0.055)


def test_cold_tcp_slow_link_reaches_the_bdp_after_one_flight():
    # 12 Mbit/s: tau = 1 ms, BDP = 10 packets: only the first flight (w = 10) waits, 10 - 9 = 1 ms
    t = spec("tcp").transport_time(PAYLOAD, 12e6)
    assert float(t) * 1e3 == pytest.approx(10 + 1 + 184.9333333 + 5, rel=1e-9)  # 200.933 ms


def test_warm_tcp_udp_and_quic():
    # warm TCP: no handshake, no slow start: 5 + 18.49333 ms
    assert float(spec("tcp,warm").transport_time(PAYLOAD, 120e6)) * 1e3 == pytest.approx(23.49333333)
    # UDP: 270000 / 1472 -> 184 packets, W = 270000 + 184 x 28 = 275152 byte = 2201216 bit
    # -> 18.34347 ms at 120 Mbit/s, + 5 ms one way; cold or warm alike
    for text in ("udp", "udp,warm"):
        assert float(spec(text).transport_time(PAYLOAD, 120e6)) * 1e3 == pytest.approx(5 + 18.34346667)
    # QUIC cold: 270000 / 1439 -> 188 packets (10, 20, 40, 80 carry 150; 5 flights), W = 270000
    # + 188 x 61 = 281468 byte = 2251744 bit: 18.76453 ms; stalls as TCP's: 25.4 ms
    assert float(spec("quic").transport_time(PAYLOAD, 120e6)) * 1e3 == pytest.approx(
        10 + 25.4 + 18.76453333 + 5)
    # QUIC warm (0-RTT on an open window) is as UDP with QUIC's headers
    assert float(spec("quic,warm").transport_time(PAYLOAD, 120e6)) * 1e3 == pytest.approx(5 + 18.76453333)


def test_no_payload_takes_no_time_and_arrays_broadcast():
    s = spec("tcp")
    t = s.transport_time(np.array([[0.0], [PAYLOAD]]), np.array([120e6, 1.2e9]))
    assert t.shape == (2, 2) and t[0].tolist() == [0.0, 0.0]
    assert t[1] * 1e3 == pytest.approx([58.89333333, 55.38933333])


# --- the rate meeting a deadline -----------------------------------------------------------


def test_warm_tcp_rate_for_15_ms():
    # 15 ms less 5 ms one way leaves 10 ms for 2219200 bit: 221.92 Mbit/s
    rate, _ = spec("tcp,warm").required_rate(PAYLOAD, 0.015)
    assert float(rate) == pytest.approx(221.92e6)


def test_cold_tcp_rate_for_15_ms_at_rtt_2_ms():
    # RTT 2 ms: 2 handshake + 1 one way + 3 stalled flights x 2 = 9 ms, the rest is serialising:
    # 15 = 9 + tau x (184.9333 - (9 + 19 + 39)) -> tau = 6 / 117.9333 ms = 50.876 us
    # check: flight 3 stalls (39 tau = 1.98 < 2 ms), flight 4 does not (79 tau = 4.02 >= 2 ms)
    rate, flights = spec("tcp,rtt=2ms").required_rate(PAYLOAD, 0.015)
    assert float(rate) == pytest.approx(12000 * 117.93333333 / 6e-3)  # 235.87 Mbit/s
    assert flights == 5
    assert float(spec("tcp,rtt=2ms").transport_time(PAYLOAD, rate)) == pytest.approx(0.015)


def test_no_rate_delivers_0_27_mbyte_in_15_ms_over_cold_tcp():
    rate, flights = spec("tcp").required_rate(PAYLOAD, 0.015)
    assert math.isnan(float(rate)) and flights == 5
    reason = spec("tcp").infeasible_reason(5)
    assert reason.startswith("slow start:") and "5 flights" in reason and "55 ms" in reason
    # a warm connection manages it (221.92 Mbit/s above); 60 ms cold needs some rate
    assert float(spec("tcp").required_rate(PAYLOAD, 0.060)[0]) > 0


def test_a_small_payload_fails_on_the_handshake_alone():
    # 10 kByte = 7 segments, one flight: 1 RTT handshake + RTT/2 = 15 ms, not below 15 ms
    rate, flights = spec("tcp").required_rate(10e3 * 8, 0.015)
    assert math.isnan(float(rate)) and flights == 1
    assert spec("tcp").infeasible_reason(1).startswith("handshake:")
    assert spec("udp").infeasible_reason(1).startswith("one-way delay:")


@settings(max_examples=60, deadline=None)
@given(payload=st.floats(1e3, 1e10), extra=st.floats(1e-4, 10.0),
       text=st.sampled_from(["tcp", "tcp,rtt=1ms", "quic,ip=6,rtt=30ms", "udp", "tcp,warm", "tcp,mtu=9000"]))
def test_the_rate_found_delivers_exactly_by_the_deadline(payload, extra, text):
    s = spec(text)
    deadline = float(s.floor_time(payload * 8)) + extra
    rate, _ = s.required_rate(payload * 8, deadline)
    assert np.isfinite(rate) and rate > 0
    assert float(s.transport_time(payload * 8, rate)) == pytest.approx(deadline, rel=1e-9)
    # a slower link misses it, a faster one makes it (the time falls with the rate)
    assert float(s.transport_time(payload * 8, rate * 0.999)) > deadline
    assert float(s.transport_time(payload * 8, rate * 1.001)) < deadline


# --- specs ---------------------------------------------------------------------------------


def test_defaults_are_stated():
    s = spec("TCP")
    assert (s.protocol, s.ip, s.mtu, s.rtt_s, s.warm) == ("tcp", 4, 1500, 0.010, False)
    assert any(d.startswith("rtt=10 ms (assumption: ITU-R M.2410") for d in s.defaults)
    assert s.document()["headers"][0] == {"what": "IPv4 header", "bytes": 20, "source": "RFC 791 (IPv4, no options)"}


def test_forms_are_read():
    s = spec(" quic , ip=6 , mtu=1.5kB , rtt=25 ms , warm ")
    assert (s.protocol, s.ip, s.mtu, s.rtt_s, s.warm, s.defaults) == ("quic", 6, 1500, 0.025, True, ())
    assert spec("rtt=0.02s,udp,cold").rtt_s == 0.02


@pytest.mark.parametrize("text, fragment", [
    ("", "expected tcp|https|quic|udp"),
    ("sctp", "unknown item 'sctp'"),
    ("tcp,udp", "more than one protocol"),
    ("ip=6", "no protocol"),
    ("tcp,ip=5", "ip=5 is not 4 or 6"),
    ("tcp,rtt=10", "rtt=10 has no unit: write 10 ms"),
    ("tcp,rtt=10MB", "rtt=10MB is not a time"),
    ("tcp,rtt=-1ms", "rtt=-1ms is not from 0 to 60 s"),
    ("tcp,mtu=10ms", "mtu=10ms is not a size"),
    ("tcp,mtu=1500.5", "not a size"),
    ("tcp,ip=6,mtu=1000", "outside 1280..65535 byte for IPv6"),
    ("quic,mtu=1200", "QUIC needs UDP datagrams of 1200 byte"),
    ("tcp,warm,cold", "warm or cold given twice"),
    ("tcp,mtu=1500,mtu=9000", "mtu given twice"),
    ("tcp,wram", "did you mean 'warm'"),
])
def test_bad_specs_are_one_line_errors_naming_the_forms(text, fragment):
    with pytest.raises(UserError) as error:
        parse_transport(text)
    message = str(error.value)
    assert fragment in message and FORMS in message and "\n" not in message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="tcpqudiw=,.46mrsk0159 TMBarlx-", max_size=30))
def test_any_text_is_a_spec_or_a_user_error(text):
    try:
        s = parse_transport(text)
    except UserError as error:
        assert "\n" not in str(error) and "expected tcp|https|quic|udp" in str(error)
    else:
        assert isinstance(s, TransportSpec) and s.payload_bytes >= 1 and s.rtt_s >= 0


@settings(max_examples=100, deadline=None)
@given(protocol=st.sampled_from(["tcp", "https", "quic", "udp"]), ip=st.sampled_from([4, 6]),
       mtu=st.integers(1280, 65535), rtt=st.integers(0, 60000), warm=st.booleans())
def test_every_well_formed_spec_reads_back(protocol, ip, mtu, rtt, warm):
    s = parse_transport(f"{protocol},ip={ip},mtu={mtu},rtt={rtt}us" + (",warm" if warm else ""))
    assert (s.protocol, s.ip, s.mtu, s.warm) == (protocol, ip, mtu, warm)
    assert s.rtt_s == pytest.approx(rtt * 1e-6)
    again = parse_transport(s.canonical)
    assert (again.protocol, again.ip, again.mtu, again.warm) == (protocol, ip, mtu, warm)
    assert again.rtt_s == pytest.approx(s.rtt_s, rel=1e-9)


# --- in the engine -------------------------------------------------------------------------


def test_evaluate_appends_transport_kpis_per_flow():
    uc = usecase("split-image-recognition")
    ev = evaluate(uc, transport="tcp,cold")  # a streaming flow: cold only when written
    assert list(ev.kpis)[-3:] == ["ul_ip_rate", "ul_transport_time", "ul_transport_rate"]
    assert list(ev.kpis)[:-3] == list(uc.kpis)
    assert float(ev.kpis["ul_ip_rate"].value) == pytest.approx(144 * 1500 / 1460)
    # at the IP rate: 10 + stalls + 15.0002 (W / ip_rate) + 5 ms, stalls at tau = 81.11 us:
    # (10 - 9 tau) + (10 - 19 tau) + (10 - 39 tau) + (10 - 79 tau) = 40 - 146 tau = 28.158 ms
    tau = 12000 / (144e6 * 1500 / 1460)
    expected = 10e-3 + (40e-3 - 146 * tau) + 2219200 / (144e6 * 1500 / 1460) + 5e-3
    assert float(ev.kpis["ul_transport_time"].value) == pytest.approx(expected * 1e3)  # 58.158 ms
    rate = ev.kpis["ul_transport_rate"]
    assert not rate.feasible and rate.reason_at().startswith("slow start:")
    warm = evaluate(uc, transport="tcp,warm").kpis["ul_transport_rate"]
    assert float(warm.value) == pytest.approx(221.92)
    assert list(evaluate(uc).kpis) == list(uc.kpis)  # no transport, no extra KPIs


def test_flows_without_a_payload_get_only_the_ip_rate():
    ev = evaluate(usecase("split-control-robotics"), transport="udp")
    assert "ul_ip_rate" in ev.kpis and "ul_transport_time" not in ev.kpis
    assert float(ev.kpis["ul_ip_rate"].value) == pytest.approx(4.7 * 1500 / 1472)
    assert [n for n, _ in kpi_columns(usecase("split-control-robotics"), spec("udp"))] == [
        "ul_ip_rate", "dl_ip_rate", "dl_transport_time", "dl_transport_rate"]


def test_a_compute_budget_shortens_the_deadline_and_infeasible_inputs_carry_over():
    uc = usecase("split-image-recognition")
    values = {"device_compute_time": units.parse_quantity("5 ms")}
    # warm TCP: 15 - 5 compute - 5 one way = 5 ms for 2219200 bit: 443.84 Mbit/s
    assert float(evaluate(uc, values, transport="tcp,warm").kpis["ul_transport_rate"].value) == pytest.approx(443.84)
    values = {"device_compute_time": units.parse_quantity("15 ms")}
    rate = evaluate(uc, values, transport="tcp,warm").kpis["ul_transport_rate"]
    assert not rate.feasible and "compute take the whole latency budget" in rate.reason_at()


def test_sweeps_carry_the_transport_columns():
    uc = usecase("split-image-recognition")
    grid = sweeps.plan(uc, {"latency": "10ms,20ms,60ms"}, {}, transport="tcp,rtt=2ms,cold")
    assert [c.name for c in grid.columns][-3:] == ["ul_ip_rate", "ul_transport_time", "ul_transport_rate"]
    (block,) = list(sweeps.blocks(grid))
    rate = block.column("ul_transport_rate")
    assert math.isnan(rate[0]) and rate[1] > rate[2] > 0  # 10 ms < the 11 ms floor at RTT 2 ms
    assert float(rate[1]) * 1e6 == pytest.approx(float(spec("tcp,rtt=2ms,cold").required_rate(PAYLOAD, 0.020)[0]))


def test_solve_reaches_a_transport_kpi():
    uc = usecase("split-image-recognition")
    target = units.parse_quantity("221.92 Mbit/s")
    solution = inverse.solve(uc, "latency", "ul_transport_rate", target, transport="tcp,warm")
    assert solution.quantity.to("ms").magnitude == pytest.approx(15)
    name, goal, _ = inverse.parse_target(uc, "ul_transport_rate=300Mbit/s", transport="tcp")
    assert name == "ul_transport_rate"
    with pytest.raises(UserError, match="has no KPI 'ul_transport_rate'"):
        inverse.parse_target(uc, "ul_transport_rate=300Mbit/s")


def test_the_model_download_of_docs_network():
    # 138 MByte: 94521 packets, W = 138e6 + 94521 x 40 = 141780840 byte = 1134246720 bit; 14 flights
    s, payload = spec("tcp"), 138e6 * 8
    assert (s.packets(payload), s.flights(payload), s.wire_bits(payload)) == (94521, 14, 1134246720)
    # 1 s: flights 1..7 (w - 1 = 9 .. 639) wait; 1000 = 15 + 70 + tau x (94520.56 - 1263)
    tau = 915e-3 / (1134246720 / 12000 - 1263)
    rate, _ = s.required_rate(payload, 1.0)
    assert float(rate) == pytest.approx(12000 / tau) and round(float(rate) / 1e6, 2) == 1223.05
    # all of a dense-urban cell's 780 Mbit/s: tau = 15.385 us, BDP 650 packets, the same 7 flights
    # wait 70 - 1263 tau = 50.57 ms; 1134246720 / 780e6 = 1454.16 ms; + 10 + 5 = 1519.73 ms
    tau = 12000 / 780e6
    assert float(s.transport_time(payload, 780e6)) == pytest.approx(0.015 + 0.070 - 1263 * tau + 1134246720 / 780e6)
    assert round(float(s.transport_time(payload, 780e6)), 2) == 1.52


def test_a_deadline_on_a_segment_edge_still_has_a_rate():
    # at tau = RTT / (w - 1) flight k stops waiting exactly: rate = 12000 bit x 39 / 10 ms =
    # 46.8 Mbit/s makes flight 3 (40 packets) last exactly one RTT; its delivery time is then the
    # deadline, and solving for it gives the rate back
    for rtt in ("1ms", "10ms", "37ms"):
        s = spec(f"tcp,rtt={rtt}")
        for window in (10, 20, 40, 80):
            rate = 12000 * (window - 1) / s.rtt_s
            deadline = float(s.transport_time(PAYLOAD, rate))
            assert float(s.required_rate(PAYLOAD, deadline)[0]) == pytest.approx(rate, rel=1e-9)
