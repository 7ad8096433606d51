"""ammt_calc.engine.montecarlo: distributions checked against the parameter, values by hand,
determinism (same seed, any block size), percentiles against numpy, the sketch's bound."""

import math

import numpy as np
import pytest

from ammt_calc.engine import montecarlo as sample
from ammt_calc.errors import UserError
from ammt_calc.usecases.loading import load_catalog

WINDOW = """\
id: test-window
title: Test transfer window
family: distribution
description: a model downloaded in what the deadline leaves after a setup time
parameters:
  model_size: {default: 100 MByte}
  latency: {default: 1 s}
  setup_time: {default: 0 ms}
  share: {default: 50 %, max: 100 %}
kpis:
  transfer_window:
    formula: latency - setup_time
    unit: ms
    infeasible_if: {condition: transfer_window <= 0, reason: the setup takes the whole deadline}
  dl_data_rate: {formula: model_size / transfer_window, unit: Mbit/s, direction: DL}
  margin: {formula: latency - setup_time, unit: ms, allow_negative: true}
  dl_payload: {formula: model_size, unit: MByte}
"""


@pytest.fixture(scope="module")
def uc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cat")
    (folder / "window.yaml").write_text(WINDOW)
    return load_catalog([folder], check_units=True).get("test-window")


def rows(result):
    return {r["kpi"]: r for r in result.rows()}


def every(plan, name):
    return np.concatenate([b.column(name) for b in sample.blocks(plan)])


def test_a_single_choice_gives_its_value_everywhere(uc):
    # 200 MByte in 0.5 s: 200 * 8 / 0.5 = 3200 Mbit/s at every draw
    plan = sample.plan(uc, {"model_size": "choice:200MB"}, {"latency": "500ms"}, count=1000)
    row = rows(sample.run(plan))["dl_data_rate"]
    assert row == {"usecase": "test-window", "kpi": "dl_data_rate", "unit": "Mbit/s", "mean": 3200.0, "p5": 3200.0,
                   "p50": 3200.0, "p95": 3200.0, "p99": 3200.0, "infeasible_share": 0.0,
                   **{f"p{p}_{end}": 3200.0 for p in (5, 50, 95, 99) for end in ("low", "high")},
                   "not_applicable_share": 0.0, "draws": 1000, "draws_needed": 1}


def test_choice_with_units_mixed_and_the_mean_by_hand(uc):
    # latency one of 1 s, 500 ms: 100 MByte -> 800 or 1600 Mbit/s; mean = (800 k + 1600 (n - k)) / n
    plan = sample.plan(uc, {"latency": "choice:1s,500ms"}, count=5000, seed=7)
    latency = every(plan, "latency")
    assert set(latency.tolist()) == {1.0, 0.5}
    k = int((latency == 1.0).sum())
    assert 2300 < k < 2700  # about half (sd of a binomial(5000, 1/2) is 35)
    row = rows(sample.run(plan))["dl_data_rate"]
    assert row["mean"] == pytest.approx((800 * k + 1600 * (5000 - k)) / 5000, rel=1e-12)
    assert (row["p5"], row["p99"]) == (800.0, 1600.0)
    assert row["p50"] == (1600.0 if k < 2500 else 800.0)  # the value more than half the draws have


def test_infeasible_share_and_percentiles_over_feasible_draws_only(uc):
    # setup uniform on 0..2000 ms with a 1 s deadline: the window is empty for setup >= 1000 ms, about half
    plan = sample.plan(uc, {"setup_time": "uniform:0ms:2000ms"}, count=20_000, seed=1)
    setup = every(plan, "setup_time") * 1000  # written in s (the one unit of times in files): in ms
    blocked = setup >= 1000
    row = rows(sample.run(plan))["transfer_window"]
    assert row["infeasible_share"] == blocked.sum() / 20_000
    assert 0.48 < row["infeasible_share"] < 0.52
    window = (1000 - setup[~blocked]) / 1000  # s
    assert row["p50"] == pytest.approx(np.percentile(window, 50), rel=1e-9)
    assert row["mean"] == pytest.approx(window.mean(), rel=1e-9)


def test_percentiles_are_numpys_on_small_samples(uc):
    plan = sample.plan(uc, {"model_size": "loguniform:1MB:1GB", "latency": "triangular:100ms:1s:10s"},
                       count=3000, seed=11)
    rate = every(plan, "dl_data_rate")
    row = rows(sample.run(plan))["dl_data_rate"]
    assert [row[f"p{p}"] for p in (5, 50, 95, 99)] == np.percentile(rate, [5, 50, 95, 99]).tolist()
    assert row["mean"] == pytest.approx(rate.mean(), rel=1e-12)


def test_distributions_have_their_moments(uc):
    n = 200_000
    # uniform 10..20 MByte: mean 15; loguniform 1..100 MB: median 10 (sqrt(1 * 100))
    size = every(sample.plan(uc, {"model_size": "uniform:10MB:20MB"}, count=n), "model_size")
    assert size.min() >= 10 and size.max() <= 20 and abs(size.mean() - 15) < 0.05
    size = every(sample.plan(uc, {"model_size": "loguniform:1MB:100MB"}, count=n), "model_size")
    assert abs(np.median(size) - 10) < 0.2
    # triangular 0, 0, 3 s: mean (0 + 0 + 3) / 3 = 1 s
    latency = every(sample.plan(uc, {"latency": "triangular:0s:0s:3s"}, count=n), "latency")
    assert abs(latency.mean() - 1) < 0.01
    # normal 1 s, sd 1 s, truncated at latency's minimum 0: mean = mu + sd phi(-1) / (1 - Phi(-1))
    #   = 1 + 0.241971 / 0.841345 = 1.287600 s
    latency = every(sample.plan(uc, {"latency": "normal:1s:1s"}, count=n), "latency")
    assert latency.min() >= 0 and abs(latency.mean() - 1.2876) < 0.01


def test_same_seed_same_numbers_and_independent_of_the_block(uc):
    draws = {"model_size": "normal:100MB:30MB", "latency": "uniform:0.5s:2s"}
    a = sample.run(sample.plan(uc, draws, count=70_000, seed=5)).rows()
    b = sample.run(sample.plan(uc, draws, count=70_000, seed=5)).rows()
    c = sample.run(sample.plan(uc, draws, count=70_000, seed=6)).rows()
    assert a == b and a != c
    draw = sample.plan(uc, draws, count=70_000, seed=5).draws[0]
    whole = draw.values(5, 0, 70_000)  # across the chunk edge at 65,536
    assert np.array_equal(whole, np.concatenate([draw.values(5, 0, 1000), draw.values(5, 1000, 66_000),
                                                 draw.values(5, 66_000, 70_000)]))
    # another --draw leaves the numbers of the first as they were
    alone = every(sample.plan(uc, {"model_size": "normal:100MB:30MB"}, count=1000, seed=5), "model_size")
    assert np.array_equal(alone, whole[:1000])


def test_sketched_percentiles_within_the_stated_bound(uc, monkeypatch):
    draws = {"setup_time": "uniform:0ms:1500ms", "model_size": "loguniform:1MB:10GB"}
    exact = rows(sample.run(sample.plan(uc, draws, count=30_000, seed=2)))
    monkeypatch.setattr(sample, "EXACT_DRAWS", 10)
    sketched = rows(sample.run(sample.plan(uc, draws, count=30_000, seed=2)))
    for kpi in ("dl_data_rate", "transfer_window", "margin"):  # margin is negative for a third of the draws
        for p in ("p5", "p50", "p95", "p99"):
            e, s = exact[kpi][p], sketched[kpi][p]
            assert abs(s - e) <= sample.ALPHA * abs(e) + 1e-9, (kpi, p, e, s)
        assert sketched[kpi]["mean"] == exact[kpi]["mean"] and sketched[kpi]["infeasible_share"] == exact[kpi][
            "infeasible_share"]


def test_summaries_merge_in_any_split(uc):
    plan = sample.plan(uc, {"model_size": "uniform:1MB:2MB"}, count=200_000, seed=3)
    whole = sample.run(plan).rows()
    parts = [sample.summarize(plan, a, b) for a, b in sample.partitions(plan.count, 3)]
    total = parts[0]
    for later in parts[1:]:
        total.merge(later)
    assert sample.SampleResult(plan, total).rows() == whole
    assert sample.partitions(200_000, 3) == [(0, 65_536), (0 + 65_536, 131_072), (131_072, 200_000)]


def test_json_document(uc):
    doc = sample.run(sample.plan(uc, {"latency": "choice:1s"}, count=10)).to_dict()
    assert list(doc) == ["rows"] and len(doc["rows"]) == 4
    assert list(doc["rows"][0]) == ["usecase", "kpi", "unit", "mean", "p5", "p50", "p95", "p99", "p5_low", "p5_high",
                                    "p50_low", "p50_high", "p95_low", "p95_high", "p99_low", "p99_high",
                                    "infeasible_share", "not_applicable_share", "draws", "draws_needed"]


def test_all_infeasible_gives_no_numbers(uc):
    row = rows(sample.run(sample.plan(uc, {"setup_time": "uniform:1s:2s"}, count=100)))["transfer_window"]
    assert row["infeasible_share"] == 1.0 and row["mean"] is None and row["p50"] is None


@pytest.mark.parametrize("draws, count, fragment", [
    ({"latency": "beta:1:2"}, 10, "is not a distribution"),
    ({"latency": "uniform:1s"}, 10, "needs 2 values: uniform:LOW:HIGH"),
    ({"latency": "uniform:1MB:2MB"}, 10, "is [information], but latency is [time]"),
    ({"share": "uniform:50%:150%"}, 10, "above its maximum 100 %"),
    ({"latency": "uniform:-1s:1s"}, 10, "below its minimum 0"),
    ({"latency": "choice:1s,,2s"}, 10, "empty value"),
    ({"latency": "uniform:2s:1s"}, 10, "LOW 2s must be below HIGH 1s"),
    ({"latency": "loguniform:0s:1s"}, 10, "loguniform needs LOW above 0"),
    ({"latency": "triangular:1s:3s:2s"}, 10, "LOW <= MODE <= HIGH"),
    ({"latency": "normal:1s:0s"}, 10, "SD must be above 0"),
    ({"latency": "normal:-10s:1s"}, 10, "lies in the allowed range of latency"),
    ({"nope": "uniform:1s:2s"}, 10, "has no parameter 'nope'"),
    ({"latency": "uniform:1s:2s"}, 0, "--draws must be a whole number from 1 to 100,000,000"),
    ({"latency": "uniform:1s:2s"}, sample.MAX_DRAWS + 1, "--draws must be"),
    ({}, 10, "nothing to draw"),
])
def test_bad_draws_are_one_line(uc, draws, count, fragment):
    with pytest.raises(UserError) as error:
        sample.plan(uc, draws, count=count)
    assert fragment in str(error.value) and "\n" not in str(error.value)


def test_drawn_and_set_is_refused(uc):
    with pytest.raises(UserError, match="both drawn and set"):
        sample.plan(uc, {"latency": "uniform:1s:2s"}, {"latency": "1s"})
    with pytest.raises(UserError, match="--seed"):
        sample.plan(uc, {"latency": "uniform:1s:2s"}, seed=-1)


def test_normal_truncation_probability_check_is_the_erf(uc):
    # normal:-2.2s:1s: P(latency >= 0) = 1 - Phi(2.2) = 1.39 %: accepted; -2.4 s: 0.82 %: refused
    assert 0.0139 == pytest.approx(0.5 * math.erfc(2.2 / math.sqrt(2)), abs=1e-4)
    sample.plan(uc, {"latency": "normal:-2.2s:1s"}, count=10)
    with pytest.raises(UserError, match="only 0.82%"):
        sample.plan(uc, {"latency": "normal:-2.4s:1s"}, count=10)


# --- the command line ----------------------------------------------------------------------


def test_cli_sample_csv_and_json(capsys):
    from ammt_calc.cli import main

    args = ["sample", "model-distribution-image-recognition", "--draw", "latency=choice:500ms", "--draws", "50"]
    assert main([*args, "--format", "json"]) == 0
    import json

    rows = {r["kpi"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    # the default 138.357544 MByte in 0.5 s: 138.357544 x 8 / 0.5 = 2213.720704 Mbit/s at every draw
    assert rows["dl_data_rate"]["p95"] == pytest.approx(2213.720704) and rows["dl_data_rate"]["infeasible_share"] == 0.0
    assert main([*args, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("usecase,kpi,unit,mean,p5,p50,p95,p99,p5_low,p5_high,p50_low,p50_high,p95_low,p95_high,"
                        "p99_low,p99_high,infeasible_share,not_applicable_share,draws,draws_needed")
    # numbers as a sweep writes them ('%.12g'); 50 draws reach no upper bound on p99 (null)
    assert "model-distribution-image-recognition,dl_data_rate,Mbit/s,2213.720704,2213.720704,2213.720704," \
        in "\n".join(lines)


def test_cli_sample_with_a_transport_summarises_its_kpis_as_usecase_gives_them(capsys):
    """One value drawn: every percentile of a transport KPI is what `usecase --transport` says."""
    import json

    from ammt_calc.cli import main

    common = ["model-distribution-image-recognition", "--transport", "tcp,rtt=20ms", "--format", "json"]
    assert main(["usecase", *common, "--set", "model_size=100MB"]) == 0
    evaluated = {r["kpi"]: r["value"] for r in json.loads(capsys.readouterr().out)["rows"]}
    assert main(["sample", *common, "--draw", "model_size=choice:100MB", "--draws", "20"]) == 0
    out = capsys.readouterr()
    rows = {r["kpi"]: r for r in json.loads(out.out)["rows"]}
    assert "--transport: ip=4" in out.err
    for kpi in ("dl_ip_rate", "dl_transport_time", "dl_transport_rate"):
        assert rows[kpi]["p5"] == rows[kpi]["p99"] == evaluated[kpi], kpi
    assert rows["dl_ip_rate"]["p50"] > rows["dl_data_rate"]["p50"]  # headers on top of the payload


def test_a_dask_job_keeps_the_transport(uc):
    from ammt_calc.engine import dask_engine as distributed

    plan = sample.plan(uc, {"model_size": "choice:100MB"}, count=3, transport="quic")
    rebuilt = distributed.rebuild_plan(distributed.plan_job(plan))
    assert rebuilt.transport == plan.transport and rebuilt.columns == plan.columns
    assert "dl_ip_rate" in sample.kpi_summaries(rebuilt)


@pytest.mark.parametrize("args, fragment", [
    (["--draws", "0"], "--draws must be a whole number from 1 to 100,000,000"),
    (["--draws", "lots"], "--draws must be a whole number"),
    (["--engine", "spark"], "unknown engine 'spark'"),
    (["--scheduler", "tcp://x:1"], "give --engine dask too"),
    (["--format", "parquet"], "give -o FILE.parquet"),
])
def test_cli_sample_bad_input_is_one_line(capsys, args, fragment):
    from ammt_calc.cli import main

    code = main(["sample", "model-distribution-image-recognition", "--draw", "latency=uniform:1s:2s", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("error: ") and fragment in err[-1], err


def test_a_mean_that_does_not_settle_is_not_printed(cli):
    """1 / latency with latency uniform from 0: the mean of the rate is infinite (the integral of
    1/x from 0 diverges); its sample mean swings with the seed, so it is null with a note."""
    import json as _json

    from helpers import ok

    result = cli("sample", "split-image-recognition", "--draw", "latency=uniform:0ms:30ms", "--draws", "20000",
                 "--format", "json")
    rows = {r["kpi"]: r for r in _json.loads(ok(result))["rows"]}
    assert rows["ul_data_rate"]["mean"] is None and rows["ul_data_rate"]["p50"] > 0
    assert "ul_data_rate: no mean: one of 20,000 draws carries" in result.stderr
    assert rows["ul_latency"]["mean"] is not None  # the latency itself is uniform: its mean stands
    # from 10 ms the rate is bounded (at most 216 Mbit/s): its mean stands
    rows = {r["kpi"]: r for r in _json.loads(ok(cli("sample", "split-image-recognition", "--draw",
                                                       "latency=uniform:10ms:30ms", "--draws", "20000",
                                                       "--format", "json")))["rows"]}
    assert rows["ul_data_rate"]["mean"] is not None


def test_the_heavy_tail_test_by_hand():
    import numpy as np

    from ammt_calc.engine.montecarlo import KpiSummary

    light = KpiSummary("x", "", True)
    light.add(np.random.default_rng(0).exponential(size=10_000))
    # the largest of 10,000 exponential draws is about ln(10,000) = 9.2 means: 0.09 % of the sum
    assert light.heavy_tail() is None
    heavy = KpiSummary("x", "", True)
    heavy.add(np.concatenate([np.ones(999), [1000.0]]))  # one draw carries 1000 / 1999 = 50 % of the sum
    assert "carries 50 % of the sum" in heavy.heavy_tail()
    assert heavy.row("u")["mean"] is None and heavy.row("u")["p50"] == 1.0
    # split across blocks and merged: the same answer
    a, b = KpiSummary("x", "", True), KpiSummary("x", "", True)
    a.add(np.ones(999))
    b.add(np.array([1000.0]))
    a.merge(b)
    assert a.heavy_tail() == heavy.heavy_tail()


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["uniform", "normal", "exponential", "lognormal"]),
       n=st.sampled_from([1000, 10_000, 100_000]))
def test_light_tails_keep_their_mean(seed, kind, n):
    import numpy as np

    from ammt_calc.engine.montecarlo import KpiSummary

    rng = np.random.default_rng(seed)
    draws = {"uniform": lambda: rng.uniform(1, 2, n), "normal": lambda: rng.normal(10, 1, n),
             "exponential": lambda: rng.exponential(1, n), "lognormal": lambda: rng.lognormal(0, 0.5, n)}[kind]()
    summary = KpiSummary("x", "", True)
    summary.add(draws)
    assert summary.heavy_tail() is None and summary.row("u")["mean"] == pytest.approx(float(np.mean(draws)))


@pytest.mark.parametrize("n", [1, 2, 7, 1001])
def test_exact_percentiles_equal_numpys_from_one_partition(n):
    """percentiles() reads the order statistics around each rank from the one partition the
    intervals use too, and interpolates as np.percentile does, to the last bit."""
    from ammt_calc.engine.montecarlo import PERCENTILES, KpiSummary

    rng = np.random.default_rng(n)
    for data in (rng.lognormal(0, 3, n), rng.integers(0, 5, n).astype(float)):
        summary = KpiSummary("x", "", True)
        for part in np.array_split(data, 3):
            summary.add(part)
        assert summary.percentiles() == [float(v) for v in np.percentile(data, PERCENTILES)]
        summary.add(np.array([1e9]))  # a later block: read again from all the draws
        assert summary.percentiles()[-1] == float(np.percentile(np.append(data, 1e9), PERCENTILES[-1]))
