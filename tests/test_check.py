"""`check`: the published values of the catalog against the computation."""

from pathlib import Path

import pytest

from ammt_calc.engine.published import check_catalog, compare, precision, summary
from ammt_calc.usecases.loading import load_catalog

SPLIT_TABLE = {  # TS 22.261 Table 7.10.1-1, every numeric cell
    ("split-image-recognition", "ul_latency"): "exact",
    ("split-image-recognition", "ul_payload"): "exact",
    ("split-image-recognition", "ul_data_rate"): "exact",
    ("split-image-recognition", "availability"): "exact",
    ("split-image-recognition", "ul_reliability"): "exact",
    ("split-image-recognition", "dl_reliability"): "exact",
    ("enhanced-media-recognition", "ul_latency"): "exact",
    ("enhanced-media-recognition", "ul_data_rate"): "exact",
    ("enhanced-media-recognition", "dl_latency"): "exact",
    ("enhanced-media-recognition", "dl_payload"): "exact",
    ("enhanced-media-recognition", "dl_data_rate"): "exact",
    ("split-control-robotics", "dl_latency"): "exact",
    ("split-control-robotics", "dl_payload"): "exact",
    ("split-control-robotics", "dl_data_rate"): "exact",
    ("split-control-robotics", "ul_data_rate"): "exact",
}


def test_every_split_table_cell_is_checked(catalog):
    rows = {(r.usecase, r.kpi): r for r in check_catalog(catalog)}
    for key, status in SPLIT_TABLE.items():
        assert rows[key].status == status, (key, rows[key])


def test_enhanced_media_note_explains_150(catalog):
    row = next(r for r in check_catalog(catalog) if (r.usecase, r.kpi) == ("enhanced-media-recognition", "dl_data_rate"))
    assert "12.5 frames/s" in row.note and "120 Mbit/s" in row.note


@pytest.mark.parametrize("computed, published, status", [
    (144.0, "144 Mbit/s", "exact"),
    (1.104, "1.1 Gbit/s", "rounded"),
    (453.333, "450 Mbit/s", "rounded"),
    (1.056, "1.0 Gbit/s", "differs"),  # 1.056 rounds to 1.1, not 1.0
    (1.04, "1.0 Gbit/s", "rounded"),
    (19.2, "22 Mbit/s", "differs"),
    (80.0, "80.88 Mbit/s", "differs"),
    (1.16, "1.1 Gbit/s", "differs"),
    (float("nan"), "1 s", "differs"),
    (22.5, "23 Mbit/s", "rounded"),  # a tie rounds either way: half up or half to even
    (22.5, "22 Mbit/s", "rounded"),
    (1.15, "1.2 Gbit/s", "rounded"),  # 1.15 / 0.1 is 11.499999999999998 in floats
    (140.0, "100 ms", "differs"),  # "100" has two significant figures at least
    (104.0, "100 ms", "rounded"),
])
def test_compare(computed, published, status):
    assert compare(computed, published) == status


@pytest.mark.parametrize("text, step", [("1.1", 0.1), ("450", 10), ("144", 1), ("80.88", 0.01), ("5000", 100),
                                        ("1.0", 0.1), ("0", 1), ("2e3", 100), ("1.5e-3", 1e-4), ("100", 10),
                                        ("1", 0.1), ("0.5", 0.01), ("0.00", 0.01)])
def test_precision(text, step):
    assert precision(text) == pytest.approx(step)


def test_differs_row_says_what_the_published_value_implies(tmp_path: Path):
    (tmp_path / "auto.yaml").write_text(
        "id: my-auto\ntitle: t\nfamily: distribution\n"
        "parameters:\n  model_size: {default: 2.4 MByte}\n  latency: {default: 1 s}\n"
        "kpis:\n  dl_data_rate: {formula: model_size / latency, unit: Mbit/s}\n"
        "published:\n  dl_data_rate: 22 Mbit/s\n"
    )
    catalog = load_catalog([tmp_path], check_units=True)
    (row,) = [r for r in check_catalog(catalog) if r.usecase == "my-auto"]
    assert row.status == "differs"
    assert row.computed_value == pytest.approx(19.2)
    assert "model_size = 2.75 MByte" in row.note  # 22 Mbit/s x 1 s / 8
    assert "latency = 0.8727 s" in row.note  # 2.4 MByte x 8 / 22 Mbit/s


def test_check_covers_every_published_value_as_the_readme_says(catalog):
    """The README states these counts; a catalog change that moves them must update it."""
    from collections import Counter

    counts = Counter(r.status for r in check_catalog(catalog))
    assert counts == {"exact": 75, "rounded": 4, "in-range": 4, "no-value": 3, "differs": 8}
    readme = (Path(__file__).resolve().parents[1] / "docs" / "usecases.md").read_text(encoding="utf-8")
    assert "compares all 94 published values" in readme and "75 exact, 4\nrounded, 4 in a published range" in readme
    top = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    bases = summary(check_catalog(catalog))["basis"]  # README counts what check counts
    assert (f"compares all {sum(counts.values())}" in top and f"{bases['derived']} derived" in top
            and f"{bases['echo']} restating" in top and f"{bases['fitted']} through a default" in top)
