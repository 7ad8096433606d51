"""Precision and FL-update compression presets (ammt_calc.units.precision)."""

import pytest

from ammt_calc.errors import UserError
from ammt_calc.units.precision import BITS, COMPRESSION, preset_bits, preset_ratio, resolve_preset


@pytest.mark.parametrize("name, bits", [("fp32", 32), ("fp16", 16), ("bf16", 16), ("fp8", 8), ("int8", 8),
                                        ("int4", 4), (" INT4 ", 4)])
def test_bit_presets(name, bits):
    assert preset_bits(name) == bits
    assert resolve_preset("bits_per_param", "bit", name) == f"{bits} bit"


@pytest.mark.parametrize("name, ratio", [
    ("none", 1),
    ("topk-10%", 5),      # 32 / (0.1 x (32 value + 32 index))
    ("topk-1%", 50),      # 32 / (0.01 x 64)
    ("topk-0.1%", 500),   # 32 / (0.001 x 64)
    ("signsgd", 32),      # 1 bit instead of 32
    ("qsgd-8bit", 4),     # 32 / 8
    ("qsgd-4bit", 8),     # 32 / 4
    ("sketched", 100),    # two orders of magnitude
    ("dgc", 270),         # DGC's 270x-600x, lower end
    ("dgc-600", 600),
    ("deep-compression-alexnet", 35),  # 240 MB -> 6.9 MB
    ("deep-compression-vgg16", 49),    # 552 MB -> 11.3 MB
    ("nnc", 20),          # NNC: 5 % of the size (Haase et al. 2021)
    ("nnc-3%", 100 / 3),  # NNC with encoder optimisations: 3 %
])
def test_compression_presets(name, ratio):
    assert preset_ratio(name) == pytest.approx(ratio)
    assert float(resolve_preset("compression_ratio", "", name.upper())) == pytest.approx(ratio)


def test_every_preset_has_a_source_and_its_arithmetic():
    assert set(BITS) == {"fp32", "fp16", "bf16", "fp8", "int8", "int4"}
    for name, (ratio, how, source) in COMPRESSION.items():
        assert ratio >= 1 and how and (source or name == "none")


def test_numbers_pass_through_and_other_parameters_are_not_touched():
    assert resolve_preset("compression_ratio", "", "13.2") is None
    assert resolve_preset("bits_per_param", "bit", "6 bit") is None
    assert resolve_preset("latency", "ms", "int4") is None
    assert resolve_preset("num_params", "", "signsgd") is None


@pytest.mark.parametrize("name, unit, text, fragment", [
    ("compression_ratio", "", "dgc9", "compression_ratio=dgc9 is not a ratio or a compression preset (none, topk-10%"),
    ("bits_per_param", "bit", "int3", "bits_per_param=int3 is not a number of bits or a precision name (fp32, fp16"),
])
def test_unknown_presets_are_one_line_errors(name, unit, text, fragment):
    with pytest.raises(UserError) as error:
        resolve_preset(name, unit, text)
    assert fragment in str(error.value) and "\n" not in str(error.value)


def test_presets_through_the_settings_resolver(cli):
    import json

    from helpers import ok, refused

    data = json.loads(ok(cli("usecase", "fl-compressed", "--set", "compression_ratio=signsgd", "--format", "json")))
    rows = {r["kpi"]: r for r in data["rows"]}
    assert rows["effective_compression"]["value"] == 32 and rows["ul_payload"]["value"] == pytest.approx(132 / 32)
    text = ok(cli("sweep", "fl-compressed", "--vary", "compression_ratio=none,dgc,topk-1%"))
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["1", "270", "50"]
    data = json.loads(ok(cli("usecase", "model-distribution-image-recognition", "--set", "bits_per_param=int4",
                             "--format", "json")))
    # 138357544 x 4 / 8 = 69178772 byte
    assert next(r for r in data["rows"] if r["kpi"] == "dl_payload")["value"] == pytest.approx(69.178772)
    refused(cli("usecase", "fl-compressed", "--set", "compression_ratio=dgc9"), "not a ratio or a compression preset")
