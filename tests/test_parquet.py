"""Parquet output of sweep and sample: typed columns, units in names and schema, row groups
per block, the same numbers and reasons as the CSV, one error line without pyarrow."""

import csv
import io
import json
import sys

import numpy as np
import pytest

from ammt_calc.engine import montecarlo as sample
from ammt_calc.engine import sweeps
from ammt_calc.errors import UserError
from ammt_calc.present import parquet, sweepio
from ammt_calc.usecases.loading import load_catalog

pq = pytest.importorskip("pyarrow.parquet")

WINDOW = """\
id: test-window
title: Test transfer window
family: distribution
description: a model downloaded in what the deadline leaves after a setup time
parameters:
  model_size: {default: 100 MByte, derive: num_params * bits_per_param}
  num_params: {default: 100000000, min: 1}
  bits_per_param: {default: 8 bit}
  latency: {default: 1 s}
  setup_time: {default: 0 ms}
kpis:
  transfer_window:
    formula: latency - setup_time
    unit: ms
    infeasible_if: {condition: transfer_window <= 0, reason: the setup takes the whole deadline}
  dl_data_rate: {formula: model_size / transfer_window, unit: Mbit/s, direction: DL}
"""


@pytest.fixture(scope="module")
def uc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cat")
    (folder / "window.yaml").write_text(WINDOW)
    return load_catalog([folder], check_units=True).get("test-window")


def test_sweep_parquet_schema_units_and_values(uc, tmp_path):
    grid = sweeps.plan(uc, {"num_params": "1e6,2e6", "setup_time": "0ms,500ms,1s"})
    parquet.write_sweep(grid, str(tmp_path / "s.parquet"))
    table = pq.read_table(tmp_path / "s.parquet")
    # plain names, as to_pandas() gives them; the unit in each field's metadata (times in s)
    assert table.schema.names == ["num_params", "setup_time", "model_size", "transfer_window", "dl_data_rate",
                                  "infeasible"]
    assert table.schema.field("setup_time").metadata[b"unit"] == b"s"
    field = table.schema.field("dl_data_rate")
    assert str(field.type) == "double" and field.metadata == {b"unit": b"Mbit/s", b"kind": b"kpi"}
    assert table.schema.field("model_size").metadata[b"kind"] == b"derived"
    about = json.loads(table.schema.metadata[b"ammt_calc"])
    assert about["usecase"] == "test-window" and about["points"] == 6
    assert [c["unit"] for c in about["columns"]] == ["", "s", "MByte", "s", "Mbit/s"]
    # 2e6 params x 8 bit = 16 Mbit = 2 MByte; in 1 s - 500 ms: 16 / 0.5 = 32 Mbit/s
    assert table["dl_data_rate"].to_pylist()[4] == 32.0
    assert table["model_size"].to_pylist() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    rate = table["dl_data_rate"].to_numpy()
    assert np.isnan(rate[[2, 5]]).all()  # setup 1 s takes the whole 1 s deadline
    reasons = table["infeasible"].to_pylist()
    assert reasons[0] == "" and reasons[2] == "transfer_window, dl_data_rate: the setup takes the whole deadline"


def test_parquet_equals_the_csv(uc, tmp_path):
    grid = sweeps.plan(uc, {"latency": "100ms:10s:300:log", "setup_time": "0ms:2s:300"})
    buffer = io.BytesIO()
    sweepio.write_csv(grid, buffer)
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode())))
    parquet.write_sweep(grid, str(tmp_path / "s.parquet"))
    file = pq.ParquetFile(tmp_path / "s.parquet")
    table = file.read()
    assert [f"{n} [{table.schema.field(n).metadata[b'unit'].decode()}]" for n in table.schema.names[:-1]] == rows[0][:-1]
    assert file.metadata.num_row_groups == 2  # 90,000 rows in blocks of 65,536: a row group per block
    for j, name in enumerate(table.schema.names[:-1]):
        text = np.array([r[j] or "nan" for r in rows[1:]], dtype=float)
        assert np.allclose(table[name].to_numpy(), text, rtol=1e-11, equal_nan=True)
    assert table["infeasible"].to_pylist() == [r[-1] for r in rows[1:]]


def test_every_draw_of_a_sample(uc, tmp_path):
    plan = sample.plan(uc, {"setup_time": "uniform:0ms:2000ms"}, count=1000, seed=4)
    parquet.write_sample(plan, str(tmp_path / "d.parquet"))
    table = pq.read_table(tmp_path / "d.parquet")
    assert table.num_rows == 1000 and table.schema.names[0] == "setup_time"
    about = json.loads(table.schema.metadata[b"ammt_calc"])
    assert about["seed"] == 4 and about["drawn"] == [{"name": "setup_time", "unit": "ms", "spec": "uniform:0ms:2000ms"}]
    window = table["transfer_window"].to_numpy()
    row = {r["kpi"]: r for r in sample.run(plan).rows()}["transfer_window"]
    assert row["infeasible_share"] == np.isnan(window).mean()
    assert row["p95"] == np.percentile(window[~np.isnan(window)], 95)


def test_without_pyarrow_one_error_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(UserError) as error:
        parquet.require()
    assert str(error.value) == ("--format parquet needs pyarrow, which is not installed:"
                                " pip install 'ammt-calc[parquet]'")


def test_cli_sweep_and_sample_to_parquet(tmp_path, capsys):
    from ammt_calc.cli import main

    out = tmp_path / "grid.parquet"
    assert main(["sweep", "model-distribution-image-recognition", "--vary", "latency=1s,2s", "-o", str(out)]) == 0
    table = pq.read_table(out)
    # 138,357,544 byte in 1 s and 2 s: 1106.860352 and 553.430176 Mbit/s
    assert table["dl_data_rate"].to_pylist() == pytest.approx([1106.860352, 553.430176])
    draws = tmp_path / "draws.parquet"
    assert main(["sample", "model-distribution-image-recognition", "--draw", "latency=uniform:1s:2s",
                 "--draws", "100", "-o", str(draws)]) == 0
    assert pq.read_table(draws).num_rows == 100
    assert "every draw written to" in capsys.readouterr().err


def test_cli_parquet_without_pyarrow(tmp_path, capsys, monkeypatch):
    from ammt_calc.cli import main

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code = main(["sweep", "model-distribution-image-recognition", "--vary", "latency=1s,2s",
                 "-o", str(tmp_path / "g.parquet")])
    assert code == 2 and capsys.readouterr().err.strip() == (
        "error: --format parquet needs pyarrow, which is not installed: pip install 'ammt-calc[parquet]'")
    assert not (tmp_path / "g.parquet").exists()
