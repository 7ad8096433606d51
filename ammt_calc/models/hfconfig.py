"""Architecture facts from a Hugging Face `config.json`: parameters, layers, widths, heads.

The parameter count follows each family's modelling code in Hugging Face transformers
(`models/<family>/modeling_<family>.py`), weight by weight:

- decoders (`llama`, `mistral`, `qwen2`, `gemma`, `gemma2`, `phi3`), with hidden size h,
  intermediate size f, layers L, heads H, KV heads K, head dim d (`head_dim`, else h / H),
  vocabulary V: embeddings V x h, an LM head of another V x h unless the embeddings are
  tied; per layer q h x Hd, k and v h x Kd each, o Hd x h, MLP gate and up h x f each,
  down f x h, RMSNorm weights h per norm (2 per layer; 4 in `gemma2`); a final norm h.
  Biases: `qwen2` on q, k, v (not o); `llama` and `gemma` on q, k, v, o when
  `attention_bias` is true and `llama` on the MLP when `mlp_bias` is true; none otherwise.
  `phi3` fuses q, k, v into `qkv_proj` (h x (Hd + 2Kd)) and gate, up into `gate_up_proj`
  (h x 2f): the same count. Tied embeddings default as each family's config class does
  (true for `gemma`, `gemma2`; false for the others).
- `bert` (BertModel: embeddings, encoder, pooler; no task head), `vit` (ViTModel with its
  pooler, or ViTForImageClassification: no pooler, a classifier over `id2label`), and
  `whisper` (WhisperForConditionalGeneration: convolutional stem, encoder, decoder with
  cross-attention, output projection tied to the token embeddings), all LayerNorms with
  weight and bias, linear layers with biases (except whisper's k_proj).

Later families, read the same way: `qwen3` (no biases; an RMSNorm of head_dim on q and on k
per layer), `gemma3_text` and the text model of `gemma3` (`text_config`; as `gemma2`, plus
the q and k norms; the vision tower is not counted), `deepseek_v2`/`deepseek_v3` (multi-head
latent attention, MLA: q through a rank-`q_lora_rank` bottleneck with its norm, keys and
values from one latent of `kv_lora_rank` plus a shared rope key of `qk_rope_head_dim`,
kv_b_proj kv_lora_rank x H (qk_nope_head_dim + v_head_dim), o H v_head_dim x h; dense MLP
in the first `first_k_dense_replace` layers, then `n_routed_experts` experts and
`n_shared_experts` shared ones of `moe_intermediate_size` and a router of n_routed x h,
with V3's `e_score_correction_bias`; the multi-token-prediction module is not counted).

The KV cache per token and layer is 2 x K x d values for multi-head and grouped-query
attention, and kv_lora_rank + qk_rope_head_dim for MLA (DeepSeek-V2, arXiv:2405.04434,
clause 2.1.2: the latent and the decoupled rope key are all it caches). A layer with a
sliding window keeps at most `sliding_window` tokens: Mistral 7B v0.1 on every layer
(4096), Gemma 2 on every other layer from the first (4096; transformers' Gemma2: layer i
slides when i is even), Gemma 3 on five of every six (`sliding_window_pattern` 6: layer i
slides unless (i + 1) is a multiple of 6), Qwen2/Qwen3 only with `use_sliding_window` from
layer `max_window_layers` on; a config's `layer_types` list, where given, decides.

Checked against the published totals: Llama-3.1-8B 8,030,261,248; Llama-3.2-1B
1,235,814,400 (tied); Gemma-2-2B 2,614,341,888; Phi-3-mini 3,821,079,552; Qwen2.5-7B
7,615,616,512; Mistral-7B 7,241,732,096; ViT-B/16 86,567,656; whisper-large-v3
1,543,490,560 (tests/test_hfconfig.py recomputes each by hand).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError

MAX_CONFIG_BYTES = 1_000_000  # a config.json is a few kByte; more is not a config
MAX_CONFIG_VALUES = 100_000  # JSON values: ViT-21k's id2label lists 21,843 classes
# The most a count may be, each several times the largest real model's (docs/limits.md):
# a count is a loop bound (a split point per layer) and a factor of the parameter count.
COUNT_BOUNDS = {
    "num_hidden_layers": 1_000, "encoder_layers": 1_000, "decoder_layers": 1_000,  # Llama-3.1-405B: 126
    "hidden_size": 131_072, "d_model": 131_072,  # Llama-3.1-405B: 16,384
    "intermediate_size": 1_048_576, "encoder_ffn_dim": 1_048_576, "decoder_ffn_dim": 1_048_576,  # PaLM: 73,728
    "num_attention_heads": 4_096, "num_key_value_heads": 4_096, "encoder_attention_heads": 4_096,
    "decoder_attention_heads": 4_096,  # Llama-3.1-405B: 128
    "head_dim": 4_096,  # Gemma: 256
    "vocab_size": 4_194_304,  # Gemma 3: 262,208
    "max_position_embeddings": 1 << 27, "max_source_positions": 1 << 27,
    "max_target_positions": 1 << 27,  # Llama 4 Scout: 10,485,760 tokens
    "type_vocab_size": 65_536, "num_mel_bins": 4_096, "num_channels": 4_096,
    "image_size": 65_536, "patch_size": 65_536, "num_labels": 4_194_304,
}
DEFAULT_COUNT_BOUND = 1 << 30  # any other count: far beyond every real model, still an exact float
DECODERS = ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3", "gemma3_text", "phi3", "deepseek_v2",
            "deepseek_v3")
ENCODERS = ("bert", "vit", "whisper")
FAMILIES = DECODERS + ENCODERS
TIED_DEFAULT = {"llama": False, "mistral": False, "qwen2": False, "qwen3": False, "gemma": True, "gemma2": True,
                "gemma3_text": True, "phi3": False, "deepseek_v2": False, "deepseek_v3": False, "whisper": True}
MLA = ("deepseek_v2", "deepseek_v3")
# torch_dtype as config.json writes it -> bits per value
DTYPE_BITS = {"float32": 32, "float": 32, "float16": 16, "half": 16, "bfloat16": 16, "float64": 64,
              "float8_e4m3fn": 8, "float8_e5m2": 8, "int8": 8}
ATTENTION_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "out_proj", "query", "key", "value",
                     "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj",
                     "attention.output.dense")


@dataclass(frozen=True)
class Matrix:
    """A linear layer's weight: LoRA on it adds r x (d_in + d_out) parameters per copy."""

    name: str  # the module name in the family's code (what PEFT's target_modules names)
    d_in: int
    d_out: int
    count: int  # copies in the model (one per layer; whisper's attention also per decoder cross-attention)


@dataclass(frozen=True)
class TransformerConfig:
    family: str  # model_type
    num_params: int
    num_layers: int  # decoder layers (whisper: decoder; bert, vit: encoder layers)
    hidden_size: int
    num_heads: int
    num_kv_heads: int | None  # None: no KV cache while generating (encoders)
    head_dim: int
    intermediate_size: int
    vocab_size: int | None
    context_length: int | None  # max_position_embeddings (whisper: max_target_positions)
    dtype: str | None  # torch_dtype as written, e.g. "bfloat16"
    tied_embeddings: bool
    matrices: tuple[Matrix, ...]  # the linear layers LoRA may target
    breakdown: dict[str, int] = field(default_factory=dict)
    name: str = ""  # architectures[0] or _name_or_path
    kv_values_per_layer: int | None = None  # cached values per token and layer (2 K d; MLA: latent + rope key)
    sliding_layers: int = 0  # layers that keep only the last `sliding_window` tokens
    sliding_window: int | None = None
    attention: str = "multi-head"  # "multi-head" (MHA/GQA) or "MLA"

    @property
    def kv_formula(self) -> str:
        per_layer = ("(kv_lora_rank + qk_rope_head_dim)" if self.attention == "MLA"
                     else "2 x kv_heads x head_dim")
        window = (f"; {self.sliding_layers} of {self.num_layers} layers keep only the last {self.sliding_window} tokens"
                  if self.sliding_layers else "")
        return f"{per_layer} x layers x bits{window}"

    def kv_values(self, tokens: int | None = None) -> int | None:
        """Cached values for `tokens` tokens (None: one token, every layer caching it)."""
        if self.kv_values_per_layer is None:
            return None
        if tokens is None:
            return self.kv_values_per_layer * self.num_layers
        full = self.num_layers - self.sliding_layers
        return self.kv_values_per_layer * (full * tokens + self.sliding_layers * min(tokens, self.sliding_window or 0))

    @property
    def is_decoder(self) -> bool:
        return self.num_kv_heads is not None

    @property
    def attention_modules(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.matrices if m.name in ATTENTION_MODULES)

    @property
    def dtype_bits(self) -> int | None:
        return DTYPE_BITS.get(self.dtype) if self.dtype else None

    def linear_macs_per_layer(self) -> int:
        """Multiply-accumulates of one layer's weights for one token (attention over the context not counted)."""
        per_layer = [m for m in self.matrices if m.count == self.num_layers]
        return sum(m.d_in * m.d_out for m in per_layer)


def read_config(path_text: str | os.PathLike) -> TransformerConfig:
    """A config.json file, or a folder holding one."""
    path = Path(path_text).expanduser()
    if path.is_dir():
        path = path / "config.json"
        if not path.exists():
            raise UserError(f"'{path_text}' holds no config.json")
    from ..files import read_json

    data = read_json(path, MAX_CONFIG_BYTES, "config", max_values=MAX_CONFIG_VALUES)
    if not isinstance(data, dict):
        raise UserError(f"'{path_text}' is not a JSON object of config keys")
    return parse_config(data, str(path_text))


def parse_config(data: dict, where: str = "config") -> TransformerConfig:
    family = data.get("model_type")
    if family not in FAMILIES:
        shown = "no model_type" if family is None else f"model_type {str(family)[:40]!r}"
        raise UserError(f"{where}: {shown} is not a family ammt-calc can count ({', '.join(FAMILIES)}); give the"
                        " model's .safetensors file (or its folder) for an exact count of any architecture")
    cfg = _Keys(data, where, family)
    if family in DECODERS:
        return _decoder(cfg, family)
    return {"bert": _bert, "vit": _vit, "whisper": _whisper}[family](cfg)


class _Keys:
    """Typed access to config keys; a missing or wrong key is named in one line."""

    def __init__(self, data: dict, where: str, family: str):
        self.data, self.where, self.family = data, where, family

    def count(self, key: str, default=None, minimum: int = 1) -> int:
        value = self.data.get(key, default)
        if value is None:
            raise UserError(f"{self.where}: {self.family} config is missing '{key}'")
        maximum = COUNT_BOUNDS.get(key, DEFAULT_COUNT_BOUND)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            shown = str(value)[:40] if not isinstance(value, int) or value.bit_length() < 128 else "a larger number"
            raise UserError(f"{self.where}: '{key}' must be an integer from {minimum} to {maximum:,} (several times"
                            f" the largest real model's), got {shown!r}")
        return value

    def optional_count(self, key: str) -> int | None:
        return self.count(key) if self.data.get(key) is not None else None

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise UserError(f"{self.where}: '{key}' must be true or false, got {str(value)[:40]!r}")
        return value

    def dtype(self) -> str | None:
        value = self.data.get("torch_dtype", self.data.get("dtype"))
        return value if isinstance(value, str) else None

    def name(self) -> str:
        arch = self.data.get("architectures")
        if isinstance(arch, list) and arch and isinstance(arch[0], str):
            return arch[0]
        return str(self.data.get("_name_or_path", ""))[:100]


def _decoder(cfg: _Keys, family: str) -> TransformerConfig:
    if family == "gemma3":  # the multimodal config: its text model
        text = cfg.data.get("text_config")
        if not isinstance(text, dict):
            raise UserError(f"{cfg.where}: a gemma3 config without a text_config object")
        inner = _Keys({**text, "model_type": "gemma3_text", "torch_dtype": text.get("torch_dtype", cfg.dtype())},
                      cfg.where, "gemma3_text")
        return _decoder(inner, "gemma3_text")
    if family in MLA:
        return _mla_decoder(cfg, family)
    h, f = cfg.count("hidden_size"), cfg.count("intermediate_size")
    layers, heads, vocab = cfg.count("num_hidden_layers"), cfg.count("num_attention_heads"), cfg.count("vocab_size")
    kv_heads = cfg.count("num_key_value_heads", heads)
    if heads % kv_heads:
        raise UserError(f"{cfg.where}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv_heads}")
    head_dim = cfg.optional_count("head_dim")
    if head_dim is None:
        if h % heads:
            raise UserError(f"{cfg.where}: hidden_size {h} is not a multiple of num_attention_heads {heads}; give head_dim")
        head_dim = h // heads
    tied = cfg.flag("tie_word_embeddings", TIED_DEFAULT[family])
    q, kv = heads * head_dim, kv_heads * head_dim
    if family == "qwen2":
        attn_bias = q + 2 * kv  # q, k, v biases; o has none
    elif family in ("llama", "gemma", "gemma2", "gemma3_text", "qwen3") and cfg.flag("attention_bias", False):
        attn_bias = q + 2 * kv + h
    else:
        attn_bias = 0
    mlp_bias = 2 * f + h if family == "llama" and cfg.flag("mlp_bias", False) else 0
    norms_per_layer = 4 if family in ("gemma2", "gemma3_text") else 2
    qk_norms = 2 * head_dim if family in ("qwen3", "gemma3_text") else 0  # q_norm, k_norm per layer
    attention = h * q + 2 * h * kv + q * h + attn_bias + qk_norms
    mlp = 3 * h * f + mlp_bias
    breakdown = {
        "embeddings": vocab * h,
        "attention": layers * attention,
        "mlp": layers * mlp,
        "norms": layers * norms_per_layer * h + h,
        "lm_head": 0 if tied else vocab * h,
    }
    if family == "phi3":
        matrices = (Matrix("qkv_proj", h, q + 2 * kv, layers), Matrix("o_proj", q, h, layers),
                    Matrix("gate_up_proj", h, 2 * f, layers), Matrix("down_proj", f, h, layers))
    else:
        matrices = (Matrix("q_proj", h, q, layers), Matrix("k_proj", h, kv, layers), Matrix("v_proj", h, kv, layers),
                    Matrix("o_proj", q, h, layers), Matrix("gate_proj", h, f, layers), Matrix("up_proj", h, f, layers),
                    Matrix("down_proj", f, h, layers))
    sliding, window = _sliding(cfg, family, layers)
    return TransformerConfig(
        family=family, num_params=sum(breakdown.values()), num_layers=layers, hidden_size=h, num_heads=heads,
        num_kv_heads=kv_heads, head_dim=head_dim, intermediate_size=f, vocab_size=vocab,
        context_length=cfg.optional_count("max_position_embeddings"), dtype=cfg.dtype(), tied_embeddings=tied,
        matrices=matrices, breakdown=breakdown, name=cfg.name(), kv_values_per_layer=2 * kv,
        sliding_layers=sliding, sliding_window=window)


def _sliding(cfg: _Keys, family: str, layers: int) -> tuple[int, int | None]:
    """(layers with a sliding window, its tokens): see the module docstring for each family."""
    window = cfg.optional_count("sliding_window")
    if window is None:
        return 0, None
    types = cfg.data.get("layer_types")
    if isinstance(types, list) and len(types) == layers and all(isinstance(t, str) for t in types):
        return sum(t == "sliding_attention" for t in types), window
    if family == "mistral":
        return layers, window
    if family == "gemma2":
        return (layers + 1) // 2, window  # layers 0, 2, 4, ...
    if family == "gemma3_text":
        pattern = cfg.count("sliding_window_pattern", 6)
        return layers - layers // pattern, window  # every pattern-th layer is global
    if family in ("qwen2", "qwen3") and cfg.flag("use_sliding_window", False):
        start = cfg.count("max_window_layers", layers, minimum=0)
        return max(layers - start, 0), window
    return 0, None


def _mla_decoder(cfg: _Keys, family: str) -> TransformerConfig:
    """DeepSeek-V2/V3: multi-head latent attention and a mixture of experts (module docstring)."""
    h, f, vocab = cfg.count("hidden_size"), cfg.count("intermediate_size"), cfg.count("vocab_size")
    layers, heads = cfg.count("num_hidden_layers"), cfg.count("num_attention_heads")
    kv_rank, rope = cfg.count("kv_lora_rank"), cfg.count("qk_rope_head_dim")
    nope, v_dim = cfg.count("qk_nope_head_dim"), cfg.count("v_head_dim")
    q_rank = cfg.optional_count("q_lora_rank")
    qk = heads * (nope + rope)
    q_part = h * qk if q_rank is None else h * q_rank + q_rank + q_rank * qk  # q_a, its norm, q_b
    attention = q_part + h * (kv_rank + rope) + kv_rank + kv_rank * heads * (nope + v_dim) + heads * v_dim * h
    dense = cfg.count("first_k_dense_replace", 0, minimum=0)
    experts, shared = cfg.count("n_routed_experts"), cfg.count("n_shared_experts", 0, minimum=0)
    expert_f = cfg.count("moe_intermediate_size")
    bias = experts if family == "deepseek_v3" else 0  # e_score_correction_bias
    moe = (experts + shared) * 3 * h * expert_f + experts * h + bias
    tied = cfg.flag("tie_word_embeddings", TIED_DEFAULT[family])
    breakdown = {"embeddings": vocab * h, "attention": layers * attention,
                 "mlp": dense * 3 * h * f + (layers - dense) * moe, "norms": layers * 2 * h + h,
                 "lm_head": 0 if tied else vocab * h}
    matrices = (Matrix("q_proj" if q_rank is None else "q_b_proj", h if q_rank is None else q_rank, qk, layers),
                Matrix("kv_a_proj_with_mqa", h, kv_rank + rope, layers),
                Matrix("kv_b_proj", kv_rank, heads * (nope + v_dim), layers), Matrix("o_proj", heads * v_dim, h, layers))
    return TransformerConfig(
        family=family, num_params=sum(breakdown.values()), num_layers=layers, hidden_size=h, num_heads=heads,
        num_kv_heads=cfg.count("num_key_value_heads", heads), head_dim=nope + rope, intermediate_size=f,
        vocab_size=vocab, context_length=cfg.optional_count("max_position_embeddings"), dtype=cfg.dtype(),
        tied_embeddings=tied, matrices=matrices, breakdown=breakdown, name=cfg.name(),
        kv_values_per_layer=kv_rank + rope, attention="MLA")


def _block(h: int, f: int) -> dict[str, int]:
    """A post-LN or pre-LN encoder block with biases everywhere: attention, MLP, two LayerNorms."""
    return {"attention": 4 * (h * h + h), "mlp": h * f + f + f * h + h, "norms": 2 * 2 * h}


def _encoder_matrices(h: int, f: int, layers: int) -> tuple[Matrix, ...]:
    return (Matrix("query", h, h, layers), Matrix("key", h, h, layers), Matrix("value", h, h, layers),
            Matrix("attention.output.dense", h, h, layers), Matrix("intermediate.dense", h, f, layers),
            Matrix("output.dense", f, h, layers))


def _bert(cfg: _Keys) -> TransformerConfig:
    h, f = cfg.count("hidden_size"), cfg.count("intermediate_size")
    layers, heads, vocab = cfg.count("num_hidden_layers"), cfg.count("num_attention_heads"), cfg.count("vocab_size")
    positions, types = cfg.count("max_position_embeddings"), cfg.count("type_vocab_size", 2)
    if h % heads:
        raise UserError(f"{cfg.where}: hidden_size {h} is not a multiple of num_attention_heads {heads}")
    block = _block(h, f)
    breakdown = {
        "embeddings": (vocab + positions + types) * h + 2 * h,  # word, position, token type, LayerNorm
        "attention": layers * block["attention"],
        "mlp": layers * block["mlp"],
        "norms": layers * block["norms"],
        "pooler": h * h + h,
    }
    return TransformerConfig(
        family="bert", num_params=sum(breakdown.values()), num_layers=layers, hidden_size=h, num_heads=heads,
        num_kv_heads=None, head_dim=h // heads, intermediate_size=f, vocab_size=vocab, context_length=positions,
        dtype=cfg.dtype(), tied_embeddings=False, matrices=_encoder_matrices(h, f, layers), breakdown=breakdown,
        name=cfg.name())


def _vit(cfg: _Keys) -> TransformerConfig:
    h, f = cfg.count("hidden_size"), cfg.count("intermediate_size")
    layers, heads = cfg.count("num_hidden_layers"), cfg.count("num_attention_heads")
    image, patch, channels = cfg.count("image_size", 224), cfg.count("patch_size", 16), cfg.count("num_channels", 3)
    if h % heads or image % patch:
        raise UserError(f"{cfg.where}: hidden_size {h} must be a multiple of num_attention_heads {heads}"
                        f" and image_size {image} a multiple of patch_size {patch}")
    qkv_bias = cfg.flag("qkv_bias", True)
    tokens = (image // patch) ** 2 + 1  # patches and the [CLS] token
    block = _block(h, f)
    name = cfg.name()
    if name.endswith("ForImageClassification"):
        labels = cfg.data.get("id2label")
        classes = len(labels) if isinstance(labels, dict) and labels else cfg.count("num_labels", 2)
        head = {"classifier": h * classes + classes}
    else:
        head = {"pooler": h * h + h}
    breakdown = {
        "embeddings": channels * patch * patch * h + h + h + tokens * h,  # patch conv + bias, [CLS], positions
        "attention": layers * (block["attention"] - (0 if qkv_bias else 3 * h)),
        "mlp": layers * block["mlp"],
        "norms": layers * block["norms"] + 2 * h,
        **head,
    }
    return TransformerConfig(
        family="vit", num_params=sum(breakdown.values()), num_layers=layers, hidden_size=h, num_heads=heads,
        num_kv_heads=None, head_dim=h // heads, intermediate_size=f, vocab_size=None, context_length=tokens,
        dtype=cfg.dtype(), tied_embeddings=False, matrices=_encoder_matrices(h, f, layers), breakdown=breakdown,
        name=name)


def _whisper(cfg: _Keys) -> TransformerConfig:
    d, vocab, mels = cfg.count("d_model"), cfg.count("vocab_size"), cfg.count("num_mel_bins")
    enc_layers, dec_layers = cfg.count("encoder_layers"), cfg.count("decoder_layers")
    enc_heads, dec_heads = cfg.count("encoder_attention_heads"), cfg.count("decoder_attention_heads")
    enc_ffn, dec_ffn = cfg.count("encoder_ffn_dim"), cfg.count("decoder_ffn_dim")
    sources, targets = cfg.count("max_source_positions"), cfg.count("max_target_positions")
    if d % dec_heads or d % enc_heads:
        raise UserError(f"{cfg.where}: d_model {d} is not a multiple of the attention heads")
    tied = cfg.flag("tie_word_embeddings", TIED_DEFAULT["whisper"])
    attention = 4 * d * d + 3 * d  # q, v, out_proj have biases; k_proj has none
    breakdown = {
        "embeddings": (mels * d * 3 + d) + (d * d * 3 + d) + sources * d + vocab * d + targets * d,  # conv1, conv2, positions
        "attention": enc_layers * attention + dec_layers * 2 * attention,  # decoder: self and cross attention
        "mlp": enc_layers * (2 * d * enc_ffn + enc_ffn + d) + dec_layers * (2 * d * dec_ffn + dec_ffn + d),
        "norms": enc_layers * 2 * 2 * d + dec_layers * 3 * 2 * d + 2 * 2 * d,  # LayerNorms and the two final ones
        "lm_head": 0 if tied else vocab * d,
    }
    attn_copies = enc_layers + 2 * dec_layers
    matrices = (Matrix("q_proj", d, d, attn_copies), Matrix("k_proj", d, d, attn_copies),
                Matrix("v_proj", d, d, attn_copies), Matrix("out_proj", d, d, attn_copies),
                Matrix("fc1", d, dec_ffn, enc_layers + dec_layers), Matrix("fc2", dec_ffn, d, enc_layers + dec_layers))
    if enc_ffn != dec_ffn:  # the fc matrices above assume one width; count each stack apart
        matrices = matrices[:4] + (Matrix("fc1", d, enc_ffn, enc_layers), Matrix("fc2", enc_ffn, d, enc_layers),
                                   Matrix("fc1", d, dec_ffn, dec_layers), Matrix("fc2", dec_ffn, d, dec_layers))
    return TransformerConfig(
        family="whisper", num_params=sum(breakdown.values()), num_layers=dec_layers, hidden_size=d,
        num_heads=dec_heads, num_kv_heads=dec_heads, head_dim=d // dec_heads, intermediate_size=dec_ffn,
        vocab_size=vocab, context_length=targets, dtype=cfg.dtype(), tied_embeddings=tied, matrices=matrices,
        breakdown=breakdown, name=cfg.name(), kv_values_per_layer=2 * d)
