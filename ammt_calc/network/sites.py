"""A link budget from option texts (`ammt-calc link`, `api.link`): the site, both directions'
radios with their M.2412 defaults, the carrier from the N_PRB table, distances as a range
or a list, and the documents of the curve and of each flow's reach.

The physics is in `link.py`; this module reads units, picks defaults and says where each
number came from.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError, suggest
from ..units import registry as units
from ..units.numbers import NUMBER, clean_number, is_bare_number
from . import cells
from . import linkbudget as L

MAX_DISTANCES = 1_000_000
DEFAULT_CONDITION = "mixed"
DEFAULT_SCS = "30kHz"
DEFAULT_LAYERS = 4  # DL; the UL takes cells.HANDSET_UL_LAYERS
_DECIBEL = re.compile(rf"\s*({NUMBER})\s*(dBm|dBi|dB)\s*", re.IGNORECASE)


@dataclass
class Setup:
    """Everything one link budget needs, and the record of where each value came from."""

    site: L.Site
    radios: dict  # "DL"/"UL" -> link.Radio
    resources: dict  # "DL"/"UL" -> link.Resources
    carriers: dict  # "DL"/"UL" -> cells.Carrier
    share: float
    values: list = field(default_factory=list)  # {"name", "value", "unit", "source"}
    notes: list = field(default_factory=list)

    def record(self, name: str, value: float, unit: str, source: str) -> None:
        self.values.append({"name": name, "value": clean_number(value), "unit": unit, "source": source})

    def document(self) -> dict:
        return describe(self)


def build(scenario: str, condition: str | None, fc: str, bandwidth: str, options: dict) -> Setup:
    """A Setup from texts. `options` (None = the default): scs, layers, ul_layers, tdd,
    bs_height, ut_height, building_height, street_width, coverage, extra_loss, bs_power,
    ue_power, bs_gain, ue_gain, bs_noise_figure, ue_noise_figure, interference_margin,
    sinr_max, share, dl_alpha, ul_alpha, sinr_min, dl_se_max, ul_se_max."""
    opt = {k: v for k, v in options.items() if v is not None}
    unknown = set(opt) - set(OPTIONS)
    if unknown:
        raise UserError(f"link has no option '{sorted(unknown)[0]}'; options: {', '.join(OPTIONS)}")
    notes: list[str] = []
    _with_units({"bandwidth": bandwidth, "scs": opt.get("scs")})
    scenario = (scenario or "").strip().lower()
    site = L.make_site(scenario, (condition or DEFAULT_CONDITION).strip().lower(), _fc_ghz(fc),
                       _length(opt, "bs_height"), _length(opt, "ut_height"), _length(opt, "building_height"),
                       _length(opt, "street_width"), _share(opt.get("coverage", "50%"), "coverage"),
                       _db(opt, "extra_loss", "dB", 0.0))
    carriers = _carriers(bandwidth, opt, notes)
    share = _share(opt.get("share", "100%"), "share")
    setup = Setup(site, {}, {}, carriers, share, notes=notes)
    _radios(setup, opt)
    return setup


def _with_units(given: dict) -> None:
    """--bandwidth 100 and --scs 30 are refused as the options they are (--cell reads them as bandwidth=100)."""
    from ..units.advice import require_unit

    for name, example in (("bandwidth", "100 MHz"), ("scs", "30 kHz")):
        if given.get(name) is not None:
            require_unit(str(given[name]), f"--{name} {str(given[name]).strip()}", example)


OPTIONS = ("scs", "layers", "ul_layers", "tdd", "bs_height", "ut_height", "building_height", "street_width",
           "coverage", "extra_loss", "bs_power", "ue_power", "bs_gain", "ue_gain", "bs_noise_figure",
           "ue_noise_figure", "interference_margin", "sinr_max", "share", "dl_alpha", "ul_alpha", "sinr_min",
           "dl_se_max", "ul_se_max")


CELL_FORM = "site=uma|umi|rma|inh,fc=3.5GHz,bandwidth=100MHz[,los|nlos|mixed][,coverage=95%][,share=20%]"


def parse_site_cell(text: str, notes: list[str]) -> Setup:
    """A `--cell site=...` spec as a Setup: `site`, `fc` and `bandwidth` (required), a bare
    `los`, `nlos` or `mixed` (default mixed), and any option of `build` as key=value
    (`coverage=95%`, `share=20%`, `tdd=DDDSU`, `bs_power=46dBm`, ...)."""
    fields: dict[str, str] = {}
    condition = None
    for item in (part.strip() for part in str(text).split(",")):
        key, sep, value = (part.strip() for part in item.partition("="))
        key = key.lower().replace("-", "_")
        if not sep and key in L.CONDITIONS:
            if condition is not None:
                raise UserError(f"--cell: give one of {', '.join(L.CONDITIONS)}, not {condition} and {key}")
            condition = key
            continue
        known = ("site", "fc", "bandwidth") + OPTIONS
        if not sep or not value or key not in known:
            hint = suggest(key, known + L.CONDITIONS) if key else ""
            raise UserError(f"--cell: {item!r} is not one of the site's fields{hint}; expected {CELL_FORM}"
                            " or another link option as key=value (`ammt-calc docs network`)")
        if key in fields:
            raise UserError(f"--cell: {key!r} is given twice")
        fields[key] = value
    missing = [k for k in ("site", "fc", "bandwidth") if k not in fields]
    if missing:
        raise UserError(f"--cell: {', '.join(missing)} missing; expected {CELL_FORM}")
    try:
        setup = build(fields.pop("site"), condition, fields.pop("fc"), fields.pop("bandwidth"), fields)
    except UserError as exc:
        raise UserError(f"--cell: {_as_fields(str(exc))}") from None
    notes += [_as_fields(n) for n in setup.notes]
    return setup


def _as_fields(text: str) -> str:
    """A note or error of `link` ("give --scs", "--bs-power '46'") in the spec's words ("scs=...")."""
    return re.sub(r"--([a-z][a-z-]*)(?: ('[^']*'|[^\s,;)]+))?",
                  lambda m: f"{m[1].replace('-', '_')}={m[2].strip(chr(39)) if m[2] else '...'}", text)


def site_label(setup: Setup) -> str:
    """The site in a few words: "UMa NLOS, 3.5 GHz, 100 MHz, 95 % coverage, 20 % share"."""
    site, carrier = setup.site, setup.carriers["DL"]
    out = f"{site.table.title} {site.condition.upper()}, {site.fc_ghz:g} GHz, {carrier.bandwidth_mhz:g} MHz"
    if site.coverage != 0.5:
        out += f", {100 * site.coverage:g} % coverage"
    return out + (f", {100 * setup.share:g} % of the PRBs" if setup.share != 1 else "")


def _carriers(bandwidth: str, opt: dict, notes: list[str]) -> dict:
    if "scs" not in opt:
        notes.append(f"subcarrier spacing {DEFAULT_SCS} (default; give --scs)")
    layers = str(opt.get("layers", DEFAULT_LAYERS))
    fields = {"bandwidth": str(bandwidth), "scs": str(opt.get("scs", DEFAULT_SCS)), "layers": layers,
              "modulation": "256QAM", "ul_layers": str(opt.get("ul_layers", min(int(cells.parse_layers(layers)),
                                                                              cells.HANDSET_UL_LAYERS)))}
    if "tdd" in opt:
        fields["tdd"] = str(opt["tdd"])
    else:
        notes.append("no TDD pattern: each direction has every symbol, as FDD (give --tdd DDDSU for a TDD band)")
    return {d: cells.make_carrier(fields, d, notes, "link") for d in L.SHANNON}


def _radios(setup: Setup, opt: dict) -> None:
    site, dl_carrier = setup.site, setup.carriers["DL"]
    row, row_notes = L.defaults_for(site.scenario, site.fc_ghz)
    setup.notes += row_notes
    bw = dl_carrier.bandwidth_mhz
    scaled = f"{row.source}: {row.bs_power_dbm:g} dBm per {row.bs_power_bandwidth_mhz:g} MHz, at the same power" \
             f" spectral density over {bw:g} MHz"
    bs_power = _given_or(setup, opt, "bs_power", "dBm", row.bs_power_for(bw), scaled)
    ue_power = _given_or(setup, opt, "ue_power", "dBm", row.ue_power_dbm, f"{row.source}: UE power class")
    bs_gain = _given_or(setup, opt, "bs_gain", "dBi", row.bs_gain_dbi, f"{row.source}: BS antenna element gain")
    ue_gain = _given_or(setup, opt, "ue_gain", "dBi", row.ue_gain_dbi, f"{row.source}: UE antenna element gain")
    bs_nf = _given_or(setup, opt, "bs_noise_figure", "dB", row.bs_noise_figure_db, f"{row.source}: BS noise figure")
    ue_nf = _given_or(setup, opt, "ue_noise_figure", "dB", row.ue_noise_figure_db, f"{row.source}: UE noise figure")
    margin = _given_or(setup, opt, "interference_margin", "dB", 0.0, "single cell: no interference unless given")
    ceiling = _given_or(setup, opt, "sinr_max", "dB", math.inf, "single cell: no SINR ceiling unless given")
    sinr_min = _given_or(setup, opt, "sinr_min", "dB", L.SHANNON["DL"][1], f"{L.SHANNON_SOURCE}, Tables A.1/A.2")
    ends = {"DL": (bs_power, bs_gain, ue_gain, ue_nf, True), "UL": (ue_power, ue_gain, bs_gain, bs_nf, False)}
    for direction, (power, tx_gain, rx_gain, nf, follows) in ends.items():
        low = direction.lower()
        alpha = _ratio(setup, opt, f"{low}_alpha", L.SHANNON[direction][0],
                       f"{L.SHANNON_SOURCE}, Table A.{1 if direction == 'DL' else 2}")
        se_max = _ratio(setup, opt, f"{low}_se_max", L.NR_SE_MAX, L.NR_SE_MAX_SOURCE, "bit/s/Hz")
        carrier = setup.carriers[direction]
        setup.radios[direction] = L.Radio(direction, power, tx_gain, rx_gain, nf, alpha, sinr_min, se_max,
                                          carrier.layers, margin, ceiling, follows)
        setup.resources[direction] = L.Resources(carrier.n_prb * cells.SUBCARRIERS_PER_PRB / carrier.symbol_duration_s,
                                                 carrier.n_prb * cells.SUBCARRIERS_PER_PRB * carrier.scs_khz * 1e3,
                                                 carrier.overhead, carrier.tdd_share, carrier.scaling)


def _given_or(setup: Setup, opt: dict, name: str, unit: str, default: float, source: str) -> float:
    value = _db(opt, name, unit, None)
    if value is None:
        value = default
    else:
        source = "given"
    if math.isfinite(value):
        setup.record(name, value, unit, source)
    return value


def _ratio(setup: Setup, opt: dict, name: str, default: float, source: str, unit: str = "") -> float:
    if name not in opt:
        setup.record(name, default, unit, source)
        return default
    text = str(opt[name]).strip()
    if unit and text.endswith(unit):
        text = text[: -len(unit)].strip()
    if not is_bare_number(text) or not 0 < float(text) < 100:
        raise UserError(f"{name.replace('_', '-')} {opt[name]!r} must be a positive number"
                        f"{' of ' + unit if unit else ''} (e.g. {default:.4g})")
    setup.record(name, float(text), unit, "given")
    return float(text)


def _db(opt: dict, name: str, unit: str, default):
    """A value in dB, dBm or dBi, written with that unit (`46dBm`); a bare number is refused."""
    if name not in opt:
        return default
    text = str(opt[name])
    match = _DECIBEL.fullmatch(text)
    if match is None or match[2].lower() != unit.lower():
        fix = f"write it with its unit, e.g. {'46' if unit == 'dBm' else '3'}{unit}"
        raise UserError(f"--{name.replace('_', '-')} {text.strip()!r} is not a value in {unit}: {fix}")
    value = float(match[1])
    if not math.isfinite(value):
        raise UserError(f"--{name.replace('_', '-')} {text.strip()!r} must be finite")
    return value


def _fc_ghz(text) -> float:
    return _with_unit(text, "GHz", "--fc", "3.5 GHz")


def _length(opt: dict, name: str) -> float | None:
    if name not in opt:
        return None
    return _with_unit(opt[name], "m", f"--{name.replace('_', '-')}", "25 m")


def _with_unit(text, unit: str, what: str, example: str) -> float:
    from ..units.advice import require_unit

    text = str(text).strip()
    require_unit(text, f"{what} {text}", example)
    quantity = units.parse_quantity(text, what=what)
    if not units.same_dimension(quantity, unit):
        raise UserError(f"{what} {text!r} is not a {'length' if unit == 'm' else 'frequency'} (e.g. {example})")
    value = float(quantity.to(units.parse_unit(unit)).magnitude)
    if not math.isfinite(value) or value < 0:
        raise UserError(f"{what} {text!r} must be a finite value of 0 or more")
    return value


def _share(text, what: str) -> float:
    """0.95, 95 % or 95%: a fraction from 0 to 1."""
    quantity = units.parse_quantity(str(text), what=what)
    value = units.to_base(quantity) if units.same_dimension(quantity, "") else math.nan
    if what == "share" and not 0 < value <= 1:
        raise UserError(f"share {text!r} must be above 0 and at most 1 (100 %)")
    if not math.isfinite(value):
        raise UserError(f"{what} {text!r} is not a probability (e.g. 95%)")
    return float(value)


def parse_distances(text: str) -> np.ndarray:
    """`400m`, `100m,400m,1km`, `START:STOP:COUNT` or `START:STOP:COUNT:log` (as sweep's --vary)."""
    text = str(text).strip()
    if ":" not in text:
        items = [p.strip() for p in text.split(",")]
        if not all(items):
            raise UserError(f"--distance '{text}' has an empty item; write 100m,400m,1km")
        return np.array([_with_unit(p, "m", "--distance", "400 m") for p in items])
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "log"):
        raise UserError(f"--distance '{text}' is not START:STOP:COUNT or START:STOP:COUNT:log (e.g. 50m:2km:40)")
    start, stop = (_with_unit(p, "m", "--distance", "50 m") for p in parts[:2])
    if not re.fullmatch(r"[0-9]+", parts[2]) or not 2 <= int(parts[2]) <= MAX_DISTANCES:
        raise UserError(f"--distance: COUNT must be a whole number from 2 to {MAX_DISTANCES:,}, got '{parts[2]}'")
    if not start < stop:
        raise UserError(f"--distance: START {parts[0]} must be below STOP {parts[1]}")
    if len(parts) == 4 and start <= 0:
        raise UserError(f"--distance: a log range needs START above 0, got {parts[0]}")
    values = np.geomspace(start, stop, int(parts[2])) if len(parts) == 4 else np.linspace(start, stop, int(parts[2]))
    values[[0, -1]] = start, stop
    return values


# --- documents -----------------------------------------------------------------------------


def _q(value, unit: str) -> dict:
    value = float(value)
    return {"value": clean_number(value) if math.isfinite(value) else None, "unit": unit}


def describe(setup: Setup) -> dict:
    """The site, carrier and every value used, each with its source."""
    site, carrier = setup.site, setup.carriers["DL"]
    low, high = site.distance_range()
    condition = {"los": "LOS", "nlos": "NLOS (max of PL_LOS and PL'_NLOS)",
                 "mixed": f"mixed: LOS and NLOS weighted by the LOS probability of {L.LOS_SOURCE}"}[site.condition]
    out = {"scenario": site.scenario, "scenario_title": site.table.title, "condition": site.condition,
           "condition_text": condition, "fc": _q(site.fc_ghz, "GHz"), "bandwidth": _q(carrier.bandwidth_mhz, "MHz"),
           "scs": _q(carrier.scs_khz, "kHz"), "n_prb": carrier.n_prb, "fr": carrier.fr,
           "layers": {d: c.layers for d, c in setup.carriers.items()},
           "tdd_share": {d: clean_number(c.tdd_share) for d, c in setup.carriers.items()},
           "overhead": {d: c.overhead for d, c in setup.carriers.items()},
           "h_bs": _q(site.h_bs, "m"), "h_ut": _q(site.h_ut, "m"),
           "breakpoint_distance": _q(L.breakpoint_distance(site), "m"),
           "distance_range": {"min": _q(low, "m"), "max": _q(high, "m"), "kind": "horizontal (d2D)"},
           "coverage": clean_number(site.coverage), "share": clean_number(setup.share),
           "shadow_fading_sigma": {k: v if isinstance(v, float) else list(v) for k, v in site.table.sigma.items()},
           "values": setup.values,
           "sources": [L.PATH_LOSS_SOURCE, L.LOS_SOURCE, L.SHANNON_SOURCE, L.NR_SE_MAX_SOURCE, cells.SOURCE]}
    if site.scenario == "rma":
        out["building_height"], out["street_width"] = _q(site.h_building, "m"), _q(site.street_width, "m")
    if site.extra_loss_db:
        out["extra_loss"] = _q(site.extra_loss_db, "dB")
    return out


def curve_rows(setup: Setup, distances) -> list[dict]:
    """One row per distance: path loss, margin, and per direction SINR, spectral efficiency,
    rank and rate."""
    curves = {d: L.evaluate(setup.site, setup.radios[d], setup.resources[d], distances, setup.share)
              for d in setup.radios}
    dl, ul = curves["DL"], curves["UL"]
    rows = []
    for i, d in enumerate(dl.distance):
        rows.append({"distance": _q(d, "m"), "los_probability": clean_number(dl.los_probability[i]),
                     "path_loss": _q(dl.path_loss[i], "dB"), "shadow_margin": _q(dl.shadow_margin[i], "dB"),
                     "sinr": {k: _q(c.sinr[i], "dB") for k, c in curves.items()},
                     "spectral_efficiency": {k: _q(c.spectral_efficiency[i], "bit/s/Hz") for k, c in curves.items()},
                     "rank": {k: int(c.rank[i]) for k, c in curves.items()},
                     "dl_rate": _q(dl.rate[i] / 1e6, "Mbit/s"), "ul_rate": _q(ul.rate[i] / 1e6, "Mbit/s")})
    return rows


def flow_reach(setup: Setup, evaluation, spec) -> list[dict]:
    """Each flow's reach: the largest distance at which the link gives the rate the flow
    needs (its burst rate, x the layer-2 headers where it is an IP rate) with the setup's
    share of the PRBs; infeasible with the bound at the table's nearest distance."""
    out = []
    for direction in L.SHANNON:
        flow = cells.flow_burst(evaluation, direction, spec)
        if flow is None:
            continue
        entry = {"direction": direction, "kpi": f"{direction.lower()}_max_distance"}
        if "infeasible" in flow or not flow["reachable"]:
            entry["infeasible"] = flow.get("infeasible") or "; ".join(flow["notes"])
            out.append(entry)
            continue
        factor = cells.l2_factor() if flow["ip_layer"] else 1.0
        need = flow["burst"] * factor
        reach = L.max_distance(setup.site, setup.radios[direction], setup.resources[direction], [need * 1e6],
                               setup.share)
        entry.update(needed=_q(need, "Mbit/s"), rate_kpi=flow["burst_kpi"], l2_factor=factor, notes=flow["notes"])
        entry.update(_reach_fields(reach, need))
        out.append(entry)
    return out


def _reach_fields(reach: L.Reach, need_mbps: float) -> dict:
    if not reach.feasible[0]:
        return {"max_distance": None, "infeasible": f"needs {need_mbps:.6g} Mbit/s; the link gives at most"
                f" {reach.rate_at_nearest / 1e6:.6g} Mbit/s at {reach.nearest:g} m, the nearest distance the"
                " path-loss table holds for"}
    out = {"max_distance": _q(reach.distance[0], "m")}
    if reach.range_limited[0]:
        out["range_limited"] = (f"still {reach.rate_at_farthest / 1e6:.6g} Mbit/s at {reach.farthest:g} m, where the"
                                " path-loss table ends: the reach is at least that")
    return out
