"""ONNX import: small graphs built in code, every count and shape computed by hand."""

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from ammt_calc.errors import UserError  # noqa: E402
from ammt_calc.models.onnx_graph import dtype_bits, load_onnx  # noqa: E402


def save(tmp_path, nodes, inputs, outputs, initializers=(), name="m.onnx"):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    path = tmp_path / name
    onnx.save(helper.make_model(graph), str(path))
    return path


def weights(name, shape, dtype=np.float32):
    return numpy_helper.from_array(np.zeros(shape, dtype), name)


@pytest.fixture
def chain(tmp_path):
    """x[N,3,8,8] -> Conv 4x3x3x3 (+bias, pad 1) -> Relu -> MaxPool 2/2 -> Flatten -> Gemm 64->10."""
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1], name="conv"),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"]),
             helper.make_node("Gemm", ["f", "W2", "B2"], ["y"], transB=1)]
    return save(tmp_path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                [weights("W", (4, 3, 3, 3)), weights("B", (4,)), weights("W2", (10, 64)), weights("B2", (10,))])


def test_chain_parameters_shapes_and_macs(chain):
    model = load_onnx(str(chain))
    assert model.num_params == 4 * 3 * 3 * 3 + 4 + 10 * 64 + 10  # 762
    assert model.param_bits == 762 * 32  # float32: 3048 bytes
    conv_macs = (4 * 8 * 8) * (3 * 3 * 3)  # output elements x (C_in x k x k) = 6912
    gemm_macs = 10 * 64
    assert model.macs == conv_macs + gemm_macs
    points = [(p.name, [t.shape for t in p.tensors], p.device_macs) for p in model.points]
    assert points == [
        ("input", [(1, 3, 8, 8)], 0),  # the symbolic batch N taken as 1
        ("c", [(1, 4, 8, 8)], conv_macs),
        ("r", [(1, 4, 8, 8)], conv_macs),
        ("p", [(1, 4, 4, 4)], conv_macs),
        ("f", [(1, 64)], conv_macs),
        ("output", [(1, 10)], conv_macs + gemm_macs),
    ]
    assert model.point("p").payload_bits(None) == 64 * 32  # its own dtype, float32
    assert model.point("p").payload_bits(8) == 64 * 8
    assert model.point("x").name == "input" and model.point("y").name == "output"  # tensor names work too
    assert any("batch dimension 'N' taken as 1" in n for n in model.notes)


def test_a_skip_connection_sends_both_tensors(tmp_path):
    """x -> Conv a -> Relu b -> Conv c -> Add(b, c): after c, both b and c cross the cut."""
    nodes = [helper.make_node("Conv", ["x", "Wa"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("Conv", ["b", "Wc"], ["c"]), helper.make_node("Add", ["b", "c"], ["d"])]
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
                [helper.make_tensor_value_info("d", TensorProto.FLOAT, [1, 2, 4, 4])],
                [weights("Wa", (2, 2, 1, 1)), weights("Wc", (2, 2, 1, 1))])
    model = load_onnx(str(path))
    sent = {p.name: ([t.name for t in p.tensors], p.elements, p.device_macs) for p in model.points}
    conv = 2 * 4 * 4 * 2  # 32 output elements x 2 input channels x 1x1
    assert sent == {"input": (["x"], 32, 0), "a": (["a"], 32, conv), "b": (["b"], 32, conv),
                    "c": (["b", "c"], 64, 2 * conv), "output": (["d"], 32, 2 * conv)}
    assert model.point("c").shape_text == "1x2x4x4 + 1x2x4x4"


def test_stored_dtypes_constants_and_matmul(tmp_path):
    """int8 weights cast to float (a constant path, never a split point), a Constant node, float16 input."""
    nodes = [helper.make_node("Cast", ["Wq"], ["Wf"], to=TensorProto.FLOAT16),
             helper.make_node("Constant", [], ["k"], value=numpy_helper.from_array(np.ones(5, np.float16), "k")),
             helper.make_node("MatMul", ["x", "Wf"], ["m"]),
             helper.make_node("Relu", ["m"], ["y"])]
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT16, [1, 16])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [1, 8])],
                [weights("Wq", (16, 8), np.int8)])
    model = load_onnx(str(path))
    assert model.num_params == 16 * 8 + 5
    assert model.param_bits == 16 * 8 * 8 + 5 * 16
    assert model.macs == 8 * 16  # output elements x inner size
    assert [p.name for p in model.points] == ["input", "m", "output"]
    assert model.point("input").payload_bits(None) == 16 * 16  # float16 input


def test_dtype_widths():
    assert [dtype_bits(t) for t in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.INT8, TensorProto.UINT4,
                                    TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.FLOAT8E4M3FN,
                                    TensorProto.BOOL, TensorProto.INT64)] == [32, 64, 8, 4, 16, 16, 8, 8, 64]
    assert dtype_bits(TensorProto.STRING) is None


def test_uncounted_ops_leave_macs_unknown(tmp_path, cli):
    nodes = [helper.make_node("LSTM", ["x", "W", "R"], ["h"], hidden_size=4)]
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 1, 3])],
                [helper.make_tensor_value_info("h", TensorProto.FLOAT, None)],
                [weights("W", (1, 16, 3)), weights("R", (1, 16, 4))])
    model = load_onnx(str(path))
    assert model.macs is None and model.num_params == 48 + 64
    result = cli("split", path)
    assert result.returncode == 2 and "MACs unknown" in result.stderr and "LSTM" in result.stderr


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    (b"not a model at all", "cannot read"),
])
def test_missing_or_broken_files(tmp_path, content, message):
    path = tmp_path / "bad.onnx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        load_onnx(str(path))


def test_symbolic_image_size_and_node_order_are_refused(tmp_path):
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    path = save(tmp_path, relu, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", 8])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    with pytest.raises(UserError, match="symbolic dimension 'H'"):
        load_onnx(str(path))
    swapped = [helper.make_node("Relu", ["a"], ["y"]), helper.make_node("Relu", ["x"], ["a"])]
    path = save(tmp_path, swapped, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], name="order.onnx")
    with pytest.raises(UserError, match="not in topological order"):
        load_onnx(str(path))


def test_onnx_in_use_cases(chain, kpis):
    k = kpis("ddc-assisted-fl", model=str(chain))
    assert k["dl_payload"][0] == pytest.approx(3048 / 1e6)  # as stored: 762 float32 values
    k = kpis("ddc-assisted-fl", model=str(chain), bits_per_param=8)
    assert k["dl_payload"][0] == pytest.approx(762 / 1e6)
    k = kpis("ddc-proximity-task-offloading", model=str(chain), split="p")
    assert k["ul_payload"][0] == pytest.approx(64 * 4 / 1e6)  # 1x4x4x4 float32
    k = kpis("split-image-recognition", model=str(chain), split="r")
    assert k["ul_payload"][0] == pytest.approx(256 * 8 / 8 / 1e6)  # 256 elements at the use case's 8 bit


def test_split_command_on_an_onnx_file(chain, cli):
    result = cli("split", chain, "--ul-rate", "1 Mbit/s", "--device-speed", "1 GMAC/s", "--server-speed", "10 GMAC/s",
                 "--latency", "10 ms", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model"]["parameters"] == {"value": 762, "unit": ""}
    assert data["model"]["parameter_size"] == {"value": 0.003048, "unit": "MByte"}
    rows = {r["split"]: r for r in data["rows"]}
    # p: 64 float32 = 2048 bit over 1 Mbit/s = 2.048 ms; device 6912 MAC at 1 GMAC/s = 6.912 us;
    # server 640 MAC at 10 GMAC/s = 0.064 us
    assert rows["p"]["payload"] == {"value": 0.256, "unit": "kByte"}
    assert rows["p"]["ul_time"]["value"] == pytest.approx(2.048)
    assert rows["p"]["device_time"]["value"] == pytest.approx(0.006912)
    assert rows["p"]["server_time"]["value"] == pytest.approx(0.000064)
    assert rows["p"]["latency"]["value"] == pytest.approx(2.048 + 0.006912 + 0.000064)
    # output: 10 float32 = 320 bit: 0.32 ms + 7552 MAC / 1 GMAC/s = 7.552 us, the least latency
    assert data["fastest"] == "output" and rows["output"]["fastest"] is True and data["best"] == "output"
    assert rows["output"]["latency"]["value"] == pytest.approx(0.32 + 0.007552)
    assert "batch dimension 'N' taken as 1" in result.stderr


def shaped(name, shape):
    """An initializer with its shape but its data in an absent external file: only metadata is read."""
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=shape, data_location=TensorProto.EXTERNAL)
    t.external_data.add(key="location", value="absent-weights.bin")
    return t


def test_alexnet_as_onnx_matches_the_zoo(tmp_path):
    """torchvision's AlexNet as an ONNX graph (no weights): the importer's numbers equal the zoo's."""
    nodes, stored, x = [], [], "x"

    def conv(name, c_in, c_out, k, stride, pad):
        nonlocal x
        stored.extend([shaped(name + ".w", [c_out, c_in, k, k]), shaped(name + ".b", [c_out])])
        nodes.append(helper.make_node("Conv", [x, name + ".w", name + ".b"], [name], kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[pad] * 4))
        nodes.append(helper.make_node("Relu", [name], [name + ".relu"]))
        x = name + ".relu"

    def pool(name):
        nonlocal x
        nodes.append(helper.make_node("MaxPool", [x], [name], kernel_shape=[3, 3], strides=[2, 2]))
        x = name

    def fc(name, n_in, n_out, relu=True):
        nonlocal x
        stored.extend([shaped(name + ".w", [n_out, n_in]), shaped(name + ".b", [n_out])])
        nodes.append(helper.make_node("Gemm", [x, name + ".w", name + ".b"], [name + ".gemm" if relu else name], transB=1))
        if relu:
            nodes.append(helper.make_node("Relu", [name + ".gemm"], [name]))
        x = name

    conv("conv1", 3, 64, 11, 4, 2), pool("pool1"), conv("conv2", 64, 192, 5, 1, 2), pool("pool2")
    conv("conv3", 192, 384, 3, 1, 1), conv("conv4", 384, 256, 3, 1, 1), conv("conv5", 256, 256, 3, 1, 1), pool("pool5")
    nodes.append(helper.make_node("Flatten", [x], ["flat"]))
    x = "flat"
    fc("fc6", 9216, 4096), fc("fc7", 4096, 4096), fc("fc8", 4096, 1000, relu=False)
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])],
                [helper.make_tensor_value_info("fc8", TensorProto.FLOAT, None)], stored)
    model = load_onnx(str(path))
    from ammt_calc.models.zoo import load_model

    zoo = load_model("alexnet")
    assert model.num_params == zoo.num_params == 61_100_840
    assert model.param_bits == 61_100_840 * 32
    assert model.macs == zoo.macs == 714_188_480
    for name in ("pool1", "pool2", "pool5", "fc6", "fc7"):
        assert model.point(name).elements == zoo.point(name).elements, name
        assert model.point(name).device_macs == zoo.point(name).device_macs, name
    assert model.point("input").elements == 150_528 and model.point("output").elements == 1000
