"""Parameter counts from Hugging Face config.json files, computed by hand from the published
configs (each model's config.json on Hugging Face), and the errors of bad configs."""

import json

import pytest

from ammt_calc.errors import UserError
from ammt_calc.models import hfconfig, zoo

LLAMA_31_8B = dict(model_type="llama", hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                   num_attention_heads=32, num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072,
                   tie_word_embeddings=False, torch_dtype="bfloat16")
LLAMA_32_1B = dict(model_type="llama", hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                   num_attention_heads=32, num_key_value_heads=8, head_dim=64, vocab_size=128256,
                   tie_word_embeddings=True, torch_dtype="bfloat16")
QWEN25_7B = dict(model_type="qwen2", hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
                 num_attention_heads=28, num_key_value_heads=4, vocab_size=152064, tie_word_embeddings=False)
GEMMA2_2B = dict(model_type="gemma2", hidden_size=2304, intermediate_size=9216, num_hidden_layers=26,
                 num_attention_heads=8, num_key_value_heads=4, head_dim=256, vocab_size=256000)
PHI3_MINI = dict(model_type="phi3", hidden_size=3072, intermediate_size=8192, num_hidden_layers=32,
                 num_attention_heads=32, num_key_value_heads=32, vocab_size=32064, tie_word_embeddings=False)
MISTRAL_7B = dict(model_type="mistral", hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                  num_attention_heads=32, num_key_value_heads=8, vocab_size=32000)
VIT_B16 = dict(model_type="vit", architectures=["ViTForImageClassification"], hidden_size=768, intermediate_size=3072,
               num_hidden_layers=12, num_attention_heads=12, image_size=224, patch_size=16, num_channels=3,
               id2label={str(i): f"class {i}" for i in range(1000)})
WHISPER_V3 = dict(model_type="whisper", d_model=1280, encoder_layers=32, decoder_layers=32, encoder_attention_heads=20,
                  decoder_attention_heads=20, encoder_ffn_dim=5120, decoder_ffn_dim=5120, vocab_size=51866,
                  num_mel_bins=128, max_source_positions=1500, max_target_positions=448, torch_dtype="float16")
BERT_BASE = dict(model_type="bert", hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                 num_attention_heads=12, vocab_size=30522, max_position_embeddings=512, type_vocab_size=2)

# Hand arithmetic, per family (h hidden, f intermediate, L layers, V vocabulary):
HAND = {
    # Llama 3.1 8B, untied: 2 x 128256 x 4096 = 1,050,673,152 (embeddings + LM head);
    # layer: q 4096*4096 + k 4096*1024 + v 4096*1024 + o 4096*4096 = 41,943,040,
    #        MLP 3*4096*14336 = 176,160,768, norms 2*4096 = 8,192 -> 218,112,000; x32 = 6,979,584,000;
    # final norm 4,096: 1,050,673,152 + 6,979,584,000 + 4,096 = 8,030,261,248
    "llama-3.1-8b": (LLAMA_31_8B, 8_030_261_248),
    # Llama 3.2 1B, tied: 128256 x 2048 = 262,668,288 once; layer: q 2048*2048 + k 2048*512 + v 2048*512
    # + o 2048*2048 = 10,485,760, MLP 3*2048*8192 = 50,331,648, norms 4,096 -> 60,821,504; x16 = 973,144,064;
    # + final norm 2,048: 262,668,288 + 973,144,064 + 2,048 = 1,235,814,400
    "llama-3.2-1b": (LLAMA_32_1B, 1_235_814_400),
    # Qwen2.5 7B, untied, q/k/v biases: 2 x 152064 x 3584 = 1,089,994,752; layer: q 3584*3584 + 3584,
    # k, v 3584*512 + 512 each, o 3584*3584 (no bias) = 29,364,736; MLP 3*3584*18944 = 203,685,888;
    # norms 7,168 -> 233,057,792; x28 = 6,525,618,176; + 3,584 = 7,615,616,512 (model card: 7.61B)
    "qwen2.5-7b": (QWEN25_7B, 7_615_616_512),
    # Gemma 2 2B, tied (the family's default), 4 norms per layer: 256000 x 2304 = 589,824,000;
    # layer: q 2304*2048 + k, v 2304*1024 each + o 2048*2304 = 14,155,776, MLP 3*2304*9216 = 63,700,992,
    # norms 4*2304 = 9,216 -> 77,865,984; x26 = 2,024,515,584; + 2,304 = 2,614,341,888
    "gemma-2-2b": (GEMMA2_2B, 2_614_341_888),
    # Phi-3-mini, fused qkv and gate_up: 2 x 32064 x 3072 = 197,001,216; layer: qkv 3072*9216 = 28,311,552,
    # o 3072*3072 = 9,437,184, gate_up 3072*16384 = 50,331,648, down 8192*3072 = 25,165,824, norms 6,144
    # -> 113,252,352; x32 = 3,624,075,264; + 3,072 = 3,821,079,552
    "phi-3-mini": (PHI3_MINI, 3_821_079_552),
    # Mistral 7B: 2 x 32000 x 4096 = 262,144,000 + 32 x 218,112,000 (Llama 3.1 8B's layer) + 4,096
    "mistral-7b": (MISTRAL_7B, 7_241_732_096),
    # ViT-B/16 classifier: patch conv 3*16*16*768 + 768 = 590,592; [CLS] 768; positions 197*768 = 151,296;
    # layer 4*(768*768+768) + 768*3072+3072 + 3072*768+768 + 2*2*768 = 7,087,872, x12 = 85,054,464;
    # final LayerNorm 1,536; classifier 768*1000 + 1000 = 769,000 -> 86,567,656 (torchvision vit_b_16)
    "vit-b-16": (VIT_B16, 86_567_656),
    # whisper-large-v3: encoder conv1 128*1280*3+1280 = 492,800, conv2 1280*1280*3+1280 = 4,916,480,
    # positions 1500*1280 = 1,920,000, layer (4*1280^2 + 3*1280) + 2*2560 + (2*1280*5120 + 5120 + 1280)
    # = 19,676,160 x32, final LN 2,560 -> 636,968,960; decoder tokens 51866*1280 = 66,388,480, positions
    # 448*1280 = 573,440, layer 2*6,557,440 + 3*2,560 + 13,113,600 = 26,236,160 x32, final LN 2,560
    # -> 906,521,600; tied output projection: 1,543,490,560
    "whisper-large-v3": (WHISPER_V3, 1_543_490_560),
}


@pytest.mark.parametrize("model_id", sorted(HAND))
def test_counts_by_hand(model_id):
    config, expected = HAND[model_id]
    assert hfconfig.parse_config(dict(config)).num_params == expected


@pytest.mark.parametrize("model_id", sorted(HAND))
def test_zoo_entries_hold_the_published_configs(model_id):
    config, expected = HAND[model_id]
    model = zoo.load_model(model_id)
    assert model.num_params == expected and model.kind == "zoo"
    t = model.transformer
    assert t.family == config["model_type"]
    assert t.hidden_size == config.get("hidden_size", config.get("d_model"))


def test_bert_base_model_with_pooler():
    # embeddings (30522 + 512 + 2) x 768 + LayerNorm 1,536 = 23,837,184; 12 x 7,087,872 = 85,054,464;
    # pooler 768*768 + 768 = 590,592 -> 109,482,240 (bert-base-uncased's BertModel)
    assert hfconfig.parse_config(dict(BERT_BASE)).num_params == 109_482_240


def test_tied_embeddings_follow_each_familys_default():
    llama = dict(LLAMA_31_8B)
    del llama["tie_word_embeddings"]  # LlamaConfig's default: untied
    assert hfconfig.parse_config(llama).num_params == 8_030_261_248
    gemma = dict(GEMMA2_2B, tie_word_embeddings=False)  # an explicit false adds the LM head
    assert hfconfig.parse_config(gemma).num_params == 2_614_341_888 + 256000 * 2304


def test_biases_and_norms_by_family():
    # Llama with attention_bias: + (4096 + 2*1024 + 4096) per layer = 10,240 x 32 = 327,680
    assert hfconfig.parse_config(dict(LLAMA_31_8B, attention_bias=True)).num_params == 8_030_261_248 + 327_680
    # mlp_bias: + (2*14336 + 4096) x 32 = 1,048,576
    assert hfconfig.parse_config(dict(LLAMA_31_8B, mlp_bias=True)).num_params == 8_030_261_248 + 1_048_576
    # the same widths as gemma (v1, 2 norms a layer) are 26 x 2 x 2304 = 119,808 fewer than gemma2
    assert hfconfig.parse_config(dict(GEMMA2_2B, model_type="gemma")).num_params == 2_614_341_888 - 119_808
    # qwen2's biases: the same config as llama has 28 x (3584 + 2*512) = 129,024 fewer
    assert hfconfig.parse_config(dict(QWEN25_7B, model_type="llama")).num_params == 7_615_616_512 - 129_024


def test_architecture_fields():
    t = hfconfig.parse_config(dict(LLAMA_31_8B))
    assert (t.num_layers, t.hidden_size, t.num_heads, t.num_kv_heads, t.head_dim) == (32, 4096, 32, 8, 128)
    assert (t.context_length, t.dtype, t.dtype_bits, t.tied_embeddings) == (131072, "bfloat16", 16, False)
    g = hfconfig.parse_config(dict(GEMMA2_2B))
    assert g.head_dim == 256 and g.tied_embeddings and g.dtype is None  # head_dim is not 2304 / 8
    v = hfconfig.parse_config(dict(VIT_B16))
    assert v.num_kv_heads is None and not v.is_decoder and v.context_length == 197  # 14 x 14 patches + [CLS]
    w = hfconfig.parse_config(dict(WHISPER_V3))
    assert (w.num_layers, w.num_kv_heads, w.head_dim, w.context_length) == (32, 20, 64, 448)


def test_read_config_file_and_folder(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(LLAMA_32_1B))
    assert hfconfig.read_config(tmp_path).num_params == 1_235_814_400
    assert hfconfig.read_config(tmp_path / "config.json").num_params == 1_235_814_400


@pytest.mark.parametrize("config, message", [
    ({"model_type": "mamba", "hidden_size": 1}, r"model_type 'mamba' is not a family .*llama, mistral, qwen2, qwen3,"
                                                 r" gemma, gemma2, gemma3, gemma3_text, phi3, deepseek_v2,"
                                                 r" deepseek_v3, bert, vit, whisper.*\.safetensors"),
    ({"hidden_size": 1}, r"no model_type is not a family"),
    ({k: v for k, v in LLAMA_31_8B.items() if k != "intermediate_size"}, r"llama config is missing 'intermediate_size'"),
    (dict(LLAMA_31_8B, hidden_size="4096"), r"'hidden_size' must be an integer from 1 to 131,072 .*got '4096'"),
    (dict(LLAMA_31_8B, num_hidden_layers=True), r"'num_hidden_layers' must be an integer"),
    (dict(LLAMA_31_8B, num_key_value_heads=5), r"32 is not a multiple of num_key_value_heads 5"),
    (dict(LLAMA_31_8B, num_attention_heads=24), r"hidden_size 4096 is not a multiple of num_attention_heads 24"),
    (dict(LLAMA_31_8B, tie_word_embeddings="no"), r"'tie_word_embeddings' must be true or false"),
])
def test_bad_configs(config, message):
    with pytest.raises(UserError, match=message):
        hfconfig.parse_config(config, "config.json")


def test_bad_files(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(UserError, match="is not valid JSON"):
        hfconfig.read_config(path)
    path.write_text("[1, 2]")
    with pytest.raises(UserError, match="not a JSON object"):
        hfconfig.read_config(path)
    with open(path, "wb") as f:  # a sparse 2 MByte "config": refused by its size, never read
        f.truncate(2_000_000)
    with pytest.raises(UserError, match="at most 1,000,000"):
        hfconfig.read_config(path)
    with pytest.raises(UserError, match="holds no config.json"):
        hfconfig.read_config(tmp_path / "..")
    with pytest.raises(UserError, match="does not exist"):
        hfconfig.read_config(tmp_path / "missing.json")


# --- issue 20: later families, sliding windows, MLA ---------------------------------------------

GEMMA3_1B = {"model_type": "gemma3_text", "hidden_size": 1152, "intermediate_size": 6912, "num_hidden_layers": 26,
             "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 256, "vocab_size": 262144,
             "sliding_window": 512, "sliding_window_pattern": 6, "max_position_embeddings": 32768,
             "torch_dtype": "bfloat16"}


def test_gemma3_text_counts_its_qk_norms_and_slides_on_five_layers_of_six():
    from ammt_calc.models.hfconfig import parse_config

    c = parse_config(GEMMA3_1B)
    # 262144 x 1152 (tied) + 26 x (1152 x 1024 + 2 x 1152 x 256 + 1024 x 1152 + 2 x 256 + 3 x 1152 x 6912
    # + 4 x 1152 = 26,842,112) + 1152
    assert c.num_params == 262144 * 1152 + 26 * 26_842_112 + 1152 == 999_885_952
    # layers 5, 11, 17, 23 are global: 22 slide at 512
    assert (c.sliding_layers, c.sliding_window, c.kv_values_per_layer) == (22, 512, 512)
    # 4096 tokens: 512 values x (4 x 4096 + 22 x 512)
    assert c.kv_values(4096) == 512 * (4 * 4096 + 22 * 512)
    # the multimodal config: its text model
    wrapped = parse_config({"model_type": "gemma3", "text_config": {k: v for k, v in GEMMA3_1B.items()
                                                                    if k != "model_type"}})
    assert wrapped.num_params == c.num_params and wrapped.family == "gemma3_text"


def test_layer_types_decide_and_qwen_slides_only_when_asked():
    from ammt_calc.models.hfconfig import parse_config

    base = {**LLAMA_31_8B, "model_type": "qwen3", "head_dim": 128, "sliding_window": 4096}
    assert parse_config(base).sliding_layers == 0  # use_sliding_window false by default
    assert parse_config({**base, "use_sliding_window": True, "max_window_layers": 28}).sliding_layers == 4
    types = ["sliding_attention", "full_attention"] * 16
    assert parse_config({**base, "layer_types": types}).sliding_layers == 16
    mistral = parse_config({**LLAMA_31_8B, "model_type": "mistral", "sliding_window": 4096})
    assert mistral.sliding_layers == 32 and mistral.kv_values(8192) == mistral.kv_values(4096)


def test_deepseek_v3_is_671b_and_caches_its_latent():
    from ammt_calc.models.zoo import load_model

    c = load_model("deepseek-v3").transformer
    assert c.num_params == 671_026_419_200 and c.attention == "MLA"
    assert c.kv_values() == (512 + 64) * 61  # 35,136 values: 70,272 byte per token at bf16
