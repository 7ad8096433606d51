"""Which standardized 5QIs (TS 23.501 Table 5.7.4-1) can carry each flow of a use case, and
what must be signalled beyond their defaults.

A flow is one direction (UL or DL) of a use case that has a KPI `<dir>_data_rate`,
`<dir>_latency`, `<dir>_payload` or `<dir>_reliability` (split image recognition's DL
carries only the inference result, for which TS 22.261 gives just a reliability). What it
asks for:

- latency: the time the flow really has: the KPI `<dir>_transfer_window` (the latency
  budget less compute), else the KPI `<dir>_latency`, else the use case's parameter
  `latency` (a note says which, and why);
- PER: 1 - `<dir>_reliability`;
- burst: `<dir>_payload`, else for DL the model size (KPI `model_size`, else parameter);
- rate: `<dir>_data_rate` (the GFBR a GBR 5QI must be given).

A 5QI can carry a flow when its whole PDB <= the flow's latency and its PER <= the flow's
PER. The whole PDB, not its radio part (PDB less the core-network part): the PDB bounds
the delay between UE and UPF, all of which lies inside the end-to-end latency, so a 5QI
whose radio part fits but whose PDB does not may deliver packets later than the flow
allows. The radio part is shown as the budget the RAN gets. A requirement the use case
does not state is not checked, and a note says so.

Beyond the defaults: a GBR or delay-critical GBR 5QI needs the flow's rate as GFBR (there
is no default); a delay-critical GBR 5QI needs a signalled MDBV when the burst exceeds its
default MDBV (a standardized 5QI may be used with a signalled, non-default MDBV).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from ..units import registry as units
from ..units.numbers import clean_number
from .flows import FLOW_KPIS, flow_sources  # noqa: F401 (FLOW_KPIS: part of qos's interface)

SOURCE = "TS 23.501 Table 5.7.4-1"
TOLERANCE = 1e-9  # relative; 1 - 99.9 % is 0.0010000000000000009 in floats
DIMENSIONS = {"rate": "bit/s", "latency": "s", "burst": "bit", "reliability": ""}
LATE_PACKETS = ("GBR and Non-GBR 5QIs do not count packets later than the PDB in their PER;"
                " only delay-critical GBR 5QIs count them as lost")


@dataclass(frozen=True)
class FiveQi:
    number: int
    resource_type: str  # GBR, Non-GBR, Delay-critical GBR
    priority: int
    pdb_ms: float
    per: float
    mdbv_bytes: int | None  # default MDBV, delay-critical GBR only
    aw_ms: int | None  # default averaging window, GBR types only
    cn_pdb_ms: float | None  # static core-network part of the PDB; None where the table names none
    examples: str = ""  # the table's example services

    @property
    def tags(self) -> tuple[str, ...]:
        """What the example services say a user should notice: voice, mission-critical."""
        text = self.examples.lower()
        tags = []
        if "mission critical" in text and "non-mission" not in text:
            tags.append("mission-critical")
        if "voice" in text:
            tags.append("voice")
        return tuple(tags)

    @property
    def radio_pdb_ms(self) -> float | None:
        return None if self.cn_pdb_ms is None else self.pdb_ms - self.cn_pdb_ms


@functools.lru_cache(maxsize=1)
def standardized() -> tuple[FiveQi, ...]:
    """TS 23.501 Table 5.7.4-1, from catalog/_data/5qi.csv."""
    from .reftables import rows

    def number(text: str, kind=float):
        return kind(text) if text else None

    return tuple(FiveQi(int(r["five_qi"]), r["resource_type"], int(r["priority"]), float(r["pdb_ms"]),
                        float(r["per"]), number(r["mdbv_bytes"], int), number(r["aw_ms"], int), number(r["cn_pdb_ms"]),
                        r.get("example_services", ""))
                 for r in rows("5qi.csv"))


def five_qi(number: int) -> FiveQi:
    return next(q for q in standardized() if q.number == number)


@functools.lru_cache(maxsize=1)
def named() -> dict[tuple[str, str], tuple[tuple[int, str], ...]]:
    """{(use case id, direction): ((5QI, part of the flow), ...)} that TS 23.501 names itself."""
    from .reftables import rows

    out: dict[tuple[str, str], tuple[tuple[int, str], ...]] = {}
    for r in rows("5qi-named.csv"):
        key = (r["usecase"], r["direction"])
        out[key] = out.get(key, ()) + ((int(r["five_qi"]), r["part"]),)
    return out


# --- flows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One value a flow asks for, and the KPI or parameter it comes from."""

    source: str  # "kpi ul_latency" or "parameter latency"
    value: float  # in `unit`
    unit: str
    base: float  # in base units: bit, s, bit/s, or a plain fraction

    def json(self) -> dict:
        return {"value": clean_number(self.value), "unit": self.unit, "source": self.source}


@dataclass(frozen=True)
class Flow:
    usecase: str
    direction: str
    anchor: str  # the KPI row the flow is shown beside in CSV
    rate: Requirement | None
    latency: Requirement | None
    burst: Requirement | None
    reliability: Requirement | None
    notes: tuple[str, ...]

    @property
    def latency_ms(self) -> float | None:
        return None if self.latency is None else self.latency.base * 1e3

    @property
    def per(self) -> float | None:
        if self.reliability is None:
            return None
        # in decimals, so that 99.999 % gives 1e-05 and not 1.00000000001e-05
        r = self.reliability
        return float(1 - Decimal(repr(clean_number(r.value))) * Decimal(repr(units.base_factor(r.unit))))

    @property
    def burst_bytes(self) -> float | None:
        return None if self.burst is None else self.burst.base / 8


def flows_of(evaluation) -> list[Flow]:
    """The UL and DL flows of one evaluated use case (see the module docstring)."""
    flows = []
    for direction in ("UL", "DL"):
        sources = flow_sources(evaluation.kpis, evaluation.parameters, direction)
        if sources is None:
            continue
        notes: list[str] = []

        def read(kind: str) -> Requirement | None:
            source = sources[kind]
            if source is None:
                return None
            origin, name = source
            if origin == "kpi":
                return _from_kpi(evaluation, name, kind, notes)
            return _from_parameter(evaluation, name, kind, notes)

        latency, reliability, burst = read("latency"), read("reliability"), read("burst")
        notes.append(_latency_origin(evaluation, direction, latency))
        notes += [f"no {what}: {check} not checked" for what, value, check in (
            ("latency", latency, "PDB"), ("reliability", reliability, "PER")) if value is None]
        flows.append(Flow(evaluation.usecase.id, direction, sources["anchor"][1], read("rate"),
                          latency, burst, reliability, tuple(notes)))
    return flows


def _latency_origin(evaluation, direction: str, latency: Requirement | None) -> str:
    """Where the flow's latency comes from, in words."""
    if latency is None:
        return f"latency: the use case gives none for the {direction}"
    kind, _, name = latency.source.partition(" ")
    if kind == "kpi":
        kpi = evaluation.usecase.kpis[name]
        if name.endswith("transfer_window"):
            return (f"latency: {name} ({kpi.formula.text}), the time the {direction} transfer really has once"
                    f" compute is taken out of the latency budget")
        return f"latency: {name} ({kpi.label})"
    parameter = evaluation.usecase.parameters[name]
    return (f"latency: the use case gives no {direction} latency, so its parameter {name}"
            f" ({parameter.description or 'the latency budget'}) stands in for it")


def _from_kpi(evaluation, name: str, kind: str, notes: list[str]) -> Requirement | None:
    result = evaluation.kpis[name]
    if not units.same_dimension(result.unit, DIMENSIONS[kind]):
        notes.append(f"{name} ({result.unit}) is not a {kind}; not used")
        return None
    if not result.applies_at():
        notes.append(f"{name} does not apply ({result.reason_at()}); not used")
        return None
    if not bool(result.feasible):
        notes.append(f"{name} is infeasible ({result.reason_at()}); its {kind} is not used")
        return None
    value = float(result.value)
    return Requirement(f"kpi {name}", value, result.unit, value * units.base_factor(result.unit))


def _from_parameter(evaluation, name: str, kind: str, notes: list[str]) -> Requirement | None:
    parameter = evaluation.parameters.get(name)
    if parameter is None:
        return None
    quantity = parameter.quantity
    if not units.same_dimension(quantity, DIMENSIONS[kind]):
        notes.append(f"parameter {name} is not a {kind}; not used")
        return None
    return Requirement(f"parameter {name}", float(quantity.magnitude), units.format_unit(quantity.units),
                       float(units.to_base(quantity)))


# --- 5QIs for a flow -----------------------------------------------------------------------


def shortfalls(flow: Flow, q: FiveQi) -> list[str]:
    """Why `q` cannot carry `flow` (empty when it can)."""
    reasons = []
    if flow.latency_ms is not None and q.pdb_ms > flow.latency_ms * (1 + TOLERANCE):
        reasons.append(f"PDB {q.pdb_ms:g} ms > latency {flow.latency_ms:g} ms")
    if flow.per is not None and q.per > flow.per * (1 + TOLERANCE):
        reasons.append(f"PER {q.per:g} > {flow.per:g}")
    return reasons


def signalling(flow: Flow, q: FiveQi) -> list[dict]:
    """What a QoS flow on `q` must signal beyond the 5QI's defaults to carry `flow`."""
    items = []
    if q.resource_type != "Non-GBR":
        rate = None if flow.rate is None else {"value": clean_number(flow.rate.value), "unit": flow.rate.unit}
        items.append({"parameter": "GFBR", "value": rate, "default": None, "ratio": None})
    burst = flow.burst_bytes
    if q.mdbv_bytes is not None and burst is not None and burst > q.mdbv_bytes * (1 + TOLERANCE):
        items.append({"parameter": "MDBV", "value": {"value": clean_number(burst), "unit": "byte"},
                      "default": {"value": q.mdbv_bytes, "unit": "byte"}, "ratio": clean_number(burst / q.mdbv_bytes)})
    return items


def candidates(flow: Flow) -> list[FiveQi]:
    """The standardized 5QIs that can carry `flow`, loosest first (largest PDB, then largest PER)."""
    return sorted((q for q in standardized() if not shortfalls(flow, q)), key=lambda q: (-q.pdb_ms, -q.per, q.number))


def flow_json(flow: Flow) -> dict:
    fits = candidates(flow)
    named_here = [{"five_qi": n, "part": part, "carries": not shortfalls(flow, five_qi(n)),
                   "shortfalls": shortfalls(flow, five_qi(n)), "signalling": signalling(flow, five_qi(n))}
                  for n, part in named().get((flow.usecase, flow.direction), ())]
    notes = list(flow.notes)
    if flow.reliability is not None and any(q.resource_type != "Delay-critical GBR" for q in fits):
        notes.append(LATE_PACKETS)
    return {
        "usecase": flow.usecase,
        "direction": flow.direction,
        "kpi": flow.anchor,
        **{key: (None if r is None else r.json()) for key, r in (
            ("rate", flow.rate), ("latency", flow.latency), ("burst", flow.burst), ("reliability", flow.reliability))},
        "per": flow.per,
        "named": named_here,
        "candidates": [{**_five_qi_json(q), "signalling": signalling(flow, q)} for q in fits],
        "verdict": _verdict(flow, fits, named_here),
        "notes": notes,
        "source": SOURCE,
    }


def _five_qi_json(q: FiveQi) -> dict:
    def ms(value):
        return None if value is None else {"value": value, "unit": "ms"}

    return {"five_qi": q.number, "resource_type": q.resource_type, "priority": q.priority, "pdb": ms(q.pdb_ms),
            "radio_pdb": ms(q.radio_pdb_ms), "per": q.per,
            "default_mdbv": None if q.mdbv_bytes is None else {"value": q.mdbv_bytes, "unit": "byte"},
            "averaging_window": ms(q.aw_ms), "example_services": q.examples, "tags": list(q.tags)}


def _verdict(flow: Flow, fits: list[FiveQi], named_here: list[dict]) -> str:
    if named_here and all(n["carries"] for n in named_here):
        return f"{_named_text(named_here)}, named by TS 23.501"
    if not fits:
        needs = " and ".join(t for t in (
            f"PDB <= {flow.latency_ms:g} ms" if flow.latency_ms is not None else "",
            f"PER <= {flow.per:g}" if flow.per is not None else "") if t)
        return f"no standardized 5QI can carry it (it needs {needs}): a non-standardized 5QI must be signalled"
    lead = f"{_named_text(named_here)}, named by TS 23.501, cannot carry it; " if named_here else ""
    return f"{lead}{len(fits)} standardized 5QI{'s' if len(fits) > 1 else ''} can"


def _named_text(named_here: list[dict]) -> str:
    if len(named_here) == 1:
        return f"5QI {named_here[0]['five_qi']}"
    return "5QIs " + ", ".join(f"{n['five_qi']} ({n['part']})" for n in named_here)


def usecase_flows(evaluations) -> list[dict]:
    """Every flow of every evaluation, as `usecase --qos --format json` prints them."""
    return [flow_json(flow) for ev in evaluations for flow in flows_of(ev)]

