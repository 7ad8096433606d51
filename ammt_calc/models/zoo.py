"""The model zoo and model files: parameter counts, MACs and candidate split points.

`load_model(ref)` takes a zoo id (case, `-` and `_` ignored: `VGG-16` is `vgg16`), the
path of an `.onnx` file, of a Hugging Face `config.json`, of a `.safetensors` file (or a
sharded checkpoint's `*.safetensors.index.json`), or of a folder holding a config.json
and/or safetensors files, and gives a `Model` whose split points run from "all on
server" (the raw input is sent) to "all on device" (only the result is sent). The zoo's
numbers live in catalog/_zoo/*.yaml: the CNNs derived there layer by layer, the
transformers as the keys of their config.json, counted by `hfconfig`.

`resolve_model_settings` turns `--set model=vgg16`, `--set split=pool5` and zoo names
given for a size (`--set model_size=vgg16`, `--set payload=pool5`) into parameter values,
saying where each came from. A transformer (`--set model=llama-3.1-8b`) also fills the
architecture parameters of the `llm-` use cases (TRANSFORMER_FIELDS: num_layers,
hidden_size, num_kv_heads, head_dim, ..., and lora_dims_per_layer for the LoRA target
modules of `--set lora_targets=...`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import UserError, os_error, short_path, suggest
from ..files import builtin_dir, is_regular_file
from ..units.precision import preset_bits
from ..usecases.domain import UseCase
from .records import INPUT, OUTPUT, Model, SplitPoint, Tensor, points_text

PSEUDO_PARAMETERS = ("model", "split", "lora_targets")
BIT_SETTINGS = {"model": "bits_per_param", "split": "bits_per_element"}
# The parameter a pseudo-parameter sets, in order of preference: the count, when the use
# case derives the size from it, else the size itself.
TARGETS = {"model": ("num_params", "model_size"), "split": ("tensor_elements", "payload")}
# Bits per value when neither the user, the model file nor the use case gives them:
# fp32, the precision models are trained and exported in (the zoo's "fp32 size").
FALLBACK_BITS = 32
MODEL_SUFFIXES = (".onnx", ".safetensors", ".json")
# use-case parameters a transformer architecture fills (all counts)
TRANSFORMER_FIELDS = ("num_layers", "hidden_size", "num_heads", "num_kv_heads", "head_dim", "intermediate_size",
                      "vocab_size", "lora_dims_per_layer", "kv_values_per_layer", "sliding_layers", "sliding_window")
# LoRA on every linear projection of attention and MLP: Apple's on-device adapters (Gunter et al. 2024,
# arXiv:2407.21075) and QLoRA (Dettmers et al. 2023, arXiv:2305.14314) both adapt all of them
DEFAULT_LORA_TARGETS = "all"
_NONFINITE = re.compile(r"[+-]?(nan|inf(inity)?)\b", re.IGNORECASE)


# --- loading -----------------------------------------------------------------------------


def zoo_dir() -> Path:
    return builtin_dir() / "_zoo"


def _normal(name: str) -> str:
    return re.sub(r"[-_ ]", "", name.lower())


@functools.lru_cache(maxsize=1)
def _zoo_files() -> dict[str, Path]:
    """Normalised id and aliases -> file."""
    names: dict[str, Path] = {}
    for path in sorted(zoo_dir().glob("*.yaml")):
        data = _zoo_data(path)
        for name in (data["id"], *data.get("aliases", ())):
            names[_normal(str(name))] = path
    return names


@functools.lru_cache(maxsize=None)
def _zoo_data(path: Path) -> dict:
    """A zoo file, read once with the catalog's safe, bounded reader."""
    from ..usecases.loading import read_yaml

    return read_yaml(path)


def zoo_ids() -> list[str]:
    return sorted(p.stem for p in zoo_dir().glob("*.yaml"))


def is_model_reference(text: str) -> bool:
    """True for text naming a zoo model or a model file (not for a quantity)."""
    text = text.strip()
    return text.lower().endswith(MODEL_SUFFIXES) or _normal(text) in _zoo_files()


def load_model(ref: str, inputs=None) -> Model:
    """A zoo model or a model file; `inputs` (input_shapes.InputShapes) resize an .onnx file's
    inputs and are refused for every other kind, whose shapes are fixed."""
    ref = ref.strip()
    lower = ref.lower()
    if lower.endswith(".onnx") or (not lower.endswith((".safetensors", ".json"))
                                   and is_regular_file(Path(ref).expanduser())):
        from .onnx_graph import load_onnx

        return load_onnx(ref, inputs)
    model = _other_model(ref, lower)
    if inputs:
        shown = "x".join(map(str, model.points[0].tensors[0].shape)) if model.points else "?"
        raise UserError(f"--input and --input-size resize an .onnx file's inputs; the shapes of {model.id} hold"
                        f" at its input {shown}: export the model to ONNX at the size you want")
    return model


def _other_model(ref: str, lower: str) -> Model:
    if lower.endswith((".safetensors", ".json")):
        return _file_model(ref)
    path = _zoo_files().get(_normal(ref))
    if path is None:
        if Path(ref).expanduser().is_dir():
            return _file_model(ref)
        ids = zoo_ids()
        raise UserError(f"unknown model '{ref}'{suggest(ref.lower(), ids)}; zoo models: {', '.join(ids)},"
                        " or the path of an .onnx, config.json or .safetensors file or of a model folder")
    return _zoo_model(path)


def _file_model(ref: str) -> Model:
    """A config.json, a .safetensors file or index, or a folder holding them; an OS error on
    the path (a name too long, no permission) is one line."""
    try:
        return _file_model_at(ref)
    except OSError as exc:
        raise os_error(getattr(exc, "filename", None) or ref, exc) from None


def _file_model_at(ref: str) -> Model:
    from . import hfconfig
    from . import safetensors_header as safetensors

    path = Path(ref).expanduser()
    config = checkpoint = None
    if path.is_dir():
        if (path / "config.json").exists():  # a FIFO or device of that name is refused, not skipped
            config = hfconfig.read_config(path)
        if safetensors.find_in_folder(path) is not None:
            checkpoint = safetensors.read_safetensors(path)
        if config is None and checkpoint is None:
            raise UserError(f"'{ref}' holds neither a config.json nor a .safetensors file")
    elif path.name.lower().endswith(".json") and not path.name.endswith(safetensors.INDEX_SUFFIX):
        config = hfconfig.read_config(path)
    else:
        checkpoint = safetensors.read_safetensors(path)
        if (path.parent / "config.json").exists():  # the architecture beside the weights
            config = hfconfig.read_config(path.parent / "config.json")
    kind = "safetensors" if checkpoint is not None else "config"
    return transformer_model(path.name or ref, config.name if config and config.name else path.name, kind,
                             config, checkpoint, (str(path),))


def transformer_model(model_id: str, name: str, kind: str, config, checkpoint=None, sources=(), notes=()) -> Model:
    """A transformer as a `Model`: the parameter count (exact from safetensors headers, else from the
    architecture), and per-token split points after each layer (the hidden state crosses every cut)."""
    notes = list(notes)
    num_params = checkpoint.num_params if checkpoint is not None else config.num_params
    if checkpoint is not None and config is not None and checkpoint.num_params != config.num_params:
        notes.append(f"the safetensors headers hold {checkpoint.num_params:,} values, config.json's architecture"
                     f" gives {config.num_params:,} parameters (packed quantised weights, buffers or extra heads differ)")
    points: tuple[SplitPoint, ...] = ()
    macs = None
    if config is not None:
        points, macs = _layer_points(config)
    return Model(id=model_id, name=name, kind=kind, num_params=num_params,
                 param_bits=checkpoint.bits if checkpoint is not None else None, macs=macs, points=points,
                 sources=tuple(sources), notes=tuple(notes), transformer=config, checkpoint=checkpoint)


def _layer_points(config) -> tuple[tuple[SplitPoint, ...], int | None]:
    """Per token: the input token, the hidden state after each layer, the next token. MACs (decoders):
    each layer's weight matrices once per token (attention over the context not counted), then the LM head."""
    from .hfconfig import DECODERS

    per_layer = config.linear_macs_per_layer() if config.family in DECODERS else None
    hidden = config.hidden_size
    first = Tensor("token", (1,)) if config.family != "vit" else Tensor("patch", (config.hidden_size,))
    points = [SplitPoint(INPUT, (first,), 0, "all on server: the input token sent (per token)")]
    for i in range(1, config.num_layers + 1):
        points.append(SplitPoint(f"layer{i}", (Tensor(f"layer{i}", (hidden,)),),
                                 None if per_layer is None else i * per_layer, f"hidden state after layer {i} (per token)"))
    total = None if per_layer is None else config.num_layers * per_layer + hidden * (config.vocab_size or 0)
    points.append(SplitPoint(OUTPUT, (Tensor("next token", (1,)),), total, "all on device: only the result sent"))
    return tuple(points), total


@functools.lru_cache(maxsize=None)
def _zoo_model(path: Path) -> Model:
    data = _zoo_data(path)
    if "config" in data:
        return _zoo_transformer(path, data)
    first = data["input"]
    last = data["output"]
    points = [SplitPoint(INPUT, (Tensor(first["name"], tuple(first["shape"])),), 0, "all on server: raw input sent")]
    for p in data["split_points"]:
        points.append(SplitPoint(p["name"], (Tensor(p["name"], tuple(p["shape"])),), int(p["macs"]), p.get("layer", "")))
    points.append(SplitPoint(OUTPUT, (Tensor(last["name"], tuple(last["shape"])),), int(data["macs"]),
                             "all on device: only the result sent"))
    return Model(id=data["id"], name=data["name"], kind="zoo", num_params=int(data["parameters"]), param_bits=None,
                 macs=int(data["macs"]), points=tuple(points), sources=tuple(data.get("sources", ())),
                 notes=(data["note"],) if data.get("note") else ())


def _zoo_transformer(path: Path, data: dict) -> Model:
    from .hfconfig import parse_config

    config = parse_config(data["config"], f"{path}: config")
    if config.num_params != int(data["parameters"]):
        raise UserError(f"{path}: parameters {data['parameters']} differs from the {config.num_params} that its"
                        " config gives")
    return transformer_model(data["id"], data["name"], "zoo", config, None, data.get("sources", ()),
                             (data["note"],) if data.get("note") else ())


def lora_dims_per_layer(config, targets: str | Sequence[str] | None = None) -> tuple[float, tuple[str, ...]]:
    """Sum of (d_in + d_out) over the targeted weight matrices, per layer (total over the model / layers),
    and the module names targeted. `targets`: "all", "attention", or module names ("q_proj,v_proj")."""
    chosen = lora_matrices(config, targets)
    total = sum(m.count * (m.d_in + m.d_out) for m in chosen)
    return total / config.num_layers, tuple(dict.fromkeys(m.name for m in chosen))


def lora_matrices(config, targets: str | Sequence[str] | None = None):
    targets = DEFAULT_LORA_TARGETS if targets is None else targets
    names = [str(t).strip() for t in (targets.split(",") if isinstance(targets, str) else targets) if str(t).strip()]
    known = list(dict.fromkeys(m.name for m in config.matrices))
    if names in (["all"], []):
        return config.matrices
    if names == ["attention"]:
        return tuple(m for m in config.matrices if m.name in config.attention_modules)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(f"lora_targets: '{unknown[0]}' is not a linear layer of a {config.family} model"
                        f"{suggest(unknown[0], known)}; choose from {', '.join(known)}, or all, or attention")
    return tuple(m for m in config.matrices if m.name in names)


# --- --set model=... / split=... ---------------------------------------------------------


@dataclass
class ResolvedSettings:
    """One use case's settings with zoo references replaced by quantities."""

    settings: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # which of model / split applied here


def zoo_setting_names(settings: Mapping[str, str]) -> set[str]:
    """Setting names the zoo consumes, so that no use case needs them as parameters."""
    names = {n for n in PSEUDO_PARAMETERS if n in settings}
    if names or any(_is_reference(v) for v in settings.values()):
        names |= {n for n in BIT_SETTINGS.values() if n in settings}
    return names


def resolve_model_settings(usecases: Sequence[UseCase], settings: Mapping[str, str]) -> list[ResolvedSettings]:
    model_ref, split_ref = settings.get("model"), settings.get("split")
    if split_ref is not None and model_ref is None:
        raise UserError(f"split={split_ref}: say which model it splits (--set model=vgg16 or model=FILE.onnx)")
    model = load_model(model_ref) if model_ref is not None else None
    point = model.point(split_ref) if split_ref is not None else None
    if "lora_targets" in settings and (model is None or model.transformer is None):
        raise UserError(f"lora_targets={settings['lora_targets']}: say which transformer it adapts"
                        " (--set model=llama-3.1-8b, a config.json or a model folder)")
    strict = len(usecases) == 1  # one use case that cannot take the model is an error; among many, a note
    resolved = [_resolve_one(uc, settings, model, point, strict) for uc in usecases]
    if model is not None and not any(r.used for r in resolved):
        raise UserError(f"model={model_ref}: no use case here takes a model size ({' or '.join(TARGETS['model'])})"
                        f" or a split point of it; add --set split=POINT for a payload ({points_text(model)})")
    if point is not None and not any("split" in r.used for r in resolved):
        raise UserError(f"split={split_ref}: no use case here takes a payload ({' or '.join(TARGETS['split'])})")
    return resolved


def _resolve_one(uc: UseCase, settings: Mapping[str, str], model: Model | None,
                 point: SplitPoint | None, strict: bool = True) -> ResolvedSettings:
    out = ResolvedSettings({k: v for k, v in settings.items() if k not in PSEUDO_PARAMETERS})
    refs: dict[str, Model | SplitPoint] = {}
    for pseudo, value in (("model", model), ("split", point)):
        if value is None:
            continue
        target = next((t for t in TARGETS[pseudo] if t in uc.parameters), None)
        if target is None:
            continue
        clash = [t for t in TARGETS[pseudo] if t in settings and not _is_reference(settings[t])]
        if clash:
            raise UserError(f"set either {pseudo}={settings[pseudo]} or {clash[0]}, not both")
        refs[target] = value
        out.used.add(pseudo)
    for name, text in settings.items():
        if name in uc.parameters and name not in PSEUDO_PARAMETERS and _is_reference(text) and _kind(uc, name):
            refs[name] = _reference(uc, name, text, model)
            if model is not None and isinstance(refs[name], SplitPoint):
                out.used.add("model")
    if model is not None:
        try:
            _fill_architecture(uc, settings, model, out)
        except UserError as exc:
            if strict:
                raise
            out.notes.append(f"{exc}; its architecture parameters keep their defaults")
    for name, ref in refs.items():
        quantity, origin = _value_for(uc, name, ref, model, settings)
        out.settings[name] = quantity
        out.origins[name] = origin
        out.notes.append(f"{name} = {_show(quantity)} from {origin}")
    for bits_name in BIT_SETTINGS.values():  # consumed here when the use case has no such parameter
        if bits_name not in uc.parameters:
            out.settings.pop(bits_name, None)
    return out


def _fill_architecture(uc: UseCase, settings: Mapping[str, str], model: Model, out: ResolvedSettings) -> None:
    """The transformer parameters of the use case from the model's architecture; a value the user set wins."""
    from ..units import registry as units

    wanted = [f for f in TRANSFORMER_FIELDS if f in uc.parameters]
    if not wanted:
        return
    config = model.transformer
    if config is None:
        raise UserError(f"model={model.id}: {uc.id} needs a transformer's architecture ({', '.join(wanted)}); give a"
                        " transformer zoo model, a config.json, or a folder holding the config.json beside the weights")
    values = {"num_layers": config.num_layers, "hidden_size": config.hidden_size, "num_heads": config.num_heads,
              "num_kv_heads": config.num_kv_heads, "head_dim": config.head_dim,
              "intermediate_size": config.intermediate_size, "vocab_size": config.vocab_size,
              "kv_values_per_layer": config.kv_values_per_layer, "sliding_layers": config.sliding_layers,
              "sliding_window": config.sliding_window or 0}
    origin = f"{model.kind}: {model.id}"
    if "lora_dims_per_layer" in wanted:
        dims, names = lora_dims_per_layer(config, settings.get("lora_targets"))
        values["lora_dims_per_layer"] = dims
        lora_origin = f"{origin} LoRA on {', '.join(names)}"
    for name in wanted:
        if name in settings:
            continue
        if values[name] is None:
            raise UserError(f"model={model.id}: a {config.family} model has no {name} ({uc.id} needs it:"
                            " an encoder keeps no KV cache)")
        quantity = units.quantity(float(values[name]), "dimensionless")
        out.settings[name] = quantity
        out.origins[name] = lora_origin if name == "lora_dims_per_layer" else origin
        out.notes.append(f"{name} = {_show(quantity)} from {out.origins[name]}")
    out.used.add("model")


def _is_reference(text: Any) -> bool:
    """Text that names a model, split point or file rather than giving a quantity."""
    if not isinstance(text, str):
        return False
    text = text.strip()
    if _NONFINITE.fullmatch(text) or preset_bits(text) is not None:  # int4 is 4 bit, not a model
        return False
    return text.lower().endswith(MODEL_SUFFIXES) or bool(re.match(r"[A-Za-z_]", text))


def _kind(uc: UseCase, name: str) -> str:
    """'size' (information), 'params' or 'elements' (counts), or '' (takes no reference)."""
    from ..units import registry as units

    if name in BIT_SETTINGS.values():  # bits per value: a quantity or a precision name (int4), never a model
        return ""
    if units.same_dimension(uc.parameters[name].quantity, "bit"):
        return "size"
    if name == "num_params" or name.endswith("_params"):
        return "params"
    if name == "tensor_elements" or name.endswith("_elements"):
        return "elements"
    return ""


def _reference(uc: UseCase, name: str, text: str, model: Model | None) -> Model | SplitPoint:
    text = text.strip()
    if is_model_reference(text) or is_regular_file(text):
        return load_model(text)
    shown = short_path(text, 60)
    if model is not None:
        if model.has_point(text):
            return model.point(text)
        names = [p.name for p in model.points]
        raise UserError(f"{name}: '{shown}' is neither a quantity (e.g. {uc.parameters[name].default}), a zoo model"
                        f" nor a split point of {model.id}{suggest(text, names + zoo_ids())}; split points: {points_text(model)}")
    raise UserError(f"{name}: '{shown}' is neither a quantity (e.g. {uc.parameters[name].default}) nor a zoo model"
                    f"{suggest(text.lower(), zoo_ids())}; zoo models: {', '.join(zoo_ids())}, or an .onnx file"
                    " (a split point needs --set model=...)")


def _value_for(uc: UseCase, name: str, ref: Model | SplitPoint, model: Model | None,
               settings: Mapping[str, str]) -> tuple[Any, str]:
    from ..units import registry as units

    kind = _kind(uc, name)
    count = units.quantity
    if isinstance(ref, Model):
        if kind == "elements":
            raise UserError(f"{name} takes a split point (e.g. --set split=...), not the model '{ref.id}'")
        if kind == "params":
            return count(float(ref.num_params), "dimensionless"), f"{ref.kind}: {ref.id}"
        bits, how = _bits(uc, settings, "bits_per_param", ref.param_bits is not None, "bit/param")
        size = ref.param_bits if bits is None else ref.num_params * bits
        return _in_unit(uc, name, size), f"{ref.kind}: {ref.id} {how}"
    where = f"{model.kind}: {model.id} split {ref.name} ({ref.shape_text})"
    if kind == "params":
        raise UserError(f"{name} takes a model (e.g. --set model=vgg16), not the split point '{ref.name}'")
    if kind == "elements":
        return count(float(ref.elements), "dimensionless"), where
    has_own = all(t.bits is not None for t in ref.tensors)
    bits, how = _bits(uc, settings, "bits_per_element", has_own, "bit/element")
    return _in_unit(uc, name, ref.payload_bits(bits)), f"{where} {how}"


def _bits(uc: UseCase, settings: Mapping[str, str], bits_name: str, has_own: bool, unit: str) -> tuple[float | None, str]:
    """Bits per value: the user's setting, else the file's own dtypes (None), else the use case's default, else fp32."""
    from ..units import registry as units

    if bits_name in settings:
        preset = preset_bits(settings[bits_name])  # bits_per_param=int4
        text = f"{preset} bit" if preset is not None else settings[bits_name]
        bits = units.parse_quantity(text, default_unit="bit", what=bits_name)
    elif has_own:
        return None, "at the dtypes stored in the file"
    elif bits_name in uc.parameters:
        bits = uc.parameters[bits_name].quantity
    else:
        return float(FALLBACK_BITS), f"at {FALLBACK_BITS} {unit} (fp32; set {bits_name} to change)"
    if not units.same_dimension(bits, "bit") or not units.to_base(bits) > 0:
        raise UserError(f"{bits_name}: expected a positive number of bits (e.g. 8 bit), got '{settings.get(bits_name)}'")
    value = float(units.to_base(bits))
    return value, f"at {value:g} {unit}"


def _in_unit(uc: UseCase, name: str, bits: float):
    from ..units import registry as units

    default = uc.parameters[name].quantity
    return units.quantity(bits, "bit").to(default.units)


def _show(quantity) -> str:
    from ..units import registry as units
    from ..units.numbers import human_number

    value = float(quantity.magnitude)
    number = str(int(value)) if value.is_integer() and quantity.dimensionless else human_number(value)
    return f"{number} {units.format_unit(quantity.units)}".strip()
