"""Numbers stay honest: overflow, underflow, negative budgets and extreme inputs.

A requirement is a finite, non-negative number in its unit, or it is infeasible with a
reason; an input that cannot be represented is refused. Expected values are worked out
by hand here (IEEE doubles: the largest is ~1.8e308, the smallest normal ~2.2e-308).
"""

from __future__ import annotations

import json
import math
import re
import sys

import pytest
from hardening_helpers import assert_refused, examples, run, usecase_text, write_usecase
from helpers import evaluate_many
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ammt_calc.engine.evaluation import NEGATIVE, OVERFLOW, evaluate, resolve_inputs
from ammt_calc.errors import UserError
from ammt_calc.present.documents import parameter_rows, usecase_rows
from ammt_calc.present.formats import to_json
from ammt_calc.units import registry as units
from ammt_calc.usecases.loading import load_catalog, load_file

SMALLEST_NORMAL = sys.float_info.min


def json_rows(*argv):
    code, out, err = run(*argv, "--format", "json")
    assert code == 0, err
    return {r["kpi"]: r for r in json.loads(out)["rows"]}


def user_catalog(tmp_path, kpis: str, **fields):
    """A user use case whose kpis block is `kpis` (YAML lines, indented two spaces)."""
    text = usecase_text(**fields).split("kpis:")[0] + "kpis:\n" + kpis
    write_usecase(tmp_path, text=text)
    return tmp_path


# --- inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, fragment", [
    ("nan s", "NaN and infinity"), ("-inf s", "NaN and infinity"), ("Infinity", "NaN and infinity"),
    ("1e999 s", "too large for a float"), ("1e308 GB", "too large in base units"),
    ("1e-320 s", "too small"), ("1e-300 ns", "too small"),  # 1e-309 s in base units: subnormal
    ("1e-310 MB", "too small"),  # the number itself is subnormal before the unit scales it
])
def test_unrepresentable_numbers_are_refused(text, fragment):
    with pytest.raises(units.UnitError, match=fragment):
        units.parse_quantity(text)


def test_the_smallest_normal_numbers_are_kept():
    assert units.parse_quantity("2.3e-308 s").magnitude == 2.3e-308
    assert units.parse_quantity("1e-290 ns").magnitude == 1e-290  # 1e-299 s: still normal
    assert units.parse_quantity("0 s").magnitude == 0.0
    assert units.parse_quantity("-0 s").magnitude == 0.0


UNIT_FACTORS = {"s": 1.0, "ms": 1e-3, "ns": 1e-9, "h": 3600.0, "MByte": 8e6, "GiB": 8 * 2**30, "Mbit/s": 1e6,
                "TOPS": 1e12, "%": 0.01, "ppm": 1e-6, "UE/km^2": 1e-6}


@settings(max_examples=examples(300), deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True), unit=st.sampled_from(sorted(UNIT_FACTORS)))
def test_any_float_is_kept_exactly_or_refused_for_a_stated_reason(value, unit):
    """repr(float) with a unit: the same float comes back, or the refusal says why."""
    text = f"{value!r} {unit}"
    base = value * UNIT_FACTORS[unit]
    try:
        q = units.parse_quantity(text)
    except units.UnitError as exc:
        message = str(exc)
        if not math.isfinite(value):
            assert "NaN and infinity" in message or "too large" in message
        elif not math.isfinite(base):
            assert "too large in base units" in message
        else:
            assert value != 0 and min(abs(value), abs(base)) < SMALLEST_NORMAL * 1.01, message
            assert "too small" in message
        return
    assert math.isfinite(value) and math.isfinite(base)
    assert q.magnitude == value
    assert value == 0 or min(abs(value), abs(base)) >= SMALLEST_NORMAL * 0.99


# --- results -------------------------------------------------------------------------------


def test_overflow_in_base_units_is_infeasible_not_a_number(tmp_path):
    # 1e300 MByte = 8e306 bit over 1e-10 s = 8e316 bit/s > 1.8e308: inf, not a rate.
    row = json_rows("usecase", "model-distribution-image-recognition",
                    "--set", "model_size=1e300MB", "--set", "latency=1e-10s")["dl_data_rate"]
    assert row["value"] is None and row["feasible"] is False
    assert "overflow" in row["reason"]


def test_overflow_in_the_display_unit_is_infeasible(tmp_path):
    # latency = 1e306 s is finite in base units, but 1e309 ms is not.
    folder = user_catalog(tmp_path, "  dl_latency: {formula: latency, unit: ms}\n"
                                    "  dl_latency_s: {formula: latency, unit: s}\n", latency="2 s")
    rows = json_rows("--catalog", folder, "usecase", "my-model-download", "--set", "latency=1e306s")
    assert rows["dl_latency"]["value"] is None and rows["dl_latency"]["reason"] == OVERFLOW
    assert rows["dl_latency_s"]["value"] == 1e306 and rows["dl_latency_s"]["feasible"] is True


def test_a_subnormal_result_is_shown_as_zero(tmp_path):
    # 1e-5 bit over 1e300 s = 1e-305 bit/s (normal), but 1e-311 Mbit/s is subnormal: shown
    # as 0 (it keeps only 3 digits), never as a hole in the middle of a sweep.
    folder = user_catalog(tmp_path, "  dl_data_rate: {formula: model_size / latency, unit: Mbit/s}\n"
                                    "  dl_bit_rate: {formula: model_size / latency, unit: bit/s}\n")
    rows = json_rows("--catalog", folder, "usecase", "my-model-download",
                     "--set", "model_size=1e-5bit", "--set", "latency=1e300s")
    assert rows["dl_data_rate"]["value"] == 0.0 and rows["dl_data_rate"]["feasible"] is True
    # JSON writes every rate in Mbit/s: 1e-311 Mbit/s is subnormal too (0); in bit/s when asked
    assert rows["dl_bit_rate"]["value"] == 0.0
    asked = json_rows("--catalog", folder, "usecase", "my-model-download", "--set", "model_size=1e-5bit",
                      "--set", "latency=1e300s", "--unit", "dl_bit_rate=bit/s")
    assert asked["dl_bit_rate"]["value"] == 1e-305 and asked["dl_bit_rate"]["unit"] == "bit/s"


def test_negative_zero_is_shown_as_zero(tmp_path):
    # ceil(-0.5) is -0.0 in IEEE arithmetic: a count of zero, which must not print as "-0".
    folder = user_catalog(tmp_path, "  rounds: {formula: 'ceil(0 - model_size / (model_size + model_size))', unit: ''}\n")
    code, out, err = run("--catalog", folder, "usecase", "my-model-download", "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[1].split(",")[4] == "0"
    assert json_rows("--catalog", folder, "usecase", "my-model-download")["rounds"]["value"] == 0.0


def test_an_infeasible_budget_is_never_negative(tmp_path):
    # 1 s deadline less 3 s of compute: -2 s is no budget; the rate over it is not -600 Mbit/s.
    folder = user_catalog(
        tmp_path,
        "  window: {formula: latency - compute, unit: s}\n"
        "  dl_data_rate: {formula: model_size / window, unit: Mbit/s}\n"
        "  margin: {formula: latency - compute, unit: s, allow_negative: true}\n",
        latency="1 s")
    text = (tmp_path / "uc.yaml").read_text().replace("  latency:", "  compute: {default: 3 s}\n  latency:")
    (tmp_path / "uc.yaml").write_text(text)
    rows = json_rows("--catalog", folder, "usecase", "my-model-download")
    assert rows["window"]["value"] is None and rows["window"]["reason"] == NEGATIVE
    assert rows["dl_data_rate"]["value"] is None and rows["dl_data_rate"]["reason"] == NEGATIVE
    assert rows["margin"]["value"] == -2.0  # the KPI that says a negative value means something


def test_a_derived_parameter_that_overflows_is_refused():
    # num_params x bits_per_param = 1e300 x 1e10 bit = inf: no model size to show.
    code, _, err = run("usecase", "model-distribution-image-recognition", "--set", "num_params=1e300",
                       "--set", "bits_per_param=1e10bit", "--format", "json")
    assert_refused(code, err, "model_size", "finite", "derived as num_params * bits_per_param")


# --- generated settings for every built-in use case ------------------------------------------

CATALOG = load_catalog(check_units=True)
USECASES = sorted(uc.id for uc in CATALOG)
MAGNITUDES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-300, 1e-308, 2.3e-308, 1e-30, 1e30, 1e150, 1e300, 1.7e308, -1.0]),
    st.floats(min_value=0, max_value=1e6),
)


@st.composite
def extreme_settings(draw):
    uc = CATALOG.get(draw(st.sampled_from(USECASES)))
    names = draw(st.lists(st.sampled_from(sorted(uc.parameters)), min_size=1, max_size=4, unique=True))
    settings_ = {}
    for name in names:
        unit = uc.parameters[name].unit_text
        settings_[name] = f"{draw(MAGNITUDES)!r} {unit}".strip()
    return uc, settings_


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=extreme_settings())
def test_extreme_settings_give_honest_numbers_or_a_clean_error(case):
    uc, settings_ = case
    try:
        evaluations = evaluate_many([uc], settings_)
    except UserError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    (ev,) = evaluations
    for kpi in ev.kpis.values():
        value, feasible = float(kpi.value), bool(kpi.feasible)
        assert feasible == (value == value), (kpi.name, value)
        if feasible:
            assert math.isfinite(value), (kpi.name, settings_)
            assert value == 0 or abs(value) >= SMALLEST_NORMAL, (kpi.name, value, settings_)
            assert not math.copysign(1, value) < 0 or uc.kpis[kpi.name].allow_negative, (kpi.name, value, settings_)
        else:
            assert kpi.reason_at(), kpi.name
    # every output format can carry the rows (JSON refuses inf/NaN outright)
    json.loads(to_json({"rows": usecase_rows(evaluations), "parameters": parameter_rows(evaluations)}))


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(usecase=st.sampled_from(USECASES), factor=st.sampled_from([1e-300, 1e-150, 1e-20, 1e20, 1e150, 1e300]))
def test_every_default_scaled_to_extremes(usecase, factor):
    """Each parameter's default times a huge or tiny factor, one at a time."""
    uc = CATALOG.get(usecase)
    for name, p in uc.parameters.items():
        default = units.parse_quantity(p.default)
        text = f"{float(default.magnitude) * factor!r} {p.unit_text}".strip()
        try:
            values, _ = resolve_inputs(uc, {name: text})
            ev = evaluate(uc, values)
        except UserError as exc:
            assert "\n" not in str(exc)
            continue
        for kpi in ev.kpis.values():
            value = float(kpi.value)
            assert (value != value) or (math.isfinite(value) and (value >= 0 or uc.kpis[kpi.name].allow_negative))


def test_user_file_with_a_tiny_default_is_refused(tmp_path):
    path = write_usecase(tmp_path, latency="1e-320 s")
    with pytest.raises(UserError, match="too small"):
        load_file(path, check_units=True)


# --- solve ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target, expected_mbyte", [
    # model_size = rate x 1 s deadline: 1e-300 bit = 1.25e-301 byte = 1.25e-307 MByte (the
    # bracket starts at model_size 0, so a fixed number of refinements stopped at ~1e-19 MByte)
    ("1e-300bit/s", 1.25e-307),
    ("1e-20Mbit/s", 1.25e-21),
    ("500Mbit/s", 62.5),
    ("1e3Gbit/s", 1.25e5),
])
def test_solve_is_precise_near_zero_and_far_from_it(target, expected_mbyte):
    code, out, err = run("solve", "model-distribution-image-recognition", "--for", "model_size",
                         "--target", f"dl_data_rate={target}", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["value"] == pytest.approx(expected_mbyte, rel=1e-9)


def test_solve_with_an_unreachable_target_says_so_without_a_number():
    code, out, err = run("solve", "model-distribution-image-recognition", "--for", "model_size",
                         "--target", "dl_data_rate=-5Mbit/s", "--format", "json")
    assert code == 0, err
    row = json.loads(out)
    assert row["value"] is None and "no value of model_size" in row["message"]


# --- precision -----------------------------------------------------------------------------


@pytest.mark.parametrize("model_size, packets", [("138 MByte", 138e6 / 1460), ("1e150 MByte", 1e156 / 1460)])
def test_max_packet_loss_keeps_its_digits(kpis, model_size, packets):
    # 1 - 0.999^(1/92000) = 1.0875e-8 computed as 1 - x kept only ~8 of the 12 digits printed,
    # and for 6.7e152 packets it became exactly 0: a zero-loss requirement instead of 1.5e-156.
    packets = math.ceil(packets)  # of 1460 byte each (94,521 for 138 MByte)
    expected = -math.expm1(math.log(0.999) / packets)  # 1 - 0.999 ** (1 / packets), exactly
    value, feasible, _ = kpis("model-distribution-image-recognition", model_size=model_size)["max_packet_loss"]
    assert feasible and value == pytest.approx(expected, rel=1e-12)


# --- hostile ONNX files --------------------------------------------------------------------


def relu_model(path, shape):
    """x -> Relu -> Relu -> y: no MACs; split payloads from `shape` alone (float32)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)
    nodes = [helper.make_node("Relu", ["x"], ["h"], name="r1"), helper.make_node("Relu", ["h"], ["y"], name="r2")]
    onnx.save(helper.make_model(helper.make_graph(nodes, "g", [x], [y])), str(path))
    return path


def test_onnx_with_a_negative_dimension_is_refused(tmp_path):
    path = relu_model(tmp_path / "neg.onnx", [1, -5, 3])
    assert_refused(*run("split", path, "--format", "json")[::2], "negative dimension")


def test_onnx_with_empty_tensors_has_no_frame_rate_limit(tmp_path):
    # 0 elements, 0 MACs: every stage takes 0 s, so 1/slowest was a ZeroDivisionError
    code, out, err = run("split", relu_model(tmp_path / "zero.onnx", [1, 0, 3]), "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [r["payload"]["value"] for r in rows] == [0.0, 0.0, 0.0]
    assert all(r["max_frame_rate"]["value"] is None for r in rows)


def test_onnx_with_astronomical_dimensions_gives_numbers_or_a_clean_error(tmp_path):
    # 2^62 cubed = 2^186 elements x 32 bit = 2^191 bit = 3.14e57 bit: finite, huge, honest
    code, out, err = run("split", relu_model(tmp_path / "huge.onnx", [1, 2**62, 2**62, 2**62]), "--format", "json")
    assert code == 0, err
    payload = json.loads(out)["rows"][0]["payload"]
    assert payload["unit"] == "kByte" and payload["value"] == pytest.approx(2.0**191 / 8e3, rel=1e-11)


# --- the Python API --------------------------------------------------------------------------


@pytest.mark.parametrize("values, fragment", [
    ({"latency": ("s", float("nan"))}, "finite"),
    ({"latency": ("s", [1.0, float("inf")])}, "finite"),
    ({"latency": 1.0}, "plain numbers have no unit"),
    ({"latency": [1, "x"]}, "expected a number, an array of numbers or text with a unit"),
    ({"latency": object()}, "got object"),
    ({"latency": "5 MB"}, "[information], but latency is [time]"),
    ({"latency": ("s", [1.0, 2.0, 3.0]), "model_size": ("MB", [1.0, 2.0])}, "do not broadcast"),
])
def test_api_refuses_bad_values_with_a_user_error(values, fragment):
    import ammt_calc

    values = {k: ammt_calc.quantity(v[1], v[0]) if isinstance(v, tuple) else v for k, v in values.items()}
    with pytest.raises(UserError, match=re.escape(fragment)):
        ammt_calc.evaluate("model-distribution-image-recognition", **values)


def test_solve_and_check_near_the_largest_float_warn_nothing(tmp_path):
    # A default of 1e300 MByte put the search range at 1e309 (inf): numpy's RuntimeWarnings
    # reached stderr beside the answer. 1e290 Gbit/s x 2 s = 2e299 bit = 2.5e292 MByte.
    import warnings

    write_usecase(tmp_path, model_size="1e300 MByte")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, out, err = run("--catalog", tmp_path, "solve", "my-model-download", "--for", "model_size",
                             "--target", "dl_data_rate=1e290Gbit/s", "--format", "json")
        assert code == 0 and err == "", err
        assert json.loads(out)["value"] == pytest.approx(2.5e292, rel=1e-9)
        code, out, err = run("--catalog", tmp_path, "check", "--format", "json")
        warned = [line for line in err.splitlines() if not line.startswith("note: no published value to compare")]
        assert code == 0 and warned == [], err  # the one note: use cases without published values
        row = next(r for r in json.loads(out)["rows"] if r["usecase"] == "my-model-download")
        assert "implies model_size = 300 MByte" in row["note"]  # 1.2 Gbit/s x 2 s = 2.4 Gbit = 300 MByte
