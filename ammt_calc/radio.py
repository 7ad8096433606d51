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
(`ul_layers=2`) applies to that direction only and wins over the plain one.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Mapping

from . import units
from .catalog import suggest
from .errors import UserError

R_MAX = 948 / 1024
SUBCARRIERS_PER_PRB = 12
SYMBOLS_PER_SLOT = 14  # normal cyclic prefix
MODULATION_ORDER = {"QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8, "1024QAM": 10}
SCALING_FACTORS = (1.0, 0.8, 0.75, 0.4)
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
    from .refdata import rows

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


def parse_spec(text: str, option: str) -> dict[str, str]:
    """`key=value,key=value` as a dict; unknown or repeated keys are refused."""
    known = SPEC_KEYS + tuple(f"{d.lower()}_{k}" for d in DIRECTIONS for k in SPEC_KEYS)
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
    bandwidth = _frequency(mine["bandwidth"], "MHz", "bandwidth", notes)
    scs = _frequency(mine["scs"], "kHz", "scs", notes)
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


def _frequency(text: str, unit: str, what: str, notes: list[str]) -> float:
    quantity = units.parse_quantity(text, default_unit=unit, what=what)
    if not units.same_dimension(quantity, unit):
        raise UserError(f"{what} {text!r} is not a frequency (e.g. 100 MHz, 30 kHz)")
    if units.is_bare_number(text):
        notes.append(f"{what}={text.strip()} taken as {text.strip()} {unit}")
    value = round(float(quantity.to(units.parse_unit(unit)).magnitude), 6)  # 0.1 GHz -> 100.0, not 100.00000000000001
    if value <= 0:
        raise UserError(f"{what} {text!r} must be positive")
    return value


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
    if not re.fullmatch(r"\s*[0-9]+\s*", text) or not 1 <= int(text) <= MAX_LAYERS:
        raise UserError(f"layers {text!r} is not a whole number from 1 to {MAX_LAYERS}")
    return int(text)


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
    """One NR carrier, in both directions, that use cases are sized against."""

    spec: str
    dl: Carrier
    ul: Carrier

    def carrier(self, direction: str) -> Carrier:
        return self.dl if direction == "DL" else self.ul


def parse_cell(text: str, notes: list[str]) -> Cell:
    if re.search(r"(^|,)\s*direction\s*=", text, re.IGNORECASE):
        raise UserError("--cell: the cell is sized in both directions (UL KPIs against its UL peak, DL KPIs"
                        " against its DL peak); give one direction's values with a prefix, e.g. ul_layers=2")
    fields = parse_spec(text, "--cell")
    if "tdd" in fields and _PATTERN.fullmatch(fields["tdd"].strip().upper()) is None:
        raise UserError(f"--cell: tdd {fields['tdd']!r} would give DL and UL the same share; write a slot pattern"
                        " (tdd=DDDSU) or dl_tdd=... and ul_tdd=...")
    return Cell(text, make_carrier(fields, "DL", notes, "--cell"), make_carrier(fields, "UL", notes, "--cell"))


def cell_share(value_mbps: float, direction: str, cell: Cell) -> dict:
    """The share of the cell's peak rate in `direction` one user at `value_mbps` takes, and how many fit."""
    peak = cell.carrier(direction).peak_rate_mbps
    fits = value_mbps <= peak
    # the small epsilon keeps float noise (9.999999999) from costing a whole user
    users = math.floor(peak / value_mbps + 1e-9) if value_mbps > 0 else None
    return {"share": 100 * value_mbps / peak, "users": users, "fits": fits}
