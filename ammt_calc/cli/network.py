"""`radio`: NR peak data rate of a carrier; `link`: a single-cell link budget against distance."""

from __future__ import annotations

from typing import List, Optional

import typer

from ..present import views
from . import completion
from .app import app
from .common import emit, format_option, output_option, set_option, transport_option
from .common import settings as parse_settings


@app.command("radio")
def radio_command(
    bandwidth: Optional[str] = typer.Option(None, "--bandwidth", metavar="B", help="Channel bandwidth with its unit, e.g. 100MHz."),
    scs: Optional[str] = typer.Option(None, "--scs", metavar="S", help="Subcarrier spacing with its unit, e.g. 30kHz."),
    layers: Optional[str] = typer.Option(None, "--layers", metavar="N", help="MIMO layers, 1 to 8."),
    modulation: Optional[str] = typer.Option(None, "--modulation", metavar="M", help="QPSK, 16QAM, 64QAM, 256QAM or 1024QAM."),
    fr: Optional[str] = typer.Option(None, "--fr", help="FR1 or FR2; inferred from the SCS and bandwidth where only one range has them."),
    direction: str = typer.Option("DL", "--direction", help="DL or UL (sets the overhead OH)."),
    scaling: Optional[str] = typer.Option(None, "--scaling-factor", metavar="F", help="Scaling factor f: 1 (default), 0.8, 0.75 or 0.4."),
    tdd: Optional[str] = typer.Option(None, "--tdd-share", metavar="SHARE|PATTERN", help="The direction's share of the symbols: 0.74, 74%, or a slot pattern DDDSU (S = 10 DL, 2 guard, 2 UL symbols) or DDDSU:6:4:4. Default: all (FDD)."),
    carriers: List[str] = typer.Option([], "--carrier", metavar="SPEC", help="One carrier of several (repeatable): bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM[,fr=..,scaling=..,tdd=..]; keys left out take the options above."),
    fmt: Optional[str] = format_option(views.RADIO),
    output: Optional[str] = output_option(views.RADIO),
) -> None:
    """NR peak data rate of one or more carriers (TS 38.306 clause 4.1.2, N_PRB from TS 38.101)."""
    from .. import api

    result = api.radio(carriers, direction, bandwidth=bandwidth, scs=scs, layers=layers, modulation=modulation,
                       fr=fr, scaling=scaling, tdd=tdd)
    emit(result, views.RADIO, fmt, output)


@app.command("link")
def link_command(
    scenario: str = typer.Argument(..., metavar="SCENARIO", autocompletion=completion.words(("uma", "umi", "rma", "inh")), help="uma, umi, rma or inh (TR 38.901 Table 7.4.1-1)."),
    fc: str = typer.Option(..., "--fc", metavar="F", help="Carrier frequency with its unit, e.g. 3.5GHz."),
    bandwidth: str = typer.Option(..., "--bandwidth", metavar="B", help="Channel bandwidth with its unit, e.g. 100MHz."),
    distance: str = typer.Option("50m:2km:40", "--distance", metavar="D", help="Horizontal distance(s): 400m, 100m,400m,1km, or START:STOP:COUNT[:log] (50m:2km:40)."),
    los: bool = typer.Option(False, "--los", help="Line of sight."),
    nlos: bool = typer.Option(False, "--nlos", help="No line of sight: max(PL_LOS, PL'_NLOS)."),
    mixed: bool = typer.Option(False, "--mixed", help="LOS and NLOS weighted by the LOS probability of Table 7.4.2-1 (the default)."),
    scs: Optional[str] = typer.Option(None, "--scs", metavar="S", help="Subcarrier spacing with its unit, e.g. 60kHz [default: 30kHz]."),
    layers: Optional[str] = typer.Option(None, "--layers", metavar="N", help="Most DL layers [default: 4]; rank adaptation picks the best rank up to it."),
    ul_layers: Optional[str] = typer.Option(None, "--ul-layers", metavar="N", help="Most UL layers [default: min(layers, 2), a 2T4R handset]."),
    tdd: Optional[str] = typer.Option(None, "--tdd", metavar="PATTERN", help="Slot pattern, e.g. DDDSU [default: every symbol in each direction]."),
    coverage: Optional[str] = typer.Option(None, "--coverage", metavar="P", help="Coverage probability, 50% to below 100%: the shadow-fading quantile [default: 50%, the median]."),
    share: Optional[str] = typer.Option(None, "--share", metavar="S", help="Share of the PRBs the UE gets [default: 100%]."),
    bs_height: Optional[str] = typer.Option(None, "--bs-height", metavar="H", help="BS height [default: the table's]."),
    ut_height: Optional[str] = typer.Option(None, "--ut-height", metavar="H", help="UT height [default: the table's]."),
    building_height: Optional[str] = typer.Option(None, "--building-height", metavar="H", help="RMa average building height [default: 5m]."),
    street_width: Optional[str] = typer.Option(None, "--street-width", metavar="W", help="RMa street width [default: 20m]."),
    bs_power: Optional[str] = typer.Option(None, "--bs-power", metavar="P", help="BS transmit power over the channel, e.g. 49dBm [default: ITU-R M.2412, scaled to the bandwidth]."),
    ue_power: Optional[str] = typer.Option(None, "--ue-power", metavar="P", help="UE transmit power [default: 23dBm]."),
    bs_gain: Optional[str] = typer.Option(None, "--bs-gain", metavar="G", help="BS antenna gain, e.g. 8dBi [default: M.2412 element gain]."),
    ue_gain: Optional[str] = typer.Option(None, "--ue-gain", metavar="G", help="UE antenna gain [default: M.2412]."),
    bs_noise_figure: Optional[str] = typer.Option(None, "--bs-noise-figure", metavar="NF", help="BS noise figure, e.g. 5dB [default: M.2412]."),
    ue_noise_figure: Optional[str] = typer.Option(None, "--ue-noise-figure", metavar="NF", help="UE noise figure [default: M.2412]."),
    interference_margin: Optional[str] = typer.Option(None, "--interference-margin", metavar="M", help="Interference margin, e.g. 3dB [default: 0dB, a single cell]."),
    sinr_max: Optional[str] = typer.Option(None, "--sinr-max", metavar="S", help="SINR ceiling, e.g. 20dB [default: none]."),
    extra_loss: Optional[str] = typer.Option(None, "--extra-loss", metavar="L", help="Extra loss (body, building entry), e.g. 10dB [default: 0dB]."),
    usecase: Optional[str] = typer.Option(None, "--usecase", metavar="ID", autocompletion=completion.usecase, help="Add each flow's reach (the largest distance its rate is met at); its required rates on --plot."),
    settings: List[str] = set_option(),
    transport: Optional[str] = transport_option(),
    plot: Optional[str] = typer.Option(None, "--plot", metavar="FILE.png", help="Draw DL and UL rate against distance (needs matplotlib)."),
    fmt: Optional[str] = format_option(views.LINK),
    output: Optional[str] = output_option(views.LINK),
) -> None:
    """A single-cell NR link budget: TR 38.901 path loss, SINR, attenuated Shannon spectral efficiency
    and DL/UL rate against distance (`ammt-calc docs network`, "Link budget")."""
    from .. import api
    from ..errors import UserError

    chosen = [name for name, flag in (("los", los), ("nlos", nlos), ("mixed", mixed)) if flag]
    if len(chosen) > 1:
        raise UserError(f"give one of --los, --nlos, --mixed, not {' and '.join('--' + c for c in chosen)}")
    if (settings or transport) and usecase is None:
        raise UserError("--set and --transport need --usecase ID")
    if plot is not None:
        from ..present.plot import png_path, require_matplotlib

        require_matplotlib()
        png_path(plot)
    parsed = parse_settings(settings)
    result = api.link(scenario, fc=fc, bandwidth=bandwidth, distance=distance, condition=chosen[0] if chosen else None,
                      usecase=usecase, settings=parsed, transport=transport, scs=scs, layers=layers,
                      ul_layers=ul_layers, tdd=tdd, coverage=coverage, share=share, bs_height=bs_height,
                      ut_height=ut_height, building_height=building_height, street_width=street_width,
                      bs_power=bs_power, ue_power=ue_power, bs_gain=bs_gain, ue_gain=ue_gain,
                      bs_noise_figure=bs_noise_figure, ue_noise_figure=ue_noise_figure,
                      interference_margin=interference_margin, sinr_max=sinr_max, extra_loss=extra_loss)
    if plot is not None:
        from ..present.linkplot import save_link_plot

        save_link_plot(result.to_dict(), plot)
    emit(result, views.LINK, fmt, output)
