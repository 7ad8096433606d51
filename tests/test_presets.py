"""Precision and FL-update compression presets (ammt_calc.units.precision)."""

import pytest

from ammt_calc.errors import UserError
from ammt_calc.units.precision import (
    BITS,
    COMPRESSION,
    preset_bits,
    preset_ratio,
    resolve_preset,
)


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


def _payload(cli, usecase, kpi, *sets):
    import json

    from helpers import ok

    args = [a for s in sets for a in ("--set", s)]
    data = json.loads(ok(cli("usecase", usecase, *args, "--format", "json")))
    return next(r for r in data["rows"] if r["kpi"] == kpi)["value"]


@pytest.mark.parametrize("usecase, kpi, sets, mbyte", [
    # Deep Compression: VGG-16 552 MB -> 11.3 MB; 138,357,544 x 4 byte / 49 = 11.2945 MB (at the 8-bit default)
    ("model-distribution-image-recognition", "dl_payload", ["compression_ratio=deep-compression-vgg16"], 11.2944934),
    # AlexNet 240 MB -> 6.9 MB; torchvision's 61,100,840 parameters x 4 byte / 35 = 6.98295 MB
    ("model-distribution-image-recognition", "dl_payload",
     ["model=alexnet", "compression_ratio=deep-compression-alexnet"], 6.98295314),
    # video-upscaling: 170,000,000 x 4 byte / 35 = 19.4286 MB (was 170 MB / 35 = 4.86 MB, the 8-bit size divided)
    ("video-upscaling", "dl_payload", ["compression_ratio=deep-compression-alexnet"], 19.4285714),
    # signSGD: 1 bit per value whatever the width: 33,000,000 x 1 bit = 4.125 MB
    ("fl-compressed", "ul_payload", ["bits_per_param=16bit", "compression_ratio=signsgd"], 4.125),
    ("fl-compressed", "ul_payload", ["compression_ratio=signsgd"], 4.125),
    # QSGD 8 bit: 33 MB at 8 bit already; 4 bit: 16.5 MB
    ("fl-compressed", "ul_payload", ["bits_per_param=8bit", "compression_ratio=qsgd-8bit"], 33.0),
    ("fl-compressed", "ul_payload", ["bits_per_param=8bit", "compression_ratio=qsgd-4bit"], 16.5),
    # DGC 270x of the fp32 size: 132 MB / 270 = 0.48889 MB, from 16-bit values too
    ("fl-compressed", "ul_payload", ["bits_per_param=16bit", "compression_ratio=dgc"], 132 / 270),
    # top-k 1 %: 33e6 x 0.01 x (32 + 32) bit = 2.64 MB
    ("fl-compressed", "ul_payload", ["bits_per_param=8bit", "compression_ratio=topk-1%"], 2.64),
])
def test_presets_against_their_papers(cli, usecase, kpi, sets, mbyte):
    assert _payload(cli, usecase, kpi, *sets) == pytest.approx(mbyte, rel=1e-6)


def test_none_is_no_ratio_to_fp32(cli):
    # 'none' compresses nothing from any width: 138,357,544 x 2 byte
    assert _payload(cli, "model-distribution-image-recognition", "dl_payload", "bits_per_param=16bit",
                    "compression_ratio=none") == pytest.approx(276.715088)


def test_a_preset_that_sends_more_than_the_width_is_refused(cli):
    from helpers import refused

    refused(cli("usecase", "fl-compressed", "--set", "bits_per_param=4bit", "--set", "compression_ratio=qsgd-8bit"),
            "compression_ratio=qsgd-8bit sends 8 bit per parameter, more than bits_per_param 4 bit")


def test_a_preset_with_varied_bits_is_refused(cli):
    from helpers import refused

    refused(cli("sweep", "fl-compressed", "--vary", "bits_per_param=8bit,16bit", "--set", "compression_ratio=dgc"),
            "a compression preset is a ratio to the fp32 size")


def test_a_swept_preset_is_rebased_like_a_set_one(cli):
    from helpers import ok

    text = ok(cli("sweep", "model-distribution-image-recognition", "--vary", "compression_ratio=none,deep-compression-vgg16,10"))
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["1", "12.25", "10"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

_FP32_BASED = [name for name in COMPRESSION if name != "none"]


@settings(max_examples=40, deadline=None)
@given(preset=st.sampled_from(_FP32_BASED), bits=st.integers(min_value=1, max_value=64),
       params=st.integers(min_value=1, max_value=10**10))
def test_a_presets_size_does_not_depend_on_the_width_it_was_applied_from(preset, bits, params):
    import ammt_calc as ac

    ratio = COMPRESSION[preset][0]
    if ratio * bits / 32 < 1:  # sends more than the width: refused (test above)
        return
    result = ac.evaluate("model-distribution-image-recognition", num_params=params, bits_per_param=f"{bits} bit",
                         compression_ratio=preset)
    # num_params x 32 bit / ratio, in MByte, whatever bits_per_param
    assert float(result["dl_payload"].magnitude) == pytest.approx(params * 4 / ratio / 1e6, rel=1e-12)


@pytest.mark.parametrize("name, bits", [
    ("int4-g128", 4.25),   # 4 + (16-bit scale + 16-bit zero) / 128
    ("int4-g64", 4.5),
    ("int4-g32", 5.0),
    ("INT8-G128", 8.25),
    ("int3-g128", 3.25),
])
def test_grouped_quantisation_counts_its_scales(name, bits):
    assert preset_bits(name) == bits
    assert resolve_preset("bits_per_param", "bit", name) == f"{bits:g} bit"


def test_a_grouped_int4_download_and_a_sparse_update(cli):
    # Llama 3.2 1B at int4-g128: 1,235,814,400 x 4.25 / 8 byte = 656.5264 MByte
    assert _payload(cli, "llm-model-download", "dl_payload", "bits_per_param=int4-g128") == pytest.approx(656.5264)
    # a 10 % delta update at bf16: 247.16288 MByte of weights + the bitmap 1,235,814,400 bit = 154.4768 MByte
    # (a list would cost 0.1 x 1,235,814,400 x 31 bit = 478.9 MByte)
    assert _payload(cli, "llm-model-download", "dl_index_size", "update_fraction=0.1") == pytest.approx(154.4768)
    assert _payload(cli, "llm-model-download", "dl_payload", "update_fraction=0.1") == pytest.approx(
        247.16288 + 154.4768)
    # 1 %: the list is smaller, 0.01 x 1,235,814,400 x 31 bit = 47.8878 MByte
    assert _payload(cli, "llm-model-download", "dl_index_size", "update_fraction=0.01") == pytest.approx(
        12_358_144 * 31 / 8e6)
    # a full download sends no positions
    assert _payload(cli, "llm-model-download", "dl_index_size") == 0
