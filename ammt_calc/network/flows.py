"""The flows of a use case, by KPI name: where a direction's rate, latency, payload and
reliability come from (docs/catalog-format.md, "Flows"). Names only, no values: read by
qos (5QIs), transport (IP rate, delivery time) and radio (load on a cell) alike.

A flow is one direction (UL or DL) of a use case that has a KPI `<dir>_data_rate`,
`<dir>_latency`, `<dir>_payload` or `<dir>_reliability`. Its latency is the time the
transfer really has: the KPI `<dir>_transfer_window` (the latency budget less compute),
else the KPI `<dir>_latency`, else the parameter `latency`; its burst `<dir>_payload`, else for DL the
model size (KPI, else parameter `model_size`); its rate `<dir>_data_rate`.
"""

from __future__ import annotations

FLOW_KPIS = ("data_rate", "latency", "payload", "reliability")


def flow_sources(kpis, parameters, direction: str) -> dict[str, tuple[str, str] | None] | None:
    """Where each requirement of one direction's flow comes from, by name only (so that a
    scalar evaluation, a sweep block or a use case's declarations can all be read):
    {"anchor": ("kpi", name), "rate" | "latency" | "burst" | "reliability": ("kpi" | "parameter",
    name) or None}; None when the direction has no flow (see the module docstring).
    `kpis` and `parameters` are containers of names."""
    prefix = direction.lower()
    present = [f"{prefix}_{k}" for k in FLOW_KPIS if f"{prefix}_{k}" in kpis]
    if not present:
        return None

    def kpi_or(name: str, fallback: str | None = None) -> tuple[str, str] | None:
        if name in kpis:
            return ("kpi", name)
        return ("parameter", fallback) if fallback and fallback in parameters else None

    burst = kpi_or(f"{prefix}_payload")
    if direction == "DL" and burst is None:
        burst = kpi_or("model_size", "model_size")  # a download's burst is the model
    return {"anchor": ("kpi", present[0]), "rate": kpi_or(f"{prefix}_data_rate"),
            "latency": kpi_or(f"{prefix}_transfer_window") or kpi_or(f"{prefix}_latency", "latency"), "burst": burst,
            "reliability": kpi_or(f"{prefix}_reliability")}
