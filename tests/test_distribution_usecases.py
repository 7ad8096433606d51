"""Model/data distribution (TS 22.261 Table 7.10.1-2): published cells and hand-computed cases.

Units by hand: 1 MByte = 8e6 bit; rates below are in Mbit/s unless said otherwise.
"""

import json
from pathlib import Path

import pytest
import yaml
from helpers import evaluate_many, value

from ammt_calc.engine.published import check_catalog, compare
from ammt_calc.errors import UserError
from ammt_calc.files import builtin_dir

MBIT_PER_MBYTE = 8.0

DISTRIBUTION_IDS = (
    "video-upscaling",
    "model-distribution-image-recognition",
    "realtime-media-editing",
    "model-distribution-speech-recognition",
    "model-management-service",
    "automotive-networked-systems",
    "shared-model-monitoring",
    "predictive-model-distribution",
)

# TS 22.261 Table 7.10.1-2, every cell with a value (blank / "-" cells are not published).
TABLE_7_10_1_2 = {
    ("model-distribution-image-recognition", "dl_latency"): "exact",
    ("model-distribution-image-recognition", "dl_data_rate"): "rounded",  # 1.104 -> 1.1 Gbit/s
    ("model-distribution-image-recognition", "dl_payload"): "rounded",  # 138.358 -> 138 MByte
    ("model-distribution-image-recognition", "availability"): "exact",
    ("model-distribution-image-recognition", "dl_reliability"): "exact",  # weights
    ("model-distribution-image-recognition", "dl_reliability_topology"): "exact",
    ("model-distribution-speech-recognition", "dl_latency"): "exact",
    ("model-distribution-speech-recognition", "dl_data_rate"): "exact",
    ("model-distribution-speech-recognition", "dl_payload"): "exact",
    ("model-distribution-speech-recognition", "availability"): "exact",
    ("realtime-media-editing", "dl_latency"): "exact",
    ("realtime-media-editing", "dl_data_rate"): "exact",
    ("realtime-media-editing", "dl_payload"): "exact",
    ("realtime-media-editing", "parallel_downloads"): "exact",
    ("model-management-service", "dl_latency"): "exact",
    ("model-management-service", "dl_payload"): "exact",
    ("model-management-service", "user_density"): "in-range",
    ("automotive-networked-systems", "dl_latency"): "exact",
    ("automotive-networked-systems", "dl_data_rate"): "differs",  # 19.2 vs 22 Mbit/s
    ("automotive-networked-systems", "dl_payload"): "exact",
    ("automotive-networked-systems", "availability"): "exact",
    ("shared-model-monitoring", "dl_latency"): "exact",
    ("shared-model-monitoring", "dl_payload"): "exact",
    ("video-upscaling", "dl_latency"): "exact",
    ("video-upscaling", "dl_data_rate"): "rounded",  # 453.3 -> 450 Mbit/s
    ("video-upscaling", "dl_payload"): "exact",
}


@pytest.fixture(scope="module")
def check_rows(catalog):
    return {(r.usecase, r.kpi): r for r in check_catalog(catalog) if r.usecase in DISTRIBUTION_IDS}


# --- check: every published cell, and nothing else -------------------------------------------


def test_every_table_cell_is_checked_with_its_status(check_rows):
    assert {key: row.status for key, row in check_rows.items()} == TABLE_7_10_1_2


def test_every_published_cell_names_its_source(catalog):
    for uc_id in DISTRIBUTION_IDS:
        for published in catalog.get(uc_id).published.values():
            assert "Table 7.10.1-2" in published.source, (uc_id, published.kpi)


def test_rounded_rows_say_what_was_computed(check_rows):
    image = check_rows[("model-distribution-image-recognition", "dl_data_rate")]
    # 138,357,544 x 8 bit / 1 s, in the published Gbit/s
    assert image.computed_value == pytest.approx(1.106860352, rel=1e-12)
    assert "1.10686 Gbit/s" in image.note
    video = check_rows[("video-upscaling", "dl_data_rate")]
    assert video.computed_value == pytest.approx(170 * 8 / 3, rel=1e-12)
    assert "453.3" in video.note


def test_automotive_22_mbit_differs_and_says_what_it_implies(check_rows):
    row = check_rows[("automotive-networked-systems", "dl_data_rate")]
    assert row.computed_value == pytest.approx(2.4 * 8 / 1.0, rel=1e-12)  # 19.2 Mbit/s
    assert row.published_value == 22.0
    assert "model_size = 2.75 MByte" in row.note  # 22 Mbit/s x 1 s / 8
    assert "latency = 0.8727 s" in row.note  # 2.4 MByte x 8 / 22 Mbit/s
    assert "20.1 Mbit/s" in row.note  # the binary-prefix reading does not give 22 either


def test_user_density_range_and_note_1(check_rows):
    density = check_rows[("model-management-service", "user_density")]
    assert density.computed_value == pytest.approx(10000.0)
    assert "5000" in density.note and "10000" in density.note
    assert "below 64 MB" in check_rows[("realtime-media-editing", "dl_data_rate")].note


# --- golden: each published cell through the kpis fixture --------------------------------------


def test_image_recognition_published_row(kpis):
    k = kpis("model-distribution-image-recognition")
    assert value(k["dl_latency"]) == pytest.approx(1.0, rel=1e-12)
    # VGG-16's 138,357,544 parameters at 8 bit: the default is what num_params x bits_per_param gives
    assert value(k["dl_payload"]) == pytest.approx(138.357544, rel=1e-12)
    assert compare(value(k["dl_payload"]), "138") == "rounded"
    assert value(k["dl_data_rate"]) == pytest.approx(138.357544 * 8 / 1.0, rel=1e-12)  # 1106.86 Mbit/s
    assert compare(value(k["dl_data_rate"]) / 1000, "1.1") == "rounded"
    assert value(k["availability"]) == pytest.approx(99.999, rel=1e-12)
    assert value(k["dl_reliability"]) == pytest.approx(99.9, rel=1e-12)
    assert value(k["dl_reliability_topology"]) == pytest.approx(99.999, rel=1e-12)


def test_speech_recognition_published_row(kpis):
    k = kpis("model-distribution-speech-recognition")
    assert value(k["dl_latency"]) == pytest.approx(1.0)
    assert value(k["dl_payload"]) == pytest.approx(80.0)
    assert value(k["dl_data_rate"]) == pytest.approx(640.0, rel=1e-12)
    assert value(k["availability"]) == pytest.approx(99.999, rel=1e-12)


def test_realtime_media_editing_published_row(kpis):
    k = kpis("realtime-media-editing")
    assert value(k["dl_latency"]) == pytest.approx(1.0)
    assert value(k["dl_payload"]) == pytest.approx(64.0)
    assert value(k["dl_data_rate"]) == pytest.approx(512.0, rel=1e-12)
    assert value(k["parallel_downloads"]) == 50
    assert value(k["dl_aggregate_payload"]) == pytest.approx(50 * 64.0)
    assert value(k["dl_aggregate_rate"]) == pytest.approx(50 * 64 * 8 / 1000, rel=1e-12)  # 25.6 Gbit/s


def test_model_management_published_row(kpis):
    k = kpis("model-management-service")
    assert value(k["dl_latency"]) == pytest.approx(1.0)
    assert value(k["dl_payload"]) == pytest.approx(536.0)
    assert value(k["dl_data_rate"]) == pytest.approx(536 * 8 / 1000, rel=1e-12)  # 4.288 Gbit/s, blank in the table
    assert 5000 <= value(k["user_density"]) <= 10000


def test_automotive_published_row(kpis):
    k = kpis("automotive-networked-systems")
    assert value(k["dl_latency"]) == pytest.approx(1.0)
    assert value(k["dl_payload"]) == pytest.approx(2.4)
    assert value(k["dl_data_rate"]) == pytest.approx(19.2, rel=1e-12)  # not the published 22
    assert value(k["availability"]) == pytest.approx(99.999, rel=1e-12)


def test_shared_model_monitoring_published_row(kpis):
    k = kpis("shared-model-monitoring")
    assert value(k["dl_latency"]) == pytest.approx(1.0)
    assert value(k["dl_payload"]) == pytest.approx(500.0)
    assert value(k["dl_data_rate"]) == pytest.approx(4.0, rel=1e-12)  # Gbit/s, blank in the table


def test_video_upscaling_published_row(kpis):
    k = kpis("video-upscaling")
    assert value(k["dl_latency"]) == pytest.approx(3.0)
    assert value(k["dl_payload"]) == pytest.approx(170.0)
    assert value(k["dl_data_rate"]) == pytest.approx(170 * 8 / 3, rel=1e-12)  # 453.33 Mbit/s


# --- hand-computed cases with other parameters --------------------------------------------------


def test_other_model_and_deadline(kpis):
    k = kpis("model-distribution-image-recognition", model_size="300 MByte", latency="2 s")
    assert value(k["dl_data_rate"]) == pytest.approx(300 * 8 / 2, rel=1e-12)  # 1200 Mbit/s
    k = kpis("model-distribution-speech-recognition", model_size="40 MByte", latency="250 ms")
    assert value(k["dl_data_rate"]) == pytest.approx(40 * 8 / 0.25, rel=1e-12)  # 1280 Mbit/s


def test_vgg16_at_8_bit_is_the_published_138_mbyte(catalog):
    (ev,) = evaluate_many([catalog.get("model-distribution-image-recognition")], {"num_params": "138357544"})
    size = ev.parameters["model_size"]
    assert size.origin == "derived: num_params * bits_per_param / compression_ratio"
    assert float(size.quantity.to("MByte").magnitude) == pytest.approx(138_357_544 / 1e6, rel=1e-12)
    rate = float(ev.kpis["dl_data_rate"].value)
    assert rate == pytest.approx(138_357_544 * 8 / 1e6, rel=1e-12)  # 1106.86 Mbit/s
    assert compare(rate / 1000, "1.1") == "rounded"  # still the published 1.1 Gbit/s
    assert compare(138_357_544 / 1e6, "138") == "rounded"


def test_cli_reports_the_derived_model_size(cli):
    run = cli("usecase", "model-distribution-image-recognition", "--set", "num_params=138357544", "--format", "json")
    assert run.returncode == 0, run.stderr
    payload = json.loads(run.stdout)
    (size,) = [p for p in payload["parameters"] if p["name"] == "model_size"]
    assert size["origin"] == "derived: num_params * bits_per_param / compression_ratio"
    assert size["value"] == pytest.approx(138.357544) and size["unit"] == "MByte"
    (rate,) = [r for r in payload["rows"] if r["kpi"] == "dl_data_rate"]
    assert rate["value"] == pytest.approx(1106.860352) and rate["published"] == {"value": 1100.0, "min": None, "max": None,
                                                                                    "unit": "Mbit/s", "text": "1.1 Gbit/s"}

def test_given_model_size_is_reported_as_set(catalog):
    (ev,) = evaluate_many([catalog.get("model-distribution-image-recognition")], {"model_size": "300 MByte"})
    assert ev.parameters["model_size"].origin == "set"
    (ev,) = evaluate_many([catalog.get("model-distribution-image-recognition")], {})
    assert ev.parameters["model_size"].origin == "default"


@pytest.mark.parametrize("settings, expected_mbyte", [
    ({"bits_per_param": "32 bit"}, 138_357_544 * 4 / 1e6),  # VGG-16 fp32, 553.43 MByte
    ({"compression_ratio": "49"}, 138_357_544 / 49 / 1e6),  # Deep Compression's 49x
    ({"num_params": "25557032", "bits_per_param": "16 bit"}, 25_557_032 * 2 / 1e6),  # ResNet-50 fp16
])
def test_model_size_derived_from_parameters(kpis, settings, expected_mbyte):
    k = kpis("model-distribution-image-recognition", **settings)
    assert value(k["dl_payload"]) == pytest.approx(expected_mbyte, rel=1e-12)
    assert value(k["dl_data_rate"]) == pytest.approx(expected_mbyte * 8, rel=1e-12)  # in 1 s


@pytest.mark.parametrize("uc_id", DISTRIBUTION_IDS)
def test_derivation_at_defaults_is_close_to_the_given_size(kpis, uc_id):
    """num_params defaults are the counts that give the published size at 8 bit."""
    given = value(kpis(uc_id)["dl_payload"])
    derived = value(kpis(uc_id, bits_per_param="8 bit")["dl_payload"])
    assert derived == pytest.approx(given, rel=3e-3)  # VGG-16: 138.36 vs 138


def test_setting_size_and_its_inputs_together_is_refused(kpis):
    with pytest.raises(UserError, match="set either model_size"):
        kpis("automotive-networked-systems", model_size="3 MByte", num_params=1000)


def test_compression_ratio_below_one_is_refused(kpis):
    with pytest.raises(UserError, match="compression_ratio.*minimum"):
        kpis("realtime-media-editing", compression_ratio=0.5)


def test_video_upscaling_cache(kpis):
    k = kpis("video-upscaling", content_switch_rate="12 /h", cache_hit_ratio="75 %")
    misses_per_hour = 12 * (1 - 0.75)  # 3 downloads per hour
    assert value(k["downloads_per_hour"]) == pytest.approx(misses_per_hour)
    assert value(k["dl_average_load"]) == pytest.approx(170e6 * 8 * misses_per_hour / 3600 / 1e6)  # 1.133 Mbit/s
    assert value(k["download_duty_cycle"]) == pytest.approx(misses_per_hour / 3600 * 3 * 100)  # 0.25 %
    assert value(k["dl_data_rate"]) == pytest.approx(453.3333333, rel=1e-9)  # a miss still needs the full rate


def test_video_upscaling_default_is_the_worst_case_without_cache(kpis):
    k = kpis("video-upscaling")
    assert value(k["dl_average_load"]) == pytest.approx(170e6 * 8 * 6 / 3600 / 1e6)  # 2.267 Mbit/s


def test_video_upscaling_full_cache_needs_no_downloads(kpis):
    k = kpis("video-upscaling", cache_hit_ratio="100 %")
    assert value(k["dl_average_load"]) == 0.0
    assert value(k["dl_data_rate"]) == pytest.approx(170 * 8 / 3)


def test_video_upscaling_overlapping_downloads_are_infeasible(kpis):
    k = kpis("video-upscaling", content_switch_rate="2000 /h")  # one every 1.8 s, each takes 3 s
    assert k["download_duty_cycle"][1] is False
    assert "overlap" in k["download_duty_cycle"][2]


def test_cache_hit_ratio_above_100_percent_is_refused(kpis):
    with pytest.raises(UserError, match="cache_hit_ratio.*maximum"):
        kpis("video-upscaling", cache_hit_ratio="150 %")


def test_realtime_media_editing_aggregate(kpis):
    k = kpis("realtime-media-editing", num_models=10, model_size="32 MByte", latency="0.5 s")
    assert value(k["dl_data_rate"]) == pytest.approx(32 * 8 / 0.5)  # 512 Mbit/s per model
    assert value(k["dl_aggregate_rate"]) == pytest.approx(10 * 32 * 8 / 0.5 / 1000)  # 5.12 Gbit/s
    assert value(k["dl_aggregate_payload"]) == pytest.approx(320.0)
    assert value(k["parallel_downloads"]) == 10


def test_model_management_area_traffic_capacity(kpis):
    k = kpis("model-management-service")
    assert value(k["concurrent_download_density"]) == pytest.approx(10000 * 0.01)  # 100 /km^2
    assert value(k["area_traffic_capacity"]) == pytest.approx(100 * 4.288)  # 428.8 Gbit/s/km^2
    k = kpis("model-management-service", user_density_target="5000 /km^2", active_share="2 %",
             model_size="100 MByte", latency="2 s")
    assert value(k["dl_data_rate"]) == pytest.approx(100 * 8 / 2 / 1000)  # 0.4 Gbit/s
    assert value(k["area_traffic_capacity"]) == pytest.approx(5000 * 0.02 * 0.4)  # 40 Gbit/s/km^2


def test_density_at_the_lower_end_halves_the_area_traffic_capacity(catalog, kpis):
    k = kpis("model-management-service", user_density_target="5000 /km^2")
    assert value(k["area_traffic_capacity"]) == pytest.approx(5000 * 0.01 * 536 * 8 / 1000)  # 214.4 Gbit/s/km^2
    (note,) = [n for n in catalog.get("model-management-service").notes if "5000-10000" in n]
    assert "214.4" in note and "428.8" in note  # the note's arithmetic is the computation's


def test_automotive_exchange_share_is_an_assumption(catalog, kpis):
    assert catalog.get("automotive-networked-systems").parameters["exchange_fraction"].source == "assumption"
    k = kpis("automotive-networked-systems", exchange_fraction="25 %")
    assert value(k["layer_payload"]) == pytest.approx(2.4 * 0.25)  # 0.6 MByte
    assert value(k["layer_data_rate"]) == pytest.approx(2.4 * 0.25 * 8 / 1)  # 4.8 Mbit/s


def test_user_density_is_set_through_user_density_target(kpis):
    k = kpis("model-management-service", user_density_target="7500 /km^2")
    assert value(k["user_density"]) == pytest.approx(7500.0)
    with pytest.raises(UserError, match="user_density_target"):  # the KPI's name, with a suggestion
        kpis("model-management-service", user_density="7500 /km^2")


def test_automotive_partial_exchange_of_layers(kpis):
    k = kpis("automotive-networked-systems", exchange_fraction="25 %")
    assert value(k["layer_payload"]) == pytest.approx(2.4 * 0.25)  # 0.6 MByte
    assert value(k["layer_data_rate"]) == pytest.approx(2.4 * 0.25 * 8 / 1.0)  # 4.8 Mbit/s
    assert value(k["dl_data_rate"]) == pytest.approx(19.2)  # the whole model is unchanged
    k = kpis("automotive-networked-systems", exchange_fraction="10 %", latency="100 ms")
    assert value(k["layer_data_rate"]) == pytest.approx(0.24 * 8 / 0.1)  # 19.2 Mbit/s


def test_shared_model_monitoring_feedback_stream(kpis):
    k = kpis("shared-model-monitoring")
    assert value(k["ul_data_rate"]) == pytest.approx(1000 * 8 * 30 / 1e6)  # 0.24 Mbit/s
    k = kpis("shared-model-monitoring", feedback_size="200 byte", inference_rate="100 Hz")
    assert value(k["ul_payload"]) == pytest.approx(0.2)  # kByte
    assert value(k["ul_data_rate"]) == pytest.approx(200 * 8 * 100 / 1e6)  # 0.16 Mbit/s


def test_predictive_distribution_relief(kpis):
    k = kpis("predictive-model-distribution")
    assert value(k["dl_rate_without_prediction"]) == pytest.approx(138 * 8 / 1.0)  # 1104 Mbit/s
    assert value(k["dl_latency"]) == pytest.approx(11.0)
    assert value(k["dl_data_rate"]) == pytest.approx(138 * 8 / 11.0)  # 100.36 Mbit/s
    assert value(k["relief_factor"]) == pytest.approx(11.0)
    k = kpis("predictive-model-distribution", model_size="300 MByte", prediction_lead_time="29 s", latency="1 s")
    assert value(k["dl_data_rate"]) == pytest.approx(300 * 8 / 30)  # 80 Mbit/s
    assert value(k["relief_factor"]) == pytest.approx(30.0)


def test_predictive_distribution_ready_at_the_moment_of_need(kpis):
    k = kpis("predictive-model-distribution", latency="0 s", prediction_lead_time="20 s")
    assert k["dl_rate_without_prediction"][1] is False  # on demand with no time at all
    assert k["relief_factor"][1] is False
    assert value(k["dl_data_rate"]) == pytest.approx(138 * 8 / 20)  # 55.2 Mbit/s


# --- catalog hygiene ----------------------------------------------------------------------------


def _my_yaml_files() -> list[Path]:
    root = builtin_dir()
    return sorted((root / "distribution").glob("*.yaml")) + [root / "split" / "video-upscaling.yaml"]


def test_all_eight_use_cases_are_in_the_catalog(catalog):
    ids = {yaml.safe_load(p.read_text())["id"] for p in _my_yaml_files()}
    assert ids == set(DISTRIBUTION_IDS)
    assert catalog.get("video-upscaling").family == "split"
    assert {catalog.get(i).family for i in DISTRIBUTION_IDS if i != "video-upscaling"} == {"distribution"}


@pytest.mark.parametrize("path", _my_yaml_files(), ids=lambda p: p.stem)
def test_every_parameter_has_a_description_and_every_kpi_a_label(path):
    data = yaml.safe_load(path.read_text())
    for name, spec in data["parameters"].items():
        assert isinstance(spec, dict) and spec.get("description", "").strip(), f"{path.name}: parameter {name}"
    for name, spec in data["kpis"].items():
        assert spec.get("label", "").strip(), f"{path.name}: KPI {name}"
    assert data.get("sources"), path.name


@pytest.mark.parametrize("path", _my_yaml_files(), ids=lambda p: p.stem)
def test_mapper_names_carry_a_direction(path):
    """A later 5QI mapper looks for <dir>_latency, <dir>_payload, <dir>_data_rate, <dir>_reliability."""
    kpis = yaml.safe_load(path.read_text())["kpis"]
    for name in ("dl_latency", "dl_payload", "dl_data_rate"):
        assert name in kpis and kpis[name]["direction"] == "DL", (path.name, name)
