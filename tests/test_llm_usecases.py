"""The llm- use cases: KPIs at their defaults and with zoo models, worked out by hand.

1 MByte = 8e6 bit; Mbit/s = MByte x 8 / s. Token counts are plain counts.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import value, write_safetensors

import ammt_calc as ac
from ammt_calc.engine.published import check_catalog, unpublished
from ammt_calc.errors import UserError

LLM_IDS = ("llm-model-download", "llm-adapter-delivery", "llm-split-inference", "llm-kv-cache-migration",
           "llm-federated-lora")
CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog" / "llm"


def values(kpis, uc, **settings):
    return {k: value(v) for k, v in kpis(uc, **settings).items()}


def test_model_download_defaults_and_presets(kpis):
    k = values(kpis, "llm-model-download")
    assert k["dl_payload"] == pytest.approx(2471.6288)  # 1,235,814,400 x 2 bytes (Llama 3.2 1B at bf16)
    assert k["dl_data_rate"] == pytest.approx(2471.6288 * 8 / 60)  # 329.550507 Mbit/s in 60 s
    k = values(kpis, "llm-model-download", model="llama-3.1-8b", bits_per_param="int4", update_fraction=0.1,
               latency="10 s", num_ues=20)
    # 8,030,261,248 x 4 bit = 4015.130624 MByte; a tenth = 401.5130624 MByte, and the bitmap of the
    # replaced weights' positions 8,030,261,248 bit = 1003.782656 MByte (a list: 33 bit each, 3312.98 MByte)
    assert k["dl_payload"] == pytest.approx(401.5130624 + 1003.782656)
    assert k["dl_data_rate"] == pytest.approx((401.5130624 + 1003.782656) * 8 / 10)  # 1124.24 Mbit/s
    assert k["dl_aggregate_rate"] == pytest.approx(20 * (401.5130624 + 1003.782656) * 8 / 10)
    k = values(kpis, "llm-model-download", model="llama-3.1-8b", bits_per_param="int4", delivery="multicast",
               num_ues=20)
    assert k["dl_aggregate_rate"] == pytest.approx(4015.130624 * 8 / 60)  # one copy for the cell


@pytest.mark.parametrize("usecase, kpi, unicast", [
    ("llm-model-download", "dl_aggregate_rate", 329.550507),  # one device by default: the same either way
    ("llm-adapter-delivery", "dl_aggregate_rate", 1803.55072),  # 10 devices x 180.355072 Mbit/s
    ("llm-adapter-delivery", "cell_payload", 225.44384),
])
def test_llm_delivery_is_a_choice_as_in_the_other_families(kpis, usecase, kpi, unicast):
    """delivery=unicast|multicast, as the federated and air use cases take it (0.4.0; was multicast=0|1)."""
    per_device = values(kpis, usecase)["dl_data_rate" if kpi.endswith("rate") else "dl_payload"]
    assert values(kpis, usecase)[kpi] == pytest.approx(unicast, rel=1e-6)
    assert values(kpis, usecase, delivery="unicast")[kpi] == pytest.approx(unicast, rel=1e-6)
    assert values(kpis, usecase, delivery="multicast")[kpi] == pytest.approx(per_device)


def test_llm_federated_lora_multicast_sends_one_copy(kpis):
    unicast = values(kpis, "llm-federated-lora")
    multicast = values(kpis, "llm-federated-lora", delivery="multicast")
    assert unicast["dl_aggregate_rate"] == pytest.approx(10 * unicast["dl_data_rate"])  # 10 devices by default
    assert multicast["dl_aggregate_rate"] == pytest.approx(unicast["dl_data_rate"])


@pytest.mark.parametrize("setting, fragment", [("delivery=0.3", "delivery"), ("multicast=1", "multicast")])
def test_the_old_multicast_number_is_refused(cli, setting, fragment):
    ran = cli("usecase", "llm-adapter-delivery", "--set", setting)
    assert ran.returncode == 2 and fragment in ran.stderr and ran.stderr.count("\n") == 1


def test_adapter_delivery(kpis):
    k = values(kpis, "llm-adapter-delivery")
    # 16 x 16 layers x 44,032 = 11,272,192 parameters x 2 bytes = 22.544384 MByte in 1 s
    assert k["adapter_params"] == 11_272_192
    assert k["dl_payload"] == pytest.approx(22.544384)
    assert k["dl_data_rate"] == pytest.approx(180.355072)
    assert k["cell_payload"] == pytest.approx(225.44384)  # 10 devices, unicast
    assert k["dl_aggregate_rate"] == pytest.approx(1803.55072)
    k = values(kpis, "llm-adapter-delivery", model="llama-3.1-8b", lora_targets="q_proj,v_proj", lora_rank=8)
    # 8 x 32 x ((4096 + 4096) + (4096 + 1024)) = 3,407,872 x 2 bytes = 6.815744 MByte
    assert k["adapter_params"] == 3_407_872 and k["dl_payload"] == pytest.approx(6.815744)


def test_split_inference(kpis):
    k = values(kpis, "llm-split-inference")
    # prompt: 1000 x 4096 x 16 bit = 65,536,000 bit = 8.192 MByte in 450 - 10 = 440 ms
    assert k["ul_payload"] == pytest.approx(8.192) and k["ul_latency"] == pytest.approx(440)
    assert k["ul_data_rate"] == pytest.approx(65.536 / 0.44)  # 148.945 Mbit/s
    # per token: 8.192 kByte in 40 - 10 = 30 ms = 2.184533 Mbit/s; DL 32 bit in 10 ms = 3.2 kbit/s
    assert k["ul_payload_per_token"] == pytest.approx(8.192)
    assert k["ul_data_rate_per_token"] == pytest.approx(0.065536 / 0.03)
    assert k["dl_payload"] == 4 and k["dl_data_rate"] == pytest.approx(3.2)
    # one request: 8.192 + 199 x 0.008192 = 9.822208 MByte over 0.45 + 199 x 0.04 = 8.41 s
    assert k["session_ul_volume"] == pytest.approx(9.822208)
    assert k["generation_time"] == pytest.approx(8.41)
    assert k["ul_mean_rate"] == pytest.approx(9.822208 * 8 / 8.41)
    k = values(kpis, "llm-split-inference", model="llama-3.2-1b", prompt_tokens=500, bits_per_activation="fp8")
    # 500 x 2048 x 8 bit = 1.024 MByte in 440 ms: 18.618 Mbit/s
    assert k["ul_payload"] == pytest.approx(1.024) and k["ul_data_rate"] == pytest.approx(8.192 / 0.44)


def test_split_inference_budgets_that_cannot_be_met(kpis):
    k = kpis("llm-split-inference", server_prefill_time="500 ms")
    assert not k["ul_data_rate"][1] and "time-to-first-token" in k["ul_data_rate"][2]
    k = kpis("llm-split-inference", token_return_time="40 ms")
    assert not k["ul_data_rate_per_token"][1] and k["ul_data_rate"][1]


def test_kv_cache_migration(kpis):
    k = values(kpis, "llm-kv-cache-migration")
    # Qwen3-8B: 2 x 8 x 128 values x 36 layers x 16 bit = 147,456 bytes per token; x 32,768 =
    # 4,831,838,208 byte = 4.50 GiB (Mooncake's figure) in 450 ms
    assert k["kv_cache_per_token"] == pytest.approx(147.456)
    assert k["kv_cache_size"] == pytest.approx(4831.838208) and 32_768 * 147_456 == 4.5 * 2**30
    assert k["migration_data_rate"] == pytest.approx(4831.838208 * 8 / 0.45)  # 85899.3 Mbit/s
    k = values(kpis, "llm-kv-cache-migration", model="llama-3.1-8b", context_tokens=4096)
    assert k["kv_cache_size"] == pytest.approx(536.870912)  # 2 x 32 x 8 x 128 x 2 bytes x 4096
    k = values(kpis, "llm-kv-cache-migration", model="phi-3-mini", context_tokens=1000, bits_per_kv_value="fp8")
    # 2 x 32 x 32 x 96 x 8 bit = 196,608 bytes per token (no grouped-query attention); x 1000
    assert k["kv_cache_per_token"] == pytest.approx(196.608)
    assert k["kv_cache_size"] == pytest.approx(196.608)
    k = values(kpis, "llm-kv-cache-migration", model="llama-3.2-1b", context_tokens=8192, latency="1 s")
    # 2 x 16 x 8 x 64 x 2 bytes = 32,768 bytes per token; x 8192 = 268.435456 MByte in 1 s
    assert k["kv_cache_size"] == pytest.approx(268.435456)
    assert k["migration_data_rate"] == pytest.approx(2147.483648)


def test_federated_lora(kpis):
    k = values(kpis, "llm-federated-lora")
    # 22.544384 MByte each way over 10 - 5 = 5 s: 36.0710144 Mbit/s per device, x 10 devices
    assert k["dl_payload"] == pytest.approx(22.544384) and k["ul_payload"] == pytest.approx(22.544384)
    assert k["transfer_window"] == pytest.approx(5)
    assert k["ul_data_rate"] == pytest.approx(36.0710144) and k["dl_data_rate"] == pytest.approx(36.0710144)
    assert k["ul_aggregate_rate"] == pytest.approx(360.710144)
    assert k["payload_share"] == pytest.approx(100 * 11_272_192 / 1_235_814_400)  # 0.912 %
    k = values(kpis, "llm-federated-lora", model="gemma-2-2b")
    # gemma 2 2B: per layer (2304+2048) + 2 (2304+1024) + (2048+2304) + 3 (2304+9216) = 49,920;
    # 16 x 26 x 49,920 = 20,766,720 parameters; share of 2,614,341,888 at 16 bit both
    assert k["adapter_params"] == 20_766_720
    assert k["payload_share"] == pytest.approx(100 * 20_766_720 / 2_614_341_888)
    k = kpis("llm-federated-lora", training_time="10 s")
    assert not k["ul_data_rate"][1] and "training takes the whole iteration period" in k["ul_data_rate"][2]


def test_zoo_fills_the_architecture_with_origins(catalog):
    from helpers import evaluate_many

    (ev,) = evaluate_many([catalog.get("llm-kv-cache-migration")], {"model": "llama-3.2-1b",
                                                                    "kv_values_per_layer": "512"})
    origins = {name: p.origin for name, p in ev.parameters.items()}
    assert origins["num_layers"] == "zoo: llama-3.2-1b" and origins["sliding_layers"] == "zoo: llama-3.2-1b"
    assert origins["kv_values_per_layer"] == "set"  # the user's value wins over the model's 2 x 8 x 64
    assert "num_layers = 16 from zoo: llama-3.2-1b" in ev.notes
    (ev,) = evaluate_many([catalog.get("llm-federated-lora")], {"model": "llama-3.2-1b", "lora_targets": "attention"})
    assert ev.parameters["lora_dims_per_layer"].origin == "zoo: llama-3.2-1b LoRA on q_proj, k_proj, v_proj, o_proj"
    assert float(ev.parameters["lora_dims_per_layer"].quantity.magnitude) == 13_312


def test_model_files_in_use_cases(kpis, tmp_path):
    write_safetensors(tmp_path / "model.safetensors", {"w": ("BF16", (1000, 500))})
    k = values(kpis, "llm-model-download", model=str(tmp_path / "model.safetensors"), latency="1 s")
    assert k["dl_payload"] == pytest.approx(1.0)  # 500,000 values at the use case's 16 bit
    # the same file where only a size is taken: the file's own bytes (1,000,000)
    k = values(kpis, "ddc-assisted-fl", model=str(tmp_path / "model.safetensors"))
    assert k["dl_payload"] == pytest.approx(1.0)
    with pytest.raises(UserError, match="needs a transformer's architecture"):
        kpis("llm-kv-cache-migration", model=str(tmp_path / "model.safetensors"))


@pytest.mark.parametrize("usecase, settings, message", [
    ("llm-kv-cache-migration", {"model": "vgg16"}, "needs a transformer's architecture"),
    ("llm-kv-cache-migration", {"model": "vit-b-16"}, "has no kv_values_per_layer"),
    ("llm-adapter-delivery", {"lora_targets": "all"}, "say which transformer it adapts"),
    ("llm-adapter-delivery", {"model": "phi-3-mini", "lora_targets": "q_proj"}, "not a linear layer of a phi3 model"),
    ("llm-split-inference", {"prompt_tokens": "1000 bit"}, "prompt_tokens"),
])
def test_bad_settings(kpis, usecase, settings, message):
    with pytest.raises(UserError, match=message):
        kpis(usecase, **settings)


def test_published_values_and_every_default_accounted_for(catalog):
    # only the KV-cache migration has one: Mooncake's 4.50 GiB, reproduced exactly from Qwen3-8B's config
    (row,) = [r for r in check_catalog(catalog) if r.usecase.startswith("llm-")]
    assert (row.usecase, row.kpi, row.status, row.basis) == ("llm-kv-cache-migration", "kv_cache_size", "exact",
                                                             "derived")
    assert (row.published_value, row.published_unit) == (4.5, "GiByte")
    assert set(LLM_IDS) - {"llm-kv-cache-migration"} <= set(unpublished(catalog))
    for usecase in LLM_IDS:
        uc = catalog.get(usecase)
        assert uc.family == "llm" and bool(uc.published) == (usecase == "llm-kv-cache-migration")
        for p in uc.parameters.values():  # each default has a source, is labelled an assumption, or is derived
            assert p.source or "assumption" in p.description or p.derive is not None, (usecase, p.name)
    assert sorted(p.stem for p in CATALOG_DIR.glob("*.yaml")) == sorted(LLM_IDS)
    for path in CATALOG_DIR.glob("*.yaml"):
        assert ("published" in yaml.safe_load(path.read_text())) == (path.stem == "llm-kv-cache-migration")


def test_token_counts_are_plain_counts(catalog):
    for usecase, name in [("llm-split-inference", "prompt_tokens"), ("llm-split-inference", "output_tokens"),
                          ("llm-kv-cache-migration", "context_tokens"), ("llm-adapter-delivery", "lora_rank")]:
        assert catalog.get(usecase).parameters[name].unit_text == ""


def test_sweep_and_solve(capsys):
    from ammt_calc.cli import main

    result = ac.sweep("llm-kv-cache-migration", {"context_tokens": "1024,2048,4096"})
    # 147,456 bytes per token x 1024 / 2048 / 4096
    assert np.allclose(result["kv_cache_size"], [150.994944, 301.989888, 603.979776])
    solution = ac.solve("llm-kv-cache-migration", "context_tokens", "migration_data_rate=1 Gbit/s")
    # 1 Gbit/s x 0.45 s = 56.25 MByte = 381.47 tokens of 147,456 bytes
    assert float(solution.quantity.magnitude) == pytest.approx(1e9 * 0.45 / 8 / 147_456)
    assert main(["sweep", "llm-kv-cache-migration", "--vary", "context_tokens=1024,2048", "--set",
                 "model=llama-3.2-1b", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # 2 x 16 x 8 x 64 x 2 bytes = 32,768 bytes per token: 33.554432 and 67.108864 MByte
    # (the per-token size in MByte, the one unit of sizes in files)
    assert lines[1].startswith("1024,0.032768,33.554432,") and lines[2].startswith("2048,0.032768,67.108864,")
    assert main(["solve", "llm-kv-cache-migration", "--for", "context_tokens", "--target",
                 "migration_data_rate=1Gbit/s", "--set", "model=llama-3.2-1b", "--format", "json"]) == 0
    # 1e9 x 0.45 / 8 / 32,768 = 1716.61 tokens
    assert json.loads(capsys.readouterr().out)["value"] == pytest.approx(1e9 * 0.45 / 8 / 32_768)


def test_usecase_json_in_process(capsys):
    from ammt_calc.cli import main

    assert main(["usecase", "llm-kv-cache-migration", "--set", "model=llama-3.1-8b", "--set", "context_tokens=4096",
                 "--format", "json"]) == 0
    out, err = capsys.readouterr()
    rows = {r["kpi"]: r for r in json.loads(out)["rows"]}
    assert rows["kv_cache_size"]["value"] == pytest.approx(536.870912) and rows["kv_cache_size"]["unit"] == "MByte"
    assert rows["kv_cache_size"]["published"]["text"] == "4.50 GiB" and rows["kv_cache_size"]["status"] == "differs"
    assert "kv_values_per_layer = 2048 from zoo: llama-3.1-8b" in err


def test_a_cnn_across_several_use_cases_is_a_note_not_an_error(catalog):
    from helpers import evaluate_many

    kv, download = catalog.get("llm-kv-cache-migration"), catalog.get("llm-model-download")
    ev_kv, ev_download = evaluate_many([kv, download], {"model": "vgg16"})
    assert ev_kv.parameters["num_layers"].origin == "default"
    assert any("needs a transformer's architecture" in n and "keep their defaults" in n for n in ev_kv.notes)
    assert ev_download.parameters["num_params"].origin == "zoo: vgg16"


def test_the_api_takes_models_in_evaluate_sweep_and_solve():
    # Llama 3.2 1B: 2 x 16 x 8 x 64 x 2 bytes = 32,768 bytes per token
    assert ac.evaluate("llm-kv-cache-migration", model="llama-3.2-1b")["kv_cache_size"].magnitude == \
        pytest.approx(32_768 * 32_768 / 1e6)  # 1073.741824 MByte
    swept = ac.sweep("llm-kv-cache-migration", {"context_tokens": "1024,2048"}, {"model": "llama-3.2-1b"})
    assert np.allclose(swept["kv_cache_size"], [33.554432, 67.108864])
    solution = ac.solve("llm-kv-cache-migration", "context_tokens", "migration_data_rate=1 Gbit/s", model="llama-3.2-1b")
    assert float(solution.quantity.magnitude) == pytest.approx(1e9 * 0.45 / 8 / 32_768)  # 1716.6 tokens


def test_sliding_windows_and_latent_attention_in_the_cache(kpis):
    # Gemma 2 2B at 8192 tokens: 13 global layers keep 8192 tokens, 13 sliding ones 4096;
    # 2 x 4 x 256 values x 2 bytes = 4096 byte per layer and token: 13 x 4096 x (8192 + 4096)
    k = values(kpis, "llm-kv-cache-migration", model="gemma-2-2b", context_tokens=8192)
    assert k["kv_cache_size"] == pytest.approx(654.311424)  # MByte; 872.415232 without the window
    assert k["kv_cache_per_token"] == pytest.approx(106.496)  # bf16, not the float32 of its files
    # Mistral 7B v0.1: every layer slides at 4096: the cache of 32,768 tokens is that of 4096
    k = values(kpis, "llm-kv-cache-migration", model="mistral-7b")
    assert k["kv_cache_size"] == pytest.approx(4096 * 131.072e-3)
    # DeepSeek-V3 (MLA): (512 + 64) x 61 layers x 2 bytes = 70,272 byte per token; fp8 halves it
    k = values(kpis, "llm-kv-cache-migration", model="deepseek-v3", bits_per_kv_value="fp8", context_tokens=1000)
    assert k["kv_cache_per_token"] == pytest.approx(35.136) and k["kv_cache_size"] == pytest.approx(35.136)
