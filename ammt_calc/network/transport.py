"""From application bytes to what the network carries: headers, handshake and slow start.

A transport spec (`--transport`, API `transport=`) is

    tcp|https|quic|udp[,ip=4|6][,mtu=SIZE][,rtt=TIME][,iw=N][,ts][,warm|cold]

- https: TCP + TLS 1.3 (RFC 8446), what a model download from a web server runs over: the
  TLS handshake takes one more RTT after TCP's (clause 2: ClientHello, then ServerHello ..
  Finished; the client's Finished goes with its first data), and the data travel in TLS
  records of at most 2^14 bytes (clause 5.1), each with a 5-byte record header, a 1-byte
  inner content type and a 16-byte AEAD tag (clause 5.2; AES-128-GCM, RFC 5116): 22 bytes
  per record, counted per full or last record.
- iw=N: the initial congestion window in full packets (TCP, https, QUIC). Default: RFC 6928
  for TCP, min(10 MSS, max(2 MSS, 14600 byte)), which is 10 segments at MTU 1500 but 2 at
  MTU 9000; Linux starts every connection at 10 segments whatever the MSS (TCP_INIT_CWND,
  include/net/tcp.h): `iw=10` models it.
- ts: the TCP timestamp option (RFC 7323; on by default in Linux): 12 more bytes of TCP
  header in every packet (10 bytes of option, 2 of padding), TCP and https only.

- ip: 4 (default) or 6; mtu: the IP packet size, default 1500 byte (RFC 894, Ethernet), a
  bare number is bytes; rtt: the round-trip time, with its unit (`rtt=20ms`). Default
  10 ms: ITU-R M.2410 asks 4 ms one-way user-plane latency for eMBB, 8 ms both ways over
  the radio, and 2 ms are left for the transport to an edge server (the same assumption
  as the catalog's `retransmission_rtt`).
- cold (default for a flow that sends one payload): a new connection: TCP and QUIC spend one RTT on their handshake before
  data (TCP: SYN, SYN-ACK, RFC 9293; QUIC: 1-RTT handshake, TLS 1.3 inside, RFC 9000/9001),
  then slow start from the initial window (TCP: RFC 6928, min(10 MSS, max(2 MSS, 14600
  byte)); QUIC: RFC 9002 clause 7.2, min(10 max_datagram_size, max(14720 byte, 2
  max_datagram_size))), the window doubling each round trip (RFC 5681) until it covers
  the link's bandwidth-delay product. UDP has neither.
- warm (default for a streaming flow, one that sends a payload per frame, control loop or
  token and so has a `<dir>_sustained_rate`: it runs on the connection its first payload
  opened; `cold` makes every payload open one): an established connection whose congestion
  window already covers the bandwidth-delay product: no handshake, no slow start (for QUIC this is also where a
  resumed connection's 0-RTT data would start; RFC 9002 restarts the window on a new
  connection, so 0-RTT alone saves the handshake, not the slow start).

Headers counted per packet (bytes): IPv4 20 (RFC 791, no options), IPv6 40 (RFC 8200, no
extension headers), TCP 20 (RFC 9293, no options; 32 with `ts`), UDP 8 (RFC 768), QUIC 33: short header 1 flag byte + 8-byte
destination connection ID + 2-byte packet number (RFC 9000 clause 17.3.1; the ID may be 0
to 20 bytes and the number 1 to 4), a 16-byte AEAD tag (RFC 9001 clause 5.3, AES-128-GCM,
RFC 5116), and a 6-byte STREAM frame header (type, 1-byte stream ID, 4-byte offset, no
length field: RFC 9000 clause 19.8). Payload per packet = MTU - headers (the TCP MSS, the
QUIC STREAM data); for https the application data per packet is less by the TLS records'
22 bytes per 16,384 (the overhead factor counts both).

The delivery time of S bits at link rate R (the IP-layer rate the link gives the flow) is

    T = H x RTT + W / R + sum over flights k < K of max(0, RTT - (w_k - 1) x tau) + RTT / 2

with N = ceil(S' / payload per packet) packets (S' = S, for https S with its records' 22 bytes each), W = S' + N x headers the bits on the wire,
tau = MTU / R the time to send one full packet, w_k = IW x 2^(k-1) the packets of flight k,
K the flights that carry N packets (IW x (2^K - 1) >= N), H the handshake round trips. After
sending flight k the sender waits for the first ACK of that flight (tau + RTT after the
flight began; each ACK then releases two packets) unless the flight itself lasts longer:
the stall-period model of slow start. RTT/2 is the last packet's one-way trip. The model
assumes no loss, no pacing, an ACK for every packet (no delayed ACKs), a steady RTT, a
receive window that never limits, and a sender that opens the connection itself (for a
download requested by the device, add half an RTT for the request).

The rate meeting a deadline D solves T(R) = D in closed form: T falls as R grows, and is
linear in tau between the rates at which one more flight stops stalling. No rate meets D
when D <= (H + K - 1 + 1/2) x RTT, the time at an infinite rate: the reason names the
handshake, slow start, or the one-way delay.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ..errors import UserError
from ..units import registry as units

FORMS = ("tcp|https|quic|udp[,ip=4|6][,mtu=SIZE][,rtt=TIME][,iw=N][,ts][,warm|cold]"
         " (e.g. https,ip=6,mtu=1500,rtt=20ms,iw=10,ts)")
PROTOCOLS = ("tcp", "https", "quic", "udp")
TCP_BASED = ("tcp", "https")
DEFAULT_MTU = 1500  # byte, RFC 894
DEFAULT_RTT_S = 0.010
RTT_SOURCE = ("assumption: ITU-R M.2410 user-plane latency 4 ms one way (eMBB), 8 ms both ways,"
              " plus 2 ms to an edge server")
IP_HEADER = {4: 20, 6: 40}  # RFC 791, RFC 8200
IP_SOURCE = {4: "RFC 791 (IPv4, no options)", 6: "RFC 8200 (IPv6, no extension headers)"}
MIN_MTU = {4: 68, 6: 1280}  # RFC 791 clause 3.2, RFC 8200 clause 5
MAX_MTU = 65535  # the 16-bit length fields of IPv4 and IPv6 (no jumbograms)
QUIC_MIN_DATAGRAM = 1200  # RFC 9000 clause 14.1
# (name, bytes, source) per protocol, below IP
TRANSPORT_HEADERS = {
    "tcp": (("TCP header", 20, "RFC 9293 (no options)"),),
    "https": (("TCP header", 20, "RFC 9293 (no options)"),),
    "udp": (("UDP header", 8, "RFC 768"),),
    "quic": (("UDP header", 8, "RFC 768"),
             ("QUIC short header: flags 1 + connection ID 8 + packet number 2", 11, "RFC 9000 clause 17.3.1"),
             ("AEAD tag (AES-128-GCM)", 16, "RFC 9001 clause 5.3, RFC 5116"),
             ("STREAM frame header: type 1 + stream ID 1 + offset 4", 6, "RFC 9000 clause 19.8")),
}
TIMESTAMP_OPTION = ("TCP timestamp option (10 byte + 2 padding)", 12, "RFC 7323 clause 3 (on by default in Linux)")
HANDSHAKE_RTTS = {"tcp": 1, "https": 2, "quic": 1, "udp": 0}  # https: TCP's, then TLS 1.3's (RFC 8446 clause 2)
IW_SOURCE = {"tcp": "RFC 6928", "https": "RFC 6928", "quic": "RFC 9002 clause 7.2", "udp": "none (no congestion control)"}
TLS_RECORD = 16384  # byte: the largest TLS 1.3 plaintext record, RFC 8446 clause 5.1
TLS_RECORD_OVERHEAD = 22  # byte: header 5 + inner content type 1 + AEAD tag 16 (RFC 8446 clause 5.2, AES-GCM)
MAX_IW = 1000  # packets: a bound on iw=N (no stack starts near it)
KPI_SUFFIXES = ("ip_rate", "transport_time", "transport_rate")

_MTU_RE = re.compile(r"\s*([0-9]+)\s*")


@dataclass(frozen=True)
class TransportSpec:
    protocol: str
    ip: int = 4
    mtu: int = DEFAULT_MTU  # byte, the whole IP packet
    rtt_s: float = DEFAULT_RTT_S
    warm: bool = False
    text: str = field(default="", compare=False)  # as written
    iw: int | None = None  # iw=N: initial window in packets; None: the protocol's RFC default
    timestamps: bool = False  # ts: TCP timestamp option
    state_given: bool = False  # warm or cold was written: a streaming flow is warm only when not
    defaults: tuple[str, ...] = field(default=(), compare=False)  # what was not given: "ip=4", "rtt=10 ms (...)"

    def __post_init__(self):  # built directly (the API) it meets parse_transport's ranges
        problem = _spec_problem(self)
        if problem:
            raise UserError(f"TransportSpec: {problem}; e.g. TransportSpec('tcp', ip=4, mtu=1500, rtt_s=0.01)")

    # --- packets ---------------------------------------------------------------------------

    @property
    def headers(self) -> tuple[tuple[str, int, str], ...]:
        """(what, bytes, source) of every header in a packet, IP first."""
        options = (TIMESTAMP_OPTION,) if self.timestamps else ()
        return ((f"IPv{self.ip} header", IP_HEADER[self.ip], IP_SOURCE[self.ip]),) + TRANSPORT_HEADERS[self.protocol] \
            + options

    @property
    def header_bytes(self) -> int:
        return sum(size for _, size, _ in self.headers)

    @property
    def payload_bytes(self) -> int:
        """Application bytes per full packet (the TCP MSS; for QUIC, the STREAM data)."""
        return self.mtu - self.header_bytes

    @property
    def overhead_factor(self) -> float:
        """IP rate over application rate: packet size / payload per packet (https: and the
        TLS records' 22 bytes per 16,384 of data)."""
        records = 1 + TLS_RECORD_OVERHEAD / TLS_RECORD if self.protocol == "https" else 1.0
        return self.mtu / self.payload_bytes * records

    def stream_bits(self, payload_bits):
        """The bits the transport carries for S application bits: S, for https with the
        22-byte overhead of each TLS record of up to 16,384 bytes (the last may be short)."""
        payload_bits = np.asarray(payload_bits, dtype=float)
        if self.protocol != "https":
            return payload_bits
        with np.errstate(all="ignore"):
            records = np.ceil(payload_bits / (8.0 * TLS_RECORD) * (1 - 1e-12))
        return payload_bits + records * 8.0 * TLS_RECORD_OVERHEAD

    # --- connection start ------------------------------------------------------------------

    @property
    def handshake_rtts(self) -> int:
        return 0 if self.warm else HANDSHAKE_RTTS[self.protocol]

    @property
    def slow_start(self) -> bool:
        return not self.warm and self.protocol != "udp"

    @property
    def initial_window(self) -> int:
        """Initial congestion window in full packets (0: none, the link is the only limit)."""
        if self.iw is not None and self.protocol != "udp":
            return self.iw
        if self.protocol in TCP_BASED:  # RFC 6928: bytes of MSS-sized segments
            mss = self.payload_bytes
            return min(10 * mss, max(2 * mss, 14600)) // mss
        if self.protocol == "quic":  # RFC 9002 7.2: bytes of max_datagram_size (the UDP payload)
            datagram = self.mtu - IP_HEADER[self.ip] - 8
            return min(10 * datagram, max(14720, 2 * datagram)) // datagram
        return 0

    @property
    def label(self) -> str:
        state = "warm" if self.warm else "cold"
        name = "HTTPS (TCP + TLS 1.3)" if self.protocol == "https" else self.protocol.upper()
        extra = (f", IW {self.iw}" if self.iw is not None else "") + (", timestamps" if self.timestamps else "")
        return f"{name}/IPv{self.ip}, MTU {self.mtu} byte, RTT {self.rtt_s * 1e3:g} ms{extra}, {state}"

    # --- per flow, vectorised (base units: bit, s, bit/s) -----------------------------------

    def ip_rate(self, app_rate):
        """The IP-layer rate of an application rate: x packet size / payload per packet."""
        return np.asarray(app_rate, dtype=float) * self.overhead_factor

    def packets(self, payload_bits):
        """Packets that carry the payload (the last one may be short)."""
        per_packet = 8.0 * self.payload_bytes
        with np.errstate(all="ignore"):
            return np.ceil(self.stream_bits(payload_bits) / per_packet * (1 - 1e-12))

    def wire_bits(self, payload_bits):
        """Bits on the wire at the IP layer: the payload and every packet's headers."""
        payload_bits = np.asarray(payload_bits, dtype=float)
        return self.stream_bits(payload_bits) + self.packets(payload_bits) * 8.0 * self.header_bytes

    def flights(self, payload_bits):
        """K: the flights of slow start that carry the payload, IW x (2^K - 1) >= N (0 for none)."""
        n = self.packets(payload_bits)
        if not self.slow_start:
            return np.where(n > 0, 1.0, 0.0)
        with np.errstate(all="ignore"):
            k = np.ceil(np.log2(n / self.initial_window + 1))
        k = np.maximum(k, 1.0)  # n = 0 gives k = 1 here and 0 below
        # log2 of a float may land a hair off a power of two: one step either way, by integers
        k -= self.initial_window * (np.ldexp(1.0, k.astype(np.int64) - 1) - 1) >= n
        k += self.initial_window * (np.ldexp(1.0, k.astype(np.int64)) - 1) < n
        return np.where(n > 0, k, 0.0)

    def floor_time(self, payload_bits, flights=None):
        """The delivery time at an infinite link rate: (H + K - 1 + 1/2) x RTT (0 for no payload)."""
        k = self.flights(payload_bits) if flights is None else flights
        stalls = np.maximum(k - 1, 0) if self.slow_start else 0.0
        return np.where(k > 0, (self.handshake_rtts + stalls + 0.5) * self.rtt_s, 0.0)

    def transport_time(self, payload_bits, link_rate, flights=None):
        """Seconds from the first packet of the handshake to the last payload bit's arrival,
        at `link_rate` bit/s at the IP layer (see the module docstring)."""
        payload_bits = np.asarray(payload_bits, dtype=float)
        link_rate = np.asarray(link_rate, dtype=float)
        n = self.packets(payload_bits)
        with np.errstate(all="ignore"):
            tau = 8.0 * self.mtu / link_rate
            time = self.handshake_rtts * self.rtt_s + self.wire_bits(payload_bits) / link_rate + self.rtt_s / 2
            if self.slow_start:
                k = self.flights(payload_bits) if flights is None else flights
                for flight in range(1, int(np.max(k, initial=0))):
                    window = self.initial_window * 2.0 ** (flight - 1)
                    stall = np.maximum(self.rtt_s - (window - 1) * tau, 0.0)
                    time = time + np.where(flight < k, stall, 0.0)
        return np.where(n > 0, time, 0.0)

    def required_rate(self, payload_bits, deadline_s, flights=None):
        """(rate, flights): the smallest IP-layer link rate (bit/s) that delivers the payload
        within the deadline, NaN where none does (deadline <= floor_time), and K per point."""
        payload_bits = np.asarray(payload_bits, dtype=float)
        deadline_s = np.asarray(deadline_s, dtype=float)
        n = self.packets(payload_bits)
        k = self.flights(payload_bits) if flights is None else flights
        packet_bits = 8.0 * self.mtu
        full_packets = self.wire_bits(payload_bits) / packet_bits  # W / MTU: serialising takes this x tau
        room = deadline_s - self.handshake_rtts * self.rtt_s - self.rtt_s / 2
        with np.errstate(all="ignore"):
            if not self.slow_start:
                tau = room / full_packets
            else:  # m flights stall: T = H RTT + RTT/2 + m RTT + tau (W/MTU - sum_{k<=m} (w_k - 1))
                tau = np.full(np.broadcast_shapes(n.shape, room.shape), np.nan)
                iw = self.initial_window
                for m in range(int(np.max(k, initial=1))):
                    stalled = iw * (2.0 ** m - 1) - m  # sum of (w_k - 1) over the first m flights
                    candidate = (room - m * self.rtt_s) / (full_packets - stalled)
                    w_last, w_next = iw * 2.0 ** (m - 1), iw * 2.0 ** m
                    # at a segment's edge both neighbours hold (to rounding): the first one is kept
                    valid = ((m == k - 1) | ((w_next - 1) * candidate >= self.rtt_s * (1 - 1e-12))) & (m <= k - 1)
                    if m > 0:
                        valid &= (w_last - 1) * candidate <= self.rtt_s * (1 + 1e-12)
                    tau = np.where(np.isnan(tau) & valid & (candidate > 0), candidate, tau)
            rate = packet_bits / tau
        rate = np.where(deadline_s > self.floor_time(payload_bits, k), rate, np.nan)
        return np.where(n > 0, rate, 0.0), k

    def infeasible_reason(self, flights: int) -> str:
        """Why no link rate delivers a payload of `flights` flights within a deadline <= floor
        (short: a sweep repeats it on every row it applies to)."""
        rtt = f"RTT {self.rtt_s * 1e3:g} ms"
        floor = (self.handshake_rtts + max(flights - 1, 0) + 0.5) * self.rtt_s * 1e3
        if self.protocol == "udp" or self.warm:
            return f"one-way delay: half the round trip ({floor:g} ms) is not within the deadline at any link rate"
        proto = "TCP + TLS 1.3" if self.protocol == "https" else self.protocol.upper()
        rtts = self.handshake_rtts
        if flights <= 1:
            return (f"handshake: the {rtts}-RTT {proto} handshake and the one-way trip take {floor:g} ms ({rtt}),"
                    f" not within the deadline at any link rate; warm: no handshake")
        return (f"slow start: {flights} flights from an initial window of {self.initial_window} packets after the"
                f" {rtts}-RTT {proto} handshake take {floor:g} ms ({rtt}), not within the deadline at any link rate;"
                f" warm: no slow start")

    def document(self) -> dict:
        """The spec as a plain dict (JSON): headers with sources, window, handshake, defaults."""
        return {
            "spec": self.text or self.canonical, "protocol": self.protocol, "ip": self.ip,
            "mtu": {"value": self.mtu, "unit": "byte"},
            "headers": [{"what": what, "bytes": size, "source": source} for what, size, source in self.headers],
            "header_bytes": self.header_bytes, "payload_per_packet": {"value": self.payload_bytes, "unit": "byte"},
            "overhead_factor": self.overhead_factor,
            "rtt": {"value": self.rtt_s * 1e3, "unit": "ms"}, "warm": self.warm,
            "streaming_warm": not self.warm and not self.state_given and self.protocol != "udp",
            "handshake_rtts": self.handshake_rtts, "initial_window_packets": self.initial_window if self.slow_start else None,
            "initial_window_source": (("iw=N" if self.iw is not None else IW_SOURCE[self.protocol])
                                      if self.slow_start else None),
            "tls_records": ({"max_bytes": TLS_RECORD, "overhead_bytes": TLS_RECORD_OVERHEAD,
                             "source": "RFC 8446 clauses 5.1, 5.2 (header 5 + content type 1 + AEAD tag 16)"}
                            if self.protocol == "https" else None),
            "defaults": list(self.defaults),
            "model": "no loss, no pacing, an ACK per packet, steady RTT, receive window never limits;"
                     " slow start doubles the window each RTT until it covers the bandwidth-delay product",
        }

    @property
    def canonical(self) -> str:
        extra = (f"iw={self.iw}," if self.iw is not None else "") + ("ts," if self.timestamps else "")
        state = ("warm" if self.warm else "cold") if self.state_given else ""  # unwritten: streaming flows warm
        return f"{self.protocol},ip={self.ip},mtu={self.mtu},rtt={self.rtt_s * 1e3:.12g}ms,{extra}{state}".rstrip(",")

    def for_flow(self, streaming: bool) -> "TransportSpec":
        """The spec one flow runs on: a streaming flow on an open connection (warm) unless
        warm or cold was written."""
        if streaming and not self.state_given and not self.warm:
            from dataclasses import replace

            return replace(self, warm=True)
        return self


# --- parsing -----------------------------------------------------------------------------


def parse_transport(text: Any) -> TransportSpec:
    """A `--transport` spec; bad input is one UserError line naming the accepted forms."""
    if isinstance(text, TransportSpec):
        return text
    if not isinstance(text, str) or not text.strip():
        raise UserError(f"--transport: expected {FORMS}, got {text!r}")

    def bad(why: str) -> UserError:
        return UserError(f"--transport {text.strip()!r}: {why}; expected {FORMS}")

    protocol, fields, state = None, {}, None
    for raw in text.split(","):
        item = raw.strip()
        key, sep, value = (part.strip() for part in item.partition("="))
        key = key.lower()
        if not sep and key in PROTOCOLS:
            if protocol is not None:
                raise bad("more than one protocol")
            protocol = key
        elif not sep and key == "ts":
            if "ts" in fields:
                raise bad("ts given twice")
            fields["ts"] = ""
        elif not sep and key in ("warm", "cold"):
            if state is not None:
                raise bad("warm or cold given twice")
            state = key
        elif sep and key in ("ip", "mtu", "rtt", "iw"):
            if key in fields:
                raise bad(f"{key} given twice")
            if not value:
                raise bad(f"{key} has no value")
            fields[key] = value
        else:
            from ..errors import suggest

            hint = suggest(key, PROTOCOLS + ("ip", "mtu", "rtt", "iw", "ts", "warm", "cold")) if key else ""
            raise bad(f"unknown item {item!r}{hint}")
    if protocol is None:
        raise bad("no protocol (tcp, https, quic or udp)")
    if "ts" in fields and protocol not in TCP_BASED:
        raise bad("ts is a TCP option (tcp, https)")
    iw = None
    if "iw" in fields:
        if protocol == "udp":
            raise bad("iw is a congestion window; UDP has none")
        if not _MTU_RE.fullmatch(fields["iw"]) or not 1 <= int(fields["iw"]) <= MAX_IW:
            raise bad(f"iw={fields['iw']} is not a whole number of packets from 1 to {MAX_IW}")
        iw = int(fields["iw"])
    defaults = []
    if "ip" in fields:
        if fields["ip"].lower().removeprefix("v").removeprefix("ipv") not in ("4", "6"):
            raise bad(f"ip={fields['ip']} is not 4 or 6")
        ip = int(fields["ip"].lower().removeprefix("v").removeprefix("ipv"))
    else:
        ip, _ = 4, defaults.append("ip=4")
    mtu = _mtu(fields["mtu"], bad) if "mtu" in fields else DEFAULT_MTU
    if "mtu" not in fields:
        defaults.append(f"mtu={DEFAULT_MTU} byte (RFC 894, Ethernet)")
    rtt = _rtt(fields["rtt"], bad) if "rtt" in fields else DEFAULT_RTT_S
    if "rtt" not in fields:
        defaults.append(f"rtt={DEFAULT_RTT_S * 1e3:g} ms ({RTT_SOURCE})")
    if not MIN_MTU[ip] <= mtu <= MAX_MTU:
        raise bad(f"mtu={mtu} byte is outside {MIN_MTU[ip]}..{MAX_MTU} byte for IPv{ip}")
    spec = TransportSpec(protocol, ip, mtu, rtt, state == "warm", text.strip(), defaults=tuple(defaults), iw=iw,
                         timestamps="ts" in fields, state_given=state is not None)
    if protocol == "quic" and mtu - IP_HEADER[ip] - 8 < QUIC_MIN_DATAGRAM:
        raise bad(f"QUIC needs UDP datagrams of {QUIC_MIN_DATAGRAM} byte (RFC 9000 clause 14.1):"
                  f" mtu of at least {QUIC_MIN_DATAGRAM + IP_HEADER[ip] + 8} byte over IPv{ip}")
    if spec.payload_bytes < 1:
        raise bad(f"mtu={mtu} byte leaves no payload after {spec.header_bytes} byte of headers")
    return spec


def _mtu(value: str, bad) -> int:
    if _MTU_RE.fullmatch(value):
        from ..units.numbers import MAX_WHOLE_DIGITS, whole_number

        return whole_number(value, "mtu", 0, 10 ** MAX_WHOLE_DIGITS - 1)  # the range is checked with its reason below
    try:
        quantity = units.parse_quantity(value, what="mtu")
    except UserError:
        raise bad(f"mtu={value} is not a size (1500, 1500 byte, 9 kB)") from None
    if not units.same_dimension(quantity, "byte"):
        raise bad(f"mtu={value} is not a size (1500, 1500 byte, 9 kB)")
    size = float(units.to_base(quantity)) / 8
    if not size.is_integer():
        raise bad(f"mtu={value} is not a whole number of bytes")
    return int(size)


def _spec_problem(spec: TransportSpec) -> str:
    """What is wrong with a TransportSpec's fields ("" when nothing is)."""
    def whole(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if spec.protocol not in PROTOCOLS:
        return f"protocol {str(spec.protocol)[:20]!r} is not one of {', '.join(PROTOCOLS)}"
    if not whole(spec.ip) or spec.ip not in MIN_MTU:
        return f"ip={str(spec.ip)[:20]} is not 4 or 6"
    if not whole(spec.mtu) or not MIN_MTU[spec.ip] <= spec.mtu <= MAX_MTU:
        return f"mtu={str(spec.mtu)[:20]} is not a whole number of bytes from {MIN_MTU[spec.ip]} to {MAX_MTU}"
    rtt = spec.rtt_s
    if isinstance(rtt, bool) or not isinstance(rtt, (int, float)) or not (math.isfinite(rtt) and 0 <= rtt <= 60):
        return f"rtt_s={str(rtt)[:20]} is not a number of seconds from 0 to 60"
    if not isinstance(spec.warm, bool):
        return f"warm={str(spec.warm)[:20]} is not True or False"
    if spec.payload_bytes < 1:
        return f"mtu={spec.mtu} leaves no payload after {spec.header_bytes} byte of headers"
    return ""


def _rtt(value: str, bad) -> float:
    from ..units.advice import require_unit

    try:
        require_unit(value, f"rtt={value.strip()}", "10 ms")
    except UserError as exc:
        raise bad(str(exc)) from None
    try:
        quantity = units.parse_quantity(value, what="rtt")
    except UserError:
        quantity = None
    if quantity is None or units.is_bare_number(value) or not units.same_dimension(quantity, "s"):
        raise bad(f"rtt={value} is not a time with its unit (rtt=10ms, rtt=0.02s)")
    seconds = float(units.to_base(quantity))
    if not (math.isfinite(seconds) and 0 <= seconds <= 60):
        raise bad(f"rtt={value} is not from 0 to 60 s")
    return seconds


# --- KPIs of an evaluation ---------------------------------------------------------------


@dataclass(frozen=True)
class FlowInputs:
    """Where a flow's rate, payload and deadline come from: (origin, name) with origin "kpi"
    or "parameter"; the deadline is `<dir>_transfer_window` (the latency less compute) when
    the use case has it, else the flow's latency."""

    direction: str
    rate: tuple[str, str]
    burst: tuple[str, str] | None
    deadline: tuple[str, str] | None
    streaming: bool = False  # a payload per frame, loop or token (it has `<dir>_sustained_rate`)


def flow_inputs(uc) -> list[FlowInputs]:
    """The flows of a use case that transport KPIs are computed for (`flows.flow_sources`): a
    direction with a data rate KPI (its IP rate); with a payload, its delivery time; with a
    payload and a deadline, the rate meeting it."""
    from .flows import flow_sources

    flows = []
    for direction in ("UL", "DL"):
        sources = flow_sources(uc.kpis, uc.parameters, direction)
        if sources is None or sources["rate"] is None:
            continue
        window = f"{direction.lower()}_transfer_window"
        deadline = ("kpi", window) if window in uc.kpis else sources["latency"]
        streaming = f"{direction.lower()}_sustained_rate" in uc.kpis
        flows.append(FlowInputs(direction, sources["rate"], sources["burst"], deadline, streaming))
    return flows


def packet_notes(spec: TransportSpec, evaluation) -> list[str]:
    """Where a use case counts packets (`packet_size`, its reliability KPIs) with another
    payload per packet than the transport carries: the difference, stated."""
    parameter = evaluation.parameters.get("packet_size")
    if parameter is None or np.ndim(parameter.quantity.magnitude):
        return []
    size = float(parameter.quantity.to("byte").magnitude)
    carried = spec.payload_bytes / (1 + TLS_RECORD_OVERHEAD / TLS_RECORD) if spec.protocol == "https" else \
        spec.payload_bytes
    if math.isclose(size, carried, rel_tol=1e-9):
        return []
    return [f"--transport: {evaluation.usecase.id} counts {size:g} byte of data per packet (packet_size, its"
            f" reliability KPIs); {spec.protocol} at MTU {spec.mtu} carries {carried:.6g} byte per packet"
            " (set packet_size to match)"]


def streaming_notes(spec: TransportSpec, uc) -> list[str]:
    """What a note says of the flows that run warm because they stream (`TransportSpec.for_flow`)."""
    if spec.state_given or spec.warm or spec.protocol == "udp":
        return []
    return [f"--transport: {flow.direction} of {uc.id} sends a payload per frame, loop or token"
            f" ({flow.direction.lower()}_sustained_rate): it runs warm, on the connection its first payload"
            " opened; add cold for a new connection per payload"
            for flow in flow_inputs(uc) if flow.streaming and flow.burst is not None]


def kpi_columns(uc, transport) -> list[tuple[str, str]]:
    """(name, display unit) of the KPIs `evaluate(..., transport=...)` appends, in order."""
    if transport is None:
        return []
    out = []
    for flow in flow_inputs(uc):
        prefix = flow.direction.lower()
        out.append((f"{prefix}_ip_rate", "Mbit/s"))
        if flow.burst is None:
            continue
        out.append((f"{prefix}_transport_time", "ms"))
        if flow.deadline is not None:
            out.append((f"{prefix}_transport_rate", "Mbit/s"))
    return out


class _Mask:
    """A precomputed condition in the shape `solver._judge` reads (`.formula.evaluate(env)`)."""

    def __init__(self, mask, reason: str):
        self.formula, self.reason, self._mask = self, reason, mask

    def evaluate(self, env):
        return self._mask


@dataclass
class _Kpi:  # what solver._judge reads of a catalog KPI
    name: str
    label: str
    direction: str
    unit: str
    reads: frozenset
    infeasible_if: tuple = ()
    allow_negative: bool = False
    formula: Any = None
    not_applicable_if: tuple = ()
    choices: tuple = ()

    def __post_init__(self):
        self.formula = self  # _judge reads kpi.formula.names

    @property
    def names(self):
        return self.reads

    @property
    def display_unit(self):
        return units.parse_unit(self.unit)


def transport_kpis(spec: TransportSpec, uc, env: Mapping[str, np.ndarray], kpis: Mapping[str, Any], shape,
                   judge) -> list:
    """The KpiResults of every flow: `<dir>_ip_rate`, `<dir>_transport_time` (at the IP rate)
    and `<dir>_transport_rate` (meeting the deadline). `env` holds base-unit magnitudes of
    parameters and KPIs; `judge` is `solver._judge` (feasibility, reasons carried from the
    KPIs read)."""
    results: dict[str, Any] = dict(kpis)
    out = []
    given = spec
    clash = [name for name, _ in kpi_columns(uc, spec) if name in uc.kpis or name in uc.parameters]
    if clash:
        raise UserError(f"use case '{uc.id}' defines {', '.join(clash)}, which a transport adds;"
                        " rename it in the use case to use --transport")
    for flow in flow_inputs(uc):
        spec = given.for_flow(flow.streaming)
        state = "handshake, slow start" if spec.slow_start else "one-way delay" if spec.warm or spec.protocol == "udp" else ""
        prefix = flow.direction.lower()
        rate = env[flow.rate[1]]

        def add(name, label, unit, magnitude, reads, conditions=()):
            item = _Kpi(name, label, flow.direction, unit, frozenset(reads), tuple(conditions))
            magnitude = np.broadcast_to(np.asarray(magnitude, dtype=float), shape)
            result = judge(item, magnitude, env, results, shape, {})
            results[name] = result
            out.append(result)

        ip_rate = spec.ip_rate(rate)
        name = "TCP + TLS" if spec.protocol == "https" else spec.protocol.upper()
        add(f"{prefix}_ip_rate", f"{flow.direction} IP-layer rate (with {name}/IPv{spec.ip} headers)",
            "Mbit/s", ip_rate, {flow.rate[1]})
        if flow.burst is None:
            continue
        payload, reads = env[flow.burst[1]], {flow.rate[1], flow.burst[1]}
        flights = spec.flights(payload)
        time = spec.transport_time(payload, ip_rate, flights)
        add(f"{prefix}_transport_time", f"{flow.direction} delivery time at the IP rate ({state})", "ms", time,
            reads | {f"{prefix}_ip_rate"})
        if flow.deadline is None:
            continue
        deadline = env[flow.deadline[1]]
        needed, _ = spec.required_rate(payload, deadline, flights)
        impossible = np.isnan(needed) & (np.asarray(deadline) > 0)
        conditions = []
        if impossible.any():
            for k in np.unique(np.broadcast_to(flights, impossible.shape)[impossible]).tolist():
                conditions.append(_Mask(impossible & (flights == k), spec.infeasible_reason(int(k))))
        add(f"{prefix}_transport_rate", f"{flow.direction} link rate meeting the deadline ({state})", "Mbit/s",
            needed, reads | {flow.deadline[1]}, conditions)
    return out
