"""Write tiny.onnx, the small model of the README's ONNX examples (needs `pip install onnx`).

x[N,3,32,32] -> Conv 16x3x3x3 (pad 1, no bias) -> Relu -> MaxPool 2x2 -> Flatten -> MatMul 4096x10
Parameters: 16*3*3*3 + 4096*10 = 41,392. MACs: 16*32*32*27 + 4096*10 = 483,328.
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def tiny_model() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Conv", ["x", "W"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("MaxPool", ["relu"], ["pool"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool"], ["flat"]),
        helper.make_node("MatMul", ["flat", "W2"], ["y"]),
    ]
    weights = [numpy_helper.from_array(np.zeros((16, 3, 3, 3), np.float32), "W"),
               numpy_helper.from_array(np.zeros((4096, 10), np.float32), "W2")]
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 32, 32])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], weights)
    return helper.make_model(graph)


if __name__ == "__main__":
    onnx.save(tiny_model(), sys.argv[1] if len(sys.argv) > 1 else "tiny.onnx")
