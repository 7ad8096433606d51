"""`ammt-calc sweep` and ammt_calc.engine.sweeps: specs, grid order, values checked by hand,
infeasible points, CSV/JSON shapes, chunking, the number formatter, plots."""

import csv
import io
import json
import math
import sys

import numpy as np
import pytest
from helpers import ok, refused
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.engine import sweeps
from ammt_calc.errors import UserError
from ammt_calc.present import numtext
from ammt_calc.usecases.loading import load_catalog

DOWNLOAD = """\
id: test-download
title: Test model download
family: distribution
description: a model of model_size downloaded in what the deadline leaves after a setup time
parameters:
  model_size: {default: 138 MByte, derive: num_params * bits_per_param}
  num_params: {default: 138000000, min: 1}
  bits_per_param: {default: 8 bit}
  latency: {default: 1 s}
  setup_time: {default: 0 ms}
  share: {default: 50 %, max: 100 %}
kpis:
  transfer_window:
    formula: latency - setup_time
    unit: ms
    infeasible_if: {condition: transfer_window <= 0, reason: the setup takes the whole deadline}
  dl_data_rate: {formula: model_size / transfer_window, unit: Mbit/s, direction: DL}
  dl_payload: {formula: model_size, unit: MByte, direction: DL}
  cell_share_rate: {formula: dl_data_rate * share, unit: Mbit/s}
published:
  dl_data_rate: 1.1 Gbit/s
"""


@pytest.fixture
def user_dir(tmp_path):
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "download.yaml").write_text(DOWNLOAD)
    return folder


@pytest.fixture
def uc(user_dir):
    return load_catalog([user_dir], check_units=True).get("test-download")


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


# --- specs --------------------------------------------------------------------------------


def test_linear_range_list_and_log_range(uc):
    axis, notes = sweeps.parse_spec(uc, "latency", "1s:3s:5")
    assert axis.values.tolist() == [1.0, 1.5, 2.0, 2.5, 3.0] and axis.unit == "s" and not axis.log and not notes
    axis, _ = sweeps.parse_spec(uc, "model_size", "10MB:1GB:3:log")  # 10, 100, 1000 MByte
    assert axis.log and np.allclose(axis.values, [10, 100, 1000], rtol=1e-12) and axis.unit == "MByte"
    axis, _ = sweeps.parse_spec(uc, "latency", "100ms,1s,10s")  # mixed units, in the parameter's unit (s)
    assert np.allclose(axis.values, [0.1, 1, 10], rtol=1e-12)
    axis, _ = sweeps.parse_spec(uc, "model_size", "1GiB,512MiB")
    assert np.allclose(axis.values, [2**30 / 1e6, 2**29 / 1e6], rtol=1e-12)


def test_bare_numbers_are_refused_with_how_to_write_them(uc):
    with pytest.raises(UserError, match="--vary latency=2 has no unit: write 2 s"):
        sweeps.parse_spec(uc, "latency", "2:4:3")
    axis, notes = sweeps.parse_spec(uc, "latency", "2s:4s:3")
    assert axis.values.tolist() == [2.0, 3.0, 4.0] and notes == []


@pytest.mark.parametrize("name, spec, fragment", [
    ("latency", "2s:1s:3", "must be below STOP"),
    ("latency", "1s:1s:3", "must be below STOP"),
    ("latency", "1s:2s:1", "COUNT must be a whole number from 2"),
    ("latency", "1s:2s:2.5", "COUNT must be a whole number"),
    ("latency", "1s:2s:1e3", "COUNT must be a whole number"),
    ("latency", "1s:2s:99999999999", "COUNT must be a whole number"),
    ("latency", "1s:2s:3:lin", "not START:STOP:COUNT"),
    ("latency", "1s:2s", "not START:STOP:COUNT"),
    ("latency", "0s:2s:3:log", "a log range needs START above 0"),
    ("latency", "1MB:2MB:3", "[information]"),
    ("latency", "1s,,2s", "empty item"),
    ("latency", "-1s,2s", "below its minimum"),
    ("share", "50%,150%", "above its maximum 100 %"),
    ("latency", "nan,1s", "NaN"),
    ("latncy", "1s,2s", "did you mean 'latency'"),
])
def test_bad_specs_are_refused_with_the_value(uc, name, spec, fragment):
    with pytest.raises(UserError) as err:
        sweeps.plan(uc, {name: spec})
    assert fragment in str(err.value)


def test_grid_too_large_is_refused_before_any_work(uc):
    with pytest.raises(UserError) as err:
        sweeps.plan(uc, {"latency": "1s:2s:10000", "model_size": "1MB:2MB:10000"})
    assert "100,000,000 points" in str(err.value) and "10,000,000" in str(err.value)


def test_varied_and_set_zip_lengths_and_repeats(uc):
    with pytest.raises(UserError, match="both varied and set"):
        sweeps.plan(uc, {"latency": "1s,2s"}, {"latency": "3s"})
    with pytest.raises(UserError, match="latency has 2, model_size has 3"):
        sweeps.plan(uc, {"latency": "1s,2s", "model_size": "1MB,2MB,3MB"}, zipped=True)
    with pytest.raises(UserError, match="given twice"):
        sweeps.parse_vary(["latency=1s,2s", "latency=3s,4s"])
    with pytest.raises(UserError, match="NAME=SPEC"):
        sweeps.parse_vary(["latency"])
    with pytest.raises(UserError, match="nothing to sweep"):
        sweeps.plan(uc, {})


# --- values -------------------------------------------------------------------------------


def test_cli_csv_grid_by_hand(cli, user_dir):
    out = ok(cli("--catalog", user_dir, "sweep", "test-download", "--vary", "model_size=62.5MB,125MB",
                 "--vary", "latency=500ms,1s,2s", "--set", "setup_time=500ms"))
    header = out.splitlines()[0]
    assert header == ("model_size [MByte],latency [s],transfer_window [s],dl_data_rate [Mbit/s],"
                      "dl_payload [MByte],cell_share_rate [Mbit/s],infeasible")
    rows = rows_of(out)
    assert len(rows) == 6  # 2 x 3, the first --vary changes slowest
    assert [(r["model_size [MByte]"], r["latency [s]"]) for r in rows] == [
        ("62.5", "0.5"), ("62.5", "1"), ("62.5", "2"), ("125", "0.5"), ("125", "1"), ("125", "2")]
    # 62.5 MByte = 500 Mbit; the window is latency - 0.5 s: 0.5 s and 1.5 s
    assert rows[1]["transfer_window [s]"] == "0.5" and rows[1]["dl_data_rate [Mbit/s]"] == "1000"
    assert rows[1]["cell_share_rate [Mbit/s]"] == "500" and rows[1]["infeasible"] == ""
    assert float(rows[2]["dl_data_rate [Mbit/s]"]) == pytest.approx(500 / 1.5, rel=1e-11)
    assert rows[5]["dl_data_rate [Mbit/s]"] == "666.666666667"  # 1000 Mbit / 1.5 s, 12 digits
    # latency = setup time: no window, so no rate; marked, not dropped
    for row in (rows[0], rows[3]):
        assert row["transfer_window [s]"] == row["dl_data_rate [Mbit/s]"] == row["cell_share_rate [Mbit/s]"] == ""
        assert row["dl_payload [MByte]"] == row["model_size [MByte]"]
        assert row["infeasible"] == ("transfer_window, dl_data_rate, cell_share_rate:"
                                     " the setup takes the whole deadline")


def test_cli_json_shape_and_values(cli, user_dir):
    data = json.loads(ok(cli("--catalog", user_dir, "sweep", "test-download", "--vary", "latency=0s,2s",
                             "--format", "json")))
    assert data["usecase"] == "test-download" and data["grid"] == "product" and data["points"] == 2
    assert data["varied"] == [{"name": "latency", "unit": "s", "spec": "0s,2s", "count": 2, "log": False}]
    assert {c["name"]: c["unit"] for c in data["columns"]}["dl_data_rate"] == "Mbit/s"
    fixed = {f["name"]: f for f in data["fixed"]}
    assert fixed["model_size"] == {"name": "model_size", "value": 138.0, "unit": "MByte", "origin": "default"}
    first, second = data["rows"]
    assert first["latency"] == 0 and first["dl_data_rate"] is None and first["dl_payload"] == 138
    assert first["infeasible"]["dl_data_rate"] == "the setup takes the whole deadline"
    assert second == {"latency": 2, "transfer_window": 2, "dl_data_rate": 552, "dl_payload": 138,
                      "cell_share_rate": 276, "infeasible": {}}


def test_log_spec_on_a_builtin_use_case(cli):
    """The published row: 138 MByte in 1 s is 1104 Mbit/s (TS 22.261 Table 7.10.1-2 gives 1.1 Gbit/s)."""
    rows = rows_of(ok(cli("sweep", "model-distribution-image-recognition", "--vary", "model_size=13.8MB:1380MB:3:log",
                          "--vary", "latency=1s")))
    assert [float(r["dl_data_rate [Mbit/s]"]) for r in rows] == pytest.approx([110.4, 1104, 11040], rel=1e-11)


def test_zip_pairs_values(cli, user_dir):
    rows = rows_of(ok(cli("--catalog", user_dir, "sweep", "test-download", "--zip",
                          "--vary", "model_size=10MB,20MB,40MB", "--vary", "latency=1s,2s,4s")))
    assert [r["dl_data_rate [Mbit/s]"] for r in rows] == ["80", "80", "80"]


def test_varying_an_input_of_a_derived_parameter_adds_its_column(cli, user_dir):
    rows = rows_of(ok(cli("--catalog", user_dir, "sweep", "test-download", "--vary", "num_params=1000000,2000000",
                          "--set", "bits_per_param=16bit")))
    # 1e6 x 16 bit = 2 MByte, sent in 1 s: 16 Mbit/s
    assert [(r["num_params []"], r["model_size [MByte]"], r["dl_data_rate [Mbit/s]"]) for r in rows] == [
        ("1000000", "2", "16"), ("2000000", "4", "32")]


def test_blocks_cover_the_grid_in_row_order(uc):
    """Small blocks force every path of the block cutting: a prefix loop, a split axis, a tail."""
    grid = sweeps.plan(uc, {"model_size": "1MB:3MB:3", "latency": "1s:5s:5", "setup_time": "0ms,100ms,200ms,300ms"})
    m, lat, setup = np.meshgrid([1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.1, 0.2, 0.3], indexing="ij")
    expected = (m * 8 / (lat - setup)).ravel()  # Mbit/s, by hand
    for chunk in (1, 3, 4, 7, 20, 1000):
        got, starts = [], []
        for block in sweeps.blocks(grid, chunk=chunk):
            starts.append((block.start, block.stop))
            got.append(block.column("dl_data_rate"))
        assert starts[0][0] == 0 and starts[-1][1] == 60
        assert all(a[1] == b[0] for a, b in zip(starts, starts[1:]))
        assert np.allclose(np.concatenate(got), expected, rtol=1e-12)


def test_a_sweep_larger_than_a_block_matches_numpy(tmp_path, cli, user_dir):
    out = tmp_path / "big.csv"
    result = cli("--catalog", user_dir, "sweep", "test-download", "--vary", "model_size=1MB:1GB:300:log",
                 "--vary", "latency=10ms:10s:300:log", "-o", out)
    assert result.returncode == 0 and result.stderr == "", result.stderr  # piped: no progress bar
    data = np.loadtxt(out, delimiter=",", skiprows=1, usecols=(0, 1, 3))
    size, latency = np.meshgrid(np.geomspace(1, 1000, 300), np.geomspace(0.01, 10, 300), indexing="ij")
    assert data.shape == (90_000, 3)
    assert np.allclose(data[:, 0], size.ravel(), rtol=1e-11) and np.allclose(data[:, 1], latency.ravel(), rtol=1e-11)
    assert np.allclose(data[:, 2], (size * 8 / latency).ravel(), rtol=1e-11)


def test_output_file_is_replaced_only_by_a_complete_sweep(tmp_path, cli, user_dir):
    out = tmp_path / "sweep.csv"
    out.write_text("previous\n")
    refused(cli("--catalog", user_dir, "sweep", "test-download", "--vary", "latency=2s:1s:3", "-o", out), "reversed")
    assert out.read_text() == "previous\n"
    ok(cli("--catalog", user_dir, "sweep", "test-download", "--vary", "latency=1s,2s", "-o", out))
    assert out.read_text().startswith("latency [s],") and len(out.read_text().splitlines()) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_cli_refusals(cli, user_dir):
    base = ("--catalog", user_dir, "sweep", "test-download")
    refused(cli(*base), "nothing to sweep")
    refused(cli(*base, "--vary", "latency=1s,2s", "--format", "table"), "--format table is not available here; use one of csv, json")
    refused(cli(*base, "--vary", "latency=1s:2s:20000000"), "COUNT")
    refused(cli(*base, "--vary", "latency=1s,2s", "--kpi", "dl_data_rate"), "--plot")
    refused(cli(*base, "--vary", "bogus=1,2"), "no parameter 'bogus'")


# --- the number formatter -----------------------------------------------------------------


def _texts(values, nan=b""):
    return [bytes(row).replace(b"\0", b"").decode() for row in numtext.format_numbers(np.array(values, dtype=float), nan)]


def test_format_numbers_is_python_g12():
    values = [0.0, -0.0, 1.0, -1.0, 62.5, 144.00000000000003, 1e-5, 0.0001, 0.00012345, 123456789012.0,
              999999999999.5, 1e12, 1.5e-7, 2e15, 1e100, 1e-100, 1e-300, 5e-324, 1.7976931348623157e308,
              math.inf, -math.inf, 0.1 + 0.2, 1 / 3, 2 / 3, 9.9999999999995, 0.5, 100.0, 1e11]
    assert _texts(values, b"nan") == ["%.12g" % v for v in values]
    assert _texts([math.nan, 1.0]) == ["", "1"] and _texts([math.nan], b"null") == ["null"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False), min_size=1, max_size=50))
def test_format_numbers_matches_python_on_any_floats(values):
    assert _texts(values, b"nan") == ["%.12g" % v for v in values]


def test_join_rows_drops_padding_only():
    cells = numtext.text_cells([b"a", b"bcd", b""])
    assert numtext.join_rows([cells, b",", cells, b"\n"], 3) == b"a,a\nbcd,bcd\n,\n"


# --- plots --------------------------------------------------------------------------------


def test_plot_is_a_png(cli, tmp_path, user_dir):
    pytest.importorskip("matplotlib")
    picture = tmp_path / "rate.png"
    result = cli("--catalog", user_dir, "sweep", "test-download", "--vary", "model_size=10MB:1GB:20:log",
                 "--vary", "latency=100ms,1s,10s", "--plot", picture)
    assert result.returncode == 0 and result.stdout == "", result.stderr  # with --plot and no -o: only the picture
    assert "plotted dl_data_rate" in result.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_refusals(cli, tmp_path, user_dir):
    pytest.importorskip("matplotlib")
    base = ("--catalog", user_dir, "sweep", "test-download")
    refused(cli(*base, "--vary", "latency=1s,2s", "--plot", tmp_path / "x.jpg"), "ending in .png")
    refused(cli(*base, "--vary", "latency=1s,2s", "--vary", "model_size=1MB,2MB", "--vary", "share=1%,2%",
                "--plot", tmp_path / "x.png"), "at most 2")
    refused(cli(*base, "--vary", "latency=1s,2s", "--plot", tmp_path / "x.png", "--kpi", "dl_rate"),
            "did you mean 'dl_data_rate'")
    assert not (tmp_path / "x.png").exists()


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, uc):
    from ammt_calc.present import plot

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(UserError, match=r"pip install 'ammt-calc\[plot\]'"):
        plot.Plot(sweeps.plan(uc, {"latency": "1s,2s"}))


def test_a_reader_that_stops_early_is_not_an_error(user_dir):
    """`ammt-calc sweep ... | head -1`: stop quietly with exit code 0, as other commands do."""
    import subprocess

    from conftest import entry_point

    process = subprocess.Popen([*entry_point(), "--catalog", str(user_dir), "sweep", "test-download",
                                "--vary", "model_size=1MB:1GB:300:log", "--vary", "latency=1s:10s:300"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"model_size [MByte],")
    process.stdout.close()
    assert process.wait(timeout=120) == 0
    assert process.stderr.read() == b""


@pytest.mark.parametrize("kpis", [3, 40])  # 40 KPIs of 3 reasons: 4**40 combinations, past an int64
def test_infeasible_reasons_per_row(kpis):
    from ammt_calc.engine.evaluation import KpiResult

    rng = np.random.default_rng(7)
    codes = rng.integers(0, 4, size=(kpis, 50)).astype(np.int16)
    results = {f"k{i}": KpiResult(f"k{i}", "", "", "", np.zeros(50), codes[i] == 0, codes[i], ("a", "b", "c"))
               for i in range(kpis)}
    evaluation = type("Evaluation", (), {"kpis": results})()
    index, tables = sweeps.infeasible_reasons(sweeps.Block(0, 50, (50,), evaluation, {}))
    for row in range(50):
        expected = {f"k{i}": "abc"[codes[i, row] - 1] for i in range(kpis) if codes[i, row]}
        assert tables[index[row]] == expected


def test_a_bad_plot_name_is_refused_before_anything_is_written(cli, tmp_path, user_dir):
    pytest.importorskip("matplotlib")
    out = tmp_path / "data.csv"
    refused(cli("--catalog", user_dir, "sweep", "test-download", "--vary", "latency=1s,2s", "-o", out,
                "--plot", tmp_path / "x.svg"), "ending in .png")
    assert not out.exists()


def test_a_conflict_ends_the_sweep_before_any_output(cli):
    result = cli("sweep", "model-distribution-image-recognition", "--vary", "num_params=1,2", "--set", "model_size=1MB")
    refused(result, "set either model_size")
    assert result.stdout == ""


def test_fixed_values_must_be_single_numbers():
    import ammt_calc as ac

    with pytest.raises(UserError, match="model_size is set to several values"):
        ac.sweep("model-distribution-image-recognition", {"latency": ["1 s", "2 s"]},
                 {"model_size": ac.quantity([100, 200, 300], "MB")})


def test_points_where_a_derived_value_leaves_its_range_are_infeasible_not_an_error():
    import ammt_calc as ac

    # model_size = num_params x bits_per_param: 1e299 x 1e10 bit overflows a float, 1e6 x 8 bit does not
    swept = ac.sweep("model-distribution-image-recognition", {"num_params": [1e6, 1e299]}, {"bits_per_param": "1e10 bit"})
    rate = swept["dl_data_rate"]
    assert rate[0] == pytest.approx(1e6 * 1e10 / 1e6)  # 1e16 bit in 1 s = 1e10 Mbit/s
    assert math.isnan(rate[1])


def test_sweep_and_solve_take_zoo_models_as_usecase_does(cli):
    out = ok(cli("sweep", "model-distribution-image-recognition", "--set", "model=vgg16",
                 "--vary", "bits_per_param=4bit,8bit"))
    rows = list(csv.DictReader(io.StringIO(out)))
    # VGG-16: 138,357,544 parameters; at 4 bit 69.178772 MByte, at 8 bit 138.357544 MByte, in 1 s
    assert [float(r["dl_data_rate [Mbit/s]"]) for r in rows] == pytest.approx([138357544 * 4 / 1e6, 138357544 * 8 / 1e6])
    solved = json.loads(ok(cli("solve", "model-distribution-image-recognition", "--set", "model=resnet50",
                               "--for", "latency", "--target", "dl_data_rate=500Mbit/s", "--format", "json")))
    assert solved["value"] == pytest.approx(25557032 * 8 / 500e6)  # ResNet-50 at 8 bit over 500 Mbit/s, in s
