"""`split`: candidate split points of a model."""

from __future__ import annotations

from typing import Optional

import typer

from ..present import views
from .app import app
from .common import emit, format_option, output_option


@app.command("split")
def split_command(
    model: str = typer.Argument(..., metavar="MODEL", help="A zoo model (alexnet, vgg16, resnet50, mobilenetv2, googlenet) or an .onnx file."),
    bits: Optional[str] = typer.Option(None, "--bits", metavar="B", help="Bits per element of the tensors sent, e.g. 8bit or int8 [default: 8 bit for a zoo model, an .onnx file's own dtypes]."),
    ul_rate: str = typer.Option("100 Mbit/s", "--ul-rate", metavar="R", help="Current UL data rate (bare number: Mbit/s)."),
    latency: str = typer.Option("50 ms", "--latency", metavar="L", help="End-to-end latency budget of one inference (bare number: ms)."),
    frame_rate: Optional[str] = typer.Option(None, "--frame-rate", metavar="F", help="Frames per second the pipeline must keep up with (bare number: fps)."),
    device_speed: str = typer.Option("1 TOPS", "--device-speed", metavar="OPS/s", help="Device compute speed, e.g. 1TOPS or 500GMAC/s (bare number: TOPS)."),
    server_speed: str = typer.Option("100 TOPS", "--server-speed", metavar="OPS/s", help="Server compute speed (bare number: TOPS)."),
    fmt: Optional[str] = format_option(views.SPLIT),
    output: Optional[str] = output_option(),
) -> None:
    """Every candidate split point of a model: payload, UL/compute times, latency, the best split."""
    from .. import api

    result = api.split(model, bits=bits, ul_rate=ul_rate, latency=latency, frame_rate=frame_rate,
                       device_speed=device_speed, server_speed=server_speed)
    emit(result, views.SPLIT, fmt, output)
