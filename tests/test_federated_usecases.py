"""Federated learning (TS 22.261 Table 7.10.1-3, Annex H.4): published cells and hand-computed cases.

Expected numbers are worked out here from first principles: 1 MByte = 8e6 bit, rates in
Mbit/s = MByte x 8 / s.
"""

import json
from pathlib import Path

import pytest
import yaml
from helpers import value
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.engine.published import check_catalog
from ammt_calc.errors import UserError

FEDERATED_IDS = ("fl-uncompressed-image-recognition", "fl-compressed", "data-transfer-disturbance", "flocking")
CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog" / "federated"

TABLE_7_10_1_3 = {  # every cell of TS 22.261 Table 7.10.1-3 that is a number or TBD
    ("fl-uncompressed-image-recognition", "dl_latency"): "exact",
    ("fl-uncompressed-image-recognition", "ul_latency"): "exact",
    ("fl-uncompressed-image-recognition", "dl_data_rate"): "differs",  # 1.056 rounds to 1.1, not 1.0
    ("fl-uncompressed-image-recognition", "ul_data_rate"): "differs",
    ("fl-uncompressed-image-recognition", "dl_payload"): "exact",
    ("fl-uncompressed-image-recognition", "ul_payload"): "exact",
    ("fl-compressed", "dl_latency"): "exact",
    ("fl-compressed", "ul_latency"): "exact",
    ("fl-compressed", "dl_data_rate"): "differs",  # 80 vs 80.88
    ("fl-compressed", "ul_data_rate"): "differs",
    ("fl-compressed", "dl_payload"): "exact",
    ("fl-compressed", "ul_payload"): "exact",
    ("fl-compressed", "availability"): "no-value",  # TBD
    ("data-transfer-disturbance", "dl_latency"): "exact",
    ("data-transfer-disturbance", "ul_latency"): "exact",
    ("data-transfer-disturbance", "dl_data_rate"): "no-value",  # TBD
    ("data-transfer-disturbance", "ul_data_rate"): "no-value",
    ("data-transfer-disturbance", "dl_payload"): "exact",
    ("data-transfer-disturbance", "ul_payload"): "exact",
}


def rate(mbyte, seconds):
    """Mbit/s to move `mbyte` MByte in `seconds`."""
    return mbyte * 8 / seconds


# --- check: the published table ---------------------------------------------------------


@pytest.fixture(scope="module")
def check_rows(catalog):
    return {(r.usecase, r.kpi): r for r in check_catalog(catalog)}


def test_every_cell_of_table_7_10_1_3_has_its_status(check_rows):
    for key, status in TABLE_7_10_1_3.items():
        assert check_rows[key].status == status, (key, check_rows[key])
    published = {key for key in check_rows if key[0] in FEDERATED_IDS}
    assert published == set(TABLE_7_10_1_3)  # nothing published beyond the table


def test_uncompressed_rate_note_explains_the_rounding(check_rows):
    row = check_rows[("fl-uncompressed-image-recognition", "dl_data_rate")]
    assert row.computed_value == pytest.approx(1.056)
    assert row.published_value == 1.0 and row.published_unit == "Gbit/s"
    assert "rounds to 1.1" in row.note and "model_size = 125 MByte" in row.note


def test_compressed_rate_note_shows_the_difference(check_rows):
    row = check_rows[("fl-compressed", "ul_data_rate")]
    assert row.computed_value == pytest.approx(80.0)
    assert row.published_value == pytest.approx(80.88)
    assert "1.1 %" in row.note and "latency = 0.9891 s" in row.note  # 80 / 80.88 s


# --- fl-uncompressed-image-recognition --------------------------------------------------


def test_uncompressed_published_row(kpis):
    k = kpis("fl-uncompressed-image-recognition")
    assert value(k["dl_data_rate"]) == pytest.approx(1056.0, rel=1e-12)
    assert value(k["ul_data_rate"]) == pytest.approx(1056.0, rel=1e-12)
    assert value(k["dl_payload"]) == value(k["ul_payload"]) == pytest.approx(132.0)
    assert value(k["dl_latency"]) == value(k["ul_latency"]) == pytest.approx(1.0)


def test_ten_ues_unicast_and_multicast_aggregates(kpis):
    unicast = kpis("fl-uncompressed-image-recognition", num_ues=10)
    assert value(unicast["dl_aggregate_rate"]) == pytest.approx(10 * 1056.0)
    assert value(unicast["ul_aggregate_rate"]) == pytest.approx(10 * 1056.0)
    multicast = kpis("fl-uncompressed-image-recognition", num_ues=10, delivery="multicast")
    assert value(multicast["dl_aggregate_rate"]) == pytest.approx(1056.0)  # one copy of the model
    assert value(multicast["ul_aggregate_rate"]) == pytest.approx(10 * 1056.0)  # reports stay unicast


def test_training_time_shrinks_the_pipelined_window(kpis):
    k = kpis("fl-uncompressed-image-recognition", training_time="400 ms", iteration_period="1 s")
    assert value(k["dl_transfer_window"]) == pytest.approx(0.6)
    assert value(k["dl_latency"]) == pytest.approx(0.6)
    assert value(k["dl_data_rate"]) == pytest.approx(rate(132, 0.6))  # 1760
    assert value(k["ul_data_rate"]) == pytest.approx(rate(132, 0.6))


def test_long_iteration_is_capped_by_the_latency(kpis):
    k = kpis("fl-uncompressed-image-recognition", training_time="1 s", iteration_period="3 s")
    assert value(k["dl_transfer_window"]) == pytest.approx(1.0)  # min(1 s, 3 s - 1 s)
    assert value(k["ul_data_rate"]) == pytest.approx(1056.0)


def test_training_filling_the_iteration_is_infeasible(kpis):
    k = kpis("fl-uncompressed-image-recognition", training_time="1 s", iteration_period="1 s")
    for name in ("dl_transfer_window", "dl_data_rate", "ul_aggregate_rate"):
        assert k[name][1] is False
        assert "training takes the whole iteration period" in k[name][2]


@pytest.mark.parametrize("usecase_id", ["fl-uncompressed-image-recognition", "fl-compressed"])
def test_zero_latency_is_no_transfer_window(kpis, usecase_id):
    k = kpis(usecase_id, latency="0 s")  # min(0 s, 1 s - 0 s) = 0 s: nothing can be sent
    for name in ("dl_transfer_window", "dl_latency", "ul_data_rate", "dl_aggregate_rate"):
        assert k[name][1] is False and "latency of zero" in k[name][2], name
    k = kpis(usecase_id, latency="1 ms")  # the smallest window still works: 1 ms
    assert value(k["dl_transfer_window"]) == pytest.approx(0.001)


def test_model_size_from_parameters(kpis):
    k = kpis("fl-uncompressed-image-recognition", num_params=138357544, bits_per_param="8 bit")  # VGG-16 int8
    assert value(k["dl_payload"]) == pytest.approx(138.357544)
    assert value(k["dl_data_rate"]) == pytest.approx(138357544 * 8 / 1e6)


@pytest.mark.parametrize("settings, message", [
    ({"model_size": "100 MByte", "num_params": 1000}, "set either model_size"),
    ({"delivery": "broadcast"}, "delivery: 'broadcast' is not one of its choices: unicast, multicast"),
    ({"num_ues": 0}, "num_ues.*minimum"),
])
def test_bad_fl_settings_are_refused(kpis, settings, message):
    with pytest.raises(UserError, match=message):
        kpis("fl-uncompressed-image-recognition", **settings)


# --- fl-compressed ----------------------------------------------------------------------


def test_compressed_published_row(kpis):
    k = kpis("fl-compressed")
    assert value(k["dl_payload"]) == pytest.approx(10.0, rel=1e-12)  # 132 MByte / 13.2
    assert value(k["ul_payload"]) == pytest.approx(10.0, rel=1e-12)
    assert value(k["dl_data_rate"]) == pytest.approx(80.0, rel=1e-12)
    assert value(k["effective_compression"]) == pytest.approx(13.2)


def test_compression_100x_without_and_with_indices(kpis):
    dense = kpis("fl-compressed", compression_ratio=100)
    assert value(dense["ul_payload"]) == pytest.approx(1.32)  # 132 MByte / 100
    assert value(dense["ul_data_rate"]) == pytest.approx(rate(1.32, 1))  # 10.56
    topk = kpis("fl-compressed", compression_ratio=100, index_bits="32 bit")
    # k = 33e6 / 100 values, each 32-bit value + 32-bit index
    assert value(topk["ul_payload"]) == pytest.approx(33e6 / 100 * 64 / 8e6)  # 2.64
    assert value(topk["effective_compression"]) == pytest.approx(50.0)
    assert value(topk["ul_data_rate"]) == pytest.approx(rate(2.64, 1))
    packed = kpis("fl-compressed", compression_ratio=100, index_bits="25 bit")  # ceil(log2(33e6))
    assert value(packed["ul_payload"]) == pytest.approx(33e6 / 100 * (32 + 25) / 8e6)


def test_compressed_aggregates_for_selected_ues(kpis):
    k = kpis("fl-compressed", num_ues=10, delivery="multicast")
    assert value(k["dl_aggregate_rate"]) == pytest.approx(80.0)
    assert value(k["ul_aggregate_rate"]) == pytest.approx(800.0)


def test_placeholder_availability_says_so(catalog, kpis):
    assert value(kpis("fl-compressed")["availability"]) == pytest.approx(99.999)
    label = catalog.get("fl-compressed").kpis["availability"].label
    assert "placeholder" in label and "TBD" in label  # not presented as a requirement


def test_compression_below_one_is_refused(kpis):
    with pytest.raises(UserError, match="compression_ratio.*minimum"):
        kpis("fl-compressed", compression_ratio=0.5)


# --- data-transfer-disturbance ----------------------------------------------------------


def test_disturbance_published_row_and_defaults(kpis):
    k = kpis("data-transfer-disturbance")
    assert value(k["dl_data_rate"]) == value(k["ul_data_rate"]) == pytest.approx(80.0)
    assert value(k["dl_payload"]) == pytest.approx(10.0)
    # 1 s total disturbance at 80 Mbit/s holds back 10 MByte; clearing it in 4 s adds 20 Mbit/s
    assert value(k["backlog"]) == pytest.approx(10.0)
    assert value(k["catch_up_rate"]) == pytest.approx(100.0)
    assert value(k["catch_up_factor"]) == pytest.approx(1.25)
    # 50 MByte generated in 5 s; without spare capacity 40 MByte arrive
    assert value(k["delivered_share"]) == pytest.approx(80.0)


def test_partial_disturbance_catch_up(kpis):
    k = kpis("data-transfer-disturbance", blocked_share="50 %", disturbance_duration="2 s", recovery_window="1 s")
    assert value(k["backlog"]) == pytest.approx(80e6 * 0.5 * 2 / 8e6)  # 10 MByte
    assert value(k["catch_up_rate"]) == pytest.approx(80 + 80)  # 10 MByte more in 1 s
    assert value(k["catch_up_factor"]) == pytest.approx(2.0)
    # 3 s x 80 Mbit/s generated; 0.5 x 2 s x 80 during, 1 s x 80 after
    assert value(k["delivered_share"]) == pytest.approx(100 * (80 + 80) / 240)
    enough = kpis("data-transfer-disturbance", blocked_share="50 %", disturbance_duration="2 s",
                  recovery_window="1 s", available_rate="160 Mbit/s")
    assert value(enough["delivered_share"]) == pytest.approx(100.0)
    more = kpis("data-transfer-disturbance", available_rate="1 Gbit/s")
    assert value(more["delivered_share"]) == pytest.approx(100.0)  # capped at everything


def test_no_recovery_window(kpis):
    k = kpis("data-transfer-disturbance", blocked_share="30 %", recovery_window="0 s")
    assert k["catch_up_rate"][1] is False and "cannot be caught up" in k["catch_up_rate"][2]
    assert k["catch_up_factor"][1] is False
    assert value(k["delivered_share"]) == pytest.approx(70.0)  # the unblocked share only


def test_no_recovery_window_and_no_backlog_is_the_nominal_flow(kpis):
    # nothing blocked: nothing to catch up, even without a recovery window (no 0 / 0)
    k = kpis("data-transfer-disturbance", blocked_share="0 %", recovery_window="0 s")
    assert value(k["backlog"]) == 0.0
    assert value(k["catch_up_rate"]) == pytest.approx(rate(10, 1))  # 80 Mbit/s
    assert value(k["catch_up_factor"]) == pytest.approx(1.0)
    assert value(k["delivered_share"]) == pytest.approx(100.0)  # 1 s x 80 of 1 s x 80
    k = kpis("data-transfer-disturbance", disturbance_duration="0 s", recovery_window="0 s")
    assert value(k["catch_up_rate"]) == pytest.approx(80.0)
    assert k["delivered_share"][1] is False and "no data is generated" in k["delivered_share"][2]


def test_disturbance_other_flow(kpis):
    k = kpis("data-transfer-disturbance", payload="20 MByte", latency="500 ms")
    assert value(k["ul_data_rate"]) == pytest.approx(rate(20, 0.5))  # 320
    assert value(k["catch_up_rate"]) == pytest.approx(320 * (1 + 1 / 4))
    # the available rate follows the flow (still no spare capacity): 5 s x 320 generated,
    # 4 s x 320 arrive, as at the defaults; a fixed 80 Mbit/s would have given 20 %
    assert value(k["delivered_share"]) == pytest.approx(100 * 4 * 320 / (5 * 320))


def test_spare_capacity_with_another_flow(kpis):
    # 20 MByte per 1 s = 160 Mbit/s; 40 Mbit/s spare: (0 + 200 x 4) / (160 x 5) = 100 %
    k = kpis("data-transfer-disturbance", payload="20 MByte", spare_rate="40 Mbit/s")
    assert value(k["delivered_share"]) == pytest.approx(100.0)
    # 20 Mbit/s spare: (180 x 4) / (160 x 5) = 90 %
    k = kpis("data-transfer-disturbance", payload="20 MByte", spare_rate="20 Mbit/s")
    assert value(k["delivered_share"]) == pytest.approx(100 * 180 * 4 / (160 * 5))
    with pytest.raises(UserError, match="available_rate.*spare_rate.*not both"):
        kpis("data-transfer-disturbance", payload="20 MByte", available_rate="100 Mbit/s")


def test_blocked_share_above_100_percent_is_refused(kpis):
    with pytest.raises(UserError, match="blocked_share.*maximum"):
        kpis("data-transfer-disturbance", blocked_share="120 %")


# --- flocking ---------------------------------------------------------------------------

DL_TIME, UL_TIME = 132 * 8 / 1000, 132 * 8 / 500  # typical member: 1 Gbit/s DL, 500 Mbit/s UL


def test_flocking_defaults_by_hand(kpis):
    k = kpis("flocking")
    assert value(k["member_round_time"]) == pytest.approx(DL_TIME + 1 + UL_TIME)  # 4.168 s
    assert value(k["round_time"]) == pytest.approx(DL_TIME / 0.5 + 1 + UL_TIME / 0.5)  # 7.336 s
    assert value(k["straggler_wait"]) == pytest.approx(DL_TIME + UL_TIME)
    assert value(k["deadline_margin"]) == pytest.approx(10 - 7.336)
    assert value(k["rate_spread"]) == pytest.approx(2.0)
    assert value(k["equalised_round_time"]) == pytest.approx((DL_TIME + UL_TIME) * 10 / 9.5 + 1)
    # 9 s for DL + UL at a 2:1 DL:UL rate ratio: 1056/R + 1056/(R/2) = 9 -> R = 352
    assert value(k["dl_data_rate"]) == pytest.approx(352.0)
    assert value(k["ul_data_rate"]) == pytest.approx(176.0)
    assert value(k["dl_aggregate_rate"]) == pytest.approx(3520.0)
    assert value(k["ul_aggregate_rate"]) == pytest.approx(1760.0)


def test_member_reliability_for_ten_members(kpis):
    k = kpis("flocking", group_size=10, group_reliability="99 %")
    assert value(k["member_reliability"]) == pytest.approx(100 * 0.99 ** (1 / 10))  # 99.8995 %
    k = kpis("flocking", group_size=50, group_reliability="99.9 %")
    assert value(k["member_reliability"]) == pytest.approx(100 * 0.999 ** (1 / 50))


def test_missed_deadline_is_a_negative_margin(kpis):
    k = kpis("flocking", latency="5 s")
    assert value(k["deadline_margin"]) == pytest.approx(5 - 7.336)
    assert value(k["dl_data_rate"]) == pytest.approx((1056 + 2 * 1056) / 4)  # 4 s left after training


def test_slow_trainer_straggler(kpis):
    k = kpis("flocking", straggler_compute_factor=3)
    assert value(k["round_time"]) == pytest.approx(DL_TIME / 0.5 + 3 + UL_TIME / 0.5)
    assert value(k["transfer_time"]) == pytest.approx(7.0)
    assert value(k["equalised_round_time"]) == pytest.approx((DL_TIME + UL_TIME) * 10 / 9.5 + 3)
    stuck = kpis("flocking", training_time="5 s", straggler_compute_factor=2)
    assert stuck["dl_data_rate"][1] is False
    assert "training alone takes the whole group deadline" in stuck["dl_data_rate"][2]


def test_no_straggler_and_compressed_updates(kpis):
    even = kpis("flocking", straggler_rate_factor=1)
    assert value(even["round_time"]) == pytest.approx(value(even["member_round_time"]))
    assert value(even["straggler_wait"]) == pytest.approx(0.0)
    assert value(even["equalised_round_time"]) == pytest.approx(DL_TIME + 1 + UL_TIME)
    small = kpis("flocking", compression_ratio=10, delivery="multicast")
    assert value(small["ul_payload"]) == pytest.approx(13.2)
    assert value(small["dl_data_rate"]) == pytest.approx((132 + 13.2 * 2) * 8 / 9)  # 140.8
    assert value(small["ul_data_rate"]) == pytest.approx((132 + 13.2 * 2) * 8 / 9 / 2)
    assert value(small["dl_aggregate_rate"]) == pytest.approx(value(small["dl_data_rate"]))


def test_a_group_of_one_waits_for_nobody(kpis):
    k = kpis("flocking", group_size=1)
    assert value(k["straggler_wait"]) == 0.0  # not 7.336 - 4.168 = 3.168 s
    assert value(k["round_time"]) == pytest.approx(DL_TIME / 0.5 + 1 + UL_TIME / 0.5)  # its own time
    # the group's rate is its one member's: equalising changes nothing
    assert value(k["equalised_round_time"]) == pytest.approx(DL_TIME / 0.5 + 1 + UL_TIME / 0.5)
    assert value(k["member_reliability"]) == pytest.approx(99.0)


def test_multicast_runs_at_the_slowest_members_rate(kpis):
    k = kpis("flocking", delivery="multicast")
    # one DL stream the straggler can decode: 500 Mbit/s for everyone, 1056 Mbit in 2.112 s
    assert value(k["typical_dl_rate"]) == pytest.approx(500.0)
    assert value(k["member_round_time"]) == pytest.approx(DL_TIME / 0.5 + 1 + UL_TIME)  # 5.224 s
    assert value(k["round_time"]) == pytest.approx(DL_TIME / 0.5 + 1 + UL_TIME / 0.5)  # 7.336 s, as unicast
    assert value(k["straggler_wait"]) == pytest.approx(UL_TIME)  # only the UL differs: 2.112 s
    # equalising shares only the unicast UL: 2.112 + 2.112 x 10 / 9.5 + 1 = 5.335 s
    assert value(k["equalised_round_time"]) == pytest.approx(DL_TIME / 0.5 + UL_TIME * 10 / 9.5 + 1)
    assert value(k["dl_aggregate_rate"]) == pytest.approx(352.0)  # one copy at the minimum member rate
    unicast = kpis("flocking", delivery="unicast")
    assert value(unicast["typical_dl_rate"]) == pytest.approx(1000.0)


@settings(max_examples=40, deadline=None)
@given(group_size=st.integers(1, 1000), target=st.floats(50.0, 99.9999))
def test_member_reliability_compounds_back_to_the_group_target(kpis, group_size, target):
    k = kpis("flocking", group_size=group_size, group_reliability=f"{target} %")
    member = value(k["member_reliability"]) / 100
    assert member ** group_size == pytest.approx(target / 100, rel=1e-9)
    assert target / 100 <= member <= 1.0


# --- catalog hygiene --------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(CATALOG_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_parameter_described_and_every_kpi_labelled(path):
    data = yaml.safe_load(path.read_text())
    assert data["family"] == "federated"
    for name, spec in data["parameters"].items():
        assert isinstance(spec, dict) and spec.get("description"), f"{name} has no description"
    for name, spec in data["kpis"].items():
        assert spec.get("label"), f"{name} has no label"
    for name, spec in data.get("published", {}).items():
        assert "Table 7.10.1-3" in spec["source"], f"published {name} has no table source"


def test_contract_ids_are_present(catalog):
    assert {uc.id for uc in catalog if uc.family == "federated"} == set(FEDERATED_IDS)


def test_flocking_through_the_command_line(cli):
    result = cli("usecase", "flocking", "--set", "group_size=10", "--set", "group_reliability=99%",
                 "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = {r["kpi"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["member_reliability"]["value"] == pytest.approx(100 * 0.99 ** 0.1, rel=1e-6)
    assert rows["member_reliability"]["unit"] == "%"
    assert rows["round_time"]["value"] == pytest.approx(7.336, rel=1e-6)
