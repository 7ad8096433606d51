"""--engine dask: a LocalCluster of two worker processes gives the local engine's rows and
percentiles; a scheduler that does not answer is one error line."""

import json

import numpy as np
import pytest

from ammt_calc.engine import dask_engine as distributed
from ammt_calc.engine import montecarlo as sample
from ammt_calc.engine import sweeps
from ammt_calc.errors import UserError
from ammt_calc.present import parquet
from ammt_calc.usecases.loading import load_catalog

pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")

USECASE = "model-distribution-image-recognition"


@pytest.fixture(scope="module")
def scheduler():
    """Two worker processes, one thread each; the engine connects to it by address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def uc():
    return load_catalog(check_units=True).get(USECASE)


def columns(table):
    return {name: table[name].to_pylist() if name == "infeasible" else table[name].to_numpy()
            for name in table.schema.names}


def same(a, b):
    assert list(a) == list(b)
    for name in a:
        if name == "infeasible":
            assert a[name] == b[name]
        else:
            assert np.array_equal(a[name], b[name], equal_nan=True), name


def test_a_part_evaluates_the_local_engines_blocks_of_the_memory_budget(uc):
    """A worker's blocks are the local engine's: as many points as fit sweeps.MEMORY_BUDGET
    (a row of thousands of KPIs is not evaluated 65,536 points at a time)."""
    grid = sweeps.plan(uc, {"model_size": "10MB:1GB:400:log", "latency": "100ms:10s:400:log"})
    remote = [(b.start, b.stop) for b in distributed.grid_blocks(grid, 1, 3)]
    local = [(b.start, b.stop) for b in sweeps.blocks(grid)][1:3]
    assert remote == local and all(stop - start <= sweeps.block_points(grid) < sweeps.CHUNK_POINTS
                                   for start, stop in remote)
    assert distributed.block_count(grid) == -(-400 // (sweeps.block_points(grid) // 400)) == 4


def test_sweep_dataset_equals_the_local_file(uc, scheduler, tmp_path):
    # 400 x 400 = 160,000 points: 4 blocks of the local engine (44,000 points: 64 MiB / (72
    # bytes x 21 cells)), the same blocks on the workers, spread over 3 parts
    grid = sweeps.plan(uc, {"model_size": "10MB:1GB:400:log", "latency": "100ms:10s:400:log"}, {"packet_error_rate": "0.01"})
    parquet.write_sweep(grid, str(tmp_path / "local.parquet"))
    rows = distributed.sweep(grid, tmp_path / "dataset", parquet.write, scheduler=scheduler, parts=3)
    assert rows == 160_000
    assert sorted(p.name for p in (tmp_path / "dataset").iterdir()) == [
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    local, remote = pq.read_table(tmp_path / "local.parquet"), pq.read_table(tmp_path / "dataset")
    assert remote.schema.names == local.schema.names
    assert json.loads(remote.schema.metadata[b"ammt_calc"]) == json.loads(local.schema.metadata[b"ammt_calc"])
    same(columns(local), columns(remote))
    # run again into the same folder: the earlier dataset is replaced, not mixed in
    distributed.sweep(grid, tmp_path / "dataset", parquet.write, scheduler=scheduler, parts=2)
    assert len(list((tmp_path / "dataset").iterdir())) == 2


def test_sample_equals_the_local_engine(uc, scheduler, tmp_path):
    draws = {"model_size": "triangular:10MB:100MB:1GB", "latency": "loguniform:100ms:10s"}
    plan = sample.plan(uc, draws, count=150_000, seed=9)
    local = sample.run(plan).rows()
    assert distributed.sample(plan, scheduler=scheduler, parts=3).rows() == local
    remote = distributed.sample(plan, scheduler=scheduler, parts=2, folder=tmp_path / "draws", writer=parquet.write)
    assert remote.rows() == local
    table = pq.read_table(tmp_path / "draws")
    rate = table["dl_data_rate"].to_numpy()
    assert table.num_rows == 150_000
    assert {r["kpi"]: r for r in local}["dl_data_rate"]["p95"] == np.percentile(rate[~np.isnan(rate)], 95)


def test_sketched_sample_equals_the_local_engine(uc, scheduler, monkeypatch):
    monkeypatch.setattr(sample, "EXACT_DRAWS", 1000)  # the plan carries exact=False to the workers
    plan = sample.plan(uc, {"latency": "uniform:100ms:10s"}, count=140_000, seed=1)
    assert not plan.exact
    assert distributed.sample(plan, scheduler=scheduler, parts=3).rows() == sample.run(plan).rows()


def test_unreachable_scheduler_is_one_line(uc):
    plan = sample.plan(uc, {"latency": "uniform:100ms:10s"}, count=10)
    with pytest.raises(UserError) as error:
        distributed.sample(plan, scheduler="tcp://127.0.0.1:9", timeout=1)
    text = str(error.value)
    assert text.startswith("cannot reach the Dask scheduler at 'tcp://127.0.0.1:9': connection refused") and "\n" not in text


def test_unknown_engine_and_a_folder_with_other_files(uc, tmp_path):
    with pytest.raises(UserError, match="unknown engine 'spark'; use one of: local, dask"):
        distributed.check_engine("spark")
    (tmp_path / "notes.txt").write_text("mine")
    grid = sweeps.plan(uc, {"latency": "1s,2s"})
    with pytest.raises(UserError, match="holds other files"):
        distributed.sweep(grid, tmp_path, parquet.write, scheduler="tcp://127.0.0.1:9", timeout=1)


def test_cli_dask_sweep_and_sample(scheduler, tmp_path, capsys):
    from ammt_calc.cli import main

    args = ["sweep", USECASE, "--vary", "latency=1s:2s:300", "--vary", "model_size=10MB:1GB:300:log"]
    assert main([*args, "-o", str(tmp_path / "local.parquet")]) == 0
    assert main([*args, "--engine", "dask", "--scheduler", scheduler, "-o", str(tmp_path / "ds")]) == 0
    same(columns(pq.read_table(tmp_path / "local.parquet")), columns(pq.read_table(tmp_path / "ds")))
    capsys.readouterr()
    sample_args = ["sample", USECASE, "--draw", "latency=uniform:1s:2s", "--draws", "70000", "--format", "json"]
    assert main(sample_args) == 0
    local = capsys.readouterr().out
    assert main([*sample_args, "--engine", "dask", "--scheduler", scheduler]) == 0
    assert capsys.readouterr().out == local
