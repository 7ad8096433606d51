"""The model zoo: every number in catalog/_zoo recomputed layer by layer, the published
counts, and `--set model=... / split=...` in use cases (values computed by hand)."""

import copy
import json
import math

import pytest
from helpers import value

from ammt_calc.errors import UserError
from ammt_calc.models import zoo

# --- an independent layer-by-layer calculator ----------------------------------------------
# MACs of convolution and fully connected weights only (k*k*Cin/groups per output value,
# in*out per FC layer); parameters include biases and batch-norm scale/shift.


class Net:
    def __init__(self):
        self.shape, self.macs, self.params, self.marks = (3, 224, 224), 0, 0, {}

    def conv(self, out, k, stride=1, pad=0, groups=1, bias=False, bn=False):
        c, h, w = self.shape
        h, w = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        self.macs += h * w * out * (c // groups) * k * k
        self.params += out * (c // groups) * k * k + (out if bias else 0) + (2 * out if bn else 0)
        self.shape = (out, h, w)
        return self

    def pool(self, k, stride, pad=0, ceil=False):
        c, h, w = self.shape
        size = (lambda n: -(-(n + 2 * pad - k) // stride) + 1) if ceil else (lambda n: (n + 2 * pad - k) // stride + 1)
        self.shape = (c, size(h), size(w))
        return self

    def flat(self):
        self.shape = (math.prod(self.shape),)
        return self

    def gap(self):
        self.shape = (self.shape[0],)
        return self

    def fc(self, out):
        (n,) = self.shape
        self.macs, self.params, self.shape = self.macs + n * out, self.params + n * out + out, (out,)
        return self

    def mark(self, name):
        self.marks[name] = (self.shape, self.macs)
        return self

    def branches(self, *paths, add=False):
        """Parallel paths from the current tensor: outputs concatenated (Inception) or added (residual)."""
        start, outs = copy.copy(self), []
        for path in paths:
            b = copy.copy(start)
            path(b)
            self.macs += b.macs - start.macs
            self.params += b.params - start.params
            outs.append(b.shape)
        self.shape = outs[0] if add else (sum(s[0] for s in outs),) + outs[0][1:]
        return self


def alexnet():
    n = Net()
    n.conv(64, 11, 4, 2, bias=True).pool(3, 2).mark("pool1").conv(192, 5, 1, 2, bias=True).pool(3, 2).mark("pool2")
    for width in (384, 256, 256):
        n.conv(width, 3, 1, 1, bias=True)
    return n.pool(3, 2).mark("pool5").flat().fc(4096).mark("fc6").fc(4096).mark("fc7").fc(1000)


def vgg16():
    n = Net()
    for stage, (width, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
        for i in range(convs):
            n.conv(width, 3, 1, 1, bias=True)
            if stage == 1 and i == 1:
                n.mark("conv1_2")
        n.pool(2, 2).mark(f"pool{stage}")
    return n.flat().fc(4096).mark("fc6").fc(4096).mark("fc7").fc(1000)


def resnet50():
    n = Net().conv(64, 7, 2, 3, bn=True).mark("conv1").pool(3, 2, 1).mark("maxpool")
    for layer, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for b in range(blocks):
            s = stride if b == 0 else 1
            main = lambda x, w=width, s=s: x.conv(w, 1, bn=True).conv(w, 3, s, 1, bn=True).conv(4 * w, 1, bn=True)
            side = (lambda x, w=width, s=s: x.conv(4 * w, 1, s, bn=True)) if b == 0 else (lambda x, w=width, s=s: x.pool(1, s))
            n.branches(main, side, add=True)
        n.mark(f"layer{layer}")
    return n.gap().mark("avgpool").fc(1000)


def mobilenetv2():
    n = Net().conv(32, 3, 2, 1, bn=True).mark("features.0")
    index = 1
    for t, c, reps, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for r in range(reps):
            hidden = n.shape[0] * t
            if t != 1:
                n.conv(hidden, 1, bn=True)
            n.conv(hidden, 3, s if r == 0 else 1, 1, groups=hidden, bn=True).conv(c, 1, bn=True)
            if r == reps - 1:
                n.mark(f"features.{index}")
            index += 1
    return n.conv(1280, 1, bn=True).mark("features.18").gap().mark("avgpool").fc(1000)


def googlenet():
    """torchvision's variant: batch norm, no conv bias, 3x3 in the paper's "5x5" branch, ceil-mode pools."""
    n = Net().conv(64, 7, 2, 3, bn=True).pool(3, 2, ceil=True).mark("maxpool1")
    n.conv(64, 1, bn=True).conv(192, 3, 1, 1, bn=True).mark("conv3").pool(3, 2, ceil=True).mark("maxpool2")

    def inception(name, a, br, b, cr, c, p):
        n.branches(lambda x: x.conv(a, 1, bn=True), lambda x: x.conv(br, 1, bn=True).conv(b, 3, 1, 1, bn=True),
                   lambda x: x.conv(cr, 1, bn=True).conv(c, 3, 1, 1, bn=True), lambda x: x.pool(3, 1, 1).conv(p, 1, bn=True))
        n.mark(name)

    inception("inception3a", 64, 96, 128, 16, 32, 32)
    inception("inception3b", 128, 128, 192, 32, 96, 64)
    n.pool(3, 2, ceil=True).mark("maxpool3")
    for name, cfg in [("4a", (192, 96, 208, 16, 48, 64)), ("4b", (160, 112, 224, 24, 64, 64)), ("4c", (128, 128, 256, 24, 64, 64)),
                      ("4d", (112, 144, 288, 32, 64, 64)), ("4e", (256, 160, 320, 32, 128, 128))]:
        inception("inception" + name, *cfg)
    n.pool(2, 2, ceil=True).mark("maxpool4")
    inception("inception5a", 256, 160, 320, 32, 128, 128)
    inception("inception5b", 384, 192, 384, 48, 128, 128)
    return n.gap().mark("avgpool").fc(1000)


ARCHITECTURES = {"alexnet": alexnet, "vgg16": vgg16, "resnet50": resnet50, "mobilenetv2": mobilenetv2, "googlenet": googlenet}


@pytest.mark.parametrize("model_id", sorted(ARCHITECTURES))
def test_zoo_numbers_follow_from_the_architecture(model_id):
    net = ARCHITECTURES[model_id]()
    model = zoo.load_model(model_id)
    assert model.num_params == net.params
    assert model.macs == net.macs
    points = {p.name: p for p in model.points}
    assert list(points)[0] == "input" and list(points)[-1] == "output"
    assert set(points) - {"input", "output"} == set(net.marks)
    for name, (shape, macs) in net.marks.items():
        (tensor,) = points[name].tensors
        assert tensor.shape == shape, name
        assert points[name].device_macs == macs, name
    assert points["input"].tensors[0].shape == (3, 224, 224) and points["input"].device_macs == 0
    assert points["output"].tensors[0].shape == (1000,) and points["output"].device_macs == net.macs
    cumulative = [p.device_macs for p in model.points]
    assert cumulative == sorted(cumulative)  # work only grows along the chain


# Published values (shared/reference/models-and-radio.md, torchvision's model pages).
PUBLISHED_PARAMS = {"alexnet": 61_100_840, "vgg16": 138_357_544, "resnet50": 25_557_032,
                    "mobilenetv2": 3_504_872, "googlenet": 6_624_904}
PUBLISHED_GMAC = {"alexnet": 0.714, "vgg16": 15.47, "resnet50": 4.09, "mobilenetv2": 0.30, "googlenet": 1.50}
PUBLISHED_SHAPES = [
    ("alexnet", "pool1", (64, 27, 27), 46_656), ("alexnet", "pool2", (192, 13, 13), 32_448),
    ("alexnet", "pool5", (256, 6, 6), 9_216), ("alexnet", "fc6", (4096,), 4_096), ("alexnet", "fc7", (4096,), 4_096),
    ("vgg16", "conv1_2", (64, 224, 224), 3_211_264), ("vgg16", "pool1", (64, 112, 112), 802_816),
    ("vgg16", "pool2", (128, 56, 56), 401_408), ("vgg16", "pool3", (256, 28, 28), 200_704),
    ("vgg16", "pool4", (512, 14, 14), 100_352), ("vgg16", "pool5", (512, 7, 7), 25_088),
    ("resnet50", "conv1", (64, 112, 112), 802_816), ("resnet50", "maxpool", (64, 56, 56), 200_704),
    ("resnet50", "layer1", (256, 56, 56), 802_816), ("resnet50", "layer2", (512, 28, 28), 401_408),
    ("resnet50", "layer3", (1024, 14, 14), 200_704), ("resnet50", "layer4", (2048, 7, 7), 100_352),
    ("mobilenetv2", "features.1", (16, 112, 112), 200_704), ("mobilenetv2", "features.3", (24, 56, 56), 75_264),
    ("mobilenetv2", "features.6", (32, 28, 28), 25_088), ("mobilenetv2", "features.13", (96, 14, 14), 18_816),
    ("mobilenetv2", "features.18", (1280, 7, 7), 62_720),
    ("vgg16", "input", (3, 224, 224), 150_528),
]


@pytest.mark.parametrize("model_id", sorted(PUBLISHED_PARAMS))
def test_published_counts(model_id):
    model = zoo.load_model(model_id)
    assert model.num_params == PUBLISHED_PARAMS[model_id]
    assert round(model.macs / 1e9, 2) == round(PUBLISHED_GMAC[model_id], 2)


@pytest.mark.parametrize("model_id, point, shape, elements", PUBLISHED_SHAPES)
def test_published_split_point_shapes(model_id, point, shape, elements):
    p = zoo.load_model(model_id).point(point)
    assert p.tensors[0].shape == shape and p.elements == elements
    assert p.payload_bits(8) == elements * 8 and p.payload_bits(32) == elements * 32


def test_vgg16_macs_used_by_condition_dependent_split():
    vgg = zoo.load_model("vgg16")
    assert vgg.macs == 15_470_264_320
    assert vgg.point("pool2").device_macs == 4_710_924_288
    assert vgg.point("pool5").device_macs == 15_346_630_656


def test_names_are_forgiving_and_errors_helpful():
    assert zoo.load_model("VGG-16").id == "vgg16"
    assert zoo.load_model("MobileNet_V2").id == "mobilenetv2"
    assert zoo.load_model("resnet-50").point("LAYER3").name == "layer3"
    with pytest.raises(UserError, match=r"unknown model 'vgg61'; did you mean 'vgg16'\?.*alexnet"):
        zoo.load_model("vgg61")
    with pytest.raises(UserError, match=r"vgg16 has no split point 'pool6'; did you mean 'pool5'\?; split points: input, conv1_2"):
        zoo.load_model("vgg16").point("pool6")


# --- --set model=... / split=... in use cases ----------------------------------------------


def test_model_sets_the_parameter_count(kpis):
    k = kpis("model-distribution-image-recognition", model="resnet50")
    assert value(k["dl_payload"]) == pytest.approx(25_557_032 * 8 / 8 / 1e6)  # 8 bit/param default: 25.557032 MByte
    k = kpis("model-distribution-image-recognition", model="resnet50", bits_per_param="32 bit")
    assert value(k["dl_payload"]) == pytest.approx(25_557_032 * 4 / 1e6)  # 102.228128 MByte


def test_model_gives_a_size_where_the_use_case_has_only_a_size(kpis):
    # ddc-assisted-fl has model_size but no bits_per_param: the setting is taken by the zoo
    k = kpis("ddc-assisted-fl", model="vgg16", bits_per_param=8)
    assert value(k["dl_payload"]) == pytest.approx(138.357544)
    assert value(k["dl_data_rate"]) == pytest.approx(138_357_544 * 8 / 2 / 1e6)  # over the 2 s default
    fp32 = kpis("ddc-assisted-fl", model="vgg16")  # fallback: fp32
    assert value(fp32["dl_payload"]) == pytest.approx(553.430176)
    named = kpis("ddc-assisted-fl", model_size="mobilenetv2", bits_per_param="16 bit")
    assert value(named["dl_payload"]) == pytest.approx(3_504_872 * 2 / 1e6)


def test_split_sets_the_tensor(kpis):
    k = kpis("split-image-recognition", model="vgg16", split="pool5")
    assert value(k["ul_payload"]) == pytest.approx(25_088 / 1e6)  # 512x7x7 at the use case's 8 bit
    assert value(k["ul_data_rate"]) == pytest.approx(25_088 * 8 / 0.015 / 1e6)  # 13.380 Mbit/s
    k = kpis("split-image-recognition", model="resnet50", split="layer3", bits_per_element="32 bit")
    assert value(k["ul_payload"]) == pytest.approx(200_704 * 4 / 1e6)
    # a use case with a payload but no tensor parameters
    k = kpis("ddc-proximity-task-offloading", model="alexnet", split="pool5", bits_per_element=16)
    assert value(k["ul_payload"]) == pytest.approx(9_216 * 2 / 1e6)  # 256x6x6 at 16 bit


def test_split_names_for_element_parameters(kpis):
    k = kpis("condition-dependent-split", model="vgg16", split_a_elements="pool3", split_b_elements="pool4")
    assert value(k["ul_payload_a"]) == pytest.approx(200.704)  # kByte at 8 bit
    assert value(k["ul_payload_b"]) == pytest.approx(100.352)


@pytest.mark.parametrize("settings, message", [
    ({"split": "pool5"}, "say which model it splits"),
    ({"model": "vgg16"}, "no use case here takes a model size"),
    ({"model": "vgg16", "split": "pool6"}, "did you mean 'pool5'"),
    ({"model": "vgg61", "split": "pool5"}, "did you mean 'vgg16'"),
    ({"model": "vgg16", "split": "pool5", "payload": "3 MB"}, "set either split=pool5 or payload"),
    ({"payload": "vgg61"}, "neither a quantity"),
    ({"tensor_elements": "vgg16"}, "takes a split point"),
    ({"model": "nowhere.onnx", "split": "x"}, "does not exist"),
])
def test_bad_zoo_settings(kpis, settings, message):
    with pytest.raises(UserError, match=message):
        kpis("split-image-recognition", **settings)


def test_origin_and_note_say_what_was_used(cli):
    result = cli("usecase", "ddc-assisted-fl", "--set", "model=vgg16", "--set", "bits_per_param=8", "--format", "json")
    assert result.returncode == 0, result.stderr
    params = {p["name"]: p for p in json.loads(result.stdout)["parameters"]}
    assert params["model_size"]["origin"] == "zoo: vgg16 at 8 bit/param"
    assert params["model_size"]["value"] == pytest.approx(138.357544) and params["model_size"]["unit"] == "MByte"
    assert "note: ddc-assisted-fl: model_size = 138.358 MByte from zoo: vgg16 at 8 bit/param" in result.stderr
    result = cli("usecase", "split-image-recognition", "--set", "model=vgg16", "--set", "split=pool5", "--format", "json")
    params = {p["name"]: p for p in json.loads(result.stdout)["parameters"]}
    assert params["tensor_elements"]["origin"] == "zoo: vgg16 split pool5 (512x7x7)"
    assert params["payload"]["origin"].startswith("derived:")


def test_origin_of_a_parameter_count(cli):
    result = cli("usecase", "model-distribution-image-recognition", "--set", "model=resnet50", "--format", "json")
    assert result.returncode == 0, result.stderr
    params = {p["name"]: p for p in json.loads(result.stdout)["parameters"]}
    assert params["num_params"]["origin"] == "zoo: resnet50" and params["num_params"]["value"] == 25_557_032
    assert params["model_size"]["origin"].startswith("derived:")
    assert params["model_size"]["value"] == pytest.approx(25.557032)  # at the use case's 8 bit/param
    assert "num_params = 25557032 from zoo: resnet50" in result.stderr
