"""`split`: candidate split points of a model; `model`: what a model means for the network."""

from __future__ import annotations

from typing import List, Optional

import typer

from ..present import views
from . import completion
from .app import app
from .common import emit, format_option, output_option


@app.command("split")
def split_command(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=completion.model, help="A zoo model (alexnet, vgg16, resnet50, mobilenetv2, googlenet, llama-3.2-1b, ...), an .onnx file, or a transformer's config.json or model folder."),
    bits: Optional[str] = typer.Option(None, "--bits", metavar="B", help="Bits per element of the tensors sent, e.g. 8bit or int8 [default: 8 bit for a zoo CNN, bf16 for a transformer (its compute dtype), an .onnx file's own dtypes]."),
    ul_rate: str = typer.Option("100 Mbit/s", "--ul-rate", metavar="R", help="Current UL data rate, with its unit, e.g. 100Mbit/s."),
    latency: str = typer.Option("50 ms", "--latency", metavar="L", help="End-to-end latency budget of one inference, with its unit, e.g. 50ms."),
    frame_rate: Optional[str] = typer.Option(None, "--frame-rate", metavar="F", help="Frames per second the pipeline must keep up with, e.g. 30fps."),
    device_speed: str = typer.Option("1 TOPS", "--device-speed", metavar="OPS/s", help="Device compute speed, e.g. 1TOPS or 500GMAC/s."),
    server_speed: str = typer.Option("100 TOPS", "--server-speed", metavar="OPS/s", help="Server compute speed, e.g. 100TOPS."),
    inputs: Optional[List[str]] = typer.Option(None, "--input", metavar="NAME=SHAPE", help="Size of an .onnx file's input, e.g. images=1x3x640x640 (repeatable); every tensor shape is inferred again."),
    input_size: Optional[str] = typer.Option(None, "--input-size", metavar="HxW", help="Height and width of an .onnx file's image input (its one NCHW input), e.g. 640x640."),
    fmt: Optional[str] = format_option(views.SPLIT),
    output: Optional[str] = output_option(views.SPLIT),
) -> None:
    """Every candidate split point of a model: payload, UL/compute times, latency, the best split."""
    from .. import api

    result = api.split(model, bits=bits, ul_rate=ul_rate, latency=latency, frame_rate=frame_rate,
                       device_speed=device_speed, server_speed=server_speed, inputs=inputs or (),
                       input_size=input_size)
    emit(result, views.SPLIT, fmt, output)


@app.command("model")
def model_command(
    source: str = typer.Argument(..., metavar="SOURCE", autocompletion=completion.model, help="A zoo model (vgg16, llama-3.1-8b, ...), a config.json, a model folder, a .safetensors file or index, or an .onnx file."),
    bits: Optional[str] = typer.Option(None, "--bits", metavar="B", help="One more precision for the size rows: a preset (fp32 fp16 bf16 fp8 int8 int4) or bits with their unit, e.g. 6bit."),
    lora_rank: str = typer.Option("16", "--lora-rank", metavar="R", help="Rank of the LoRA adapter sized (a whole number)."),
    lora_targets: Optional[str] = typer.Option(None, "--lora-targets", metavar="MODULES", help="Modules the adapter targets: all, attention, or names such as q_proj,v_proj [default: all]."),
    kv_bits: Optional[str] = typer.Option(None, "--kv-bits", metavar="B", help="Bits per cached key or value: fp8, int8, 8bit, ... [default: bf16, the compute dtype]."),
    act_bits: Optional[str] = typer.Option(None, "--act-bits", metavar="B", help="Bits per activation (the hidden state) [default: bf16, the compute dtype]."),
    context: Optional[str] = typer.Option(None, "--context", metavar="N", help="Tokens of the KV cache sized as a whole [default: the model's context length]."),
    fmt: Optional[str] = format_option(views.MODEL),
    output: Optional[str] = output_option(views.MODEL),
) -> None:
    """What a model means for the network: parameters, size per precision, and per token the hidden state, the KV cache and a LoRA adapter."""
    from .. import api

    emit(api.model(source, bits=bits, lora_rank=lora_rank, lora_targets=lora_targets, kv_bits=kv_bits,
                   act_bits=act_bits, context=context), views.MODEL, fmt, output)
