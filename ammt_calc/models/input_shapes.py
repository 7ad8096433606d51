"""Input sizes for an ONNX graph: `split MODEL --input NAME=1x3x640x640` or `--input-size 640x640`.

A detector exported with symbolic spatial dimensions (or a user who wants 640x640 where the
file says 224x224) needs the input size before any intermediate shape is known. The given
dims replace the input's stored ones; every stored intermediate and output shape is dropped,
so shape inference works them all out again from the new input (bounded as for any file,
onnx_graph._infer_shapes). A model whose layers cannot follow (a fully connected layer that
expects the exported size, a convolution that expects other channels) is refused by
`check_follows`, with the size the file was exported for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import UserError, short_path, suggest

MAX_DIM = 2**31 - 1  # one dimension; the elements of a tensor are bounded in onnx_graph (MAX_COUNT)
_SHAPE = re.compile(r"\d+(?:x\d+)*")


@dataclass(frozen=True)
class InputShapes:
    """The inputs to resize: named shapes (--input) and/or the image's height and width (--input-size)."""

    named: dict[str, tuple[int, ...]] = field(default_factory=dict)
    size: tuple[int, int] | None = None

    def __bool__(self) -> bool:
        return bool(self.named) or self.size is not None


def parse_inputs(specs=(), size: str | None = None) -> InputShapes:
    """`NAME=1x3x640x640` texts and an `HxW` (or `N` for N x N) text, checked, as InputShapes."""
    named: dict[str, tuple[int, ...]] = {}
    for spec in specs or ():
        name, sep, shape = str(spec).partition("=")
        name = name.strip()
        if not sep or not name:
            raise UserError(f"--input {spec}: expected NAME=SHAPE, e.g. --input images=1x3x640x640")
        if name in named:
            raise UserError(f"--input {name} is given twice")
        named[name] = _dims(shape, f"--input {name}", "1x3x640x640")
    hw = None
    if size is not None:
        dims = _dims(size, "--input-size", "640x640")
        if len(dims) == 1:
            dims = dims * 2
        if len(dims) != 2:
            raise UserError(f"--input-size {size}: expected HxW (height x width), e.g. 640x640")
        hw = (dims[0], dims[1])
    return InputShapes(named, hw)


def _dims(text: str, what: str, example: str) -> tuple[int, ...]:
    text = str(text).strip().lower().replace(" ", "")
    if not _SHAPE.fullmatch(text):
        raise UserError(f"{what}={text}: expected positive whole numbers joined by x, e.g. {example}")
    dims = tuple(int(d) for d in text.split("x"))
    if any(d < 1 or d > MAX_DIM for d in dims):
        raise UserError(f"{what}={text}: every dimension must be 1 to {MAX_DIM:,}")
    return dims


def apply_inputs(graph, shapes: InputShapes, path_text: str) -> tuple[list[str], dict[str, str]]:
    """Set the inputs' dims in `graph` and drop every other stored shape. Returns notes and,
    per input changed, the shape the file had (for refusals: the size it was exported for)."""
    stored = {t.name for t in graph.initializer}
    inputs = {v.name: v for v in graph.input if v.name not in stored and v.type.HasField("tensor_type")}
    wanted = dict(shapes.named)
    if shapes.size is not None:
        image = _image_input(inputs, path_text)
        if image.name in wanted:
            raise UserError(f"--input {image.name} and --input-size both size input '{image.name}'; give one")
        wanted[image.name] = (None, None, *shapes.size)  # batch and channels as stored
    notes, before = [], {}
    for name, dims in wanted.items():
        if name not in inputs:
            raise UserError(f"'{short_path(path_text)}' has no input '{name}'{suggest(name, inputs)};"
                            f" inputs: {', '.join(f'{n}={_shape_text(_stored_dims(v))}' for n, v in inputs.items())}")
        value = inputs[name]
        old = _stored_dims(value)
        if value.type.tensor_type.HasField("shape") and len(old) != len(dims):
            raise UserError(f"--input {name}={_shape_text(dims)}: input '{name}' has {len(old)} dimensions"
                            f" ({_shape_text(old)}), not {len(dims)}")
        # the size the file was exported for, as an --input that works (a symbolic batch is 1)
        before[name] = _shape_text(tuple(1 if i == 0 and not isinstance(d, int) else d for i, d in enumerate(old)))
        dims = tuple(old[i] if d is None else d for i, d in enumerate(dims))  # None: keep the stored dim
        shape = value.type.tensor_type.shape
        shape.ClearField("dim")
        for d in dims:
            if isinstance(d, int):
                shape.dim.add().dim_value = d
            else:  # a symbolic batch dimension kept for the batch rule (taken as 1)
                shape.dim.add().dim_param = d
        notes.append(f"input '{name}' taken as {_shape_text(dims)} (the file: {_shape_text(old)});"
                     " every other shape inferred again")
    del graph.value_info[:]  # shapes stored for the old size would contradict the new ones
    for value in graph.output:
        if value.type.HasField("tensor_type"):
            value.type.tensor_type.ClearField("shape")
    return notes, before


def _image_input(inputs: dict, path_text: str):
    images = [v for v in inputs.values() if len(_stored_dims(v)) == 4]
    if len(images) != 1:
        listed = ", ".join(f"{n}={_shape_text(_stored_dims(v))}" for n, v in inputs.items())
        raise UserError(f"--input-size sets the height and width of the one 4-dimensional (NCHW) input;"
                        f" '{short_path(path_text)}' has {len(images)} such inputs ({listed}):"
                        " give --input NAME=SHAPE")
    return images[0]


def _stored_dims(value) -> tuple:
    """The input's dims as stored: numbers, or the symbolic names (or '?')."""
    t = value.type.tensor_type
    if not t.HasField("shape"):
        return ()
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim)


def _shape_text(dims: tuple) -> str:
    return "x".join(map(str, dims)) if dims else "(no shape)"


def check_follows(onnx, proto, inferred_graph, before: dict[str, str], path_text: str) -> None:
    """Refuse resized inputs that the layers cannot take: strict shape inference (a Gemm or
    MatMul whose inner size no longer matches, a Reshape to a fixed size) and the input
    channels of each convolution (in the inferred graph) against its weight."""
    problem = None
    try:
        onnx.shape_inference.infer_shapes(proto, strict_mode=True, data_prop=False)
    except Exception as exc:  # onnx raises InferenceError and others
        text = str(exc).strip().splitlines()
        problem = text[-1].strip()[:200] if text else type(exc).__name__
    problem = problem or _conv_channels(inferred_graph)
    if problem:
        sizes = ", ".join(f"--input {n}={s}" for n, s in before.items())
        raise UserError(f"the shapes of '{short_path(path_text)}' cannot follow the input size given ({problem});"
                        f" the file was exported for {sizes}: give a size its layers take")


def _conv_channels(graph) -> str | None:
    """The first Conv whose input channels (inferred) differ from its weight's x groups."""
    shapes = {}
    for value in [*graph.input, *graph.value_info]:
        t = value.type.tensor_type
        if value.type.HasField("tensor_type") and t.HasField("shape") and len(t.shape.dim) > 1:
            if t.shape.dim[1].HasField("dim_value"):
                shapes[value.name] = t.shape.dim[1].dim_value
    weights = {t.name: tuple(t.dims) for t in graph.initializer}
    for node in graph.node:
        if node.op_type != "Conv" or len(node.input) < 2:
            continue
        channels, weight = shapes.get(node.input[0]), weights.get(node.input[1])
        groups = next((a.i for a in node.attribute if a.name == "group"), 1) or 1
        if channels is not None and weight is not None and len(weight) > 1 and channels != weight[1] * groups:
            return (f"Conv '{node.name or node.output[0]}' takes {weight[1] * groups} input channels,"
                    f" gets {channels}")
    return None
