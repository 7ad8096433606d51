"""Named numeric precisions: `--set bits_per_param=int4` is `--set bits_per_param=4bit`.

A preset is a name for a number of bits per value, accepted wherever a parameter is a
number of bits (its default is in bit). The widths are those of the formats themselves:
IEEE 754 binary32/binary16, bfloat16 (Google Brain; Intel BF16 spec), OCP FP8 (E4M3/E5M2,
OCP 8-bit Floating Point Specification 1.0), and integer quantisation to 8 and 4 bits.
Quantisation scales and zero points (a few per block of values) are not counted.
"""

from __future__ import annotations

BITS = {"fp32": 32, "fp16": 16, "bf16": 16, "fp8": 8, "int8": 8, "int4": 4}
SOURCE = "IEEE 754 (fp32, fp16), bfloat16 (bf16), OCP FP8 spec 1.0 (fp8), integer quantisation (int8, int4)"


def preset_bits(text: str) -> int | None:
    """The bits of a preset name (case and surrounding spaces ignored), else None."""
    return BITS.get(text.strip().lower()) if isinstance(text, str) else None
