"""`split MODEL --input NAME=SHAPE` / `--input-size HxW`: an ONNX graph with a symbolic
image size, built in code; every payload worked out by hand."""

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from ammt_calc import api  # noqa: E402
from ammt_calc.errors import UserError  # noqa: E402
from ammt_calc.models.input_shapes import parse_inputs  # noqa: E402
from ammt_calc.models.onnx_graph import load_onnx  # noqa: E402


def weights(name, shape):
    return numpy_helper.from_array(np.zeros(shape, np.float32), name)


@pytest.fixture
def detector(tmp_path):
    """x[N,3,H,W] -> Conv a 4x3x3x3 (stride 2, pad 1) -> Relu b -> Conv c 4x4x3x3 (pad 1) ->
    Add(b, c) d -> GlobalAveragePool y[N,4,1,1]: fully convolutional, a residual block, and
    a symbolic spatial size, as detectors are exported."""
    nodes = [helper.make_node("Conv", ["x", "Wa"], ["a"], strides=[2, 2], pads=[1, 1, 1, 1], name="conv_a"),
             helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("Conv", ["b", "Wc"], ["c"], pads=[1, 1, 1, 1], name="conv_c"),
             helper.make_node("Add", ["b", "c"], ["d"]),
             helper.make_node("GlobalAveragePool", ["d"], ["y"])]
    graph = helper.make_graph(nodes, "det", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, 1, 1])],
                              [weights("Wa", (4, 3, 3, 3)), weights("Wc", (4, 4, 3, 3))])
    path = tmp_path / "det.onnx"
    onnx.save(helper.make_model(graph), str(path))
    return path


def sent(model):
    return {p.name: ([t.name for t in p.tensors], p.elements, p.device_macs) for p in model.points}


@pytest.mark.parametrize("side", [64, 128, 640])
def test_payloads_scale_with_the_input(detector, side):
    model = load_onnx(str(detector), parse_inputs([f"x=1x3x{side}x{side}"]))
    half = side // 2
    feature = 4 * half * half  # a, b, c: 4 channels at half the size (stride 2, pad 1, 3x3)
    conv_a = feature * 3 * 9  # output elements x (C_in x 3 x 3)
    conv_c = feature * 4 * 9
    assert sent(model) == {
        "input": (["x"], 3 * side * side, 0),
        "a": (["a"], feature, conv_a),
        "b": (["b"], feature, conv_a),
        "c": (["b", "c"], 2 * feature, conv_a + conv_c),  # inside the residual block: both tensors
        "d": (["d"], feature, conv_a + conv_c),
        "output": (["y"], 4, conv_a + conv_c),
    }
    assert model.point("c").shape_text == f"1x4x{half}x{half} + 1x4x{half}x{half}"
    assert model.point("c").payload_bits(None) == 2 * feature * 32  # float32
    assert model.macs == conv_a + conv_c
    assert any(f"input 'x' taken as 1x3x{side}x{side} (the file: Nx3xHxW)" in n for n in model.notes)


def test_input_size_sets_height_and_width_and_keeps_the_batch_rule(detector):
    model = load_onnx(str(detector), parse_inputs(size="96x160"))
    assert sent(model)["b"][1] == 4 * 48 * 80 and sent(model)["input"][1] == 3 * 96 * 160
    assert any("batch dimension 'N' taken as 1" in n for n in model.notes)
    square = load_onnx(str(detector), parse_inputs(size="320"))
    assert sent(square)["b"][1] == 4 * 160 * 160


def test_a_symbolic_size_without_an_input_is_refused_with_the_form(detector):
    with pytest.raises(UserError, match=r"symbolic dimension 'H' \(position 2\); give the input size: --input x=SHAPE"):
        load_onnx(str(detector))


def test_split_command_with_input(detector, cli):
    small = cli("split", detector, "--input", "x=1x3x64x64", "--format", "json")
    large = cli("split", detector, "--input-size", "640x640", "--format", "json")
    assert small.returncode == 0 and large.returncode == 0, small.stderr + large.stderr
    rows = [{r["split"]: r for r in json.loads(run.stdout)["rows"]} for run in (small, large)]
    # the residual cut: 2 x 4 x 32 x 32 float32 = 32,768 bytes at 64x64; 100 times that at 640x640
    assert rows[0]["c"]["payload"] == {"value": 32.768, "unit": "kByte"}
    assert rows[1]["c"]["payload"] == {"value": 3276.8, "unit": "kByte"}
    assert rows[1]["output"]["payload"] == rows[0]["output"]["payload"] == {"value": 0.016, "unit": "kByte"}
    assert json.loads(large.stdout)["model"]["input"] == {"name": "x", "shape": "1x3x640x640"}
    assert "input 'x' taken as Nx3x640x640" in large.stderr
    table = cli("split", detector, "--input-size", "64x64")
    assert table.returncode == 0 and table.stdout.startswith("det at input 1x3x64x64:")


def test_the_api_takes_inputs(detector):
    doc = api.split(str(detector), inputs=["x=1x3x128x128"]).to_dict()
    rows = {r["split"]: r for r in doc["rows"]}
    assert rows["b"]["payload"]["value"] == pytest.approx(4 * 64 * 64 * 4 / 1000)  # kByte
    assert api.split(str(detector), inputs="x=1x3x128x128").to_dict()["rows"] == doc["rows"]


def test_a_fixed_size_model_can_be_resized_when_its_layers_follow(tmp_path):
    """A file exported at 1x3x8x8 with stored intermediate shapes: --input 1x3x16x16 re-infers them."""
    nodes = [helper.make_node("Conv", ["x", "W"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 8, 8])],
                              [weights("W", (2, 3, 3, 3))],
                              value_info=[helper.make_tensor_value_info("c", TensorProto.FLOAT, [1, 2, 8, 8])])
    path = tmp_path / "fixed.onnx"
    onnx.save(helper.make_model(graph), str(path))
    assert sent(load_onnx(str(path)))["c"][1] == 2 * 8 * 8
    assert sent(load_onnx(str(path), parse_inputs(["x=1x3x16x16"])))["c"][1] == 2 * 16 * 16


def test_layers_that_cannot_follow_are_refused_with_the_exported_size(tmp_path, detector, cli):
    """Flatten -> Gemm 64 -> 10 takes 1x3x8x8 only; a 4-channel input does not fit a 3-channel Conv."""
    nodes = [helper.make_node("Conv", ["x", "W"], ["c"], pads=[1, 1, 1, 1], name="conv"),
             helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"]),
             helper.make_node("Gemm", ["f", "W2"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [weights("W", (4, 3, 3, 3)), weights("W2", (10, 64))])
    path = tmp_path / "fc.onnx"
    onnx.save(helper.make_model(graph), str(path))
    run = cli("split", path, "--input-size", "16x16")
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "cannot follow the input size given" in run.stderr and "Gemm" in run.stderr
    assert "exported for --input x=1x3x8x8" in run.stderr
    with pytest.raises(UserError, match="Conv 'conv_a' takes 3 input channels, gets 4"):
        load_onnx(str(detector), parse_inputs(["x=1x4x64x64"]))


@pytest.mark.parametrize("args, message", [
    (["--input", "x"], "expected NAME=SHAPE"),
    (["--input", "x=1x3x64"], "input 'x' has 4 dimensions (NxHxW"),
    (["--input", "z=1x3x64x64"], "has no input 'z'; inputs: x=Nx3xHxW"),
    (["--input", "x=1x3x0x64"], "every dimension must be 1 to"),
    (["--input", "x=1x3x64x64.5"], "expected positive whole numbers joined by x"),
    (["--input-size", "64x64x3"], "expected HxW"),
    (["--input", "x=1x3x64x64", "--input-size", "64x64"], "both size input 'x'"),
    (["--input", "x=1x3x8x8", "--input", "x=1x3x9x9"], "given twice"),
])
def test_bad_inputs_are_one_line_errors(detector, cli, args, message):
    run = cli("split", detector, *args)
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert message.replace("NxHxW", "Nx3xHxW") in run.stderr


def test_zoo_models_state_their_input_size_and_refuse_resizing(cli):
    run = cli("split", "resnet50", "--format", "json")
    assert json.loads(run.stdout)["model"]["input"] == {"name": "input", "shape": "3x224x224"}
    run = cli("split", "vgg16", "--input-size", "640x640")
    assert run.returncode == 2 and "the shapes of vgg16 hold at its input 3x224x224" in run.stderr
