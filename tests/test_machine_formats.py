"""Machine formats a script can use: one unit per kind of quantity, --unit, published ranges,
not-applicable apart from infeasible, check's filters and deviation, sample's intervals."""

import csv
import io
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.cli import main
from ammt_calc.engine import montecarlo
from ammt_calc.units import registry as units
from ammt_calc.units.machine import for_people, machine_unit


def run(capsys, *args) -> str:
    assert main(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def refused(capsys, *args) -> str:
    assert main(list(args)) == 2
    return capsys.readouterr().err


def test_machine_units_per_kind():
    assert [machine_unit(u) for u in ("Gbit/s", "kbit/s", "kByte", "GByte", "ms", "min", "Gbit/s/km^2", "%", "ppm", "")] \
        == ["Mbit/s", "Mbit/s", "MByte", "MByte", "s", "s", "Mbit/s/m^2", "%", "%", ""]


def test_sorting_the_usecase_csv_by_value_ranks_the_rates_right(capsys):
    rows = list(csv.DictReader(io.StringIO(run(capsys, "usecase", "--format", "csv"))))
    rates = [r for r in rows if r["kpi"] == "dl_data_rate" and r["value"]]
    assert {r["unit"] for r in rates} == {"Mbit/s"} and len(rates) > 10
    ranked = sorted(rates, key=lambda r: float(r["value"]))
    # model-management-service's 536 MByte in 1 s (its catalog unit is Gbit/s) is the largest: 4288 Mbit/s
    assert (ranked[-1]["usecase"], ranked[-1]["value"]) == ("model-management-service", "4288")
    # every row's value is its catalog value converted: the ranking is the physical one
    for kind in ("s", "MByte", "Mbit/s"):
        assert all(r["unit"] == kind for r in rows if r["unit"] and units.same_dimension(r["unit"], kind))


def test_unit_option_in_csv_json_and_sweep(capsys):
    out = run(capsys, "usecase", "model-management-service", "--unit", "dl_data_rate=Gbit/s", "--format", "json")
    row = next(r for r in json.loads(out)["rows"] if r["kpi"] == "dl_data_rate")
    assert (row["value"], row["unit"]) == (4.288, "Gbit/s")
    out = run(capsys, "sweep", "model-management-service", "--vary", "latency=1s,2s", "--unit", "latency=ms",
              "--unit", "dl_data_rate=Gbit/s")
    header, first, second = out.splitlines()[:3]
    assert header.startswith("latency [ms],") and "dl_data_rate [Gbit/s]" in header
    assert first.split(",")[0] == "1000" and "4.288" in first.split(",") and "2.144" in second.split(",")
    assert "did you mean 'dl_data_rate'" in refused(capsys, "usecase", "model-management-service",
                                                    "--unit", "dl_data_rat=Gbit/s")
    assert "not [information]" in refused(capsys, "usecase", "model-management-service", "--unit", "dl_data_rate=GByte")


def test_published_range_has_its_bounds(capsys):
    out = run(capsys, "usecase", "model-management-service", "--format", "csv")
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["kpi"] == "user_density")
    assert (row["published_min"], row["published_max"], row["published_unit"], row["status"]) == (
        "5000", "10000", "1/km^2", "in-range")


def test_not_applicable_is_never_infeasible(capsys):
    rows = json.loads(run(capsys, "usecase", "split-image-recognition", "--format", "json"))["rows"]
    sustained = next(r for r in rows if r["kpi"] == "ul_sustained_rate")
    assert (sustained["applicable"], sustained["feasible"], sustained["value"]) == (False, None, None)
    out = run(capsys, "sweep", "split-image-recognition", "--vary", "frame_rate=0fps,10fps")
    lines = list(csv.DictReader(io.StringIO(out)))
    assert lines[0]["infeasible"] == "" and lines[0]["not_applicable"] == "ul_sustained_rate: single image: no frame rate"
    assert lines[1]["not_applicable"] == "" and float(lines[1]["ul_sustained_rate [Mbit/s]"]) == pytest.approx(21.6)
    summary = json.loads(run(capsys, "sample", "split-image-recognition", "--draw", "frame_rate=choice:0fps,10fps",
                             "--draws", "1000", "--format", "json"))["rows"]
    row = next(r for r in summary if r["kpi"] == "ul_sustained_rate")
    assert row["infeasible_share"] == 0 and 0.4 < row["not_applicable_share"] < 0.6


def test_parquet_names_are_the_pandas_names_and_choices_are_strings(tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    target = tmp_path / "g.parquet"
    run(capsys, "sweep", "fl-compressed", "--vary", "schedule=pipelined,sequential", "-o", str(target))
    table = pq.read_table(target)
    assert "schedule" in table.schema.names and not any("[" in n for n in table.schema.names)
    assert table["schedule"].to_pylist() == ["pipelined", "sequential"]
    assert table.schema.field("schedule").type.value_type == "string"


def test_check_filters_and_deviation(capsys):
    rows = json.loads(run(capsys, "check", "split-image-recognition", "--format", "json"))["rows"]
    assert {r["usecase"] for r in rows} == {"split-image-recognition"}
    differing = json.loads(run(capsys, "check", "--status", "differs", "--format", "json"))["rows"]
    assert differing and all(r["status"] == "differs" for r in differing)
    for r in differing:
        if r["computed_value"] is not None and r["published_value"]:
            assert r["deviation"] == pytest.approx(r["computed_value"] / r["published_value"] - 1, rel=1e-9)
    family = json.loads(run(capsys, "check", "--family", "ddc", "--format", "json"))["rows"]
    assert family and all(r["usecase"].startswith("ddc-") for r in family)
    assert "in-range" in refused(capsys, "check", "--status", "DIFFERS")
    table = run(capsys, "check", "split-image-recognition")
    assert "deviation" in table and "  (1) ul_latency: echo of parameter latency" in table


def test_tables_keep_scaling_for_people():
    assert for_people(0.0192, "Mbit/s") == pytest.approx((19.2, "kbit/s"))
    assert for_people(60.23, "s") == (60.23, "s") and for_people(0.005, "s") == pytest.approx((5, "ms"))
    assert for_people(4288, "Mbit/s") == (4288, "Mbit/s") and for_people(0.5, "%") == (0.5, "%")


# --- percentiles' confidence intervals -------------------------------------------------------


def test_order_ranks_by_hand():
    # n = 100, the median: the textbook interval X(40)..X(61) (1-based), 95.2 % coverage
    assert montecarlo.order_ranks(100, 0.5) == (39, 60)
    # n = 10, the median: X(2)..X(9), 97.9 %
    assert montecarlo.order_ranks(10, 0.5) == (1, 8)
    # 59 draws are the fewest with a 95 % one-sided bound above p95: no upper end, nor below
    assert montecarlo.order_ranks(59, 0.95) == (51, None)


def _coverage(n: int, q: float, lo, hi) -> float:
    """P(X(lo) <= quantile < X(hi)) = P(lo + 1 <= B <= hi), B ~ Binomial(n, q) draws below it."""
    pmf = [math.comb(n, k) * q**k * (1 - q) ** (n - k) for k in range(n + 1)]
    return sum(pmf[(0 if lo is None else lo + 1):(n + 1 if hi is None else hi + 1)])


@settings(max_examples=60, deadline=None)
@given(st.integers(20, 400), st.sampled_from([0.05, 0.5, 0.95, 0.99]))
def test_order_ranks_cover_at_least_95_percent(n, q):
    lo, hi = montecarlo.order_ranks(n, q)
    assert _coverage(n, q, lo, hi) >= 0.95 - 0.003  # the normal approximation may miss by a hair


def test_sample_intervals_hold_the_percentile_and_shrink(capsys):
    def row(draws):
        out = run(capsys, "sample", "model-distribution-image-recognition", "--draw",
                  "model_size=uniform:50MB:500MB", "--draws", str(draws), "--format", "json")
        return next(r for r in json.loads(out)["rows"] if r["kpi"] == "dl_payload")

    small, large = row(2000), row(50_000)
    for r in (small, large):
        assert r["p95_low"] <= r["p95"] <= r["p95_high"]
    # the true p95 of uniform 50..500 MByte is 477.5 MByte
    assert large["p95_low"] <= 477.5 <= large["p95_high"]
    assert large["p95_high"] - large["p95_low"] < (small["p95_high"] - small["p95_low"]) / 3
    # N (half-width / value / 1 %)^2 for the widest percentile (p5, near 50 MByte): the estimate from
    # 2,000 draws and from 50,000 agree to a factor 2, and both say 50,000 are not yet enough
    assert 0.5 < small["draws_needed"] / large["draws_needed"] < 2 and large["draws_needed"] > 50_000
