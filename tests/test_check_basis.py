"""`check`'s basis (derived, echo, fitted) and the published status of use-case rows."""

import pytest

from ammt_calc.engine.evaluation import evaluate, resolve_inputs
from ammt_calc.engine.published import check_catalog, published_status, summary
from ammt_calc.units import registry as units

MATCHED = ("exact", "rounded", "in-range")


@pytest.fixture(scope="module")
def rows(catalog):
    return check_catalog(catalog)


def by_key(rows):
    return {(r.usecase, r.kpi): r for r in rows}


def test_each_row_says_how_it_is_reproduced(rows):
    r = by_key(rows)
    assert r["split-image-recognition", "ul_data_rate"].basis == "fitted"  # through zero compute times fitted to it
    assert r["model-distribution-speech-recognition", "dl_data_rate"].basis == "derived"  # 80 MByte x 8 / 1 s
    assert r["split-image-recognition", "ul_payload"].basis == "echo"  # the parameter payload restated
    assert r["split-image-recognition", "ul_payload"].note.startswith("echo of parameter payload")
    assert r["fl-compressed", "dl_payload"].basis == "fitted"  # 132 MByte / 13.2, a ratio chosen for 10 MByte
    assert "compression_ratio" in r["fl-compressed", "dl_payload"].note
    assert r["enhanced-media-recognition", "dl_data_rate"].basis == "fitted"  # 12.5 fps = 150 Mbit/s / 12 Mbit
    assert r["ddc-assisted-fl", "dl_data_rate"].basis == "fitted"  # the 2 s end of 2-3 s, chosen for 528 Mbit/s
    assert r["ddc-assisted-fl", "dl_latency"].basis == "echo"
    assert r["fl-compressed", "availability"].basis is None  # TBD: nothing reproduced


def test_basis_counts(rows):
    counts = summary(rows)
    assert counts["basis"] == {"derived": 14, "echo": 66, "fitted": 11}
    assert counts["status"] == {"exact": 75, "rounded": 4, "in-range": 4, "differs": 8, "no-value": 3}
    derived_matches = sorted(f"{r.usecase} {r.kpi}" for r in rows if r.basis == "derived" and r.status in MATCHED)
    assert derived_matches == [
        "ddc-model-transfer-management dl_data_rate",
        "ddc-robot-split-8bit ul_data_rate", "ddc-trajectory-transfer-learning dl_data_rate",
        "llm-kv-cache-migration kv_cache_size",
        "model-distribution-image-recognition dl_data_rate", "model-distribution-speech-recognition dl_data_rate",
        "realtime-media-editing dl_data_rate", "video-upscaling dl_data_rate"]
    # the 900 m^2 restates its cell (30 m x 30 m); the 144 Mbit/s holds through zero compute times whose
    # only source is the 144 itself
    by = {(r.usecase, r.kpi): r for r in rows}
    assert by["ddc-robot-split-8bit", "service_area"].basis == "echo"
    assert "30 m x 30 m" in by["ddc-robot-split-8bit", "service_area"].note
    assert by["split-image-recognition", "ul_data_rate"].basis == "fitted"


def _moves(uc, kpi: str, name: str) -> bool:
    """Whether changing the parameter's default by 10 % (or from 0 to 1) changes the KPI."""
    p = uc.parameters[name]
    default = units.parse_quantity(p.default)
    magnitude = float(default.magnitude)
    trial = magnitude * 1.1 if magnitude else 1.0
    if p.maximum and trial > units.parse_quantity(p.maximum, default_unit=p.unit_text or None).to(default.units).magnitude:
        trial = magnitude * 0.9
    values, _ = resolve_inputs(uc, {name: units.quantity(trial, default.units)})
    return float(evaluate(uc, values).kpis[kpi].value) != float(evaluate(uc).kpis[kpi].value)


def test_every_default_behind_a_reproduced_number_is_sourced_or_declared_fitted(catalog, rows):
    unsourced = []
    for row in rows:
        if row.status not in MATCHED or row.basis == "echo":
            continue
        uc = catalog.get(row.usecase)
        for name in sorted(uc.kpi_inputs(row.kpi, through_derivations=False)):
            p = uc.parameters[name]
            if p.choices or p.source or p.fitted_to or not _moves(uc, row.kpi, name):
                continue
            unsourced.append(f"{row.usecase}: {name} (behind {row.kpi})")
    assert unsourced == []


def test_a_source_that_says_fitted_declares_what_it_was_fitted_to(catalog):
    for uc in catalog:
        for p in uc.parameters.values():
            if "fitted" in p.source.lower():
                assert p.fitted_to, f"{uc.id}: {p.name}"
            for kpi in p.fitted_to:
                assert uc.published[kpi].value is not None or uc.published[kpi].minimum, (uc.id, p.name, kpi)


def test_published_status_of_usecase_rows(catalog):
    uc = catalog.get("fl-uncompressed-image-recognition")
    status = published_status(uc, evaluate(uc))
    assert status["dl_payload"] == "exact"
    assert status["dl_data_rate"] == "differs"  # 1.056 Gbit/s against 1.0
    assert "transfer_time" not in status  # nothing published
    values, _ = resolve_inputs(uc, {"latency": "2 s"})
    status = published_status(uc, evaluate(uc, values))
    assert status["dl_latency"] == "differs"  # 2 s against the published 1 s
    assert status["dl_data_rate"] == "differs"  # 528 Mbit/s against 1.0 Gbit/s
    async_fl = catalog.get("ddc-async-fl")
    assert published_status(async_fl, evaluate(async_fl))["dl_data_rate"] == "differs"  # 400 against 220 Mbit/s
    assisted = catalog.get("ddc-assisted-fl")
    assert published_status(assisted, evaluate(assisted))["dl_latency"] == "in-range"  # 2 s in 2-3 s
    media = catalog.get("fl-compressed")
    assert published_status(media, evaluate(media))["availability"] == "no-value"


def test_published_status_agrees_with_check(catalog, rows):
    for uc in catalog:
        if not uc.published:
            continue
        status = published_status(uc, evaluate(uc))
        for row in rows:
            if row.usecase == uc.id:
                assert status[row.kpi] == row.status, (uc.id, row.kpi)


def test_docs_give_the_counts_and_every_fitted_row(rows):
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "check.md").read_text()
    counts = summary(rows)["basis"]
    assert f"| **total** | **{counts['derived']}** | **{counts['echo']}** | **{counts['fitted']}** |" in text
    fitted_section = text.split("### Fitted, and why")[1].split("###")[0]
    for row in rows:
        if row.basis == "fitted":
            assert f"| {row.usecase} | " in fitted_section and row.kpi in fitted_section, (row.usecase, row.kpi)
