"""Direct device connection (TS 22.261 Tables 7.10.2-1/-2/-3, Release 19): published cells and hand-computed cases.

1 MByte = 8e6 bit; rates in Mbit/s = MByte x 8 / s. "<=" cells are upper bounds that the
catalog's defaults sit at, so they are checked as values.
"""

from pathlib import Path

import pytest
import yaml
from helpers import value

from ammt_calc.engine.published import check_catalog
from ammt_calc.errors import UserError

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog" / "ddc"

TABLES_7_10_2 = {  # every numeric cell of TS 22.261 Tables 7.10.2-1, -2 and -3
    # 7.10.2-1: split AI/ML operation
    ("ddc-proximity-task-offloading", "ul_latency"): "in-range",  # 10-100 ms
    ("ddc-proximity-task-offloading", "ul_payload"): "exact",  # <= 1.5 MByte
    ("ddc-proximity-task-offloading", "ul_data_rate"): "exact",  # <= 720 Mbit/s = 1.5 MByte x 60 fps
    ("ddc-robot-split-8bit", "ul_latency"): "exact",
    ("ddc-robot-split-8bit", "ul_payload"): "exact",
    ("ddc-robot-split-8bit", "ul_data_rate"): "exact",  # 1.6 MByte / 10 ms = 1.28 Gbit/s
    ("ddc-robot-split-8bit", "service_area"): "exact",  # 30 m x 30 m
    ("ddc-robot-split-8bit", "availability"): "exact",
    ("ddc-robot-split-8bit", "ul_reliability"): "exact",
    ("ddc-robot-split-32bit", "ul_latency"): "exact",
    ("ddc-robot-split-32bit", "ul_payload"): "exact",
    ("ddc-robot-split-32bit", "ul_data_rate"): "differs",  # 5.12 Gbit/s vs 1.5
    # 7.10.2-2: model/data distribution
    ("ddc-model-transfer-management", "dl_latency"): "exact",
    ("ddc-model-transfer-management", "dl_payload"): "exact",
    ("ddc-model-transfer-management", "dl_data_rate"): "exact",  # 240 MByte / 1 s = 1.92 Gbit/s
    ("ddc-model-transfer-management", "availability"): "exact",
    ("ddc-trajectory-transfer-learning", "dl_latency"): "exact",
    ("ddc-trajectory-transfer-learning", "dl_payload"): "exact",
    ("ddc-trajectory-transfer-learning", "dl_data_rate"): "rounded",  # 81.333 MByte/s vs 81.33
    # 7.10.2-3: distributed/federated learning (one column for UL and DL)
    ("ddc-assisted-fl", "dl_payload"): "exact",
    ("ddc-assisted-fl", "ul_payload"): "exact",
    ("ddc-assisted-fl", "dl_latency"): "in-range",  # 2-3 s
    ("ddc-assisted-fl", "ul_latency"): "in-range",
    ("ddc-assisted-fl", "dl_data_rate"): "exact",  # 132 MByte / 2 s = 528 Mbit/s
    ("ddc-assisted-fl", "ul_data_rate"): "exact",
    ("ddc-async-fl", "dl_payload"): "exact",
    ("ddc-async-fl", "ul_payload"): "exact",
    ("ddc-async-fl", "dl_latency"): "exact",
    ("ddc-async-fl", "ul_latency"): "exact",
    ("ddc-async-fl", "dl_data_rate"): "differs",  # 400 vs 220
    ("ddc-async-fl", "ul_data_rate"): "differs",
    ("ddc-async-fl", "dl_reliability"): "exact",
    ("ddc-async-fl", "ul_reliability"): "exact",
}


@pytest.fixture(scope="module")
def check_rows(catalog):
    return {(r.usecase, r.kpi): r for r in check_catalog(catalog)}


def test_every_cell_of_tables_7_10_2_has_its_status(check_rows):
    for key, status in TABLES_7_10_2.items():
        assert check_rows[key].status == status, (key, check_rows[key])
    published = {key for key in check_rows if key[0].startswith("ddc-")}
    assert published == set(TABLES_7_10_2)


def test_byte_rate_is_checked_in_its_own_unit(check_rows):
    row = check_rows[("ddc-trajectory-transfer-learning", "dl_data_rate")]
    assert row.published_unit == "MByte/s" and row.published_value == pytest.approx(81.33)
    assert row.computed_unit == "MByte/s" and row.computed_value == pytest.approx(244 / 3)


def test_rows_that_do_not_follow_say_what_they_imply(check_rows):
    robot = check_rows[("ddc-robot-split-32bit", "ul_data_rate")]
    assert robot.computed_value == pytest.approx(5.12)
    assert "payload = 1.875 MByte" in robot.note and "latency = 34.13 ms" in robot.note
    async_fl = check_rows[("ddc-async-fl", "ul_data_rate")]
    assert async_fl.computed_value == pytest.approx(400.0)
    assert "model_size = 27.5 MByte" in async_fl.note


# --- Table 7.10.2-1 -----------------------------------------------------------------------


def test_proximity_offloading_published_and_by_hand(kpis):
    k = kpis("ddc-proximity-task-offloading")
    assert value(k["ul_data_rate"]) == pytest.approx(1.5 * 8 * 60, rel=1e-12)  # 720
    assert value(k["ul_burst_rate"]) == pytest.approx(1.5 * 8 / 0.1)  # 120
    tight = kpis("ddc-proximity-task-offloading", latency="10 ms")  # the other end of 10-100 ms
    assert value(tight["ul_data_rate"]) == pytest.approx(1.5 * 8 / 0.010)  # 1200: the burst dominates
    slow = kpis("ddc-proximity-task-offloading", frame_rate="30 fps")
    assert value(slow["ul_data_rate"]) == pytest.approx(1.5 * 8 * 30)  # 360


def test_proximity_rate_fits_every_deadline_from_one_frame_time(kpis):
    # at 720 Mbit/s one 1.5 MByte frame takes 12 Mbit / 720 Mbit/s = 16.67 ms: any latency
    # from there to 100 ms gives the published rate, so the rate does not pick the 100 ms end
    frame_time_ms = 1.5 * 8 / 720 * 1000
    for latency_ms in (frame_time_ms * 1.0001, 50, 100):
        k = kpis("ddc-proximity-task-offloading", latency=f"{latency_ms} ms")
        assert value(k["ul_data_rate"]) == pytest.approx(720.0, rel=1e-12), latency_ms
    k = kpis("ddc-proximity-task-offloading", latency="16 ms")  # below: the one-frame burst dominates
    assert value(k["ul_data_rate"]) == pytest.approx(1.5 * 8 / 0.016)  # 750 Mbit/s


def test_robot_split_8bit_published_and_by_hand(kpis):
    k = kpis("ddc-robot-split-8bit")
    assert value(k["ul_data_rate"]) == pytest.approx(1280.0, rel=1e-12)
    assert value(k["service_area"]) == pytest.approx(900.0)
    assert value(k["area_traffic_capacity"]) == pytest.approx(1280 / 900)
    assert value(kpis("ddc-robot-split-8bit", tensor_elements=1_000_000)["ul_data_rate"]) == pytest.approx(800.0)
    wide = kpis("ddc-robot-split-8bit", bits_per_element="16 bit", num_ues=4, area_length="50 m")
    assert value(wide["ul_payload"]) == pytest.approx(3.2)
    assert value(wide["ul_data_rate"]) == pytest.approx(3.2 * 8 / 0.010)  # 2560
    assert value(wide["service_area"]) == pytest.approx(1500.0)
    assert value(wide["area_traffic_capacity"]) == pytest.approx(4 * 2560 / 1500)


def test_robot_split_32bit_is_the_same_tensor_at_four_bytes(kpis):
    k = kpis("ddc-robot-split-32bit")
    assert value(k["ul_payload"]) == pytest.approx(1.6e6 * 4 / 1e6)  # 6.4 MByte
    assert value(k["ul_data_rate"]) == pytest.approx(5120.0)
    implied = kpis("ddc-robot-split-32bit", tensor_elements=468_750)  # what 1.5 Gbit/s would carry
    assert value(implied["ul_data_rate"]) == pytest.approx(1500.0)


# --- Table 7.10.2-2 -----------------------------------------------------------------------


def test_model_transfer_published_and_by_hand(kpis):
    assert value(kpis("ddc-model-transfer-management")["dl_data_rate"]) == pytest.approx(1920.0, rel=1e-12)
    k = kpis("ddc-model-transfer-management", model_size="100 MByte", latency="500 ms")
    assert value(k["dl_data_rate"]) == pytest.approx(1600.0)


def test_trajectory_transfer_learning_rate(kpis):
    assert value(kpis("ddc-trajectory-transfer-learning")["dl_data_rate"]) == pytest.approx(244 * 8 / 3)  # 650.67
    assert value(kpis("ddc-trajectory-transfer-learning", latency="2 s")["dl_data_rate"]) == pytest.approx(976.0)


# --- Table 7.10.2-3 -----------------------------------------------------------------------


def test_assisted_fl_range_ends_and_relay(kpis):
    k = kpis("ddc-assisted-fl")
    assert value(k["dl_data_rate"]) == value(k["ul_data_rate"]) == pytest.approx(528.0, rel=1e-12)
    slow_end = kpis("ddc-assisted-fl", latency="3 s")
    assert value(slow_end["ul_data_rate"]) == pytest.approx(132 * 8 / 3)  # 352
    relay = kpis("ddc-assisted-fl", num_ues=5)
    assert value(relay["ul_aggregate_rate"]) == pytest.approx(5 * 528.0)


def test_async_fl_by_hand(kpis):
    k = kpis("ddc-async-fl")
    assert value(k["ul_data_rate"]) == pytest.approx(400.0)
    assert value(k["ul_reliability"]) == value(k["dl_reliability"]) == pytest.approx(99.99)
    assert value(kpis("ddc-async-fl", model_size="27.5 MByte")["dl_data_rate"]) == pytest.approx(220.0)


def test_zero_latency_is_infeasible(kpis):
    assert kpis("ddc-async-fl", latency="0 s")["ul_data_rate"][1] is False


def test_a_size_where_a_time_belongs_is_refused(kpis):
    with pytest.raises(UserError, match="latency"):
        kpis("ddc-model-transfer-management", latency="1 MByte")


# --- catalog hygiene --------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(CATALOG_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_ddc_files_are_complete(path):
    data = yaml.safe_load(path.read_text())
    assert data["family"] == "ddc" and data["id"].startswith("ddc-") and data["id"] == path.stem
    assert any("Table 7.10.2-" in s for s in data["sources"])
    for name, spec in data["parameters"].items():
        assert isinstance(spec, dict) and spec.get("description"), f"{name} has no description"
    for name, spec in data["kpis"].items():
        assert spec.get("label"), f"{name} has no label"
    for name, spec in data["published"].items():
        assert "Table 7.10.2-" in spec["source"], f"published {name} has no table source"


def test_all_seven_rows_are_use_cases(catalog):
    assert len([uc for uc in catalog if uc.family == "ddc"]) == 7
