"""Write detector.onnx, the fully convolutional model of docs/split.md's --input examples
(needs `pip install onnx`). Exported, as detectors are, with a symbolic image size:

x[N,3,H,W] -> Conv stem 16x3x3x3 (stride 2, pad 1) -> Relu -> Conv block 16x16x3x3 (pad 1)
-> Add (the residual) -> Conv head 8x16x1x1 (8 values per cell of the H/2 x W/2 grid).
Parameters: 16*3*3*3 + 16*16*3*3 + 8*16 = 432 + 2304 + 128 = 2,864.
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def tiny_detector() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Conv", ["x", "W1"], ["stem"], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["stem"], ["act"]),
        helper.make_node("Conv", ["act", "W2"], ["block"], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["act", "block"], ["res"]),
        helper.make_node("Conv", ["res", "W3"], ["y"]),
    ]
    weights = [numpy_helper.from_array(np.zeros(shape, np.float32), name)
               for name, shape in (("W1", (16, 3, 3, 3)), ("W2", (16, 16, 3, 3)), ("W3", (8, 16, 1, 1)))]
    graph = helper.make_graph(nodes, "detector",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], weights)
    return helper.make_model(graph)


if __name__ == "__main__":
    onnx.save(tiny_detector(), sys.argv[1] if len(sys.argv) > 1 else "detector.onnx")
