"""`ammt-calc solve` and inverse.solve: every answer is substituted back into the use case."""

import json
import math

import pytest
from helpers import ok, refused
from test_sweep import uc, user_dir  # noqa: F401  (fixtures: the test-download use case)

from ammt_calc.engine.evaluation import evaluate, resolve_inputs
from ammt_calc.engine.inverse import parse_target, solve
from ammt_calc.errors import UserError
from ammt_calc.units import registry as units
from ammt_calc.usecases.loading import load_catalog


@pytest.fixture(scope="module")
def builtin():
    return load_catalog(check_units=True)


def kpi_at(uc, settings, kpi):
    values, _ = resolve_inputs(uc, settings)
    result = evaluate(uc, values).kpis[kpi]
    return float(result.value) if bool(result.feasible) else None


def solved(uc, parameter, target, **settings):
    kpi, goal, _ = parse_target(uc, target)
    values, _ = resolve_inputs(uc, settings)
    return solve(uc, parameter, kpi, goal, values)


def test_biggest_model_that_downloads_in_one_second_at_500_mbit(uc):
    solution = solved(uc, "model_size", "dl_data_rate=500 Mbit/s", latency="1 s")
    # 500 Mbit/s x 1 s = 500 Mbit = 62.5 MByte
    assert solution.quantity.to("MByte").magnitude == pytest.approx(62.5, rel=1e-12)
    back = kpi_at(uc, {"latency": "1 s", "model_size": solution.quantity}, "dl_data_rate")
    assert back == pytest.approx(500, rel=1e-12)


def test_the_same_on_the_builtin_model_distribution_use_case(builtin):
    uc = builtin.get("model-distribution-image-recognition")
    solution = solved(uc, "model_size", "dl_data_rate=500Mbit/s", latency="1s")
    assert units.format_unit(solution.quantity.units) == "MByte"
    assert solution.quantity.magnitude == pytest.approx(62.5, rel=1e-12)
    assert kpi_at(uc, {"latency": "1s", "model_size": solution.quantity}, "dl_data_rate") == pytest.approx(500, rel=1e-12)


def test_a_deadline_through_a_setup_time(uc):
    """138 MByte = 1104 Mbit at 500 Mbit/s takes 2.208 s, plus 300 ms of setup: 2.508 s."""
    solution = solved(uc, "latency", "dl_data_rate=500Mbit/s", setup_time="300ms")
    assert solution.quantity.to("s").magnitude == pytest.approx(2.508, rel=1e-12)
    back = kpi_at(uc, {"setup_time": "300ms", "latency": solution.quantity}, "dl_data_rate")
    assert back == pytest.approx(500, rel=1e-12)


def test_a_formula_nobody_inverts_by_hand(builtin):
    """model_intact_probability = (1 - per) ** ceil(model_size / packet_size): the packet error
    rate at which VGG-16's 138,357,544 byte in 1460-byte packets (94,766 packets) arrives intact
    half the time is 1 - 0.5 ** (1 / 94766)."""
    uc = builtin.get("model-distribution-image-recognition")
    solution = solved(uc, "packet_error_rate", "model_intact_probability=50%")
    expected = 1 - 0.5 ** (1 / 94766)
    assert solution.quantity.magnitude == pytest.approx(expected, rel=1e-9)
    assert kpi_at(uc, {"packet_error_rate": solution.quantity}, "model_intact_probability") == pytest.approx(50, rel=1e-9)


def test_through_a_derived_parameter(uc):
    """num_params derives model_size (x 8 bit): 500 Mbit/s for 1 s is 62.5 million 8-bit parameters."""
    solution = solved(uc, "num_params", "dl_data_rate=500Mbit/s")
    assert solution.quantity.magnitude == pytest.approx(62.5e6, rel=1e-12)


def test_no_solution_in_range_is_an_answer(uc):
    """share is at most 100 %: at 1104 Mbit/s, no share reaches 2000 Mbit/s."""
    solution = solved(uc, "share", "cell_share_rate=2000Mbit/s")
    assert solution.quantity is None
    assert solution.message == ("no value of share from 0 to 100 % gives cell_share_rate = 2000 Mbit/s:"
                                " over that range cell_share_rate goes from 0 to 1104 Mbit/s")


def test_infeasible_over_the_whole_range(uc):
    solution = solved(uc, "model_size", "dl_data_rate=500Mbit/s", setup_time="2s")
    assert solution.quantity is None and "infeasible over the whole range" in solution.message


@pytest.mark.parametrize("parameter, target, settings, fragment", [
    ("model_size", "dl_rate=5Mbit/s", {}, "did you mean 'dl_data_rate'"),
    ("model_size", "dl_data_rate=5 s", {}, "target for dl_data_rate is [time]"),
    ("model_size", "dl_data_rate", {}, "KPI=VALUE"),
    ("model_size", "dl_data_rate=5Mb/s", {}, "ambiguous unit 'Mb'"),
    ("modelsize", "dl_data_rate=5Mbit/s", {}, "no parameter 'modelsize'"),
    ("share", "dl_data_rate=5Mbit/s", {}, "dl_data_rate does not depend on share"),
    ("model_size", "dl_data_rate=5Mbit/s", {"model_size": "1MB"}, "do not also --set it"),
])
def test_bad_questions(uc, parameter, target, settings, fragment):
    with pytest.raises(UserError) as err:
        solved(uc, parameter, target, **settings)
    assert fragment in str(err.value)


def test_cli_json(cli, user_dir):
    data = json.loads(ok(cli("--catalog", user_dir, "solve", "test-download", "--for", "model_size",
                             "--target", "dl_data_rate=500Mbit/s", "--set", "latency=1s", "--format", "json")))
    assert data == {"usecase": "test-download", "parameter": "model_size", "value": 62.5, "unit": "MByte",
                    "target": {"kpi": "dl_data_rate", "value": 500.0, "unit": "Mbit/s"}, "message": ""}


def test_cli_bare_target_is_refused_with_its_unit(cli, user_dir):
    refused(cli("--catalog", user_dir, "solve", "test-download", "--for", "latency", "--target", "dl_data_rate=1104"),
            "--target dl_data_rate=1104 has no unit: write it as 1104 Mbit/s")
    result = cli("--catalog", user_dir, "solve", "test-download", "--for", "latency", "--target",
                 "dl_data_rate=1104Mbit/s", "--format", "json")
    assert json.loads(ok(result))["value"] == 1  # 138 MByte = 1104 Mbit in 1 s


def test_cli_no_solution_exits_0_with_null(cli, user_dir):
    result = cli("--catalog", user_dir, "solve", "test-download", "--for", "share", "--target",
                 "cell_share_rate=2Gbit/s", "--format", "json")
    data = json.loads(ok(result))
    assert data["value"] is None and data["unit"] == "%" and data["message"].startswith("no value of share")
    table = ok(cli("--catalog", user_dir, "solve", "test-download", "--for", "share", "--target", "cell_share_rate=2Gbit/s"))
    assert "none" in table and "no solution: no value of share from 0 to 100 %" in table


def test_cli_table_and_refusal(cli, user_dir):
    out = ok(cli("--catalog", user_dir, "solve", "test-download", "--for", "model_size", "--target",
                 "dl_data_rate=500Mbit/s"))
    assert "62.5" in out and "MByte" in out and "dl_data_rate = 500 Mbit/s" in out
    refused(cli("--catalog", user_dir, "solve", "test-download", "--for", "model_size", "--target",
                "dl_data_rate=500Mbit/s", "--format", "csv"), "--format csv is not available here")


def test_solution_is_finite_and_in_the_parameter_unit(uc):
    solution = solved(uc, "setup_time", "dl_data_rate=2208Mbit/s")  # 1104 Mbit in 0.5 s: setup 500 ms
    assert units.format_unit(solution.quantity.units) == "ms"
    assert math.isclose(solution.quantity.magnitude, 500, rel_tol=1e-12)


STEPS = """\
id: my-steps
title: Packets of a model
family: distribution
parameters:
  model_size: {default: 10 MByte, description: model}
  packet_size: {default: 1500 byte, description: IP packet}
kpis:
  packets: {formula: ceil(model_size / packet_size), unit: "", label: packets per model}
"""


@pytest.fixture
def steps(tmp_path):
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "steps.yaml").write_text(STEPS)
    return load_catalog([tmp_path / "steps"], check_units=True).get("my-steps")


def test_a_step_function_gives_the_smallest_value_that_reaches_the_target(steps):
    # ceil(size / 1500 byte) = 1000 from 999 x 1500 byte (exclusive) up to 1,500,000 byte
    solution = solve(steps, "model_size", "packets", units.parse_quantity("1000"))
    assert solution.quantity.to("byte").magnitude == pytest.approx(999 * 1500, rel=1e-12)
    assert solution.message == ""


def test_a_target_between_two_steps_is_answered_with_where_the_step_happens(steps):
    solution = solve(steps, "model_size", "packets", units.parse_quantity("999.5"))
    assert solution.quantity.to("byte").magnitude == pytest.approx(999 * 1500, rel=1e-12)
    assert solution.message == "packets never equals 999.5: here it steps from 999 to 1000; the value is where the step happens"


@pytest.mark.parametrize("magnitude", [float("nan"), float("inf"), [1.0, 2.0]])
def test_a_target_must_be_one_finite_number(uc, magnitude):  # the Python API can pass any quantity
    with pytest.raises(UserError, match="target for dl_data_rate must be one finite number"):
        solve(uc, "model_size", "dl_data_rate", units.quantity(magnitude, "Mbit/s"))
