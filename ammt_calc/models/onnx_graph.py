"""Read an `.onnx` file into a zoo `Model`: parameters, tensor shapes, split points.

Only the graph and tensor metadata are read (weights are never loaded, no runtime is
needed, external data files may be absent):

- parameters: the elements of every initializer and Constant-node tensor, and their
  size from each one's dtype (so an int8 model is as small as it really is);
- shapes: ONNX shape inference; a symbolic batch dimension is taken as 1 (one input);
  other input sizes come from the user (input_shapes.py: --input, --input-size);
- split points: the graph's nodes are in topological order (the ONNX spec requires it),
  so "split after node k" is a cut; what crosses it is every tensor computed from the
  input before it and still needed after it (a later node's input or a graph output),
  which is one tensor in a chain and several across a skip connection. Tensors that do
  not depend on the input (weights, shape constants) are on both sides and never sent.
- MACs: Conv, ConvTranspose, Gemm and MatMul (and their integer/quantised forms) by the
  zoo's convention (weights only: output elements x kernel or inner size); other
  standard ops count 0 (activations, pooling, normalisation, additions); ops whose work
  is not counted here (RNNs, Einsum, control flow, custom domains) leave the MACs unknown.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

from ..errors import UserError, short_path
from ..files import read_bounded
from .input_shapes import InputShapes, apply_inputs, check_follows
from .records import INPUT, OUTPUT, Model, SplitPoint, Tensor

# MACs = output elements x prod(weight shape[1:]); the value is the weight's input index
_CONV_LIKE = {"Conv": 1, "ConvInteger": 1, "QLinearConv": 3}
# MACs = output elements x the inner size (last dimension of the first input)
_MATMUL_LIKE = {"MatMul", "MatMulInteger", "QLinearMatMul"}
# Limits (docs/limits.md): what a hostile file may cost. Parsing takes about twice the file
# size; shape inference runs on the graph with the large weights dropped.
MAX_FILE_BYTES = 1 << 30  # 1 GiB: a larger model keeps its weights as external data
MAX_NODES = 100_000  # nodes in the main graph (a 10,000-node chain loads in seconds)
MAX_PROPAGATED = 4096  # values of a 1-D tensor that shape inference may propagate (shape vectors)
MAX_CUT_TENSORS = 256  # tensors crossing one cut; a cut through more is left out, with a note
MAX_COUNT = 2**1000  # elements, parameters or MACs: times 128 bit it must still fit a float (2^1024)
_UNCOUNTED = {"LSTM", "GRU", "RNN", "Einsum", "If", "Loop", "Scan", "Attention", "MultiHeadAttention", "Function"}


def _onnx():
    try:
        import onnx
    except ImportError:
        raise UserError("reading .onnx files needs the onnx package: pip install 'ammt-calc[onnx]'") from None
    return onnx


def dtype_bits(elem_type: int) -> int | None:
    """Bits per element of an ONNX TensorProto dtype; None for strings and unknown types."""
    onnx = _onnx()
    try:
        name = onnx.TensorProto.DataType.Name(elem_type)
    except ValueError:
        return None
    fixed = {"FLOAT": 32, "DOUBLE": 64, "BOOL": 8, "FLOAT16": 16, "BFLOAT16": 16, "COMPLEX64": 64, "COMPLEX128": 128}
    if name in fixed:
        return fixed[name]
    if m := re.fullmatch(r"U?INT(\d+)", name):
        return int(m[1])
    if m := re.fullmatch(r"FLOAT(\d)E\d+M\d+\w*", name):
        return int(m[1])
    return None


def load_onnx(path_text: str, inputs: InputShapes | None = None) -> Model:
    """The model of an .onnx file; `inputs` (--input, --input-size) resize its inputs first."""
    path = Path(path_text).expanduser()
    data = _read_bounded(path, path_text)
    onnx = _onnx()
    try:
        proto = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf raises several types for a damaged file
        raise UserError(f"cannot read '{short_path(path_text)}' as an ONNX model: {_first_line(exc)}") from None
    del data
    graph = proto.graph
    if not graph.node:
        raise UserError(f"'{short_path(path_text)}' is not an ONNX model with a graph of nodes")
    if len(graph.node) > MAX_NODES:
        raise UserError(f"'{short_path(path_text)}' has {len(graph.node):,} nodes; at most {MAX_NODES:,} are"
                        " analysed (see `ammt-calc docs limits`)")
    notes, exported = apply_inputs(graph, inputs, path_text) if inputs else ([], {})
    notes += _fix_batch_dimension(graph)
    num_params, param_bits = _stored_parameters(graph)
    _strip_large_values(graph)
    inferred, inference_notes = _infer_shapes(onnx, proto, path_text)
    if exported:
        check_follows(onnx, proto, inferred.graph, exported, path_text)
    notes += inference_notes
    tensors = _tensor_types(inferred.graph)
    node_macs, unknown = _macs(inferred.graph, tensors)
    if unknown:
        notes.append(f"MACs unknown for {len(unknown)} node(s): {', '.join(unknown[:5])}")
    elif sum(node_macs) > MAX_COUNT:
        raise UserError(f"'{short_path(path_text)}': {_size_text(sum(node_macs))} MACs is too many for a float to count")
    points, aliases, cut_notes = _cuts(inferred.graph, tensors, node_macs, not unknown, path_text)
    notes += cut_notes
    if len(points) < 2:
        raise UserError(f"'{short_path(path_text)}': no split point has tensors of known shape;"
                        " give its input size (--input NAME=SHAPE) or export it with fixed input sizes")
    return Model(id=path.name, name=graph.name or path.stem, kind="onnx", num_params=num_params,
                 param_bits=param_bits, macs=None if unknown else sum(node_macs), points=tuple(points),
                 sources=(str(path),), notes=tuple(notes), aliases=aliases)


def _read_bounded(path: Path, path_text: str) -> bytes:
    """The file's bytes, refused before reading if it is not a regular file or is larger than MAX_FILE_BYTES."""
    return read_bounded(path, MAX_FILE_BYTES, "ONNX model", _too_large)


def _too_large(shown: str, size: int) -> str:
    return (f"ONNX model '{shown}' is {size:,} bytes; at most {MAX_FILE_BYTES:,} (1 GiB) are read:"
            " save the weights as external data (onnx.save_model(..., save_as_external_data=True)),"
            " only the graph is needed")


def _strip_large_values(graph) -> None:
    """Drop the values of large stored tensors (their dims are kept and were counted
    already), so shape inference copies a graph, not the weights. Small ones stay: a
    Reshape's target shape or a Slice's starts are read by shape inference."""
    stored = list(graph.initializer)
    stored += [a.t for node in graph.node if node.op_type == "Constant"
               for a in node.attribute if a.name == "value" and a.HasField("t")]
    for tensor in stored:
        if math.prod(tensor.dims) > MAX_PROPAGATED and tensor.data_location != tensor.EXTERNAL:
            for name in ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data",
                         "string_data"):
                tensor.ClearField(name)
            tensor.data_location = tensor.EXTERNAL
            entry = tensor.external_data.add()
            entry.key, entry.value = "location", "(not loaded)"


def _infer_shapes(onnx, proto, path_text: str):
    """ONNX shape inference, with data propagation only where it is bounded.

    Data propagation (shapes computed from Shape -> Gather -> Concat -> Reshape chains)
    turns every value of a 1-D tensor that reaches Add, Mul, Cast, Gather... into a dim
    record: a 300-byte file with Range(0, 2**27) feeding an Add took 18 GB. So a first
    pass runs without it; the second, with it, runs only if that pass shows every 1-D
    input and output of a propagating op known and at most MAX_PROPAGATED values long.
    """
    try:
        plain = onnx.shape_inference.infer_shapes(proto, strict_mode=False, data_prop=False)
    except Exception as exc:
        raise UserError(f"ONNX shape inference failed on '{short_path(path_text)}': {_first_line(exc)}") from None
    if not _needs_propagation(plain.graph):
        return plain, []
    unsafe = _unbounded_propagation(onnx, plain.graph)
    if unsafe:
        return plain, [f"shapes computed from tensor values were not propagated: '{unsafe}' may hold more"
                       f" than {MAX_PROPAGATED} values (see `ammt-calc docs limits`)"]
    try:
        return onnx.shape_inference.infer_shapes(proto, strict_mode=False, data_prop=True), []
    except Exception:  # the first pass stands
        return plain, []


def _needs_propagation(graph) -> bool:
    """Some tensor still has no fully known shape after the plain pass."""
    known = {v.name for v in [*graph.input, *graph.value_info, *graph.output] if _shape_of(v) is not None}
    known.update(t.name for t in graph.initializer)
    return any(name and name not in known for node in graph.node for name in node.output)


def _unbounded_propagation(onnx, graph) -> str | None:
    """The first tensor that data propagation could blow up, or None."""
    propagating = _propagating_ops(onnx)
    shapes = {v.name: _shape_of(v) for v in [*graph.input, *graph.value_info, *graph.output]}
    shapes.update((t.name, tuple(t.dims)) for t in graph.initializer)
    for node in graph.node:
        if node.op_type not in propagating or node.domain not in ("", "ai.onnx"):
            continue
        for name in [*node.input, *node.output]:
            if not name:
                continue
            shape = shapes.get(name)
            if shape is None or (len(shape) <= 1 and math.prod(shape) > MAX_PROPAGATED):
                return name
    return None


@functools.lru_cache(maxsize=1)
def _propagating_ops_cached(version: str) -> frozenset[str]:
    import onnx.defs

    return frozenset(s.name for s in onnx.defs.get_all_schemas() if s.has_data_propagation_function)


def _propagating_ops(onnx) -> frozenset[str]:
    return _propagating_ops_cached(onnx.__version__)


def _shape_of(value) -> tuple[int, ...] | None:
    """A value_info's shape if every dim is a known number, else None."""
    if not value.type.HasField("tensor_type"):
        return None
    t = value.type.tensor_type
    if not t.HasField("shape") or not all(d.HasField("dim_value") for d in t.shape.dim):
        return None
    return tuple(int(d.dim_value) for d in t.shape.dim)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _input_names(graph) -> list[str]:
    stored = {t.name for t in graph.initializer}
    return [i.name for i in graph.input if i.name not in stored]


def _fix_batch_dimension(graph) -> list[str]:
    """A symbolic first dimension of an input is the batch: take it as 1. Others cannot be guessed."""
    notes = []
    stored = {t.name for t in graph.initializer}
    for value in graph.input:
        if value.name in stored or not value.type.HasField("tensor_type"):
            continue
        for index, dim in enumerate(value.type.tensor_type.shape.dim):
            if dim.HasField("dim_value"):
                continue
            label = dim.dim_param or "?"
            if index != 0:
                raise UserError(f"input '{value.name}' has a symbolic dimension '{label}' (position {index});"
                                f" give the input size: --input {value.name}=SHAPE (e.g. 1x3x640x640) or"
                                " --input-size HxW")
            dim.dim_value = 1
            notes.append(f"input '{value.name}': batch dimension '{label}' taken as 1")
    return notes


def _tensor_types(graph) -> dict[str, tuple[tuple[int, ...] | None, int]]:
    """name -> (shape or None if not fully known, ONNX elem_type)."""
    found = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        if not value.type.HasField("tensor_type"):
            continue
        t = value.type.tensor_type
        shape = None
        if t.HasField("shape") and all(d.HasField("dim_value") for d in t.shape.dim):
            shape = tuple(int(d.dim_value) for d in t.shape.dim)
            if any(d < 0 for d in shape):  # invalid ONNX: would give negative payloads
                raise UserError(f"tensor '{value.name}' has a negative dimension: {shape}")
            _check_count(math.prod(shape), f"tensor '{value.name}'", "elements")
        if value.name not in found or found[value.name][0] is None:
            found[value.name] = (shape, t.elem_type)
    for init in graph.initializer:
        found[init.name] = (tuple(int(d) for d in init.dims), init.data_type)
        _check_count(math.prod(found[init.name][0]), f"tensor '{init.name}'", "elements")
    return found


def _stored_parameters(graph) -> tuple[int, int]:
    """Elements and bits of the initializers and Constant-node tensors."""
    stored = list(graph.initializer)
    for node in graph.node:
        if node.op_type == "Constant":
            stored += [a.t for a in node.attribute if a.name == "value" and a.HasField("t")]
    count = bits = 0
    for t in stored:
        elements = math.prod(int(d) for d in t.dims)
        width = dtype_bits(t.data_type)
        if width is None:
            raise UserError(f"stored tensor '{t.name}' has a dtype without a fixed size ({t.data_type})")
        count += elements
        bits += elements * width
    _check_count(count, "the stored tensors", "elements")
    return count, bits


def _check_count(count: int, what: str, unit: str) -> None:
    """Counts are Python ints (exact), but payloads and times become floats: refuse one a float cannot hold."""
    if count > MAX_COUNT:
        raise UserError(f"{what} has {_size_text(count)} {unit}, more than a float can count"
                        f" (at most 2^{MAX_COUNT.bit_length() - 1})")


def _macs(graph, tensors) -> tuple[list[int], list[str]]:
    """MACs of each node, and the names of nodes whose MACs cannot be counted."""
    macs, unknown = [], []
    for index, node in enumerate(graph.node):
        label = f"{node.name or node.op_type + str(index)} ({node.op_type})"
        value = _node_macs(node, tensors)
        if value is None:
            unknown.append(label)
            value = 0
        macs.append(value)
    return macs, unknown


def _node_macs(node, tensors) -> int | None:
    def shape(i):
        return tensors.get(node.input[i], (None, 0))[0] if i < len(node.input) and node.input[i] else None

    out = tensors.get(node.output[0], (None, 0))[0] if node.output else None
    if node.domain not in ("", "ai.onnx") or node.op_type in _UNCOUNTED:
        return None
    if node.op_type in _CONV_LIKE:
        weight = shape(_CONV_LIKE[node.op_type])
        return None if weight is None or out is None else math.prod(out) * math.prod(weight[1:])
    if node.op_type == "ConvTranspose":
        weight, data = shape(1), shape(0)
        return None if weight is None or data is None else math.prod(data) * math.prod(weight[1:])
    if node.op_type == "Gemm":
        a = shape(0)
        trans_a = any(attr.name == "transA" and attr.i for attr in node.attribute)
        return None if a is None or out is None else math.prod(out) * (a[0] if trans_a else a[1])
    if node.op_type in _MATMUL_LIKE:
        a = shape(0)
        return None if a is None or out is None else math.prod(out) * a[-1]
    return 0


def _cuts(graph, tensors, node_macs, macs_known, path_text) -> tuple[list[SplitPoint], dict[str, str], list[str]]:
    """Split points after each node (see the module docstring), tensor name -> point name, notes.

    One sweep over the nodes: a tensor is live from the node that makes it to its last
    reader, so the live set is kept up to date (added when made, removed after its last
    use) instead of being recomputed at every cut; the work grows with the number of nodes
    times the tensors crossing a cut (at most MAX_CUT_TENSORS are looked at).
    """
    inputs = _input_names(graph)
    available = {*inputs, *(t.name for t in graph.initializer)}
    produced = {name: -1 for name in inputs}  # tensor -> index of the node making it (-1: graph input)
    last_use = {}
    for index, node in enumerate(graph.node):
        reads = [n for n in node.input if n]
        for name in reads:
            if name not in available:
                raise UserError(f"'{short_path(path_text)}': node {index} ({node.op_type}) reads '{name}' before"
                                " any node makes it (the nodes are not in topological order)")
            if name in produced:
                last_use[name] = index
        available.update(node.output)
        if any(n in produced for n in reads):  # computed from the input: a candidate to send
            produced.update((name, index) for name in node.output if name)
    end = len(graph.node)
    last_use.update((o.name, end) for o in graph.output)
    made_at: dict[int, list[str]] = {}  # node index -> tensors it makes that are live after it
    ends_at: dict[int, list[str]] = {}  # node index -> tensors last read there
    for name, p in produced.items():
        if p < last_use.get(name, -2):
            made_at.setdefault(p, []).append(name)
            ends_at.setdefault(last_use[name], []).append(name)
    live: dict[str, None] = {}  # in the order the tensors were made
    points, aliases, dropped, crowded, done = [], {}, [], 0, 0
    for k in range(-1, end):
        done += node_macs[k] if k >= 0 else 0
        live.update(dict.fromkeys(made_at.get(k, ())))
        for name in ends_at.get(k, ()):
            live.pop(name, None)
        if 0 <= k < end - 1 and produced.get(graph.node[k].output[0]) != k:
            continue  # a node on constants only (weights, shapes) is no place to cut
        if len(live) > MAX_CUT_TENSORS:
            crowded += 1
            continue
        if k == -1:
            name, label = INPUT, "all on server: raw input sent"
        elif k == end - 1:
            name, label = OUTPUT, "all on device: only the result sent"
        else:
            node = graph.node[k]
            name, label = node.output[0], f"after {node.op_type} {node.name}".strip()
        unknown = [t for t in live if tensors.get(t, (None, 0))[0] is None]
        if unknown:
            dropped.append(unknown[0])
            continue
        tensor_list = tuple(Tensor(t, tensors[t][0], dtype_bits(tensors[t][1])) for t in live)
        points.append(SplitPoint(name, tensor_list, done if macs_known else None, label))
        for out in (graph.node[k].output if k >= 0 else inputs):
            aliases.setdefault(out, name)
    notes = []
    if dropped:
        notes.append(f"{len(dropped)} split point(s) left out: shape inference gave no shape for"
                     f" {', '.join(sorted(set(dropped))[:5])}")
    if crowded:
        notes.append(f"{crowded} split point(s) left out: more than {MAX_CUT_TENSORS} tensors cross them")
    return points, aliases, notes


def _size_text(count: int) -> str:
    return f"about 2^{count.bit_length() - 1}" if count > 2**64 else f"{count:,}"
