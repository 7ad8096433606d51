"""The families air, media and agent: KPIs at their defaults and at other settings, worked
out by hand, and the catalog's rules for use cases without published values.

1 MByte = 8e6 bit; Mbit/s = MByte x 8 / s. Counts are plain counts.
"""

import json
from pathlib import Path

import pytest
import yaml
from helpers import value

from ammt_calc.engine.published import check_catalog, unpublished

FAMILIES = {
    "air": ("air-csi-model-delivery", "air-dataset-transfer"),
    "media": ("adaptive-model-delivery", "ims-dc-model-download"),
    "agent": ("llm-agent-session",),
}
IDS = tuple(i for ids in FAMILIES.values() for i in ids)
CATALOG = Path(__file__).resolve().parent.parent / "catalog"


def values(kpis, uc, **settings):
    return {k: (value(v) if v[1] else None) for k, v in kpis(uc, **settings).items()}


def test_csi_model_delivery_defaults(kpis):
    k = values(kpis, "air-csi-model-delivery")
    # 2048 x 512 + 512 = 1,049,088 parameters x 4 bytes = 4.196352 MByte, + 10 kByte structure
    assert k["parameters_size"] == pytest.approx(4.196352)
    assert k["dl_payload"] == pytest.approx(4.206352)
    assert k["parameters_share"] == pytest.approx(100 * 4.196352 / 4.206352)  # 99.762 %
    assert k["dl_transfer_window"] == 1 and k["dl_latency"] == 1
    assert k["dl_data_rate"] == pytest.approx(33.650816)  # 4.206352 x 8 / 1 s
    assert k["cell_payload"] == pytest.approx(42.06352)  # 10 UEs, unicast
    assert k["dl_aggregate_rate"] == pytest.approx(336.50816)


def test_csi_model_delivery_parameters_only_broadcast_and_activation(kpis):
    k = values(kpis, "air-csi-model-delivery", transfer="parameters_only", delivery="multicast",
               activation_time="200 ms", num_ues=50, bits_per_param="fp16")
    # 1,049,088 x 2 bytes = 2.098176 MByte, no structure, in 1 - 0.2 = 0.8 s: 20.98176 Mbit/s
    assert k["dl_payload"] == pytest.approx(2.098176)
    assert k["dl_transfer_window"] == pytest.approx(0.8)
    assert k["dl_data_rate"] == pytest.approx(2.098176 * 8 / 0.8)
    assert k["cell_payload"] == pytest.approx(2.098176)  # one copy for the 50 UEs
    assert k["dl_aggregate_rate"] == pytest.approx(20.98176)
    result = kpis("air-csi-model-delivery", activation_time="1 s")
    assert not result["dl_data_rate"][1] and "activating the model" in result["dl_data_rate"][2]


def test_csi_model_delivery_takes_a_zoo_model(kpis):
    k = values(kpis, "air-csi-model-delivery", model="mobilenetv2", transfer="parameters_only")
    # torchvision MobileNetV2: 3,504,872 parameters at the use case's 32 bit
    assert k["dl_payload"] == pytest.approx(3_504_872 * 4 / 1e6)


def test_dataset_transfer(kpis):
    k = values(kpis, "air-dataset-transfer")
    # 100,000 x (2048 + 512) x 4 bytes = 1,024,000,000 bytes in 600 s
    assert k["dl_payload"] == pytest.approx(1024)
    assert k["dl_data_rate"] == pytest.approx(8192 / 600)  # 13.653 Mbit/s
    assert k["cell_payload"] == pytest.approx(10.24)  # GByte, 10 UEs unicast
    assert k["dl_aggregate_rate"] == pytest.approx(81920 / 600)
    assert k["dataset_to_model_ratio"] == pytest.approx(1_024_000_000 / 4_196_352)  # 244.02
    k = values(kpis, "air-dataset-transfer", num_samples=10_000, bits_per_value="fp16", latency="60 s",
               delivery="multicast")
    # 10,000 x 2560 x 2 bytes = 51.2 MByte in 60 s: 6.8267 Mbit/s, one copy for the cell
    assert k["dl_payload"] == pytest.approx(51.2)
    assert k["dl_data_rate"] == pytest.approx(51.2 * 8 / 60)
    assert k["dl_aggregate_rate"] == pytest.approx(51.2 * 8 / 60)


def test_adaptive_model_delivery_defaults(kpis):
    k = values(kpis, "adaptive-model-delivery")
    # ResNet-50, 25,557,032 parameters: int8 base 25.557032 MByte, three 8-bit refinements
    assert k["base_payload"] == pytest.approx(25.557032)
    assert k["refinement_payload"] == pytest.approx(25.557032)
    assert k["total_payload"] == pytest.approx(102.228128)
    assert k["full_payload"] == pytest.approx(102.228128)
    assert k["extra_payload"] == 0 and k["extra_share"] == 0
    # at 100 Mbit/s: 204.456256 Mbit -> 2.04456 s; 817.825024 Mbit -> 8.17825 s
    assert k["time_to_first_model"] == pytest.approx(2.04456256)
    assert k["time_to_full_model"] == pytest.approx(8.17825024)
    assert k["single_download_time"] == pytest.approx(8.17825024)
    assert k["first_model_speedup"] == pytest.approx(4)
    assert k["dl_payload"] == pytest.approx(25.557032) and k["dl_latency"] == 1
    assert k["dl_rate_first_model"] == pytest.approx(204.456256)  # base in 1 s
    assert k["dl_rate_full_model"] == pytest.approx(81.7825024)  # whole in 10 s
    assert k["dl_data_rate"] == pytest.approx(204.456256)
    assert k["single_download_rate"] == pytest.approx(817.825024)


def test_adaptive_model_delivery_int4_nnc_and_overhead(kpis):
    k = values(kpis, "adaptive-model-delivery", base_bits="int4", compression_ratio="nnc",
               refinement_overhead="10 %", num_refinements=2, full_model_deadline="2 s")
    # base: 25,557,032 x 4 bit / 20 = 0.6389258 MByte; each of 2 refinements: 14 bits x 1.1 / 20
    assert k["base_payload"] == pytest.approx(25_557_032 * 0.5 / 20 / 1e6)
    assert k["refinement_payload"] == pytest.approx(25_557_032 * 14 / 8 * 1.1 / 20 / 1e6)
    full = 25_557_032 * 4 / 20 / 1e6  # 5.1114064 MByte
    extra = 25_557_032 * 28 / 8 * 0.1 / 20 / 1e6  # 0.44724806 MByte
    assert k["full_payload"] == pytest.approx(full)
    assert k["extra_payload"] == pytest.approx(extra) and k["extra_share"] == pytest.approx(100 * extra / full)  # 8.75 %
    assert k["total_payload"] == pytest.approx(full + extra)
    assert k["first_model_speedup"] == pytest.approx(8)  # 32 bit / 4 bit
    assert k["dl_data_rate"] == pytest.approx(max(0.6389258 * 8 / 1, (full + extra) * 8 / 2))
    result = kpis("adaptive-model-delivery", base_bits="64 bit")
    assert not result["base_payload"][1] and "more bits per parameter" in result["base_payload"][2]


def test_ims_dc_model_download(kpis):
    k = values(kpis, "ims-dc-model-download")
    assert k["dl_payload"] == pytest.approx(41) and k["dl_transfer_window"] == 3
    assert k["dl_data_rate"] == pytest.approx(41 * 8 / 3)  # 109.33 Mbit/s
    k = values(kpis, "ims-dc-model-download", compression_ratio="nnc", dc_setup_time="500 ms",
               model_load_time="500 ms")
    # 40 MByte / 20 = 2 MByte + 1 MByte app in 3 - 1 = 2 s: 12 Mbit/s
    assert k["dl_payload"] == pytest.approx(3) and k["dl_data_rate"] == pytest.approx(12)
    result = kpis("ims-dc-model-download", dc_setup_time="3 s")
    assert not result["dl_data_rate"][1] and "whole set-up budget" in result["dl_data_rate"][2]


def test_agent_session_defaults(kpis):
    k = values(kpis, "llm-agent-session")
    # 1000 x 4 bytes of text + 500 kByte image x 4/3 (base64) = 670.667 kByte
    assert k["encoding_factor"] == pytest.approx(4 / 3)
    assert k["prompt_size"] == pytest.approx(4 + 500 * 4 / 3)
    assert k["ul_latency"] == pytest.approx(440)  # 450 - 0 - 10 ms
    assert k["ul_prompt_rate"] == pytest.approx((4 + 2000 / 3) * 8e-3 / 0.44)  # 12.194 Mbit/s
    assert k["ul_tool_rate"] == pytest.approx(0.016 / 0.44)
    assert k["ul_data_rate"] == pytest.approx(k["ul_prompt_rate"])
    assert k["dl_payload"] == 4 and k["dl_latency"] == 40 and k["dl_data_rate"] == pytest.approx(0.8)
    # 4 x 0.45 + 3 x (49 x 0.04 + 0.2) + 199 x 0.04 = 1.8 + 6.48 + 7.96 s
    assert k["task_time"] == pytest.approx(16.24)
    ul = (4 + 2000 / 3) / 1000 + 3 * 0.002  # MByte
    assert k["task_ul_volume"] == pytest.approx(ul)
    assert k["task_dl_volume"] == pytest.approx(1.4)  # (150 + 200) x 4 bytes
    assert k["task_volume"] == pytest.approx(ul + 0.0014)
    assert k["ul_sustained_rate"] == pytest.approx(ul * 8e3 / 46.24)  # 117.07 kbit/s
    assert k["dl_sustained_rate"] == pytest.approx(1.4 * 8 / 46.24)


def test_agent_session_voice_binary_no_tools(kpis):
    k = values(kpis, "llm-agent-session", encoding="binary", num_images=0, audio_duration="5 s",
               tool_calls=0, prompt_tokens=100, stream_overhead_per_token="96 Byte", server_prefill_time="140 ms")
    # 400 bytes + 5 s x 256 kbit/s = 160 kByte -> 160.4 kByte in 450 - 140 - 10 = 300 ms
    assert k["prompt_size"] == pytest.approx(160.4)
    assert k["ul_data_rate"] == pytest.approx(160.4 * 8e-3 / 0.3)  # 4.2773 Mbit/s
    assert k["dl_data_rate"] == pytest.approx(100 * 8 / 40)  # 100 bytes per 40 ms = 20 kbit/s
    assert k["task_time"] == pytest.approx(0.45 + 199 * 0.04)  # 8.41 s
    assert k["task_dl_volume"] == pytest.approx(20)  # 200 x 100 bytes
    result = kpis("llm-agent-session", server_prefill_time="445 ms")
    assert not result["ul_data_rate"][1] and "time-to-first-token" in result["ul_data_rate"][2]


def test_families_list_and_nothing_published(cli, catalog):
    for family, ids in FAMILIES.items():
        run = cli("list", "--family", family, "--format", "json")
        assert run.returncode == 0, run.stderr
        assert sorted(r["id"] for r in json.loads(run.stdout)["rows"]) == sorted(ids)
        assert sorted(p.stem for p in (CATALOG / family).glob("*.yaml")) == sorted(ids)
    assert not [r for r in check_catalog(catalog) if r.usecase in IDS]
    assert set(IDS) <= set(unpublished(catalog))
    for usecase in IDS:
        uc = catalog.get(usecase)
        assert uc.sources and not uc.published
        assert any("No published 3GPP values" in note for note in uc.notes)
        for p in uc.parameters.values():  # each default is sourced, labelled an assumption, or derived
            assert p.source or "assumption" in p.description or p.derive is not None, (usecase, p.name)
    for family in FAMILIES:
        for path in (CATALOG / family).glob("*.yaml"):
            assert "published" not in yaml.safe_load(path.read_text())


def test_cell_and_transport_apply(cli):
    run = cli("usecase", "llm-agent-session", "--transport", "tcp", "--cell", "profile=dense-urban",
              "--format", "json")
    assert run.returncode == 0, run.stderr
    kpis = {r["kpi"] for r in json.loads(run.stdout)["rows"]}
    assert {"ul_ip_rate", "ul_transport_time", "dl_ip_rate"} <= kpis
    run = cli("usecase", "air-csi-model-delivery", "adaptive-model-delivery", "--qos", "--format", "json")
    assert run.returncode == 0, run.stderr


def test_sweep_and_solve(cli):
    run = cli("solve", "air-dataset-transfer", "--for", "num_samples", "--target", "dl_data_rate=100Mbit/s",
              "--format", "json")
    assert run.returncode == 0, run.stderr
    # 100 Mbit/s x 600 s = 7500 MByte; / 10,240 bytes per sample = 732,421.875 samples
    assert json.loads(run.stdout)["value"] == pytest.approx(7.5e9 / 10_240)
    run = cli("sweep", "adaptive-model-delivery", "--vary", "base_bits=4bit,8bit,16bit", "--format", "csv")
    assert run.returncode == 0, run.stderr
    header, *rows = run.stdout.splitlines()
    column = header.split(",").index("first_model_speedup []")
    assert [float(r.split(",")[column]) for r in rows] == [8, 4, 2]
