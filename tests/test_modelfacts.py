"""`model_facts`: the document of `ammt-calc model SOURCE`, with hand-computed figures."""

import json

import pytest
from helpers import write_safetensors
from test_hfconfig import LLAMA_32_1B

from ammt_calc.errors import UserError
from ammt_calc.models.facts import model_facts


def sizes(facts):
    return {s["precision"]: s["size"]["value"] for s in facts["sizes"]}


def test_llama_31_8b():
    facts = model_facts("llama-3.1-8b").to_dict()
    json.dumps(facts)  # plain data
    assert facts["num_params"] == 8_030_261_248 and isinstance(facts["num_params"], int)
    assert facts["native_dtype"] == "bfloat16"
    assert facts["native_size"] == {"value": 16060.522496, "unit": "MByte"}  # 8,030,261,248 x 2 bytes
    assert sizes(facts) == {"fp32": 32121.044992, "fp16": 16060.522496, "bf16": 16060.522496,
                            "fp8": 8030.261248, "int8": 8030.261248, "int4": 4015.130624}
    assert (facts["layers"], facts["hidden_size"], facts["num_kv_heads"], facts["head_dim"]) == (32, 4096, 8, 128)
    assert facts["context_length"] == 131072
    token = facts["per_token"]
    assert token["hidden_state"] == {"value": 8192, "unit": "Byte"}  # 4096 x 2 bytes
    assert token["kv_cache"] == {"value": 131072, "unit": "Byte"}  # 2 x 32 x 8 x 128 x 2 bytes
    lora = facts["lora"]
    # rank 16 on all 7 projections: per layer q 4096+4096, k 4096+1024, v 4096+1024, o 4096+4096,
    # gate and up 4096+14336, down 14336+4096 = 81,920; 16 x 32 x 81,920 = 41,943,040; x 2 bytes
    assert lora["params"] == 41_943_040 and lora["size"] == {"value": 83.88608, "unit": "MByte"}
    assert lora["rank"] == 16 and lora["bits_per_param"] == 16 and "d_in + d_out" in lora["formula"]


def test_lora_rank_and_targets():
    facts = model_facts("llama-3.1-8b", lora_rank=8, lora_targets="q_proj,v_proj").to_dict()
    # 8 x 32 x ((4096 + 4096) + (4096 + 1024)) = 8 x 32 x 13,312 = 3,407,872
    assert facts["lora"]["params"] == 3_407_872 and facts["lora"]["targets"] == ["q_proj", "v_proj"]
    phi = model_facts("phi-3-mini", lora_targets=["qkv_proj"]).to_dict()
    # fused qkv_proj 3072 -> 3072 + 2 x 3072: 16 x 32 x (3072 + 9216) = 6,291,456
    assert phi["lora"]["params"] == 6_291_456
    attention = model_facts("llama-3.2-1b", lora_targets="attention").to_dict()
    # 16 x 16 x ((2048+2048) + 2 x (2048+512) + (2048+2048)) = 16 x 16 x 13,312 = 3,407,872
    assert attention["lora"]["params"] == 3_407_872
    with pytest.raises(UserError, match=r"'qproj' is not a linear layer of a llama model; did you mean 'q_proj'"):
        model_facts("llama-3.1-8b", lora_targets="qproj")
    with pytest.raises(UserError, match="--lora-rank: expected a whole number from 1"):
        model_facts("llama-3.1-8b", lora_rank=0)


def test_per_token_at_the_compute_dtype():
    phi = model_facts("phi-3-mini").to_dict()["per_token"]
    assert phi["kv_cache"]["value"] == 393_216  # 2 x 32 x 32 x 96 x 2 bytes: no grouped-query attention
    gemma = model_facts("gemma-2-2b").to_dict()  # stored as float32, computed in bf16
    assert gemma["native_size"]["value"] == pytest.approx(10457.367552)  # 2,614,341,888 x 4 bytes
    assert gemma["per_token"]["kv_cache"]["value"] == 106_496  # 2 x 26 x 4 x 256 x 2 bytes, as the llm- use cases
    assert gemma["per_token"]["hidden_state"]["value"] == 4608  # 2304 x 2 bytes
    # at its context length, 8192 tokens: 13 sliding layers keep 4096: 13 x 4096 x (8192 + 4096) byte
    assert gemma["per_token"]["kv_cache_context"] == {"tokens": 8192, "value": pytest.approx(654.311424),
                                                      "unit": "MByte"}
    fp8 = model_facts("gemma-2-2b", kv_bits="fp8", context=100).to_dict()["per_token"]
    assert fp8["kv_cache"]["value"] == 53_248 and fp8["kv_bits_per_value"] == 8 and fp8["bits_per_value"] == 16
    assert fp8["kv_cache_context"]["value"] == pytest.approx(5.3248)  # 100 tokens, all within the window
    deepseek = model_facts("deepseek-v3").to_dict()
    # MLA: (kv_lora_rank 512 + qk_rope_head_dim 64) x 61 layers x 2 bytes
    assert deepseek["num_params"] == 671_026_419_200 and deepseek["per_token"]["kv_cache"]["value"] == 70_272
    assert "kv_lora_rank" in deepseek["per_token"]["kv_cache_formula"]
    qwen = model_facts("qwen3-8b").to_dict()
    assert qwen["num_params"] == 8_190_735_360 and qwen["per_token"]["kv_cache"]["value"] == 147_456
    whisper = model_facts("whisper-large-v3").to_dict()
    assert whisper["per_token"]["kv_cache"]["value"] == 163_840  # decoder: 2 x 32 x 20 x 64 x 2 bytes
    vit = model_facts("vit-b-16").to_dict()
    assert vit["per_token"]["kv_cache"] is None and vit["num_kv_heads"] is None
    assert vit["per_token"]["hidden_state"]["value"] == 1536  # 768 x 2 bytes: bf16, the compute dtype


def test_extra_bits():
    facts = model_facts("llama-3.2-1b", bits="6 bit").to_dict()
    assert sizes(facts)["6 bit"] == pytest.approx(926.8608)  # 1,235,814,400 x 6 / 8 bytes
    assert sizes(model_facts("llama-3.2-1b", bits=3).to_dict())["3 bit"] == pytest.approx(463.4304)
    assert len(model_facts("llama-3.2-1b", bits="INT4").to_dict()["sizes"]) == 7
    for bad in ("-2", "fast", "5 ms", 0):
        with pytest.raises(UserError, match="--bits"):
            model_facts("llama-3.2-1b", bits=bad)


def test_cnn_of_the_zoo_has_no_transformer_fields():
    facts = model_facts("vgg16").to_dict()
    assert facts["num_params"] == 138_357_544 and sizes(facts)["fp32"] == 553.430176
    assert facts["layers"] is None and facts["per_token"] is None and facts["lora"] is None
    assert facts["native_size"] is None
    with pytest.raises(UserError, match="no transformer architecture"):
        model_facts("vgg16", lora_targets="all")


def test_config_json_folder_and_safetensors(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(LLAMA_32_1B))
    facts = model_facts(str(tmp_path / "config.json")).to_dict()
    assert facts["kind"] == "config" and facts["num_params"] == 1_235_814_400
    assert facts["count_basis"] == "architecture (config.json)"
    write_safetensors(tmp_path / "model.safetensors", {"embed": ("BF16", (1000, 64)), "norm": ("F32", (64,))})
    folder = model_facts(str(tmp_path)).to_dict()
    # the weights' headers win: 64,000 + 64 = 64,064 values, 128,000 + 256 = 128,256 bytes
    assert folder["kind"] == "safetensors" and folder["num_params"] == 64_064
    assert folder["native_size"] == {"value": 0.128256, "unit": "MByte"}
    assert folder["params_by_dtype"] == {"BF16": 64_000, "F32": 64}
    assert folder["hidden_size"] == 2048  # the architecture from config.json beside the weights
    assert any("config.json's architecture gives 1,235,814,400" in n for n in folder["notes"])
    (tmp_path / "config.json").unlink()
    alone = model_facts(str(tmp_path / "model.safetensors")).to_dict()
    assert alone["num_params"] == 64_064 and alone["layers"] is None and alone["per_token"] is None


def test_rows_carry_the_same_numbers():
    rows = {r["quantity"]: r for r in model_facts("llama-3.1-8b").rows()}
    assert rows["num_params"]["value"] == 8_030_261_248
    assert rows["KV cache per token"]["value"] == 131072 and rows["KV cache per token"]["unit"] == "Byte"
    assert rows["size (int4)"]["value"] == 4015.130624
    assert rows["LoRA adapter size"]["value"] == 83.88608


@pytest.mark.parametrize("source, message", [
    ("llama-9b", r"unknown model 'llama-9b'.*zoo models:"),
    ("", "give a zoo name"),
    ("nowhere/config.json", "does not exist"),
    ("nowhere.safetensors", "does not exist"),
])
def test_bad_sources(source, message):
    with pytest.raises(UserError, match=message):
        model_facts(source)


def test_unknown_family_suggests_safetensors(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mamba"}))
    with pytest.raises(UserError, match=r"model_type 'mamba' is not a family .*give the model's .safetensors"):
        model_facts(str(tmp_path))


def test_a_checkpoint_laid_out_as_llama_32_1b_counts_as_its_config(tmp_path):
    """Two independent counts agree: the safetensors headers of a (sparse) checkpoint with
    Llama 3.2 1B's tensor shapes, and the architecture computed from its config.json."""
    h, f, kv, vocab = 2048, 8192, 512, 128256
    tensors = {"model.embed_tokens.weight": ("BF16", (vocab, h)), "model.norm.weight": ("BF16", (h,))}  # tied head
    for i in range(16):
        p = f"model.layers.{i}."
        tensors.update({p + "self_attn.q_proj.weight": ("BF16", (h, h)), p + "self_attn.k_proj.weight": ("BF16", (kv, h)),
                        p + "self_attn.v_proj.weight": ("BF16", (kv, h)), p + "self_attn.o_proj.weight": ("BF16", (h, h)),
                        p + "mlp.gate_proj.weight": ("BF16", (f, h)), p + "mlp.up_proj.weight": ("BF16", (f, h)),
                        p + "mlp.down_proj.weight": ("BF16", (h, f)), p + "input_layernorm.weight": ("BF16", (h,)),
                        p + "post_attention_layernorm.weight": ("BF16", (h,))})
    write_safetensors(tmp_path / "model.safetensors", tensors, sparse=True)  # 2.47 GByte, a hole on disk
    (tmp_path / "config.json").write_text(json.dumps(LLAMA_32_1B))
    facts = model_facts(str(tmp_path)).to_dict()
    assert facts["num_params"] == 1_235_814_400 and facts["count_basis"] == "safetensors headers (exact)"
    assert facts["native_size"]["value"] == 2471.6288 and facts["params_by_dtype"] == {"BF16": 1_235_814_400}
    assert not any("differ" in n for n in facts["notes"])


# --- the command line (in-process) --------------------------------------------------------


def test_model_command_json_csv_table(cli):
    from helpers import ok

    doc = json.loads(ok(cli("model", "llama-3.1-8b", "--bits", "6bit", "--format", "json")))
    assert doc == model_facts("llama-3.1-8b", bits="6bit").to_dict()  # the API's document, as printed
    assert doc["num_params"] == 8_030_261_248
    lines = ok(cli("model", "llama-3.2-1b", "--lora-rank", "8", "--lora-targets", "q_proj,v_proj", "--format", "csv"))
    rows = {line.split(",")[0]: line for line in lines.splitlines()}
    assert rows["quantity"] == "quantity,value,unit,note"
    assert rows["num_params"].startswith("num_params,1235814400,,")
    assert rows["KV cache per token"].startswith("KV cache per token,32768,Byte,")  # 2 x 16 x 8 x 64 x 2
    # 8 x 16 x ((2048 + 2048) + (2048 + 512)) = 851,968
    assert rows["LoRA adapter parameters"].startswith("LoRA adapter parameters,851968,,\"rank 8 on q_proj, v_proj")
    table = ok(cli("model", "phi-3-mini"))
    assert "Phi-3-mini-4k (phi-3-mini, phi3): 3,821,079,552 parameters" in table
    assert "393216" in table  # KV cache bytes per token


def test_model_command_refuses_in_one_line(cli, tmp_path):
    from helpers import refused

    path = tmp_path / "bad.safetensors"
    write_safetensors(path, None, header={"a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]},
                                          "b": {"dtype": "F16", "shape": [4], "data_offsets": [4, 12]}}, data_size=12)
    refused(cli("model", str(path)), "overlap")
    refused(cli("model", "llama-3.1-8b", "--bits", "fast"), "--bits")
    refused(cli("model", "llama-3.1-8b", "--lora-rank", "0"), "--lora-rank")
    refused(cli("model", "mamba-3b"), "unknown model 'mamba-3b'")


def test_check_says_which_use_cases_have_no_published_values(cli):
    result = cli("check", "--format", "json")
    assert result.returncode == 0
    note = [line for line in result.stderr.splitlines() if line.startswith("note: no published value")]
    assert note and all(i in note[0] for i in ("llm-model-download", "llm-split-inference", "llm-federated-lora"))


def test_split_points_of_a_decoder_per_token():
    import ammt_calc as ac

    doc = ac.api.split("llama-3.2-1b").to_dict()
    rows = {r["split"]: r for r in doc["rows"]}
    assert len(rows) == 18  # input, layer1 ... layer16, output
    # after 8 layers: one hidden state of 2048 values at the model's bf16 = 4.096 kByte; the device ran
    # 8 x (2048*2048 + 2*2048*512 + 2048*2048 + 3*2048*8192 = 60,817,408) = 486,539,264 MAC
    assert rows["layer8"]["payload"]["value"] == pytest.approx(4.096)
    assert rows["layer8"]["device_work"] == {"value": pytest.approx(0.486539264), "unit": "GMAC"}
