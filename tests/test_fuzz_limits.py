"""Issue 14: generated ONNX graphs and wide catalogs end in a result or one clean UserError
line, within a memory limit (RLIMIT_AS lowered for the test, restored after) and a
per-example time limit (hypothesis' deadline), both generous.

A few examples run by default; AMMT_FUZZ_SCALE=100 scales them (tests/hardening_helpers.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hardening_helpers import deadline, examples, listener
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ammt_calc.errors import UserError

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from ammt_calc.models import splitpoints as splitpoint  # noqa: E402
from ammt_calc.models.onnx_graph import load_onnx  # noqa: E402

EXTRA_MEMORY = 1536 << 20  # address space a generated case may add: far below an unbounded one's gigabytes


def fuzz(n: int):
    return settings(max_examples=examples(n), deadline=timedelta(seconds=20),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextlib.contextmanager
def memory_limit(extra: int = EXTRA_MEMORY):
    """RLIMIT_AS = what the process has mapped now + `extra`, for the block only."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as status:
        mapped = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = mapped + extra if hard == resource.RLIM_INFINITY else min(hard, mapped + extra)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def one_clean_line(exc: UserError) -> None:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text and len(text) < 2000, text


# --- ONNX graphs --------------------------------------------------------------------------------

DTYPES = [TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE, TensorProto.INT8,
          TensorProto.UINT8, TensorProto.INT64, TensorProto.BOOL, TensorProto.STRING, TensorProto.UNDEFINED,
          TensorProto.FLOAT8E4M3FN, TensorProto.INT4, 999]
DIMS = st.one_of(st.integers(0, 16), st.sampled_from([2**20, 2**31, 2**62, -1]), st.sampled_from(["N", "H", ""]))
LOCATIONS = ["w.bin", "../../../etc/passwd", "/dev/zero", "", "a" * 300, "x\x00y"]


@st.composite
def onnx_graphs(draw):
    """A graph of up to 8 nodes on one input of generated shape and dtype, with weights that
    may be stored externally (files that are absent, hostile or huge), shape subgraphs and
    Range nodes of generated length."""
    shape = draw(st.lists(DIMS, min_size=0, max_size=6))
    dtype = draw(st.sampled_from(DTYPES))
    nodes, inits, previous, counter = [], [], "x", 0

    def name(prefix):
        nonlocal counter
        counter += 1
        return f"{prefix}{counter}"

    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["Relu", "Add", "MatMul", "Conv", "Reshape", "Shape", "Range", "Concat",
                                   "Flatten", "LSTM", "Custom"]))
        out = name("t")
        if op in ("Relu", "Flatten"):
            nodes.append(helper.make_node(op, [previous], [out]))
        elif op == "Add":
            nodes.append(helper.make_node("Add", [previous, previous], [out]))
        elif op in ("MatMul", "Conv"):
            w = name("W")
            wshape = draw(st.lists(st.integers(1, 8), min_size=2, max_size=4))
            tensor = numpy_helper.from_array(np.zeros(wshape, np.float32), w)
            if draw(st.booleans()):  # external data: never loaded, whatever it says
                tensor.ClearField("raw_data")
                tensor.data_location = TensorProto.EXTERNAL
                for key, value in (("location", draw(st.sampled_from(LOCATIONS))),
                                   ("offset", str(draw(st.sampled_from([0, 2**62, -1])))),
                                   ("length", str(draw(st.sampled_from([16, 2**62]))))):
                    entry = tensor.external_data.add()
                    entry.key, entry.value = key, value
            inits.append(tensor)
            nodes.append(helper.make_node(op, [previous, w], [out]))
        elif op == "Reshape":
            target = name("s")
            inits.append(numpy_helper.from_array(np.array(draw(st.lists(st.integers(-1, 64), min_size=1, max_size=4)),
                                                          np.int64), target))
            nodes.append(helper.make_node("Reshape", [previous, target], [out]))
        elif op == "Shape":
            nodes.append(helper.make_node("Shape", [previous], [out]))
        elif op == "Range":
            start, limit, delta = name("r"), name("r"), name("r")
            for n, v in ((start, 0), (limit, draw(st.sampled_from([4, 2**20, 2**27, 2**40]))), (delta, 1)):
                nodes.append(helper.make_node("Constant", [], [n], value=helper.make_tensor(n + "v", TensorProto.INT64, [], [v])))
            r = name("range")
            nodes.append(helper.make_node("Range", [start, limit, delta], [r]))
            combine = draw(st.sampled_from(["Add", "Mul", "Concat"]))
            nodes.append(helper.make_node(combine, [previous, r], [out], **({"axis": 0} if combine == "Concat" else {})))
        elif op == "Concat":
            nodes.append(helper.make_node("Concat", [previous, previous], [out], axis=0))
        elif op == "LSTM":
            nodes.append(helper.make_node("LSTM", [previous], [out]))
        else:
            nodes.append(helper.make_node("Mystery", [previous], [out], domain="com.example"))
        previous = out
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", dtype, shape or None)],
                              [helper.make_tensor_value_info(previous, dtype, None)], inits)
    model = helper.make_model(graph)
    return model.SerializeToString()


@fuzz(25)
@given(onnx_graphs())
def test_generated_onnx_graphs_load_or_refuse_in_one_line(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.onnx"
        path.write_bytes(data)
        split_settings, _ = splitpoint.settings_from_text(bits=None, ul_rate="100 Mbit/s", latency="50 ms",
                                                          device_speed="1 TOPS", server_speed="100 TOPS")
        with memory_limit():
            try:
                model = load_onnx(str(path))
                if model.macs is not None:
                    splitpoint.analyse(model, split_settings)
                event("loaded")
            except UserError as exc:
                one_clean_line(exc)
                event("refused")


# --- wide catalogs ----------------------------------------------------------------------------------

@st.composite
def wide_catalogs(draw):
    count = draw(st.integers(1, 200))
    reason_length = draw(st.integers(0, 300))
    lines = ["id: wide", "title: Wide", "family: distribution", "parameters:",
             "  model_size: {default: 300 MByte}", "  latency: {default: 2 s}", "kpis:"]
    for i in range(count):
        formula = draw(st.sampled_from(["model_size / latency * {i}", "model_size * {i} / (latency - latency)",
                                        "model_size / latency - model_size / latency * {i}"])).format(i=i + 1)
        extra = ""
        if reason_length and draw(st.booleans()):
            extra = (", infeasible_if: {condition: latency > " + draw(st.sampled_from(["0 * latency", "latency"]))
                     + f", reason: {'r' * reason_length}" + "}")
        lines.append(f"  k{i}: {{formula: {formula}, unit: Mbit/s{extra}}}")
    points = draw(st.sampled_from(["1s:10s:2", "1s:10s:200", "0s:1s:100", "1ms:1e6s:300:log"]))
    return "\n".join(lines) + "\n", points, draw(st.sampled_from(["csv", "json"]))


@fuzz(5)
@given(wide_catalogs())
def test_generated_wide_catalogs_sweep_or_refuse_in_one_line(case):
    from ammt_calc.engine import sweeps
    from ammt_calc.present.sweepio import write_csv, write_json
    from ammt_calc.usecases.loading import load_catalog

    text, points, fmt = case
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "wide.yaml").write_text(text)
        with memory_limit():
            try:
                uc = load_catalog([folder], check_units=True).get("wide")
                grid = sweeps.plan(uc, {"latency": points})
                (write_csv if fmt == "csv" else write_json)(grid, io.BytesIO())
                event("written")
            except UserError as exc:
                one_clean_line(exc)
                event("refused")


# --- issue 21: hostile model files, cache documents and schedulers -----------------------------------
# A generated set of hostile JSON (deep, long numbers, wrong types, many values) read as each
# kind of user file and cache document, and a fixed corpus of the cases that hung or blew up
# (a FIFO in each place, deep JSON, a silent scheduler), all under the same memory cap.

LLAMA = {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100}
JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False, allow_infinity=False),
                        st.text(max_size=8), st.sampled_from([10**39, 10**40, -1, 0, 2**62, 1e308]))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


@st.composite
def hostile_json(draw):
    """JSON text: a generated value, maybe wrapped many levels deep, maybe with a number of
    hundreds of digits or a long run of values spliced in."""
    value = draw(JSON_VALUES)
    kind = draw(st.sampled_from(["config", "header", "index", "cache"]))
    if kind == "config":
        key = draw(st.sampled_from([*LLAMA, "head_dim", "rope_scaling", "torch_dtype"]))
        value = {**LLAMA, key: value}
    elif kind == "header":
        value = {"w": {"dtype": draw(st.sampled_from(["F32", ["F32"], 5, "F4"])), "shape": value,
                       "data_offsets": draw(st.sampled_from([[0, 4], value, [4, 0]]))}}
    elif kind == "index":
        value = {"weight_map": draw(st.sampled_from([{"w": "s.safetensors"}, value])), "metadata": value}
    text = json.dumps(value, allow_nan=False)
    depth = draw(st.sampled_from([0, 0, 1, 40, 5000]))
    text = "[" * depth + text + "]" * depth
    splice = draw(st.sampled_from(["", "1" * 500, "[" + "0," * 20000 + "0]"]))
    if splice and text.endswith("}"):
        text = text[:-1] + (", " if text != "{}" else "") + f'"x": {splice}' + "}"
    return kind, text


def _read_as(kind: str, text: str, folder: Path):
    """Read `text` as a file of `kind` through the package's own readers."""
    from ammt_calc.models import hfconfig
    from ammt_calc.models import safetensors_header as safetensors
    from ammt_calc.usecases import cache

    raw = text.encode()
    if kind == "config":
        (folder / "config.json").write_bytes(raw)
        return hfconfig.read_config(folder / "config.json")
    if kind == "header":
        (folder / "x.safetensors").write_bytes(len(raw).to_bytes(8, "little") + raw + b"\0" * 4)
        return safetensors.read_header(folder / "x.safetensors")
    if kind == "index":
        (folder / "s.safetensors").write_bytes((2).to_bytes(8, "little") + b"{}")
        (folder / "m.safetensors.index.json").write_bytes(raw)
        return safetensors.read_index(folder / "m.safetensors.index.json")
    return _read_cache_document(raw, folder, cache)


def _read_cache_document(raw: bytes, folder: Path, cache):
    """A catalog read with `raw` as its cache document: the catalog is the YAML's whatever the document says."""
    import os

    from ammt_calc.files import builtin_dir
    from ammt_calc.usecases.loading import load_catalog

    saved = os.environ.get("AMMT_CALC_CACHE")
    os.environ["AMMT_CALC_CACHE"] = str(folder / "cache")
    cache.clear_memory()
    try:
        (folder / "cache").mkdir(mode=0o700, exist_ok=True)
        document = folder / "cache" / cache.document_name(builtin_dir())
        if document.exists() or document.is_symlink():
            document.unlink()
        document.write_bytes(raw) if raw is not None else os.mkfifo(document)
        catalog = load_catalog(check_units=True)
        assert "model-distribution-image-recognition" in [uc.id for uc in catalog.summaries()]
        cache.take_notes()
        return catalog
    finally:
        if saved is not None:
            os.environ["AMMT_CALC_CACHE"] = saved
        cache.clear_memory()


@fuzz(40)
@given(hostile_json())
def test_generated_hostile_json_files_load_or_refuse_in_one_line(case):
    kind, text = case
    with tempfile.TemporaryDirectory() as folder, memory_limit():
        try:
            _read_as(kind, text, Path(folder))
            event(f"{kind}: loaded")
        except UserError as exc:
            one_clean_line(exc)
            event(f"{kind}: refused")




CORPUS = ["fifo:config", "fifo:header", "fifo:index", "fifo:cache", "deep:config", "deep:header", "deep:index",
          "deep:cache", "digits:config", "digits:header", "empty-objects:header", "junk-array:index"]


@pytest.mark.parametrize("case", CORPUS)
def test_the_hostile_file_corpus_is_refused_in_one_line_or_ignored(tmp_path, case):
    import os

    from ammt_calc.usecases import cache

    how, kind = case.split(":")
    text = {"deep": "[" * 100_000 + "]" * 100_000, "digits": '{"model_type": "llama", "hidden_size": ' + "9" * 5000 + "}",
            "empty-objects": '{"x": [' + "{}," * 3_000_000 + "{}]}",
            "junk-array": '{"weight_map": {"w": "s.safetensors"}, "junk": [' + "0," * 2_000_000 + "0]}"}.get(how)
    if how == "fifo":
        name = {"config": "config.json", "header": "x.safetensors", "index": "m.safetensors.index.json"}.get(kind)
        if name:
            os.mkfifo(tmp_path / name)
    with deadline(), memory_limit():
        try:
            if how == "fifo" and kind == "cache":
                _read_cache_document(None, tmp_path, cache)
            elif how == "fifo":
                from ammt_calc.models.zoo import load_model

                load_model(str(tmp_path / name))
            else:
                _read_as(kind, text, tmp_path)
            assert kind == "cache", f"{case} was accepted"
        except UserError as exc:
            one_clean_line(exc)


@pytest.mark.parametrize("answer", [None, b"HTTP/1.0 400 Bad Request\r\n\r\n", b"\xff" * 64])
def test_the_hostile_scheduler_corpus_is_refused_in_one_line(answer):
    """A listener the test starts on 127.0.0.1: silent, an HTTP server's reply, a huge frame size."""
    pytest.importorskip("distributed")
    from ammt_calc.engine import scheduler

    with listener(answer, at_once=True) as address, deadline(30), memory_limit(), pytest.raises(UserError) as caught:
        scheduler.reach(scheduler.parse_address(address), 1.0)
    one_clean_line(caught.value)
    assert "did not answer within 1 s" in str(caught.value) or "not a Dask scheduler" in str(caught.value)
