"""Named numeric precisions and update-compression ratios.

`--set bits_per_param=int4` is `--set bits_per_param=4bit`: a bits preset is a name for a
number of bits per value, accepted wherever a parameter is a number of bits (its default is
in bit). The widths are those of the formats themselves: IEEE 754 binary32/binary16,
bfloat16 (Google Brain; Intel BF16 spec), OCP FP8 (E4M3/E5M2, OCP 8-bit Floating Point
Specification 1.0), and integer quantisation to 8 and 4 bits, counted without the scales
and zero points of their blocks. Grouped quantisation as GPTQ and AWQ files store it is
`intN-gG` (int4-g128, int4-g32, int8-g64, ...): N bits per weight plus a 16-bit scale and a
16-bit zero point per group of G weights, N + (16 + 16) / G bit per parameter (int4-g128:
4 + 32 / 128 = 4.25; int4-g32: 5). Frantar et al., GPTQ, ICLR 2023; Lin et al., AWQ, MLSys
2024 (group size 128, fp16 scales and zero points).

`--set compression_ratio=signsgd`: a compression preset is a name for a ratio of the bytes
of an uncompressed update (32-bit values, fp32) to the bytes sent, accepted by a
dimensionless parameter whose name says compression (compression_ratio). Each ratio counts
everything sent per value: the top-k presets include a 32-bit index per kept value (leave a
separate `index_bits` at 0 with them).

A preset is a ratio to the fp32 size, so what it sends does not depend on the width it is
applied from: signSGD sends 1 bit per value, Deep Compression's VGG-16 is 11.3 MB, whatever
bits_per_param says. A use case's compression_ratio divides the size at bits_per_param, so
a preset applied there is rebased: ratio_to_fp32 x bits_per_param / 32 bit (`rebased`;
deep-compression-vgg16 at 8 bit: 49 x 8 / 32 = 12.25, and 138,357,544 x 1 byte / 12.25 =
11.29 MB = 138,357,544 x 4 byte / 49). `none` is no ratio to fp32: it stays 1.
"""

from __future__ import annotations

import re

from ..errors import UserError

BITS = {"fp32": 32, "fp16": 16, "bf16": 16, "fp8": 8, "int8": 8, "int4": 4}
GROUP_SCALE_BITS, GROUP_ZERO_BITS = 16, 16  # fp16 scale and zero point per group (GPTQ/AWQ)
_GROUPED = re.compile(r"int(\d{1,2})-g(\d{1,6})")
SOURCE = "IEEE 754 (fp32, fp16), bfloat16 (bf16), OCP FP8 spec 1.0 (fp8), integer quantisation (int8, int4)"


def _topk(share: float) -> float:
    """fp32 bytes over the bytes of a top-k update keeping `share` of the values, each sent
    as a 32-bit value and a 32-bit index: 32 / (share x 64)."""
    return 32 / (share * (32 + 32))


# name: (ratio to fp32, how it follows, source)
COMPRESSION = {
    "none": (1.0, "no compression", ""),
    "topk-10%": (_topk(0.10), "top-k keeping 10 % of values, 32-bit value + 32-bit index each: 32 / (0.1 x 64) = 5",
                 "Aji and Heafield, EMNLP 2017; Stich et al., NeurIPS 2018 (top-k sparsification)"),
    "topk-1%": (_topk(0.01), "top-k keeping 1 % of values, 32-bit value + 32-bit index each: 32 / (0.01 x 64) = 50",
                "Aji and Heafield, EMNLP 2017; Stich et al., NeurIPS 2018 (top-k sparsification)"),
    "topk-0.1%": (_topk(0.001), "top-k keeping 0.1 % of values, 32-bit value + 32-bit index each:"
                  " 32 / (0.001 x 64) = 500",
                  "Aji and Heafield, EMNLP 2017; Lin et al., ICLR 2018 (0.1 % density)"),
    "signsgd": (32.0, "1 bit (the sign) per value instead of 32", "Bernstein et al., signSGD, ICML 2018"),
    "qsgd-8bit": (4.0, "8 bits per value instead of 32 (the per-bucket norm not counted)",
                  "Alistarh et al., QSGD, NeurIPS 2017"),
    "qsgd-4bit": (8.0, "4 bits per value instead of 32 (the per-bucket norm not counted)",
                  "Alistarh et al., QSGD, NeurIPS 2017"),
    "sketched": (100.0, "structured and sketched updates: two orders of magnitude",
                 "Konečný et al., Federated Learning: Strategies for Improving Communication Efficiency, 2016"),
    "dgc": (270.0, "Deep Gradient Compression, the lower end of its 270x-600x (ResNet-50: 97 MB -> 0.35 MB)",
            "Lin et al., Deep Gradient Compression, ICLR 2018"),
    "dgc-600": (600.0, "Deep Gradient Compression, the upper end of its 270x-600x",
                "Lin et al., Deep Gradient Compression, ICLR 2018"),
    "deep-compression-alexnet": (35.0, "stored AlexNet weights 240 MB -> 6.9 MB (pruning, 5-8 bit weight sharing,"
                                 " Huffman coding; relative to fp32)", "Han et al., Deep Compression, ICLR 2016"),
    "deep-compression-vgg16": (49.0, "stored VGG-16 weights 552 MB -> 11.3 MB (pruning, 5-8 bit weight sharing,"
                               " Huffman coding; relative to fp32)", "Han et al., Deep Compression, ICLR 2016"),
    "nnc": (20.0, "MPEG Neural Network Coding (ISO/IEC 15938-17): weights to 5 % of their size without accuracy loss"
            " (quantisation and DeepCABAC arithmetic coding): 1 / 0.05 = 20",
            "Haase et al., Encoder optimizations for the NNR standard on neural network compression, ICIP 2021"),
    "nnc-3%": (100 / 3, "MPEG NNC with encoder optimisations (local scaling, inference-optimised quantisation,"
               " batch-norm folding): 3 % of the size: 1 / 0.03 = 33.3",
               "Haase et al., ICIP 2021; Kirchhoffer et al., Overview of the NNR standard, IEEE TCSVT 2022"
               " (more than 97 % compression for transparent coding)"),
}

FP32 = 32.0  # bits of the width every compression preset is a ratio to

_NAME = re.compile(r"\s*[A-Za-z]")


def preset_bits(text: str) -> float | None:
    """The bits of a preset name (case and surrounding spaces ignored), else None: a width
    (int4: 4) or grouped quantisation with its scales (int4-g128: 4 + 32 / 128 = 4.25)."""
    if not isinstance(text, str):
        return None
    name = text.strip().lower()
    grouped = _GROUPED.fullmatch(name)
    if grouped and 1 <= int(grouped[1]) <= 16 and int(grouped[2]) >= 1:
        return int(grouped[1]) + (GROUP_SCALE_BITS + GROUP_ZERO_BITS) / int(grouped[2])
    return BITS.get(name)


def preset_ratio(text: str) -> float | None:
    """The ratio of a compression preset name (case and surrounding spaces ignored), else None."""
    entry = COMPRESSION.get(text.strip().lower()) if isinstance(text, str) else None
    return None if entry is None else entry[0]


def resolve_preset(parameter_name: str, default_unit: str, text: str) -> str | None:
    """Quantity text for a preset written for a parameter ("4 bit", "32"), or None when the
    text is not a name (a number with or without a unit: the caller parses it as usual).
    A name that is no preset of the parameter's kind is a UserError listing the presets."""
    if not isinstance(text, str) or not _NAME.match(text):
        return None
    if default_unit.strip() == "bit":
        bits = preset_bits(text)
        if bits is None:
            raise UserError(f"{parameter_name}={text.strip()} is not a number of bits or a precision name"
                            f" ({', '.join(BITS)}, intN-gG such as int4-g128; or e.g. 6 bit)")
        return f"{bits:g} bit"
    if default_unit.strip() == "" and "compression" in parameter_name:
        ratio = preset_ratio(text)
        if ratio is None:
            raise UserError(f"{parameter_name}={text.strip()} is not a ratio or a compression preset"
                            f" ({', '.join(COMPRESSION)}; or a number such as 13.2)")
        return repr(ratio)
    return None


def compression_preset(parameter_name: str, default_unit: str, text) -> str | None:
    """The compression preset `text` names for this parameter (a ratio to fp32), else None."""
    if not isinstance(text, str) or default_unit.strip() != "" or "compression" not in parameter_name:
        return None
    name = text.strip().lower()
    return name if name in COMPRESSION and name != "none" else None


def rebased(parameter_name: str, preset: str, bits: float) -> tuple[float, str]:
    """(ratio beyond `bits` per parameter, the note saying so) for a preset defined as a ratio
    to the fp32 size: ratio_to_fp32 x bits / 32. A preset that sends more bits per value than
    `bits` (qsgd-8bit from 4-bit values) compresses nothing and is refused."""
    import numpy as np

    to_fp32 = COMPRESSION[preset][0]
    bits = np.asarray(bits, dtype=float)
    ratio = to_fp32 * bits / FP32
    if np.any(ratio < 1):
        raise UserError(f"{parameter_name}={preset} sends {FP32 / to_fp32:g} bit per parameter, more than"
                        f" bits_per_param {float(bits.min()):g} bit: no compression from that width")
    beyond = f"{float(ratio):.6g} beyond bits_per_param {float(bits):g} bit" if ratio.ndim == 0 else \
        "rebased to each bits_per_param (ratio x bits_per_param / 32 bit)"
    note = f"{parameter_name}={preset} is {to_fp32:g}x the fp32 size ({FP32 / to_fp32:.4g} bit per parameter): {beyond}"
    if np.all(bits == FP32):  # from fp32 nothing is rebased: nothing to say
        note = ""
    return (float(ratio) if ratio.ndim == 0 else ratio), note
