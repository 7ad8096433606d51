"""NR peak data rate (TS 38.306 clause 4.1.2) of one or more carriers, and a cell to size
use cases against.

    rate [Mbit/s] = 1e-6 * sum over carriers j of
        v_layers(j) * Q_m(j) * f(j) * R_max * (N_PRB(j) * 12 / T_s(mu)) * (1 - OH(j)) * TDD share(j)

R_max = 948/1024; T_s(mu) = 1e-3 / (14 * 2^mu) s, the average OFDM symbol duration with
normal cyclic prefix; N_PRB is the maximum transmission bandwidth configuration of TS
38.101-1/-2 Table 5.3.2-1 (catalog/_data/nr-prb.csv); OH is 0.14 FR1 DL, 0.18 FR2 DL,
0.08 FR1 UL, 0.10 FR2 UL. TS 38.306 gives the rate of a direction that has every symbol
(FDD); the TDD share (the direction's share of the symbols of a slot pattern) scales it.

A carrier is described by `key=value` fields (the `--carrier` and `--cell` specs):
bandwidth, scs, layers, modulation, fr, scaling, tdd. A field prefixed `dl_` or `ul_`
(`ul_layers=2`) applies to that direction only and wins over the plain one. In a `--cell`
the UL has at most HANDSET_UL_LAYERS layers unless `ul_layers` says otherwise: a handset
transmits fewer layers than the base station (2 transmit chains, the 2T4R of FR1 TDD
handsets; ul_layers=1 for a single-transmitter device).

Two readings of a cell, never mixed:

- peak (TS 38.306): the most one UE can get, after the control/reference-signal overhead
  OH, counted in MAC PDUs. An IP rate needs the layer-2 headers on top (`l2_factor`):
  SDAP 1 (TS 37.324), PDCP 3 (18-bit SN, TS 38.323), RLC AM 3 (18-bit SN, TS 38.322), MAC
  subheader 3 (16-bit L field, TS 38.321) byte per IP packet: 1510/1500 = 1.0067 for
  1500-byte packets; at the physical layer, before OH, it is l2_factor / (1 - OH)
  (`phy_factor`).
- average (`profile=`, ITU-R M.2410-0): the IMT-2020 minimum average spectral efficiency
  per TRP x bandwidth is the average capacity of a cell; the 5th-percentile user spectral
  efficiency x bandwidth is the rate of a cell-edge user (measured with 10 users per TRP,
  full buffer). M.2410 counts the bits of SDUs delivered to layer 3, i.e. IP packets: an
  IP rate compares with them directly (factor 1).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import UserError, suggest
from ..units import registry as units

R_MAX = 948 / 1024
SUBCARRIERS_PER_PRB = 12
SYMBOLS_PER_SLOT = 14  # normal cyclic prefix
MODULATION_ORDER = {"QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8, "1024QAM": 10}
SCALING_FACTORS = (1.0, 0.8, 0.75, 0.4)
MAX_CARRIER_MHZ = 2000.0  # the widest NR channel: FR2-2 (TS 38.101-2 Rel-17 Table 5.3.5-1); FR1 100, FR2-1 400
MAX_LAYERS = 8  # maxNumberMIMO-LayersPDSCH; PUSCH has at most 4 in Rel-15..17
OVERHEAD = {("FR1", "DL"): 0.14, ("FR2", "DL"): 0.18, ("FR1", "UL"): 0.08, ("FR2", "UL"): 0.10}
DIRECTIONS = ("DL", "UL")
# Assumption, labelled as such: an S slot without an explicit split has 10 DL, 2 guard and
# 2 UL symbols, the special slot of the TDD test configuration "3D1S1U, S=10D:2G:2U" of
# TS 38.104 clause 8 / TS 38.141. Write DDDSU:6:4:4 for another split.
SPECIAL_SLOT_DEFAULT = (10, 2, 2)
SPEC_KEYS = ("bandwidth", "scs", "layers", "modulation", "fr", "scaling", "tdd")
REQUIRED_KEYS = ("bandwidth", "scs", "layers", "modulation")
SOURCE = "TS 38.306 clause 4.1.2; N_PRB: TS 38.101-1/-2 Table 5.3.2-1"

_PATTERN = re.compile(r"([DSU]+)(?::(\d+):(\d+):(\d+))?")

HANDSET_UL_LAYERS = 2  # a 2T4R FR1 handset; ul_layers= overrides
# (what, bytes per IP packet, source): the layer-2 headers between an IP packet and a MAC PDU
L2_HEADERS = (("SDAP header", 1, "TS 37.324"), ("PDCP header, 18-bit SN", 3, "TS 38.323"),
              ("RLC AM header, 18-bit SN", 3, "TS 38.322"), ("MAC subheader, 16-bit L", 3, "TS 38.321"))
PROFILE_SOURCE = ("ITU-R M.2410-0 (11/2017), IMT-2020 minimum requirements: average spectral efficiency"
                  " and 5th percentile user spectral efficiency (eMBB test environments)")
DEFAULT_PROFILE_BANDWIDTH_MHZ = 100.0  # the widest FR1 channel at 30 kHz (TS 38.101-1), as the peak example
# Channels wider than 50 MHz exist only in TDD bands (FR1: n41, n77, n78, n79; FR2 is all
# TDD; TS 38.101-1 Table 5.3.5-1, TS 38.101-2 Table 5.3.5-1). Such a cell without tdd= or
# dl_share= gets the common pattern of those bands, DDDSU with S = 10:2:2 (2.5 ms at 30 kHz;
# the test configuration "3D1S1U" of TS 38.104 clause 8), noted.
WIDEST_FDD_MHZ = 50.0
DEFAULT_TDD = "DDDSU"


@dataclass(frozen=True)
class Profile:
    """An ITU-R M.2410 test environment: spectral efficiencies in bit/s/Hz (per TRP for the
    average, per user for the 5th percentile)."""

    name: str
    environment: str
    average: dict  # {"DL": ..., "UL": ...}
    edge: dict  # 5th percentile user spectral efficiency


PROFILES = {
    "indoor-hotspot": Profile("indoor-hotspot", "Indoor Hotspot - eMBB", {"DL": 9.0, "UL": 6.75}, {"DL": 0.3, "UL": 0.21}),
    "dense-urban": Profile("dense-urban", "Dense Urban - eMBB", {"DL": 7.8, "UL": 5.4}, {"DL": 0.225, "UL": 0.15}),
    "rural": Profile("rural", "Rural - eMBB", {"DL": 3.3, "UL": 1.6}, {"DL": 0.12, "UL": 0.045}),
}


def l2_factor(packet_bytes: float = 1500) -> float:
    """MAC-PDU rate over IP rate: (packet + SDAP + PDCP + RLC + MAC headers) / packet."""
    return (packet_bytes + sum(size for _, size, _ in L2_HEADERS)) / packet_bytes


def phy_factor(carrier: "Carrier", packet_bytes: float = 1500) -> float:
    """Physical-layer rate over IP rate on `carrier`: the layer-2 headers and TS 38.306's OH."""
    return l2_factor(packet_bytes) / (1 - carrier.overhead)


@dataclass(frozen=True)
class Carrier:
    """One carrier in one direction, validated against the N_PRB table."""

    direction: str
    fr: str
    bandwidth_mhz: float
    scs_khz: int
    n_prb: int
    layers: int
    modulation: str
    scaling: float = 1.0
    tdd: str = ""  # "" for FDD (the direction has every symbol)
    tdd_share: float = 1.0

    def __post_init__(self):  # built directly (the API) it meets make_carrier's ranges
        problem = _carrier_problem(self)
        if problem:
            raise UserError(f"Carrier: {problem}; build carriers with make_carrier() or parse_cell()")

    @property
    def mu(self) -> int:
        return int(math.log2(self.scs_khz / 15))

    @property
    def q_m(self) -> int:
        return MODULATION_ORDER[self.modulation]

    @property
    def overhead(self) -> float:
        return OVERHEAD[(self.fr, self.direction)]

    @property
    def symbol_duration_s(self) -> float:
        return 1e-3 / (SYMBOLS_PER_SLOT * 2 ** self.mu)

    @property
    def peak_rate_mbps(self) -> float:
        return 1e-6 * (self.layers * self.q_m * self.scaling * R_MAX
                       * (self.n_prb * SUBCARRIERS_PER_PRB / self.symbol_duration_s)
                       * (1 - self.overhead) * self.tdd_share)


def total_rate_mbps(carriers) -> float:
    return sum(c.peak_rate_mbps for c in carriers)


# --- the N_PRB table ----------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def prb_table() -> dict[tuple[str, int], dict[float, int]]:
    """{(FR, SCS kHz): {bandwidth MHz: N_PRB}} from catalog/_data/nr-prb.csv."""
    from .reftables import rows

    table: dict[tuple[str, int], dict[float, int]] = {}
    for row in rows("nr-prb.csv"):
        key = (row["fr"], int(row["scs_khz"]))
        table.setdefault(key, {})[float(row["bandwidth_mhz"])] = int(row["n_prb"])
    return table


def lookup_prb(bandwidth_mhz: float, scs_khz: int, fr: str | None) -> tuple[str, int]:
    """(FR, N_PRB) of a bandwidth/SCS pair; FR is inferred when only one range defines the pair."""
    table = prb_table()
    scs_by_fr = {f: sorted(s for g, s in table if g == f) for f in ("FR1", "FR2")}
    ranges = [fr] if fr else [f for f in scs_by_fr if scs_khz in scs_by_fr[f]]
    if not ranges or scs_khz not in scs_by_fr[ranges[0]]:
        where = f"{fr} " if fr else ""
        valid = "; ".join(f"{f}: {', '.join(map(str, s))} kHz" for f, s in scs_by_fr.items())
        raise UserError(f"subcarrier spacing {scs_khz:g} kHz is not an NR {where}SCS ({valid})")
    found = [(f, table[(f, scs_khz)][bandwidth_mhz]) for f in ranges if bandwidth_mhz in table[(f, scs_khz)]]
    if not found:
        valid = "; ".join(f"{f} {', '.join(f'{b:g}' for b in table[(f, scs_khz)])} MHz" for f in ranges)
        raise UserError(f"bandwidth {bandwidth_mhz:g} MHz is not defined for {scs_khz:g} kHz SCS in TS 38.101"
                        f" Table 5.3.2-1; valid bandwidths: {valid}")
    if len(found) > 1:
        both = " and ".join(f"{f} ({n} PRB)" for f, n in found)
        raise UserError(f"{bandwidth_mhz:g} MHz at {scs_khz:g} kHz exists in {both}: give fr=FR1 or fr=FR2 (--fr)")
    return found[0]


# --- fields to carriers -------------------------------------------------------------------


def parse_spec(text: str, option: str, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """`key=value,key=value` as a dict; unknown or repeated keys are refused."""
    known = SPEC_KEYS + tuple(f"{d.lower()}_{k}" for d in DIRECTIONS for k in SPEC_KEYS) + extra
    fields: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key or not value:
            raise UserError(f"{option} expects key=value pairs separated by commas"
                            f" (e.g. bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM), got {item.strip()!r}")
        key = key.lower()
        if key not in known:
            hint = suggest(key, known) or f"; keys: {', '.join(SPEC_KEYS)} (or with a dl_/ul_ prefix)"
            raise UserError(f"{option}: unknown key {key!r}{hint}")
        if key in fields:
            raise UserError(f"{option}: {key!r} is given twice")
        fields[key] = value
    return fields


def make_carrier(fields: Mapping[str, str], direction: str, notes: list[str], option: str = "--carrier") -> Carrier:
    """A validated carrier of `direction` from spec fields (`dl_x`/`ul_x` win over `x`)."""
    mine = {k: fields[f"{direction.lower()}_{k}"] if f"{direction.lower()}_{k}" in fields else fields.get(k)
            for k in SPEC_KEYS}
    for key in REQUIRED_KEYS:
        if mine[key] is None:
            raise UserError(f"{option}: {key} is missing (e.g. {_EXAMPLES[key]})")
    bandwidth = _frequency(mine["bandwidth"], "MHz", "bandwidth", notes, option)
    scs = _frequency(mine["scs"], "kHz", "scs", notes, option)
    if not float(scs).is_integer():
        raise UserError(f"scs {mine['scs']!r} is not an NR subcarrier spacing (15, 30, 60, 120, 480 or 960 kHz)")
    fr, n_prb = lookup_prb(bandwidth, int(scs), parse_fr(mine["fr"]) if mine["fr"] else None)
    modulation = parse_modulation(mine["modulation"])
    if modulation == "1024QAM" and (fr, direction) != ("FR1", "DL"):
        notes.append(f"1024QAM is specified for FR1 DL only (TS 38.306 Rel-17); {fr} {direction} computed as asked")
    tdd, share = ("", 1.0) if mine["tdd"] is None else parse_tdd(mine["tdd"], direction)
    return Carrier(direction, fr, bandwidth, int(scs), n_prb, parse_layers(mine["layers"]), modulation,
                   parse_scaling(mine["scaling"]) if mine["scaling"] else 1.0, tdd, share)


_EXAMPLES = {"bandwidth": "bandwidth=100MHz", "scs": "scs=30kHz", "layers": "layers=4", "modulation": "modulation=256QAM"}


_FREQUENCY_EXAMPLES = {"MHz": "100 MHz", "kHz": "30 kHz"}


def require_units(options: Mapping[str, str]) -> None:
    """Options (not spec fields) that take a frequency, refused as `--bandwidth 100` when bare."""
    from ..units.advice import require_unit

    for key, unit in (("bandwidth", "MHz"), ("scs", "kHz")):
        if options.get(key) is not None:
            require_unit(options[key], f"--{key} {options[key].strip()}", _FREQUENCY_EXAMPLES[unit])


def _frequency(text: str, unit: str, what: str, notes: list[str], option: str = "") -> float:
    from ..units.advice import require_unit

    where = f"{option}: " if option.startswith("--") else ""
    require_unit(text, f"{where}{what}={text.strip()}", _FREQUENCY_EXAMPLES[unit])
    quantity = units.parse_quantity(text, what=what)
    if not units.same_dimension(quantity, unit):
        raise UserError(f"{what} {text!r} is not a frequency (e.g. 100 MHz, 30 kHz)")
    value = round(float(quantity.to(units.parse_unit(unit)).magnitude), 6)  # 0.1 GHz -> 100.0, not 100.00000000000001
    if value <= 0:
        raise UserError(f"{what} {text!r} must be positive")
    if unit == "MHz" and value > MAX_CARRIER_MHZ:
        raise UserError(f"{what} {text[:40]!r} is wider than an NR carrier ({MAX_CARRIER_MHZ:g} MHz, TS 38.101-2"
                        " FR2-2); give several carriers for an aggregate")
    return value


def _number_in(value, low: float, high: float, low_open: bool = False) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
            and (low < value if low_open else low <= value) and value <= high)


def _carrier_problem(c: Carrier) -> str:
    """What is wrong with a Carrier's fields ("" when nothing is)."""
    whole = [isinstance(v, int) and not isinstance(v, bool) for v in (c.scs_khz, c.n_prb, c.layers)]
    if c.direction not in DIRECTIONS or c.fr not in ("FR1", "FR2"):
        return f"direction {str(c.direction)[:8]!r} and fr {str(c.fr)[:8]!r} must be DL or UL and FR1 or FR2"
    if not _number_in(c.bandwidth_mhz, 0, MAX_CARRIER_MHZ, low_open=True):
        return f"bandwidth_mhz={str(c.bandwidth_mhz)[:20]} is not above 0 and at most {MAX_CARRIER_MHZ:g}"
    if not all(whole) or c.scs_khz not in (15, 30, 60, 120, 240, 480, 960) or not 1 <= c.n_prb <= 275:
        return "scs_khz must be 15 x 2**mu (mu 0 to 6) and n_prb a whole number from 1 to 275 (TS 38.101)"
    if not 1 <= c.layers <= MAX_LAYERS or c.modulation not in MODULATION_ORDER:
        return f"layers must be 1 to {MAX_LAYERS} and modulation one of {', '.join(MODULATION_ORDER)}"
    if not (_number_in(c.scaling, 0, 1, low_open=True) and _number_in(c.tdd_share, 0, 1, low_open=True)):
        return "scaling and tdd_share must be above 0 and at most 1"
    return ""


def parse_direction(text: str) -> str:
    direction = text.strip().upper()
    if direction not in DIRECTIONS:
        raise UserError(f"direction {text!r} is not DL or UL")
    return direction


def parse_fr(text: str) -> str:
    fr = text.strip().upper()
    if fr not in ("FR1", "FR2"):
        raise UserError(f"frequency range {text!r} is not FR1 or FR2")
    return fr


def parse_modulation(text: str) -> str:
    name = re.sub(r"[\s_-]", "", text).upper()
    if name not in MODULATION_ORDER:
        raise UserError(f"modulation {text!r} is not one of {', '.join(MODULATION_ORDER)}{suggest(name, MODULATION_ORDER)}")
    return name


def parse_layers(text: str) -> int:
    from ..units.numbers import whole_number

    return whole_number(text, "layers", 1, MAX_LAYERS)


def parse_scaling(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not any(math.isclose(value, f) for f in SCALING_FACTORS):
        raise UserError(f"scaling factor {text!r} is not one of {', '.join(f'{f:g}' for f in SCALING_FACTORS)}"
                        " (TS 38.306 clause 4.1.2)")
    return next(f for f in SCALING_FACTORS if math.isclose(value, f))


def parse_tdd(text: str, direction: str) -> tuple[str, float]:
    """(label, the direction's share of the symbols) of a share (0.74, 74%) or a slot pattern
    (DDDSU, DDDSU:10:2:2); the label spells out the S slot's split."""
    pattern = _PATTERN.fullmatch(text.strip().upper())
    if pattern is None:
        try:
            quantity = units.parse_quantity(text, what="TDD share")
        except UserError:
            raise UserError(f"TDD share {text!r} is neither a share (0.74, 74%) nor a slot pattern of D, S and U"
                            " (DDDSU, or DDDSU:10:2:2 for the DL:guard:UL symbols of S)") from None
        share = units.to_base(quantity) if units.same_dimension(quantity, "") else math.nan
        if not 0 < share <= 1:
            raise UserError(f"TDD share {text!r} must be above 0 and at most 1 (100 %)")
        return text.strip(), share
    slots, special = pattern[1], SPECIAL_SLOT_DEFAULT
    if pattern[2] is not None:
        special = tuple(int(pattern[i]) for i in (2, 3, 4))
        if sum(special) != SYMBOLS_PER_SLOT:
            raise UserError(f"TDD pattern {text!r}: the S slot's DL:guard:UL symbols must add up to {SYMBOLS_PER_SLOT}")
    symbols = {"DL": slots.count("D") * SYMBOLS_PER_SLOT + slots.count("S") * special[0],
               "UL": slots.count("U") * SYMBOLS_PER_SLOT + slots.count("S") * special[2]}
    if symbols[direction] == 0:
        raise UserError(f"TDD pattern {text!r} leaves {direction} no symbols")
    label = slots + (":" + ":".join(map(str, special)) if "S" in slots else "")
    return label, symbols[direction] / (SYMBOLS_PER_SLOT * len(slots))


# --- a cell for `usecase --cell` ----------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """An NR cell, in both directions, that use cases are sized against: its peak (one
    carrier, TS 38.306), its average (an ITU-R M.2410 profile), or both."""

    spec: str
    dl: Carrier | None
    ul: Carrier | None
    profile: Profile | None = None
    bandwidth_mhz: float | None = None  # of the profile
    shares: tuple[float, float] = (1.0, 1.0)  # (DL, UL) share of the symbols: TDD pattern or dl_share; FDD 1, 1
    tdd: str = ""  # the pattern or share the profile's average is scaled by ("" for FDD)
    site: Any = None  # a sites.Setup (`site=...`): each flow's reach is a KPI (network/reach.py)

    def share(self, direction: str) -> float:
        return self.shares[0] if direction == "DL" else self.shares[1]

    def __post_init__(self):
        if not all(c is None or isinstance(c, Carrier) for c in (self.dl, self.ul)) or (
                self.profile is not None and not isinstance(self.profile, Profile)):
            raise UserError("Cell: dl and ul must be Carriers (or None) and profile a Profile; build it with parse_cell()")
        if self.bandwidth_mhz is not None and not _number_in(self.bandwidth_mhz, 0, MAX_CARRIER_MHZ, low_open=True):
            raise UserError(f"Cell: bandwidth_mhz={str(self.bandwidth_mhz)[:20]} is not above 0 and at most"
                            f" {MAX_CARRIER_MHZ:g} MHz")

    def carrier(self, direction: str) -> Carrier | None:
        return self.dl if direction == "DL" else self.ul

    @property
    def has_peak(self) -> bool:
        return self.dl is not None

    def peak_mbps(self, direction: str) -> float | None:
        carrier = self.carrier(direction)
        return None if carrier is None else carrier.peak_rate_mbps

    def average_mbps(self, direction: str) -> float | None:
        """Average capacity: average spectral efficiency per TRP x bandwidth x the direction's
        TDD share (M.2410's spectral efficiencies are per Hz of the time-frequency resource a
        direction has: ITU-R M.2412 counts a TDD direction's effective bandwidth as the
        bandwidth times its share of the frame). Never above the same carrier's peak in IP
        terms (peak / l2_factor): an average cell cannot outrun one UE's best."""
        if self.profile is None:
            return None
        average = self.profile.average[direction] * self.bandwidth_mhz * self.share(direction)
        return average if not self.has_peak else min(average, self.peak_mbps(direction) / l2_factor())

    def average_capped(self, direction: str) -> bool:
        """Whether the M.2410 average was capped at the carrier's peak (`average_mbps`)."""
        return (self.profile is not None and self.has_peak and self.profile.average[direction] * self.bandwidth_mhz
                * self.share(direction) > self.peak_mbps(direction) / l2_factor())

    def edge_mbps(self, direction: str) -> float | None:
        """Rate of a cell-edge user: 5th percentile user spectral efficiency x bandwidth x the
        direction's TDD share, at most the average capacity."""
        if self.profile is None:
            return None
        return min(self.profile.edge[direction] * self.bandwidth_mhz * self.share(direction),
                   self.average_mbps(direction))

    def document(self) -> dict:
        """The cell as a plain dict: each reading with its source."""
        def rate(value):
            return None if value is None else {"value": value, "unit": "Mbit/s"}

        out: dict = {"spec": self.spec}
        if self.has_peak:
            out["peak"] = {"basis": "peak", "source": SOURCE, "rate_layer": "MAC PDUs after the overhead OH",
                           "rate": {d: rate(self.peak_mbps(d)) for d in DIRECTIONS},
                           "layers": {d: self.carrier(d).layers for d in DIRECTIONS},
                           "l2_factor": l2_factor(),
                           "l2_headers": [{"what": w, "bytes": b, "source": src} for w, b, src in L2_HEADERS]}
        if self.profile is not None:
            p = self.profile
            out["average"] = {
                "basis": "average", "source": PROFILE_SOURCE, "profile": p.name, "environment": p.environment,
                "rate_layer": "IP packets (SDUs delivered to layer 3)",
                "bandwidth": {"value": self.bandwidth_mhz, "unit": "MHz"},
                "average_spectral_efficiency": {d: {"value": p.average[d], "unit": "bit/s/Hz"} for d in DIRECTIONS},
                "edge_spectral_efficiency": {d: {"value": p.edge[d], "unit": "bit/s/Hz"} for d in DIRECTIONS},
                "tdd": self.tdd or None,
                "tdd_share": {d: self.share(d) for d in DIRECTIONS},
                "capped_at_peak": {d: self.average_capped(d) for d in DIRECTIONS},
                "capacity": {d: rate(self.average_mbps(d)) for d in DIRECTIONS},
                "edge_rate": {d: rate(self.edge_mbps(d)) for d in DIRECTIONS},
                "edge_note": "5th percentile of the user throughput with 10 users per TRP, full buffer",
            }
        if self.site is not None:
            out["site"] = self.site.document()
        return out


def parse_cell(text: str, notes: list[str], profiles: bool = False) -> Cell:
    """`--cell` spec: a carrier (peak), `profile=NAME[,bandwidth=B]` (average), or both.
    `profiles`: the caller shows the average reading (`Cell.document`, `cell_flows`); else
    a profile is refused, as a caller that reads only the peak cannot show it."""
    if re.search(r"(^|,)\s*direction\s*=", text, re.IGNORECASE):
        raise UserError("--cell: the cell is sized in both directions (UL KPIs against its UL peak, DL KPIs"
                        " against its DL peak); give one direction's values with a prefix, e.g. ul_layers=2")
    fields = parse_spec(text, "--cell", extra=("profile", "dl_share"))
    profile = None
    if "profile" in fields and not profiles:
        raise UserError("--cell: profile= (ITU-R M.2410 average and cell-edge rates) is not available here;"
                        " give a carrier: bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")
    if "profile" in fields:
        name = fields.pop("profile").strip().lower()
        if name not in PROFILES:
            raise UserError(f"--cell: unknown profile {name!r}{suggest(name, PROFILES)}; profiles:"
                            f" {', '.join(PROFILES)} (ITU-R M.2410), e.g. profile=dense-urban,bandwidth=100MHz")
        profile = PROFILES[name]
    if "tdd" in fields and _PATTERN.fullmatch(fields["tdd"].strip().upper()) is None:
        raise UserError(f"--cell: tdd {fields['tdd']!r} would give DL and UL the same share; write a slot pattern"
                        " (tdd=DDDSU) or dl_tdd=... and ul_tdd=...")
    bandwidth = None
    if profile is not None:
        if "bandwidth" in fields:
            bandwidth = _frequency(fields["bandwidth"], "MHz", "bandwidth", notes, "--cell")
        else:
            bandwidth = DEFAULT_PROFILE_BANDWIDTH_MHZ
            notes.append(f"profile {profile.name}: bandwidth {bandwidth:g} MHz (default; give bandwidth=...)")
    elif "bandwidth" in fields:
        bandwidth = _frequency(fields["bandwidth"], "MHz", "bandwidth", [], "--cell")
    tdd, shares = _duplex(fields, bandwidth, notes)
    if profile is not None:
        if not set(fields) - {"bandwidth", "tdd", "dl_tdd", "ul_tdd"}:  # no carrier asked for: the average only
            return Cell(text, None, None, profile, bandwidth, shares, tdd)
        fields.setdefault("bandwidth", f"{bandwidth:g}MHz")  # the peak of the same channel
    if "ul_layers" not in fields and "layers" in fields:
        layers = parse_layers(fields["layers"])
        if layers > HANDSET_UL_LAYERS:
            fields["ul_layers"] = str(HANDSET_UL_LAYERS)
            notes.append(f"UL {HANDSET_UL_LAYERS} layers, as a handset transmits (2T4R); give ul_layers=... to change")
    return Cell(text, make_carrier(fields, "DL", notes, "--cell"), make_carrier(fields, "UL", notes, "--cell"),
                profile, bandwidth, shares, tdd)


def _duplex(fields: dict, bandwidth: float | None, notes: list[str]) -> tuple[str, tuple[float, float]]:
    """(label, (DL share, UL share)) of a cell, the same for its peak and its average: a
    pattern (tdd=, dl_tdd=/ul_tdd=), an explicit dl_share= (UL the rest), else for a channel
    wider than WIDEST_FDD_MHZ the common TDD pattern (noted), else FDD. `fields` gains the
    TDD keys the carriers read."""
    if "dl_share" in fields:
        if {"tdd", "dl_tdd", "ul_tdd"} & set(fields):
            raise UserError("--cell: give a TDD pattern (tdd=) or dl_share=, not both")
        text = fields.pop("dl_share")
        _, dl = parse_tdd(text, "DL")
        if not dl < 1:
            raise UserError(f"--cell: dl_share={text} leaves the UL nothing; give a share below 1 (e.g. 0.74)")
        fields["dl_tdd"], fields["ul_tdd"] = repr(dl), repr(1 - dl)
        notes.append(f"dl_share={text}: DL {100 * dl:.4g} %, UL {100 * (1 - dl):.4g} % of the symbols (no guard counted)")
        return f"dl_share={text.strip()}", (dl, 1 - dl)
    given = [k for k in ("tdd", "dl_tdd", "ul_tdd") if k in fields]
    if not given and bandwidth is not None and bandwidth > WIDEST_FDD_MHZ:
        fields["tdd"] = DEFAULT_TDD
        label, dl = parse_tdd(DEFAULT_TDD, "DL")
        ul = parse_tdd(DEFAULT_TDD, "UL")[1]
        notes.append(f"{bandwidth:g} MHz is a TDD channel (channels above {WIDEST_FDD_MHZ:g} MHz are in TDD bands:"
                     f" n41, n77, n78, n79, FR2): the common pattern tdd={label} taken (S = DL:guard:UL symbols;"
                     f" DL {100 * dl:.4g} %, UL {100 * ul:.4g} % of the symbols); give tdd= or dl_share= to change")
        return label, (dl, ul)
    if not given:
        return "", (1.0, 1.0)
    labels, shares = [], []
    for direction in DIRECTIONS:
        key = f"{direction.lower()}_tdd" if f"{direction.lower()}_tdd" in fields else "tdd"
        if key not in fields:
            raise UserError(f"--cell: {direction} has no TDD pattern; give tdd= for both directions")
        label, share = parse_tdd(fields[key], direction)
        labels.append(label)
        shares.append(share)
    return (labels[0] if labels[0] == labels[1] else f"DL {labels[0]}, UL {labels[1]}"), (shares[0], shares[1])


def cell_share(value_mbps: float, direction: str, cell: Cell, basis: str | None = None) -> dict:
    """The share of the cell's rate in `direction` one user at `value_mbps` takes, and how
    many fit: against the peak (default when the cell has one) or the average capacity."""
    basis = basis or ("peak" if cell.has_peak else "average")
    capacity = cell.peak_mbps(direction) if basis == "peak" else cell.average_mbps(direction)
    fits = value_mbps <= capacity
    # the small epsilon keeps float noise (9.999999999) from costing a whole user
    users = math.floor(capacity / value_mbps + 1e-9) if value_mbps > 0 else None
    return {"share": 100 * value_mbps / capacity, "users": users, "fits": fits}


def flow_load(direction: str, burst_mbps: float, sustained_mbps: float, cell: Cell, ip_layer: bool,
              reachable: bool = True) -> dict:
    """One flow against a cell, as a plain dict: the burst rate (what one transfer needs) must
    fit; users per cell count the sustained rate (the long-run average, burst x duty cycle).
    Users per cell is this one definition, shown once per flow and reading: the sustained
    rate's share of the capacity, and 0 when the burst does not fit or no rate meets the
    deadline (`users_reason` says which): a cell that cannot serve one such user serves none.
    `ip_layer`: the rates are IP rates (with transport headers); else application rates,
    compared as they are (a note says so). `reachable` False: no link rate meets the flow's
    deadline (handshake, slow start), so its burst fits nowhere."""
    out: dict = {"direction": direction, "burst": {"value": burst_mbps, "unit": "Mbit/s"},
                 "sustained": {"value": sustained_mbps, "unit": "Mbit/s"},
                 "duty_cycle": None if burst_mbps <= 0 else min(sustained_mbps / burst_mbps, 1.0),
                 "rate_layer": "IP" if ip_layer else "application", "notes": []}
    if not ip_layer:
        out["notes"].append("application rates, without packet headers: give a transport (--transport tcp)"
                            " for IP rates")
    if cell.has_peak:
        factor = l2_factor() if ip_layer else 1.0
        peak = cell.peak_mbps(direction)
        share = cell_share(sustained_mbps * factor, direction, cell, "peak")
        fits = reachable and burst_mbps * factor <= peak
        out["peak"] = {"capacity": {"value": peak, "unit": "Mbit/s"}, "source": SOURCE, "l2_factor": factor,
                       "burst_needed": {"value": burst_mbps * factor, "unit": "Mbit/s"},
                       "burst_fits": fits, "share": share["share"], **_users(share["users"], fits, reachable, "peak")}
    if cell.profile is not None:
        capacity, edge = cell.average_mbps(direction), cell.edge_mbps(direction)
        share = cell_share(sustained_mbps, direction, cell, "average")
        fits = reachable and burst_mbps <= capacity
        out["average"] = {"capacity": {"value": capacity, "unit": "Mbit/s"}, "source": PROFILE_SOURCE,
                          "profile": cell.profile.name, "burst_fits": fits,
                          "share": share["share"], **_users(share["users"], fits, reachable, "average capacity"),
                          "edge_rate": {"value": edge, "unit": "Mbit/s"}, "edge_meets": reachable and burst_mbps <= edge}
    return out


def _users(by_rate: int | None, fits: bool, reachable: bool, what: str) -> dict:
    """{"users": n, "users_reason": why 0 or None}: the sustained rate's count when the burst fits."""
    if not reachable:
        return {"users": 0, "users_reason": "no link rate meets the deadline"}
    if not fits:
        return {"users": 0, "users_reason": f"the burst does not fit the {what}"}
    return {"users": by_rate, "users_reason": None}


def cell_flows(evaluation, cell: Cell, transport=None) -> list[dict]:
    """`flow_load` of every flow of one scalar evaluation (`solver.evaluate`, with the same
    `transport` it was evaluated with, or None). The rate of a flow is `<dir>_data_rate`, or
    with a transport `<dir>_ip_rate`; the burst rate is that rate, or `<dir>_transport_rate`
    where the handshake and slow start ask more within the deadline; the sustained rate is
    `<dir>_sustained_rate` when the use case declares it (a payload once per period; x the
    transport's overhead factor), else the flow's rate (a flow that sends all the time)."""
    from .transport import parse_transport

    spec = None if transport is None else parse_transport(transport)
    out = []
    for direction in DIRECTIONS:
        flow = flow_burst(evaluation, direction, spec)
        if flow is None:
            continue
        if "infeasible" in flow:
            out.append({"direction": direction, "usecase": evaluation.usecase.id, "infeasible": flow["infeasible"]})
            continue
        prefix, ip_layer, rate, notes = direction.lower(), flow["ip_layer"], flow["rate"], flow["notes"]
        burst, burst_kpi, reachable, name = flow["burst"], flow["burst_kpi"], flow["reachable"], flow["kpi"]
        sustained = _mbps(evaluation, f"{prefix}_sustained_rate")
        stream = evaluation.kpis.get(f"{prefix}_sustained_rate")
        if stream is not None and not stream.applies_at():  # no stream (a single image): no sustained load
            sustained = 0.0
            notes.append(f"{prefix}_sustained_rate does not apply ({stream.reason_at()}): no sustained load")
        declared = sustained is not None
        if declared:
            sustained *= spec.overhead_factor if ip_layer else 1.0
        else:
            sustained = rate
            notes.append(f"no {prefix}_sustained_rate: the flow is taken to send all the time")
        entry = flow_load(direction, burst, sustained, cell, ip_layer, reachable)
        entry["duty_cycle"] = None if rate <= 0 else min(sustained / rate, 1.0)  # of the flow's own rate
        entry["usecase"] = evaluation.usecase.id
        entry["burst"]["kpi"] = burst_kpi
        entry["sustained"]["kpi"] = f"{prefix}_sustained_rate" if declared else name
        entry["notes"] += notes
        out.append(entry)
    return out


def flow_burst(evaluation, direction: str, spec) -> dict | None:
    """The rate one flow of `direction` needs while it sends (Mbit/s): `<dir>_data_rate`, or
    with a transport (`spec`, parsed) `<dir>_ip_rate`, raised to `<dir>_transport_rate` where
    the handshake and slow start ask more within the deadline. None: no such flow;
    {"infeasible": reason} where the rate itself is infeasible."""
    from .flows import flow_sources

    sources = flow_sources(evaluation.kpis, evaluation.parameters, direction)
    if sources is None or sources["rate"] is None:
        return None
    prefix = direction.lower()
    ip_layer = spec is not None and f"{prefix}_ip_rate" in evaluation.kpis
    name = f"{prefix}_ip_rate" if ip_layer else sources["rate"][1]
    rate = _mbps(evaluation, name)
    if rate is None:
        return {"infeasible": f"{name}: {evaluation.kpis[name].reason_at()}"}
    out = {"kpi": name, "rate": rate, "burst": rate, "burst_kpi": name, "reachable": True, "ip_layer": ip_layer,
           "notes": []}
    transport_rate = evaluation.kpis.get(f"{prefix}_transport_rate")
    if ip_layer and transport_rate is not None:
        needed = _mbps(evaluation, transport_rate.name)
        if needed is None:
            out["reachable"] = False
            out["notes"].append(f"no link rate meets the deadline, {transport_rate.name}: {transport_rate.reason_at()}")
        elif needed > rate:
            out["burst"], out["burst_kpi"] = needed, transport_rate.name
    return out


def _mbps(evaluation, name: str) -> float | None:
    result = evaluation.kpis.get(name)
    if result is None or not bool(result.feasible) or not units.same_dimension(result.unit, "bit/s"):
        return None
    return float(result.value) * units.base_factor(result.unit) / 1e6
