"""--transport as deployed: https (TCP + TLS 1.3, RFC 8446), iw=N (RFC 6928 or Linux's 10),
ts (TCP timestamps, RFC 7323), streaming flows warm unless cold. Values worked out by hand."""

import json

import pytest
from helpers import ok, refused

from ammt_calc.errors import UserError
from ammt_calc.network.transport import parse_transport


def rows(cli, *args):
    return {r["kpi"]: r for r in json.loads(ok(cli("usecase", *args, "--format", "json")))["rows"]}


def test_https_adds_a_round_trip_and_the_tls_records():
    s = parse_transport("https,warm")
    # 100,000 byte: 7 records (6 x 16,384 + 1,696) of 22 byte each = 100,154 byte over TCP;
    # 69 packets of 1460 byte; wire 100,154 + 69 x 40 = 102,914 byte = 823,312 bit
    assert float(s.stream_bits(800_000)) == 100_154 * 8
    assert float(s.packets(800_000)) == 69 and float(s.wire_bits(800_000)) == 823_312
    # warm, 20 ms deadline, RTT 10 ms: 15 ms after the one-way 5 ms: 823,312 bit / 15 ms = 54.8875 Mbit/s
    assert float(s.required_rate(800_000, 0.020)[0]) == pytest.approx(823_312 / 0.015)
    # the IP rate of an application rate: x 1500/1460 x (1 + 22/16384)
    assert s.overhead_factor == pytest.approx(1500 / 1460 * (16384 + 22) / 16384)
    cold = parse_transport("https")
    # cold: TCP's handshake and TLS 1.3's, then slow start 10 + 20 + 40 >= 69 packets: 3 flights;
    # at an infinite rate (2 + 2 + 0.5) x 10 ms = 45 ms, TCP alone 35 ms
    assert cold.handshake_rtts == 2 and float(cold.floor_time(800_000)) == pytest.approx(0.045)
    assert float(parse_transport("tcp").floor_time(800_000)) == pytest.approx(0.035)
    assert "2-RTT TCP + TLS 1.3 handshake" in cold.infeasible_reason(3)
    assert cold.document()["tls_records"]["overhead_bytes"] == 22


def test_https_ranks_above_quic_at_40_ms(cli):
    def rate(spec):
        return rows(cli, "model-distribution-image-recognition", "--transport", spec)["dl_transport_rate"]["value"]

    tcp, https, quic = rate("tcp,rtt=40ms"), rate("https,rtt=40ms"), rate("quic,rtt=40ms")
    # a download is HTTPS: one more RTT than QUIC's 1-RTT handshake, so it needs more than QUIC, QUIC more than bare TCP
    assert https > quic > tcp
    assert (round(tcp, 2), round(quic, 2), round(https, 2)) == (1878.79, 1909.52, 2032.14)


@pytest.mark.parametrize("text, iw", [
    ("tcp", 10),                 # RFC 6928 at MSS 1460: min(14600, max(2920, 14600)) / 1460
    ("tcp,mtu=9000", 2),         # MSS 8960: min(89600, max(17920, 14600)) / 8960 = 2
    ("tcp,mtu=9000,iw=10", 10),  # Linux: 10 segments whatever the MSS
    ("https,iw=4", 4),
    ("quic,iw=32", 32),
])
def test_initial_window(text, iw):
    assert parse_transport(text).initial_window == iw


def test_timestamps_take_12_bytes_of_every_packet():
    s = parse_transport("tcp,ts")
    assert s.header_bytes == 20 + 20 + 12 and s.payload_bytes == 1448
    assert float(s.ip_rate(144)) == pytest.approx(144 * 1500 / 1448)  # 149.17 Mbit/s
    assert parse_transport(s.canonical) == s


@pytest.mark.parametrize("text, fragment", [
    ("quic,ts", "ts is a TCP option"),
    ("udp,iw=10", "UDP has none"),
    ("tcp,iw=0", "iw=0 is not a whole number of packets from 1 to 1000"),
    ("tcp,iw=ten", "iw=ten is not a whole number"),
    ("tcp,ts,ts", "ts given twice"),
])
def test_bad_options(text, fragment):
    with pytest.raises(UserError, match=fragment):
        parse_transport(text)


def test_streaming_flows_run_warm_unless_cold(cli):
    # split-image-recognition streams frames (ul_sustained_rate): tcp is warm by default,
    # 2,219,200 bit on the wire in 15 - 5 compute... = 221.92 Mbit/s as with tcp,warm
    default = cli("usecase", "split-image-recognition", "--transport", "tcp", "--format", "json")
    data = json.loads(ok(default))
    by_kpi = {r["kpi"]: r for r in data["rows"]}
    assert by_kpi["ul_transport_rate"]["value"] == pytest.approx(221.92)
    assert "UL of split-image-recognition sends a payload per frame, loop or token" in default.stderr + default.stdout
    cold = rows(cli, "split-image-recognition", "--transport", "tcp,cold")
    assert cold["ul_transport_rate"]["feasible"] is False and cold["ul_transport_rate"]["reason"].startswith("slow start")
    # a one-off download stays cold: the handshake counts
    assert rows(cli, "model-distribution-image-recognition", "--transport", "tcp")["dl_transport_time"]["label"].endswith(
        "(handshake, slow start)")


def test_the_token_stream_of_split_inference_is_warm(cli):
    # 4-byte token id, one 44-byte packet, within 10 ms less 5 ms one way: 352 bit / 5 ms = 0.0704 Mbit/s
    r = rows(cli, "llm-split-inference", "--transport", "tcp")
    assert r["dl_transport_rate"]["value"] == pytest.approx(0.0704)
    # the prompt (UL) opens the connection: cold, handshake and slow start
    assert r["ul_transport_rate"]["label"].endswith("(handshake, slow start)")
    refused(cli("usecase", "llm-split-inference", "--transport", "tcp,iw=x"), "iw=x is not a whole number")
