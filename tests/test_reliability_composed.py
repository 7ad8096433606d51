"""Reliability composed (end to end, per packet), survival time, and KPIs that do not apply."""

import math

import pytest
from helpers import value

from ammt_calc.engine.evaluation import evaluate
from ammt_calc.errors import UserError
from ammt_calc.usecases.loading import load_catalog


def test_split_inference_end_to_end_reliability(kpis):
    k = kpis("split-image-recognition")
    # UL 99.9 % x DL 99.999 % = 0.999 x 0.99999 = 0.99899001 -> 99.899001 %
    assert value(k["e2e_reliability"]) == pytest.approx(99.899001, rel=1e-12)
    k = kpis("split-image-recognition", ul_reliability_target="99.99 %")
    assert value(k["e2e_reliability"]) == pytest.approx(99.9890001, rel=1e-12)  # 0.9999 x 0.99999 = 0.999890001


def test_flocking_member_reliability_per_packet(kpis):
    k = kpis("flocking")
    # 132 MByte DL + 132 MByte UL in 1500-byte packets: 264e6 / 1500 = 176000 packets per round
    assert value(k["member_packets"]) == 176000
    # 99 % for 10 members: 0.99 ** (1/10) per member, ** (1/176000) per packet
    per_packet = math.exp(math.log(0.99) / 10 / 176000)  # 1 - 5.7104e-9
    assert value(k["member_packet_reliability"]) == pytest.approx(100 * per_packet, rel=1e-15)
    assert 100 - value(k["member_packet_reliability"]) == pytest.approx(5.7104e-7, rel=1e-4)  # in %


def test_survival_time_in_control_cycles(kpis):
    k = kpis("split-control-robotics")  # 12 ms survival time, one DL per 12 ms loop, 1 kHz UL state
    assert value(k["dl_messages_survivable"]) == 1
    assert value(k["ul_messages_survivable"]) == 12
    k = kpis("split-control-robotics", survival_time="30 ms")
    assert value(k["dl_messages_survivable"]) == 2  # floor(30 / 12)
    k = kpis("ddc-robot-split-8bit", survival_time="35 ms")
    assert value(k["transfers_survivable"]) == 3  # floor(35 ms / 10 ms)
    assert value(kpis("ddc-robot-split-32bit")["transfers_survivable"]) == 1


def test_a_kpi_that_does_not_apply_is_null_with_a_reason(catalog):
    uc = catalog.get("split-image-recognition")
    result = evaluate(uc).kpis["ul_sustained_rate"]  # frame_rate 0 fps: a single image
    assert math.isnan(float(result.value))
    assert result.applies_at() is False and result.reason_at() == "single image: no frame rate"
    assert float(evaluate(uc).kpis["ul_data_rate"].value) == pytest.approx(144.0)  # the formula still reads 0
    from ammt_calc.engine.evaluation import resolve_inputs

    values, _ = resolve_inputs(uc, {"frame_rate": "30 fps"})
    streamed = evaluate(uc, values).kpis["ul_sustained_rate"]
    assert streamed.applies_at() and float(streamed.value) == pytest.approx(64.8)  # 2.16 Mbit x 30/s


def test_not_applicable_does_not_spread_and_sweeps_mark_it(tmp_path):
    (tmp_path / "na.yaml").write_text(
        "id: my-na\ntitle: t\nfamily: split\n"
        "parameters:\n  size: {default: 1 MByte}\n  rate: {default: 0 Hz}\n"
        "kpis:\n"
        "  stream: {formula: size * rate, unit: Mbit/s,"
        " not_applicable_if: {condition: rate <= 0, reason: no stream}}\n"
        "  total: {formula: stream + size * rate, unit: Mbit/s}\n")
    uc = load_catalog([tmp_path]).get("my-na")
    from ammt_calc.api import quantity
    from ammt_calc.engine.evaluation import resolve_inputs

    values, _ = resolve_inputs(uc, {"rate": quantity([0, 2], "Hz")})
    ev = evaluate(uc, values)
    assert list(ev.kpis["stream"].applicable) == [False, True]
    assert ev.kpis["total"].feasible.all()  # reads stream's computed 0, and is feasible
    assert float(ev.kpis["stream"].value[1]) == pytest.approx(16.0)  # 8 Mbit x 2/s


def test_not_applicable_if_reads_known_names(tmp_path):
    (tmp_path / "na.yaml").write_text(
        "id: my-na\ntitle: t\nfamily: split\nparameters:\n  size: {default: 1 MByte}\n"
        "kpis:\n  x: {formula: size, unit: MByte, not_applicable_if: {condition: nothing > 0, reason: r}}\n")
    with pytest.raises(UserError, match="unknown name 'nothing'"):
        load_catalog([tmp_path])


def test_the_api_gives_names_and_applicability():
    import ammt_calc as ac

    result = ac.evaluate("condition-dependent-split")
    assert result["best_split"] == "B"  # pool5's 25 kByte at 100 Mbit/s
    assert list(ac.evaluate("condition-dependent-split", ul_rate=ac.quantity([10, 1000], "Mbit/s"))["best_split"]) == [
        "B", "A"]
    split = ac.evaluate("split-image-recognition")
    assert split.applicable("ul_sustained_rate") is False and split.applicable("ul_data_rate") is True
    assert split.reason("ul_sustained_rate") == "single image: no frame rate"
