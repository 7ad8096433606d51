"""Each flow's reach as a KPI: with a cell at a site (`--cell site=uma,fc=3.5GHz,...`),
`<dir>_max_distance` is the largest horizontal distance from the site at which the link
gives the rate the flow needs while it sends, with the cell's share of the PRBs
(`linkbudget.max_distance`, docs/network.md "Each flow's reach").

The rate a flow needs is the one `cells.flow_burst` reads for a single evaluation, here for
every point at once: `<dir>_data_rate`; with a transport its `<dir>_ip_rate`, raised to
`<dir>_transport_rate` where the handshake and slow start ask more within the deadline,
times the layer-2 headers (`cells.l2_factor`), as the cell's peak reading counts IP rates.
A rate the link does not give even at the table's nearest distance is infeasible, with
that bound as the reason; one still met where the table's range ends is that distance,
with a note (the model says nothing beyond its range: never "unlimited"). Like the
transport's KPIs, these are appended to an evaluation, so `usecase`, sweeps, `solve` and
`sample` take them as any KPI.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np

from ..errors import UserError
from ..units import registry as units

UNIT = "m"


def _setup(cell):
    return None if cell is None else getattr(cell, "site", None)


def parse_cell(text: str, notes: list[str], profiles: bool = False):
    """A `--cell` spec as a `cells.Cell`: at a site (`site=...`, `sites.parse_site_cell`) the
    cell of its carrier with the link budget that gives each flow's reach; else
    `cells.parse_cell` (a carrier's peak, a profile's average)."""
    from .cells import Cell
    from .cells import parse_cell as parse_carrier_cell

    if not re.search(r"(^|,)\s*site\s*=", str(text), re.IGNORECASE):
        return parse_carrier_cell(text, notes, profiles)
    from .sites import parse_site_cell

    setup = parse_site_cell(text, notes)
    return Cell(text, setup.carriers["DL"], setup.carriers["UL"], site=setup)


def kpi_columns(uc, cell) -> list[tuple[str, str]]:
    """(name, unit) of the KPIs `evaluate(..., cell=...)` appends: one per flow with a rate."""
    if _setup(cell) is None:
        return []
    from .transport import flow_inputs

    return [(f"{flow.direction.lower()}_max_distance", UNIT) for flow in flow_inputs(uc)]


def rate_sources(uc, direction: str, transport) -> list[str]:
    """The KPIs a flow's reach reads: its data rate, or with a transport its IP rate and,
    where the flow has a payload and a deadline, the rate meeting that deadline."""
    from .transport import flow_inputs
    from .transport import kpi_columns as transport_columns

    flow = next(f for f in flow_inputs(uc) if f.direction == direction)
    if transport is None:
        return [flow.rate[1]]
    added = {name for name, _ in transport_columns(uc, transport)}
    prefix = direction.lower()
    return [name for name in (f"{prefix}_ip_rate", f"{prefix}_transport_rate") if name in added]


def plan_notes(uc, cell) -> list[str]:
    """What a sweep or a sample says once about its reach columns: where the table ends."""
    setup = _setup(cell)
    names = [name for name, _ in kpi_columns(uc, cell)]
    if not names:
        return []
    from . import linkbudget as L

    far = setup.site.distance_range()[1]
    return [f"{', '.join(names)}: at most {far:g} m, where {L.PATH_LOSS_SOURCE} ends for"
            f" {setup.site.table.title} {setup.site.condition.upper()}; {far:g} m means at least that"]


def document(cell) -> dict:
    """The cell of a sweep or a sample: its spec and the site with every value's source."""
    from .sites import describe

    return {"spec": cell.spec, "site": describe(_setup(cell))}


def reach_kpis(cell, uc, kpis: Mapping[str, Any], shape, judge, transport=None) -> tuple[list, list[str]]:
    """The KpiResults `<dir>_max_distance` of every flow with a rate, and notes (a reach cut
    at the table's end). `kpis` holds the KpiResults so far (the catalog's and a transport's);
    `judge` is `evaluation._judge`, which carries the reasons of the KPIs read."""
    from . import linkbudget as L
    from .cells import l2_factor
    from .sites import site_label
    from .transport import _Kpi, _Mask

    setup = _setup(cell)
    clash = [name for name, _ in kpi_columns(uc, cell) if name in uc.kpis or name in uc.parameters]
    if clash:
        raise UserError(f"use case '{uc.id}' defines {', '.join(clash)}, which a cell at a site adds;"
                        " rename it in the use case to use --cell site=...")
    results, notes = [], []
    for name, _ in kpi_columns(uc, cell):
        direction = name[:2].upper()
        reads = rate_sources(uc, direction, transport)
        factor = l2_factor() if transport is not None else 1.0
        with np.errstate(all="ignore"):
            rates = [np.broadcast_to(kpis[r].value * units.base_factor(kpis[r].unit), shape) for r in reads]
            need = np.fmax.reduce(rates) * factor if len(rates) > 1 else rates[0] * factor
        reach = L.max_distance(setup.site, setup.radios[direction], setup.resources[direction], need, setup.share)
        bound = (f"needs more than the {reach.rate_at_nearest / 1e6:.6g} Mbit/s the link gives at"
                 f" {reach.nearest:g} m, the nearest distance {L.PATH_LOSS_SOURCE} holds for ({site_label(setup)})")
        item = _Kpi(name, f"{direction} reach from the site at the flow's rate", direction,
                    UNIT, frozenset(reads), (_Mask(np.isfinite(need) & ~reach.feasible, bound),),
                    not_applicable_if=_not_applicable(kpis, reads))
        result = judge(item, np.broadcast_to(reach.distance, shape), {}, kpis, shape, {})
        results.append(result)
        if np.any(reach.range_limited & result.feasible):
            notes.append(f"{name}: the rate is still met at {reach.farthest:g} m, where {L.PATH_LOSS_SOURCE}"
                         f" ends for {setup.site.table.title} {setup.site.condition.upper()}: the reach is at"
                         " least that")
    return results, notes


def _not_applicable(kpis: Mapping[str, Any], reads: list[str]) -> tuple:
    """Where a rate read does not apply, neither does the reach (for the same reason)."""
    from .transport import _Mask

    out = []
    for name in reads:
        result = kpis[name]
        if result.applicable is None:
            continue
        for index, reason in enumerate(result.reasons, start=1):
            mask = (result.reason_code == index) & ~np.asarray(result.applicable)
            if mask.any():
                out.append(_Mask(mask, reason))
    return tuple(out)
