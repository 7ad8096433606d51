"""Where to split a model between device and server, and what each split asks of the UL.

For every split point of a model (zoo or ONNX), as Neurosurgeon (Kang et al., ASPLOS
2017) chooses one: the device computes up to the point, the UL carries the tensors
there, the server computes the rest. With MACs converted to operations (1 MAC = 2 op):

    t_device = device MACs / device speed       t_ul = payload / UL rate
    t_server = server MACs / server speed       latency = t_device + t_ul + t_server
    UL rate needed to meet a budget L = payload / (L - t_device - t_server)
    keeps up with frame rate F: max(t_device, t_ul, t_server) < 1/F   (DADS, pipelined stages)

Two splits answer two questions. The best split answers "what must the UL carry to meet
the latency budget L?": it is the split that needs the least UL rate to meet L (ties: the
lower latency, then the first). The fastest split answers "which is quickest at this UL
rate?": it has the least latency at R. Latency is C + P/R (compute C, payload P), so as R
grows the fastest split moves to larger payloads with less compute; the rates at which it
changes are the breakpoints of the lower envelope of those curves.
The returned result is not sent DL here (it is tiny next to the UL payloads).
All values are floats in base units: bit, second, op.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Sequence

from ..errors import UserError
from .records import Model, SplitPoint

OPS_PER_MAC = 2.0  # units.txt: MAC = 2 * operation


@dataclass(frozen=True)
class SplitSettings:
    bits_per_element: float | None  # None: each tensor's own dtype (ONNX)
    ul_rate: float  # bit/s
    latency: float  # s
    device_speed: float  # op/s
    server_speed: float  # op/s
    frame_rate: float | None = None  # 1/s


@dataclass(frozen=True)
class SplitRow:
    point: SplitPoint
    payload: float  # bit
    device_work: float  # op
    server_work: float  # op
    device_time: float  # s
    ul_time: float
    server_time: float
    latency: float
    ul_rate_needed: float | None  # bit/s; None when compute alone uses the budget up
    max_frame_rate: float | None  # 1/s: the slowest stage's rate; None when every stage takes no time
    keeps_up: bool | None  # None without a frame rate
    meets_latency: bool
    best: bool  # needs the least UL rate to meet the latency budget
    fastest: bool  # the least latency at the UL rate given
    fastest_from: float | None  # UL rates (bit/s) over which this split is the fastest: [from, to)
    fastest_to: float | None  # None: unbounded above (fastest_from 0.0: from the lowest rates)

    @property
    def compute_time(self) -> float:
        return self.device_time + self.server_time


@dataclass(frozen=True)
class Change:
    ul_rate: float  # bit/s
    before: str  # the fastest split just below this rate
    after: str  # the fastest split above it


@dataclass(frozen=True)
class SplitAnalysis:
    model: Model
    settings: SplitSettings
    rows: tuple[SplitRow, ...]
    best: str | None  # None: compute alone uses the budget up at every split
    fastest: str
    changes: tuple[Change, ...]  # where the fastest split changes with the UL rate


def analyse(model: Model, settings: SplitSettings) -> SplitAnalysis:
    _check(model, settings)
    total = model.macs * OPS_PER_MAC
    plain = []
    for p in model.points:
        device = p.device_macs * OPS_PER_MAC
        payload = p.payload_bits(settings.bits_per_element)
        plain.append((p, payload, device, total - device))
    costs = [(payload, device / settings.device_speed + server / settings.server_speed)
             for _, payload, device, server in plain]
    latencies = [compute + payload / settings.ul_rate for payload, compute in costs]
    fastest = min(range(len(plain)), key=lambda i: (latencies[i], i))
    changes = fastest_split_changes(costs)
    ranges = _fastest_ranges(len(plain), changes, costs)
    rows = [_row(p, payload, device, server, settings, i == fastest, ranges.get(i))
            for i, (p, payload, device, server) in enumerate(plain)]
    best = _least_rate(rows, latencies)
    if best is not None:
        rows[best] = replace(rows[best], best=True)
    named = tuple(Change(rate, plain[i][0].name, plain[j][0].name) for rate, i, j in changes)
    return SplitAnalysis(model, settings, tuple(rows), None if best is None else plain[best][0].name,
                         plain[fastest][0].name, named)


def _least_rate(rows: list[SplitRow], latencies: list[float]) -> int | None:
    """The split that meets the latency budget with the least UL rate (ties: the lower
    latency, then the first); None when compute alone uses the budget up everywhere."""
    able = [i for i, r in enumerate(rows) if r.ul_rate_needed is not None]
    return min(able, key=lambda i: (rows[i].ul_rate_needed, latencies[i], i)) if able else None


def _check(model: Model, settings: SplitSettings) -> None:
    if model.macs is None:
        unknown = next((n for n in model.notes if n.startswith("MACs unknown")), "MACs unknown")
        raise UserError(f"{model.id}: compute times need every layer's MACs; {unknown}")
    for name, value in (("--ul-rate", settings.ul_rate), ("--latency", settings.latency),
                        ("--device-speed", settings.device_speed), ("--server-speed", settings.server_speed),
                        ("--frame-rate", settings.frame_rate), ("--bits", settings.bits_per_element)):
        if value is not None and not value > 0:
            raise UserError(f"{name} must be positive")


def _row(p: SplitPoint, payload: float, device: float, server: float, s: SplitSettings, fastest: bool,
         fastest_range: tuple[float, float | None] | None) -> SplitRow:
    t_device, t_ul, t_server = device / s.device_speed, payload / s.ul_rate, server / s.server_speed
    latency = t_device + t_ul + t_server
    window = s.latency - t_device - t_server
    slowest = max(t_device, t_ul, t_server)
    return SplitRow(
        point=p, payload=payload, device_work=device, server_work=server,
        device_time=t_device, ul_time=t_ul, server_time=t_server, latency=latency,
        ul_rate_needed=payload / window if window > 0 else None,
        max_frame_rate=1.0 / slowest if slowest > 0 else None,  # nothing to compute or send: no limit
        keeps_up=None if s.frame_rate is None else slowest < 1.0 / s.frame_rate,
        meets_latency=latency <= s.latency,
        best=False,  # set by analyse(): it compares the rows
        fastest=fastest,
        fastest_from=fastest_range[0] if fastest_range else None,
        fastest_to=fastest_range[1] if fastest_range else None,
    )


def fastest_split_changes(costs: Sequence[tuple[float, float]]) -> list[tuple[float, int, int]]:
    """(UL rate, from, to) where the fastest split changes, by rising rate.

    `costs` holds (payload P, compute time C) per split; latency at rate R is C + P/R,
    a line in x = 1/R with slope P. Near R = 0 (large x) the smallest payload wins (ties:
    least compute, then the first); as R rises the fastest split moves along the lower
    envelope of those lines to larger payloads and less compute, and split j takes over
    from i at R = (P_j - P_i) / (C_i - C_j). Where several take over at one rate, the
    largest payload wins (it stays ahead above that rate).

    The envelope is built once over the lines sorted by payload (a convex-hull pass), so
    the work grows as n log n in the number of splits, not n times the number of changes.
    """
    if not costs or not all(math.isfinite(p) and math.isfinite(c) for p, c in costs):
        return []  # a payload or time past floating point: no rate is meaningful (the result is refused)
    order = sorted(range(len(costs)), key=lambda i: (costs[i][0], costs[i][1], i))
    hull: list[int] = []
    exact = [(Fraction(p), Fraction(c)) for p, c in costs]  # the comparisons decide ties exactly
    for j in order:
        p_j, c_j = exact[j]
        if hull and exact[hull[-1]][0] == p_j:
            continue  # same payload, no less compute (sorted): never strictly better
        while len(hull) >= 2:
            (p_1, c_1), (p_2, c_2) = exact[hull[-2]], exact[hull[-1]]
            # the middle line is never lowest if j meets line 1 at an x no smaller than line 2 does
            if (c_1 - c_2) * (p_j - p_2) <= (c_2 - c_j) * (p_2 - p_1):
                hull.pop()
            else:
                break
        hull.append(j)
    changes: list[tuple[float, int, int]] = []
    for i, j in zip(hull, hull[1:]):
        (p_i, c_i), (p_j, c_j) = costs[i], costs[j]
        if not c_j < c_i:
            break  # j is lower only at negative rates; so is the rest of the envelope
        rate = (p_j - p_i) / (c_i - c_j)
        if changes and changes[-1][0] >= rate:  # equal once rounded: i holds no rates of its own
            changes[-1] = (changes[-1][0], changes[-1][1], j)
        else:
            changes.append((rate, i, j))
    return changes


def _fastest_ranges(count: int, changes, costs) -> dict[int, tuple[float, float | None]]:
    """Split index -> the UL rates [from, to) over which it is the fastest."""
    if not count:
        return {}
    first = changes[0][1] if changes else min(range(count), key=lambda i: (costs[i][0], costs[i][1], i))
    ranges, start, current = {}, 0.0, first
    for rate, _, nxt in changes:
        ranges[current] = (start, rate)
        start, current = rate, nxt
    ranges[current] = (start, None)
    return ranges


# --- settings from text (the CLI's options) ------------------------------------------------

# option -> (a unit of the expected dimension, example); a bare number is refused (units.advice)
OPTION_UNITS = {
    "--bits": ("bit", "8 bit"),
    "--ul-rate": ("Mbit/s", "100 Mbit/s"),
    "--latency": ("ms", "50 ms"),
    "--frame-rate": ("fps", "30 fps"),
    "--device-speed": ("TOPS", "1 TOPS"),
    "--server-speed": ("TOPS", "100 TOPS"),
}


def parse_option(option: str, text: str, notes: list[str]) -> float:
    """An option's text, with its unit, as a positive base-unit magnitude."""
    from ..units import registry as units
    from ..units.advice import require_unit

    like, example = OPTION_UNITS[option]
    require_unit(text, f"{option} {text.strip()}", example)
    quantity = units.parse_quantity(text, what=option)
    if not units.same_dimension(quantity, like):
        raise UserError(f"{option} '{text}' is {units.dimension_text(quantity)}, expected"
                        f" {units.dimension_text(units.parse_unit(like))} (e.g. {example})")
    value = float(units.to_base(quantity))
    if not value > 0:
        raise UserError(f"{option} must be positive, got '{text}'")
    return value


def settings_from_text(*, bits: str | None, ul_rate: str, latency: str, device_speed: str, server_speed: str,
                       frame_rate: str | None = None) -> tuple[SplitSettings, list[str]]:
    notes: list[str] = []
    settings = SplitSettings(
        bits_per_element=None if bits is None else parse_option("--bits", bits, notes),
        ul_rate=parse_option("--ul-rate", ul_rate, notes),
        latency=parse_option("--latency", latency, notes),
        device_speed=parse_option("--device-speed", device_speed, notes),
        server_speed=parse_option("--server-speed", server_speed, notes),
        frame_rate=None if frame_rate is None else parse_option("--frame-rate", frame_rate, notes),
    )
    return settings, notes
