"""The model zoo and model files: parameter counts, MACs and candidate split points.

`load_model(ref)` takes a zoo id (case, `-` and `_` ignored: `VGG-16` is `vgg16`) or the
path of an `.onnx` file, and gives a `Model` whose split points run from "all on server"
(the raw input is sent) to "all on device" (only the result is sent). The zoo's numbers
live in catalog/_zoo/*.yaml, each derived there layer by layer.

`resolve_model_settings` turns `--set model=vgg16`, `--set split=pool5` and zoo names
given for a size (`--set model_size=vgg16`, `--set payload=pool5`) into parameter values,
saying where each came from.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .catalog import UseCase, builtin_dir, suggest
from .errors import UserError, short_path
from .modeltypes import INPUT, OUTPUT, Model, SplitPoint, Tensor, points_text
from .precision import preset_bits
from .userfiles import is_regular_file

PSEUDO_PARAMETERS = ("model", "split")
BIT_SETTINGS = {"model": "bits_per_param", "split": "bits_per_element"}
# The parameter a pseudo-parameter sets, in order of preference: the count, when the use
# case derives the size from it, else the size itself.
TARGETS = {"model": ("num_params", "model_size"), "split": ("tensor_elements", "payload")}
# Bits per value when neither the user, the model file nor the use case gives them:
# fp32, the precision models are trained and exported in (the zoo's "fp32 size").
FALLBACK_BITS = 32
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
    from .catalog import read_yaml

    return read_yaml(path)


def zoo_ids() -> list[str]:
    return sorted(p.stem for p in zoo_dir().glob("*.yaml"))


def is_model_reference(text: str) -> bool:
    """True for text naming a zoo model or an .onnx file (not for a quantity)."""
    text = text.strip()
    return text.lower().endswith(".onnx") or _normal(text) in _zoo_files()


def load_model(ref: str) -> Model:
    ref = ref.strip()
    if ref.lower().endswith(".onnx") or is_regular_file(ref):
        from .onnx_import import load_onnx

        return load_onnx(ref)
    path = _zoo_files().get(_normal(ref))
    if path is None:
        ids = zoo_ids()
        raise UserError(f"unknown model '{ref}'{suggest(ref.lower(), ids)}; zoo models: {', '.join(ids)},"
                        " or the path of an .onnx file")
    return _zoo_model(path)


@functools.lru_cache(maxsize=None)
def _zoo_model(path: Path) -> Model:
    data = _zoo_data(path)
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
    resolved = [_resolve_one(uc, settings, model, point) for uc in usecases]
    if model is not None and not any(r.used for r in resolved):
        raise UserError(f"model={model_ref}: no use case here takes a model size ({' or '.join(TARGETS['model'])})"
                        f" or a split point of it; add --set split=POINT for a payload ({points_text(model)})")
    if point is not None and not any("split" in r.used for r in resolved):
        raise UserError(f"split={split_ref}: no use case here takes a payload ({' or '.join(TARGETS['split'])})")
    return resolved


def _resolve_one(uc: UseCase, settings: Mapping[str, str], model: Model | None,
                 point: SplitPoint | None) -> ResolvedSettings:
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
    for name, ref in refs.items():
        quantity, origin = _value_for(uc, name, ref, model, settings)
        out.settings[name] = quantity
        out.origins[name] = origin
        out.notes.append(f"{name} = {_show(quantity)} from {origin}")
    for bits_name in BIT_SETTINGS.values():  # consumed here when the use case has no such parameter
        if bits_name not in uc.parameters:
            out.settings.pop(bits_name, None)
    return out


def _is_reference(text: Any) -> bool:
    """Text that names a model, split point or file rather than giving a quantity."""
    if not isinstance(text, str):
        return False
    text = text.strip()
    if _NONFINITE.fullmatch(text):
        return False
    return text.lower().endswith(".onnx") or bool(re.match(r"[A-Za-z_]", text))


def _kind(uc: UseCase, name: str) -> str:
    """'size' (information), 'params' or 'elements' (counts), or '' (takes no reference)."""
    from . import units

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
    from . import units

    kind = _kind(uc, name)
    count = units.registry().Quantity
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
    from . import units

    if bits_name in settings:
        preset = preset_bits(settings[bits_name])
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
    from . import units

    default = uc.parameters[name].quantity
    return units.registry().Quantity(bits, "bit").to(default.units)


def _show(quantity) -> str:
    from . import units
    from .numbers import human_number

    value = float(quantity.magnitude)
    number = str(int(value)) if value.is_integer() and quantity.dimensionless else human_number(value)
    return f"{number} {units.format_unit(quantity.units)}".strip()
