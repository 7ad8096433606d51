"""Split AI/ML inference (TS 22.261 Table 7.10.1-1): published cells and hand-computed cases."""

from math import isclose

import pytest
from helpers import value

from ammt_calc.errors import UserError

# --- split-image-recognition ------------------------------------------------------------


def test_split_image_recognition_published_row(kpis):
    k = kpis("split-image-recognition")
    assert isclose(value(k["ul_data_rate"]), 144.0, rel_tol=1e-12)  # 0.27 MByte x 8 / 15 ms
    assert value(k["ul_payload"]) == pytest.approx(0.27, rel=1e-12)
    assert value(k["ul_latency"]) == pytest.approx(15.0, rel=1e-12)
    assert value(k["availability"]) == pytest.approx(99.999, rel=1e-12)
    assert value(k["ul_reliability"]) == pytest.approx(99.9, rel=1e-12)
    assert value(k["dl_reliability"]) == pytest.approx(99.999, rel=1e-12)


def test_split_image_recognition_other_payload_and_deadline(kpis):
    k = kpis("split-image-recognition", payload="0.5 MByte", latency="20 ms")
    assert value(k["ul_data_rate"]) == pytest.approx(0.5e6 * 8 / 0.020 / 1e6, rel=1e-12)  # 200


def test_compute_time_shrinks_the_transfer_window(kpis):
    k = kpis("split-image-recognition", device_compute_time="4 ms", server_compute_time="1 ms")
    assert value(k["ul_transfer_window"]) == pytest.approx(10.0)
    assert value(k["ul_data_rate"]) == pytest.approx(0.27e6 * 8 / 0.010 / 1e6)  # 216


def test_frame_rate_sets_a_sustained_rate(kpis):
    slow = kpis("split-image-recognition", frame_rate="30 fps")
    assert value(slow["ul_sustained_rate"]) == pytest.approx(0.27e6 * 8 * 30 / 1e6)  # 64.8
    assert value(slow["ul_data_rate"]) == pytest.approx(144.0)  # burst still dominates
    fast = kpis("split-image-recognition", payload="1 MByte", latency="100 ms", frame_rate="100 fps")
    assert value(fast["ul_burst_rate"]) == pytest.approx(80.0)
    assert value(fast["ul_data_rate"]) == pytest.approx(800.0)


def test_payload_derived_from_a_tensor(catalog, kpis):
    k = kpis("split-image-recognition", tensor_elements=150528, bits_per_element="8 bit")
    assert value(k["ul_payload"]) == pytest.approx(0.150528)
    assert value(k["ul_data_rate"]) == pytest.approx(150528 * 8 / 0.015 / 1e6)
    fp32 = kpis("split-image-recognition", bits_per_element="32 bit")  # tensor at its default count
    assert value(fp32["ul_payload"]) == pytest.approx(270000 * 4 / 1e6)


def test_payload_and_its_inputs_together_are_refused(kpis):
    with pytest.raises(UserError, match="set either payload"):
        kpis("split-image-recognition", payload="1 MB", tensor_elements=1000)


def test_compute_eating_the_budget_is_infeasible_with_the_root_reason(kpis):
    k = kpis("split-image-recognition", device_compute_time="10 ms", server_compute_time="5 ms")
    for name in ("ul_transfer_window", "ul_burst_rate", "ul_data_rate"):
        assert k[name][1] is False and k[name][0] is None
        assert k[name][2] == "device and server compute take the whole latency budget"
    assert k["ul_sustained_rate"] == (None, False, "single image: no frame rate")  # not 0: it does not apply


def test_zero_deadline_is_infeasible_not_infinite(kpis):
    k = kpis("split-image-recognition", latency="0 ms")
    assert k["ul_data_rate"][1] is False


# --- enhanced-media-recognition ---------------------------------------------------------


def test_enhanced_media_recognition_published_row(kpis):
    k = kpis("enhanced-media-recognition")
    assert value(k["dl_data_rate"]) == pytest.approx(150.0, rel=1e-12)  # 1.5 MByte x 12.5 fps
    assert value(k["dl_burst_rate"]) == pytest.approx(120.0, rel=1e-12)  # 1.5 MByte in 100 ms
    assert value(k["dl_payload"]) == pytest.approx(1.5)
    assert value(k["ul_data_rate"]) == pytest.approx(1.5)
    assert value(k["ul_latency"]) == value(k["dl_latency"]) == pytest.approx(100.0)


def test_enhanced_media_recognition_compressed_slow_stream(kpis):
    k = kpis("enhanced-media-recognition", frame_rate="4 fps", compression_factor=10)
    assert value(k["dl_payload"]) == pytest.approx(0.15)
    assert value(k["dl_sustained_rate"]) == pytest.approx(4.8)
    assert value(k["dl_data_rate"]) == pytest.approx(12.0)  # the 100 ms deadline dominates


def test_feature_maps_from_fpn_shapes(kpis):
    # Faster R-CNN FPN P2..P5 at 224x224: 256 x (56^2 + 28^2 + 14^2 + 7^2) = 1,066,240 values
    elements = 256 * (56**2 + 28**2 + 14**2 + 7**2)
    k = kpis("enhanced-media-recognition", feature_map_elements=elements)
    assert value(k["dl_payload"]) == pytest.approx(elements * 8 / 8 / 1e6)  # 1.06624 MByte at 8 bit
    assert value(k["dl_data_rate"]) == pytest.approx(elements * 8 * 12.5 / 1e6)  # 106.624 Mbit/s


def test_setting_feature_map_bits_to_their_default_keeps_the_published_size(kpis):
    # the derive inputs' defaults give the default size: 1,500,000 values x 8 bit = 1.5 MByte
    k = kpis("enhanced-media-recognition", bits_per_element="8 bit")
    assert value(k["dl_payload"]) == pytest.approx(1_500_000 * 8 / 8 / 1e6)
    assert value(k["dl_data_rate"]) == pytest.approx(1_500_000 * 8 * 12.5 / 1e6)  # 150 Mbit/s
    k = kpis("enhanced-media-recognition", bits_per_element="16 bit")
    assert value(k["dl_payload"]) == pytest.approx(1_500_000 * 16 / 8 / 1e6)  # 3 MByte
    assert value(k["dl_data_rate"]) == pytest.approx(1_500_000 * 16 * 12.5 / 1e6)  # 300 Mbit/s


def test_compression_factor_below_one_is_refused(kpis):
    with pytest.raises(UserError, match="compression_factor.*minimum"):
        kpis("enhanced-media-recognition", compression_factor=0.5)


# --- split-control-robotics --------------------------------------------------------------


def test_split_control_robotics_published_row(kpis):
    k = kpis("split-control-robotics")
    assert value(k["dl_data_rate"]) == pytest.approx(320.0, rel=1e-12)  # 40 kByte in 1 ms
    assert value(k["ul_data_rate"]) == pytest.approx(4.7, rel=1e-12)  # 587.5 byte at 1 kHz
    assert value(k["dl_sustained_rate"]) == pytest.approx(40e3 * 8 / 0.012 / 1e6)  # 26.67
    assert value(k["dl_payload"]) == pytest.approx(40.0)


def test_transfer_window_longer_than_the_loop_is_infeasible(kpis):
    k = kpis("split-control-robotics", transfer_window="20 ms")
    assert k["dl_data_rate"][1] is False
    assert "control loop" in k["dl_data_rate"][2]


# --- condition-dependent-split -----------------------------------------------------------

# VGG-16 split after pool2 (A) or pool5 (B); 1 MAC = 2 op; device 1e12 op/s, server 1e14 op/s
COMPUTE_A = 4_710_924_288 * 2 / 1e12 + 10_759_340_032 * 2 / 1e14  # s
COMPUTE_B = 15_346_630_656 * 2 / 1e12 + 123_633_664 * 2 / 1e14
BITS_A, BITS_B = 401_408 * 8, 25_088 * 8


def test_condition_dependent_split_by_hand(kpis):
    k = kpis("condition-dependent-split")
    assert value(k["latency_a"]) == pytest.approx((COMPUTE_A + BITS_A / 100e6) * 1e3)
    assert value(k["latency_b"]) == pytest.approx((COMPUTE_B + BITS_B / 100e6) * 1e3)
    assert value(k["best_split"]) == 1  # the code of B, the second choice (its name: test_best_split_is_a_name)
    assert value(k["switch_rate"]) == pytest.approx((BITS_A - BITS_B) / (COMPUTE_B - COMPUTE_A) / 1e6)
    assert value(k["ul_rate_needed_a"]) == pytest.approx(BITS_A / (0.050 - COMPUTE_A) / 1e6)
    assert value(k["ul_rate_needed_b"]) == pytest.approx(BITS_B / (0.050 - COMPUTE_B) / 1e6)
    assert value(k["ul_data_rate"]) == pytest.approx(BITS_B / (0.050 - COMPUTE_B) / 1e6)
    # split B at 100 Mbit/s: 30.696 ms compute + 2.007 ms UL = 32.70 ms, inside the 50 ms budget
    assert value(k["best_split_latency"]) == pytest.approx((COMPUTE_B + BITS_B / 100e6) * 1e3)
    assert value(k["ul_latency"]) == pytest.approx(50.0)  # the budget, not what a split achieves


def test_missed_latency_budget_is_infeasible(kpis):
    # 20 ms: B's compute alone is 30.7 ms; A needs 9.64 ms + 401,408 B x 8 / 100 Mbit/s = 41.7 ms
    assert COMPUTE_A + BITS_A / 100e6 > 0.020 and COMPUTE_B > 0.020
    k = kpis("condition-dependent-split", latency="20 ms")
    assert k["best_split_latency"][1] is False
    assert "no split meets the latency budget" in k["best_split_latency"][2]
    assert value(k["ul_latency"]) == pytest.approx(20.0)
    # A still can at a higher rate: 3,211,264 bit in 20 ms - 9.637 ms = 309.9 Mbit/s
    assert value(k["ul_data_rate"]) == pytest.approx(BITS_A / (0.020 - COMPUTE_A) / 1e6)
    # at that rate A meets the budget exactly, with a little to spare just above it
    k = kpis("condition-dependent-split", latency="20 ms", ul_rate=f"{BITS_A / (0.020 - COMPUTE_A) * 1.001} bit/s")
    assert value(k["best_split_latency"]) == pytest.approx((COMPUTE_A + (0.020 - COMPUTE_A) / 1.001) * 1e3)


def test_budget_below_every_splits_compute_names_the_reason(kpis):
    k = kpis("condition-dependent-split", latency="5 ms")  # A's compute is 9.64 ms, B's 30.7 ms
    assert k["ul_data_rate"][1] is False
    assert "each split's compute alone takes the whole latency budget" in k["ul_data_rate"][2]


def test_best_split_changes_above_the_switch_rate(kpis):
    switch = (BITS_A - BITS_B) / (COMPUTE_B - COMPUTE_A)
    assert value(kpis("condition-dependent-split", ul_rate=f"{switch * 1.01} bit/s")["best_split"]) == 0  # A
    assert value(kpis("condition-dependent-split", ul_rate=f"{switch * 0.99} bit/s")["best_split"]) == 1  # B


def test_slow_device_leaves_only_the_early_split(kpis):
    k = kpis("condition-dependent-split", device_speed="0.4 TOPS")  # split B's device part: 76.7 ms
    assert k["ul_rate_needed_b"][1] is False
    a = BITS_A / (0.050 - (4_710_924_288 * 2 / 0.4e12 + 10_759_340_032 * 2 / 1e14)) / 1e6
    assert value(k["ul_data_rate"]) == pytest.approx(a)


def test_best_split_is_a_name(catalog):
    from ammt_calc.engine.evaluation import evaluate

    result = evaluate(catalog.get("condition-dependent-split")).kpis["best_split"]
    assert result.choices == ("A", "B") and result.choice_at() == "B"  # pool5's 25 kByte wins at 100 Mbit/s
