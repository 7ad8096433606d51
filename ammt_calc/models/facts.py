"""What a model means for the network: `ammt-calc model SOURCE` as plain data.

`model_facts(source)` takes a zoo name, a Hugging Face config.json, a model folder, a
.safetensors file (or a sharded checkpoint's index) or an .onnx file and gives:

- `num_params` (an integer): exact from safetensors headers or ONNX initializers (every
  stored value), from the architecture for a config.json or a transformer of the zoo;
- the model's size at its native precision (the stored dtypes, or config.json's
  torch_dtype) and at each precision preset (fp32 ... int4; `bits=` adds one more):
  num_params x bits per parameter (quantisation scales not counted);
- for a transformer: layers, hidden size, heads, KV heads, head dim, context length, and
  per token, at the compute dtype (one rule for activations and the KV cache: bf16, 16
  bit, unless `act_bits` or `kv_bits` says otherwise; the weights' storage dtype, such as
  Gemma 2's float32 files, does not set it, as inference runs in bf16): the hidden state,
  h x bits, which is what crosses a split between any two layers; the KV cache, 2 x layers
  x KV heads x head dim x bits (a key and a value per KV head and layer; for MLA the latent
  and the rope key per layer), per token and for a context of `context` tokens (default the
  model's context length), where sliding-window layers keep only their window (hfconfig);
  and a LoRA adapter of rank r on the target modules: r x (d_in + d_out)
  parameters per targeted matrix per layer (Hu et al., LoRA, ICLR 2022: W + B A with
  B d_out x r, A r x d_in), stored at the native precision.

The CNNs of the zoo and .onnx files give the count and sizes; transformer fields are null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import UserError
from ..units import precision

DEFAULT_LORA_RANK = 16  # Apple's on-device adapters (Gunter et al. 2024, arXiv:2407.21075)
COMPUTE_BITS = 16  # bf16: the compute dtype of activations and KV cache unless set (the one dtype rule)
SIZE_UNIT, TOKEN_UNIT = "MByte", "Byte"
LORA_FORMULA = "rank x (d_in + d_out) per targeted weight matrix per layer"
KV_FORMULA = "2 x layers x kv_heads x head_dim x bits"
HIDDEN_FORMULA = "hidden_size x bits"


@dataclass(frozen=True)
class Size:
    precision: str  # "fp32", "native", "6 bit"
    bits_per_param: float | None  # None: the stored dtypes (mixed)
    bits: float  # the whole model

    def to_dict(self) -> dict:
        return {"precision": self.precision, "bits_per_param": _clean(self.bits_per_param),
                "size": _quantity(self.bits, SIZE_UNIT)}


@dataclass(frozen=True)
class ModelFacts:
    source: str
    id: str
    name: str
    kind: str  # zoo, onnx, config, safetensors
    family: str | None
    num_params: int
    count_basis: str
    native_dtype: str | None
    native: Size | None
    sizes: tuple[Size, ...]
    architecture: dict[str, int | None]  # layers, hidden_size, num_heads, num_kv_heads, head_dim, ...
    activation_bits: int | None
    hidden_state_bits: int | None  # per token
    kv_cache_bits: int | None  # per token
    lora_rank: int | None
    lora_targets: tuple[str, ...] = ()
    lora_params: int | None = None
    lora_bits_per_param: int | None = None
    params_by_dtype: dict[str, int] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # caveats about these numbers (shown on stderr by the CLI)
    derivation: tuple[str, ...] = ()  # how the zoo's count is made up
    kv_bits_per_value: int | float | None = None
    kv_formula: str = KV_FORMULA
    context_tokens: int | None = None
    kv_cache_context_bits: int | float | None = None  # the cache of context_tokens tokens

    @property
    def lora_bits(self) -> int | None:
        return None if self.lora_params is None else self.lora_params * self.lora_bits_per_param

    def to_dict(self) -> dict:
        """The JSON document of `ammt-calc model SOURCE --format json`."""
        per_token = None
        if self.hidden_state_bits is not None:
            per_token = {
                "bits_per_value": self.activation_bits,
                "hidden_state": _quantity(self.hidden_state_bits, TOKEN_UNIT),
                "hidden_state_formula": HIDDEN_FORMULA,
                "kv_cache": None if self.kv_cache_bits is None else _quantity(self.kv_cache_bits, TOKEN_UNIT),
                "kv_cache_formula": self.kv_formula,
                "kv_bits_per_value": self.kv_bits_per_value,
                "kv_cache_context": None if self.kv_cache_context_bits is None else {
                    "tokens": self.context_tokens, **_quantity(self.kv_cache_context_bits, SIZE_UNIT)},
            }
        lora = None
        if self.lora_params is not None:
            lora = {"rank": self.lora_rank, "targets": list(self.lora_targets), "params": self.lora_params,
                    "bits_per_param": self.lora_bits_per_param, "size": _quantity(self.lora_bits, SIZE_UNIT),
                    "formula": LORA_FORMULA}
        return {
            "source": self.source, "model": self.id, "name": self.name, "kind": self.kind, "family": self.family,
            "num_params": self.num_params, "count_basis": self.count_basis,
            "native_dtype": self.native_dtype,
            "native_size": None if self.native is None else _quantity(self.native.bits, SIZE_UNIT),
            "sizes": [s.to_dict() for s in self.sizes],
            **self.architecture,
            "per_token": per_token,
            "lora": lora,
            "params_by_dtype": self.params_by_dtype or None,
            "sources": list(self.sources), "notes": list(self.notes), "derivation": list(self.derivation),
        }

    def rows(self) -> list[dict[str, Any]]:
        """Flat rows {quantity, value, unit, note} for a table or CSV (the same numbers as to_dict)."""
        return document_rows(self.to_dict())


ROW_COLUMNS = ("quantity", "value", "unit", "note")
ARCHITECTURE = ("layers", "hidden_size", "num_heads", "num_kv_heads", "head_dim", "intermediate_size", "vocab_size",
                "context_length")


def document_rows(doc: dict) -> list[dict[str, Any]]:
    """The rows of a model document (`to_dict()`): num_params, sizes, architecture, per token, LoRA."""
    rows: list[dict[str, Any]] = [_row("num_params", doc["num_params"], "", doc["count_basis"])]
    if doc["native_size"] is not None:
        rows.append(_row("size (native)", doc["native_size"]["value"], doc["native_size"]["unit"],
                         doc["native_dtype"] or "stored dtypes"))
    for s in doc["sizes"]:
        rows.append(_row(f"size ({s['precision']})", s["size"]["value"], s["size"]["unit"],
                         f"{s['bits_per_param']} bit/param"))
    rows += [_row(name, doc[name], "", "") for name in ARCHITECTURE if doc.get(name) is not None]
    token = doc["per_token"]
    if token is not None:
        rows.append(_row("hidden state per token", token["hidden_state"]["value"], token["hidden_state"]["unit"],
                         f"{token['hidden_state_formula']}, {token['bits_per_value']} bit"))
        if token["kv_cache"] is not None:
            kv_bits = token.get("kv_bits_per_value", token["bits_per_value"])
            rows.append(_row("KV cache per token", token["kv_cache"]["value"], token["kv_cache"]["unit"],
                             f"{token['kv_cache_formula']}, {kv_bits} bit"))
            context = token.get("kv_cache_context")
            if context is not None:
                rows.append(_row(f"KV cache for {context['tokens']:,} tokens", context["value"], context["unit"],
                                 f"{kv_bits} bit"))
    lora = doc["lora"]
    if lora is not None:
        what = f"rank {lora['rank']} on {', '.join(lora['targets'])}"
        rows.append(_row("LoRA adapter parameters", lora["params"], "", f"{what}: {lora['formula']}"))
        rows.append(_row("LoRA adapter size", lora["size"]["value"], lora["size"]["unit"],
                         f"{lora['bits_per_param']} bit/param"))
    return rows


def model_facts(source: str, bits: Any = None, lora_rank: Any = DEFAULT_LORA_RANK,
                lora_targets: str | Sequence[str] | None = None, kv_bits: Any = None, act_bits: Any = None,
                context: Any = None) -> ModelFacts:
    """The facts of a zoo model, config.json, model folder, .safetensors or .onnx file.

    bits: one more precision for the size table (a preset name such as "int4", "6 bit", or a number
    of bits). lora_rank, lora_targets: the adapter to size ("all", "attention" or module names such
    as "q_proj,v_proj"; the default is all linear layers of attention and MLP). kv_bits, act_bits:
    the KV cache's and the activations' bits per value (presets: fp8, int8, ...; default bf16).
    context: the tokens of the KV cache sized as a whole (default the model's context length).
    """
    from .zoo import load_model, lora_matrices

    if not isinstance(source, str) or not source.strip():
        raise UserError("model: give a zoo name, a config.json, a model folder, a .safetensors or an .onnx file")
    extra = _bits(bits) if bits is not None else None
    kv_per_value = _bits(kv_bits, "--kv-bits")[1] if kv_bits is not None else None
    act_per_value = _bits(act_bits, "--act-bits")[1] if act_bits is not None else None
    tokens = _tokens(context) if context is not None else None
    rank = _rank(lora_rank)
    model = load_model(source)
    config, checkpoint = model.transformer, model.checkpoint
    n = model.num_params
    native_dtype = config.dtype if config is not None else None
    native = None
    if model.param_bits is not None:  # the stored dtypes (safetensors, ONNX)
        native = Size("native", None, float(model.param_bits))
        if checkpoint is not None:
            native_dtype = "+".join(d.lower() for d in checkpoint.params_by_dtype())
    elif config is not None and config.dtype_bits:
        native = Size("native", config.dtype_bits, float(n * config.dtype_bits))
    sizes = [Size(name, b, float(n * b)) for name, b in precision.BITS.items()]
    if extra is not None:
        sizes.append(Size(extra[0], extra[1], n * extra[1]))
    basis = {"zoo": "architecture (zoo)" if config is not None else "zoo (torchvision)",
             "onnx": "ONNX initializers (exact)", "config": "architecture (config.json)",
             "safetensors": "safetensors headers (exact)"}[model.kind]
    architecture: dict[str, int | None] = dict.fromkeys(
        ("layers", "hidden_size", "num_heads", "num_kv_heads", "head_dim", "intermediate_size", "vocab_size",
         "context_length"))
    act = hidden = kv = lora_params = lora_bits_pp = kv_context = kv_value_bits = None
    targets: tuple[str, ...] = ()
    notes = [] if model.kind == "zoo" else list(model.notes)
    if config is not None:
        architecture.update(layers=config.num_layers, hidden_size=config.hidden_size, num_heads=config.num_heads,
                            num_kv_heads=config.num_kv_heads, head_dim=config.head_dim,
                            intermediate_size=config.intermediate_size, vocab_size=config.vocab_size,
                            context_length=config.context_length)
        act = _whole(act_per_value) if act_per_value is not None else COMPUTE_BITS
        kv_value_bits = _whole(kv_per_value) if kv_per_value is not None else act
        hidden = config.hidden_size * act
        if config.num_kv_heads is not None and config.kv_values() is not None:
            kv = config.kv_values() * kv_value_bits
            tokens = tokens if tokens is not None else config.context_length
            kv_context = config.kv_values(tokens) * kv_value_bits if tokens is not None else None
        else:
            notes.append(f"a {config.family} encoder keeps no KV cache")
        if config.family == "whisper":
            notes.append("per-token figures are the decoder's (its self-attention KV cache; the cross-attention"
                         " keys and values of the encoded audio are fixed per utterance)")
        chosen = lora_matrices(config, lora_targets)
        targets = tuple(dict.fromkeys(m.name for m in chosen))
        lora_params = rank * sum(m.count * (m.d_in + m.d_out) for m in chosen)
        lora_bits_pp = act
    elif lora_targets is not None:
        raise UserError(f"lora_targets: {model.id} has no transformer architecture to adapt"
                        " (give a config.json or a folder holding one)")
    return ModelFacts(
        source=source, id=model.id, name=model.name, kind=model.kind,
        family=config.family if config is not None else None, num_params=n, count_basis=basis,
        native_dtype=native_dtype, native=native, sizes=tuple(sizes), architecture=architecture,
        activation_bits=act, hidden_state_bits=hidden, kv_cache_bits=kv,
        lora_rank=rank if lora_params is not None else None, lora_targets=targets, lora_params=lora_params,
        lora_bits_per_param=lora_bits_pp,
        params_by_dtype=checkpoint.params_by_dtype() if checkpoint is not None else {},
        sources=model.sources, notes=tuple(notes), derivation=model.notes if model.kind == "zoo" else (),
        kv_bits_per_value=kv_value_bits, kv_formula=config.kv_formula if config is not None else KV_FORMULA,
        context_tokens=tokens if kv_context is not None else None, kv_cache_context_bits=kv_context)


def _whole(bits: float):
    return int(bits) if float(bits).is_integer() else bits


def _tokens(value: Any) -> int:
    try:
        tokens = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        tokens = -1
    if tokens < 0 or tokens > 10**9:
        raise UserError(f"--context: expected a whole number of tokens (e.g. 8192), got '{value}'")
    return tokens


def _bits(value: Any, option: str = "--bits") -> tuple[str, float]:
    """(label, bits per parameter) of --bits: a preset name, text with a unit, or a number of bits."""
    from ..units import registry as units

    if isinstance(value, str):
        preset = precision.preset_bits(value)
        if preset is not None:
            return value.strip().lower(), float(preset)
        from ..units.advice import require_unit

        require_unit(value, f"{option} {value.strip()}", "8 bit")  # a number of bits is written 6bit (or a preset)
        q = units.parse_quantity(value, what=option)
        bits = float(units.to_base(q)) if units.same_dimension(q, "bit") else -1.0
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        bits = float(value)
    else:
        bits = -1.0
    if not bits > 0 or bits != bits or bits == float("inf"):
        raise UserError(f"{option}: expected a positive number of bits or a preset ({', '.join(precision.BITS)}),"
                        f" got '{value}'")
    return f"{bits:g} bit", bits


def _rank(value: Any) -> int:
    try:
        rank = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        rank = -1
    if rank < 1 or rank > 1_000_000:
        raise UserError(f"--lora-rank: expected a whole number from 1 (e.g. 16), got '{value}'")
    return rank


def _quantity(bits: float, unit: str) -> dict:
    factor = {"MByte": 8e6, "Byte": 8.0}[unit]
    return {"value": _clean(bits / factor), "unit": unit}


def _clean(value):
    """Whole floats as ints (JSON 8192, not 8192.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _row(quantity: str, value, unit: str, note: str) -> dict:
    return {"quantity": quantity, "value": _clean(value), "unit": unit, "note": note}
