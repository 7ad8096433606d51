"""What the zoo and model files give: tensors, split points and models (no loading here)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import UserError, suggest

INPUT, OUTPUT = "input", "output"


@dataclass(frozen=True)
class Tensor:
    name: str
    shape: tuple[int, ...]
    bits: int | None = None  # bits per element where the model fixes them (an ONNX dtype)

    @property
    def elements(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class SplitPoint:
    """A cut through the model: the device runs everything before it and sends `tensors`."""

    name: str
    tensors: tuple[Tensor, ...]  # one tensor in a chain; every live tensor in a DAG
    device_macs: int | None  # multiply-accumulates before the cut; None if unknown
    label: str = ""

    @property
    def elements(self) -> int:
        return sum(t.elements for t in self.tensors)

    @property
    def shape_text(self) -> str:
        return " + ".join("x".join(map(str, t.shape)) or "scalar" for t in self.tensors)

    def payload_bits(self, bits_per_element: float | None) -> float:
        """Bits sent at this cut; `None` takes each tensor's own width (ONNX dtype)."""
        total = 0.0
        for t in self.tensors:
            bits = bits_per_element if bits_per_element is not None else t.bits
            if bits is None:
                raise UserError(f"split point '{self.name}': the bits per element of '{t.name}' are unknown; give them")
            total += t.elements * bits
        return total


@dataclass(frozen=True)
class Model:
    id: str  # zoo id, or the file name of an .onnx file
    name: str
    kind: str  # "zoo", "onnx", "config" (a config.json) or "safetensors"
    num_params: int
    param_bits: int | None  # bits the file stores its parameters in (ONNX); None for the zoo
    macs: int | None  # per inference; None if some layer's MACs are unknown
    points: tuple[SplitPoint, ...]  # input first, output last
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    aliases: Mapping[str, str] = field(default_factory=dict)  # tensor name -> name of the point after it (ONNX)
    transformer: Any = None  # hfconfig.TransformerConfig of a transformer (zoo, config.json, model folder)
    checkpoint: Any = None  # safetensors.SafetensorsInfo when read from .safetensors headers

    def point(self, name: str) -> SplitPoint:
        by_name = {p.name: p for p in self.points}
        name = self.aliases.get(name, name)
        if name in by_name:
            return by_name[name]
        lowered = {n.lower(): p for n, p in by_name.items()}
        if name.lower() in lowered:
            return lowered[name.lower()]
        raise UserError(f"{self.id} has no split point '{name}'{suggest(name, by_name)}; split points: {points_text(self)}")

    def has_point(self, name: str) -> bool:
        name = self.aliases.get(name, name)
        return any(p.name.lower() == name.lower() for p in self.points)


def points_text(model: Model) -> str:
    names = [p.name for p in model.points]
    return ", ".join(names) if len(names) <= 40 else ", ".join(names[:40]) + f", ... ({len(names)} in all)"
