"""ammt-calc benchmarks, each measured against a baseline in the same run.

    python bench/bench.py             # the full run (1e6-row CSV, 1e7-point Parquet and Dask)
    python bench/bench.py --quick     # small grids and few runs (tests/test_bench_smoke.py)

1. start-up: `ammt-calc list`, `usecase split-image-recognition`, `check` and `split
   vgg16` against `python -c "import numpy, pint"` (targets 0.45x, 0.8x, 1.2x, 0.8x);
2. a 1000 x 1000 sweep of model-distribution-image-recognition to CSV (1e6 rows, 21
   columns) against a numpy + np.savetxt script writing as many columns of as many rows
   (target 0.25x) and against pyarrow.csv.write_csv of the same (target 0.6x); the raw
   disk write of as many bytes for scale;
3. a 10,000 x 1,000 grid (1e7 points) of bench-model-download: CSV, then --format
   parquet, then --engine dask (a local cluster, its start-up included) writing a Parquet
   dataset; ratios to the CSV;
4. sweep evaluation alone (sweeps.blocks, no text) against the same formulas and the
   same infeasibility masks written directly in numpy (target: within 1.5x);
5. `sample` of 1e6 draws of bench-model-download (model_size loguniform, latency
   uniform; --format json) against a numpy script doing the same: 1e6 draws of each,
   the three formulas, the feasibility masks, per KPI the mean, the five percentiles and
   their order-statistic 95 % intervals (np.partition), written as JSON (target: 1x,
   no slower); both start-up included.

Commands run alternately (A, B, A, B, ...) so that both see the same machine load; times
are medians, and a ratio is the median of the run-by-run ratios. Not part of the test
run: nothing here asserts a time. The start-up figures are those of a second run (the
compiled catalog cache warmed by one run first). bench/catalog/bench-model-download.yaml
is the TS 22.261 model-download row reduced to three formulas, so the hand-written
versions compute exactly the same thing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CATALOG = HERE / "catalog"
PYTHON = sys.executable
SCRIPT = Path(PYTHON).parent / "ammt-calc"
CLI = [str(SCRIPT)] if SCRIPT.exists() else [PYTHON, "-m", "ammt_calc"]
WIDE = "model-distribution-image-recognition"  # 20 numeric columns and the reasons: 21 columns

SAVETXT = """\
import sys
import numpy as np

n, columns, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
size, latency = np.meshgrid(np.geomspace(10, 1000, n), np.geomspace(0.1, 10, n), indexing="ij")  # MByte, s
rate = size * 8 / latency  # Mbit/s
table = np.column_stack([size.ravel(), latency.ravel()] + [rate.ravel() * (k + 1) / 7 for k in range(columns - 2)])
np.savetxt(out, table, fmt="%.12g", delimiter=",", comments="", header=",".join(f"c{k}" for k in range(columns)))
"""

ARROW = """\
import sys
import numpy as np
import pyarrow as pa
import pyarrow.csv

n, columns, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
size, latency = np.meshgrid(np.geomspace(10, 1000, n), np.geomspace(0.1, 10, n), indexing="ij")  # MByte, s
rate = size * 8 / latency  # Mbit/s
arrays = [size.ravel(), latency.ravel()] + [rate.ravel() * (k + 1) / 7 for k in range(columns - 2)]
pyarrow.csv.write_csv(pa.table({f"c{k}": a for k, a in enumerate(arrays)}), out)
"""


def interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Wall times of each command, the commands taking turns (run i of each is a pair)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - start)
    return times


def ratio(times: list[float], base: list[float]) -> float:
    """The median of the run-by-run ratios: robust to the machine's load changing during the run."""
    return statistics.median(t / b for t, b in zip(times, base))


def startup(runs: int) -> list[tuple]:
    subprocess.run([*CLI, "list"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # warm the cache
    times = interleaved({
        "import": [PYTHON, "-c", "import numpy, pint"],
        "list": [*CLI, "list"],
        "usecase": [*CLI, "usecase", "split-image-recognition"],
        "check": [*CLI, "check"],
        "split": [*CLI, "split", "vgg16"],
    }, runs)
    base = times["import"]
    return [
        ("python -c 'import numpy, pint' (the floor)", statistics.median(base), None, None),
        ("ammt-calc list", statistics.median(times["list"]), ratio(times["list"], base), ("<", 0.45)),
        ("ammt-calc usecase split-image-recognition", statistics.median(times["usecase"]),
         ratio(times["usecase"], base), ("<", 0.8)),
        ("ammt-calc check", statistics.median(times["check"]), ratio(times["check"], base), ("<", 1.2)),
        ("ammt-calc split vgg16", statistics.median(times["split"]), ratio(times["split"], base), ("<", 0.8)),
    ]


def csv_sweep(n: int, runs: int, folder: Path) -> list[tuple]:
    ours, theirs, arrow = folder / "sweep.csv", folder / "savetxt.csv", folder / "arrow.csv"
    (folder / "savetxt_grid.py").write_text(SAVETXT)
    (folder / "arrow_grid.py").write_text(ARROW)
    sweep = [*CLI, "sweep", WIDE, "--vary", f"model_size=10MB:1GB:{n}:log", "--vary",
             f"latency=100ms:10s:{n}:log", "-o", str(ours)]
    subprocess.run(sweep, check=True, stdout=subprocess.DEVNULL)
    with ours.open() as handle:
        columns = len(handle.readline().split(","))
    numbers = columns - 1  # all but the infeasible text
    commands = {"savetxt": [PYTHON, str(folder / "savetxt_grid.py"), str(n), str(numbers), str(theirs)],
                "sweep": sweep}
    have_arrow = _has("pyarrow")
    if have_arrow:
        commands["arrow"] = [PYTHON, str(folder / "arrow_grid.py"), str(n), str(numbers), str(arrow)]
    times = interleaved(commands, runs)
    _same_grid(ours, theirs)
    size = ours.stat().st_size
    disk = statistics.median(_disk_write(folder / "disk.bin", size) for _ in range(runs))
    sweep_time = statistics.median(times["sweep"])
    rows = [
        (f"numpy + np.savetxt, {n * n:.0e} rows x {numbers} numbers ({theirs.stat().st_size / 1e6:.0f} MB)",
         statistics.median(times["savetxt"]), None, None),
        (f"ammt-calc sweep -o FILE, {n * n:.0e} rows x {columns} columns ({size / 1e6:.0f} MB)", sweep_time,
         ratio(times["sweep"], times["savetxt"]), ("<", 0.25)),
    ]
    if have_arrow:
        rows += [(f"pyarrow.csv.write_csv, as many rows and numbers ({arrow.stat().st_size / 1e6:.0f} MB)",
                  statistics.median(times["arrow"]), None, None),
                 ("  ammt-calc sweep -o FILE against pyarrow.csv.write_csv", sweep_time,
                  ratio(times["sweep"], times["arrow"]), ("<", 0.6))]
    rows.append(("  for scale: writing as many bytes (write + fsync); sweep / this", disk, sweep_time / disk, None))
    return rows


def big_grid(rows: int, columns: int, runs: int, folder: Path, dask: bool = True) -> list[tuple]:
    """A rows x columns grid of bench-model-download: CSV, Parquet, and the Dask engine."""
    base = [*CLI, "--catalog", str(CATALOG), "sweep", "bench-model-download", "--vary",
            f"model_size=10MB:1GB:{rows}:log", "--vary", f"latency=100ms:10s:{columns}:log"]
    commands = {"csv": [*base, "-o", str(folder / "big.csv")]}
    if _has("pyarrow"):
        commands["parquet"] = [*base, "--format", "parquet", "-o", str(folder / "big.parquet")]
        if dask and _has("distributed"):
            commands["dask"] = [*base, "--engine", "dask", "--format", "parquet", "-o", str(folder / "big-dataset")]
    times = interleaved(commands, runs)
    out = [(f"ammt-calc sweep -o FILE.csv, {rows * columns:.0e} points", statistics.median(times["csv"]), None, None)]
    if "parquet" in times:
        out.append((f"  --format parquet ({(folder / 'big.parquet').stat().st_size / 1e6:.0f} MB); / CSV",
                    statistics.median(times["parquet"]), ratio(times["parquet"], times["csv"]), None))
    else:
        out.append(("  --format parquet: skipped (pyarrow not installed)", 0.0, None, None))
    if "dask" in times:
        parts = len(list((folder / "big-dataset").iterdir()))
        out.append((f"  --engine dask, a local cluster ({parts} parts); / CSV",
                    statistics.median(times["dask"]), ratio(times["dask"], times["csv"]), None))
    else:
        why = "not installed" if dask else "--quick: a cluster's start-up is not cheap"
        out.append((f"  --engine dask: skipped ({why})", 0.0, None, None))
    return out


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _same_grid(ours: Path, theirs: Path) -> None:
    a = np.loadtxt(ours, delimiter=",", skiprows=1, usecols=(0, 1), max_rows=20_000)
    b = np.loadtxt(theirs, delimiter=",", skiprows=1, usecols=(0, 1), max_rows=20_000)
    if a.shape != b.shape or not np.allclose(a, b, rtol=1e-11):
        raise SystemExit("bench: the sweep and the savetxt script disagree on the grid")


def _disk_write(path: Path, size: int) -> float:
    block = b"0" * (1 << 20)
    start = time.perf_counter()
    with open(path, "wb") as handle:
        for _ in range(size >> 20):
            handle.write(block)
        handle.write(block[: size & ((1 << 20) - 1)])
        handle.flush()
        os.fsync(handle.fileno())
    elapsed = time.perf_counter() - start
    path.unlink()
    return elapsed


def evaluation(n: int, runs: int) -> list[tuple]:
    from ammt_calc.engine import sweeps
    from ammt_calc.usecases.loading import load_catalog

    uc = load_catalog([CATALOG], check_units=True).get("bench-model-download")
    grid = sweeps.plan(uc, {"model_size": f"10MB:1GB:{n}:log", "latency": f"100ms:10s:{n}:log"})

    def ours() -> None:
        for block in sweeps.blocks(grid):
            block.values["dl_data_rate"].sum()

    def by_hand() -> None:  # base units in, display units out, NaN where not finite or negative
        size = np.geomspace(10, 1000, n)[:, None] * 8e6  # bit
        latency = np.geomspace(0.1, 10, n)[None, :]  # s
        for value, factor in ((latency, 1.0), (size, 8e6), (size / latency, 1e6)):
            value = np.broadcast_to(value, (n, n))
            np.where(np.isfinite(value) & (value >= 0), value / factor, np.nan).sum()

    times = {"ours": [], "hand": []}
    for _ in range(runs):
        for name, job in (("hand", by_hand), ("ours", ours)):
            start = time.perf_counter()
            job()
            times[name].append(time.perf_counter() - start)
    return [
        (f"the same formulas by hand in numpy, {n} x {n}", statistics.median(times["hand"]), None, None),
        ("sweep evaluation (sweeps.blocks, no text)", statistics.median(times["ours"]),
         ratio(times["ours"], times["hand"]), ("<", 1.5)),
    ]


SAMPLE_SCRIPT = """\
import json, math, sys
import numpy as np

n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
size = np.exp(rng.uniform(np.log(10e6 * 8), np.log(1e9 * 8), n))  # bit: loguniform 10 MB to 1 GB
latency = rng.uniform(0.1, 10.0, n)  # s
rows = []
for kpi, value, unit in (("dl_latency", latency, 1.0), ("dl_payload", size, 8e6), ("dl_data_rate", size / latency, 1e6)):
    value = value / unit
    kept = value[np.isfinite(value) & (value >= 0)]
    ps = (5, 50, 95, 99)
    row = {"kpi": kpi, "mean": float(kept.mean())}
    row.update({f"p{p}": float(v) for p, v in zip(ps, np.percentile(kept, ps))})
    # the ranks of the 95 % interval: Binomial(n, q) quantiles, by the normal approximation
    spread = {p: 1.959964 * math.sqrt(kept.size * p / 100 * (1 - p / 100)) for p in ps}
    ranks = {p: (int(kept.size * p / 100 - spread[p]), min(kept.size - 1, int(kept.size * p / 100 + spread[p]) + 1))
             for p in ps}
    wanted = sorted({r for pair in ranks.values() for r in pair})
    picked = dict(zip(wanted, np.partition(kept, wanted)[wanted].tolist()))
    row.update({f"p{p}_{end}": picked[r] for p, pair in ranks.items() for end, r in zip(("low", "high"), pair)})
    rows.append(row)
with open(out, "w") as handle:
    json.dump({"rows": rows}, handle)
"""


def sample(n: int, runs: int, folder: Path) -> list[tuple]:
    (folder / "sample_by_hand.py").write_text(SAMPLE_SCRIPT)
    ours = [*CLI, "--catalog", str(CATALOG), "sample", "bench-model-download", "--draw",
            "model_size=loguniform:10MB:1GB", "--draw", "latency=uniform:100ms:10s", "--draws", str(n),
            "--format", "json", "-o", str(folder / "ours.json")]
    subprocess.run(ours, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # the catalog cache warmed
    times = interleaved({"hand": [PYTHON, str(folder / "sample_by_hand.py"), str(n), str(folder / "hand.json")],
                         "ours": ours}, runs)
    return [
        (f"numpy by hand: {n:.0e} draws, 3 formulas, percentiles, intervals", statistics.median(times["hand"]),
         None, None),
        (f"ammt-calc sample --draws {n:.0e} --format json", statistics.median(times["ours"]),
         ratio(times["ours"], times["hand"]), ("<", 1.0)),
    ]


def show(title: str, rows: list[tuple]) -> None:
    print(title)
    for label, seconds, ratio, target in rows:
        figure = f"{seconds * 1e3:9.1f} ms"
        if ratio is not None:
            figure += f"   {ratio:5.2f}x"
        if target is not None:
            figure += f"  (target {target[0]} {target[1]}x: {'met' if ratio < target[1] else 'MISSED'})"
        print(f"  {label:<62} {figure}")
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small grids, few runs (a smoke test)")
    parser.add_argument("--only", default="startup,csv,big,eval,sample", metavar="PARTS",
                        help="which parts to run, of startup,csv,big,eval,sample (default: all)")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    # Commands run with their bytecode cached, as after `pip install .` (which compiles it),
    # even from an editable install in an environment that sets PYTHONDONTWRITEBYTECODE.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    n, big, runs = (40, (100, 100), 2) if args.quick else (1000, (10_000, 1000), 15)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, {CLI[0]}\n")
    if "startup" in parts:
        show("start-up (median wall time; ratio to the import baseline)", startup(runs))
    if "csv" in parts:
        with tempfile.TemporaryDirectory() as folder:
            show("CSV sweep (median wall time, start-up included; ratio to the baselines)",
                 csv_sweep(n, max(2, runs // 3), Path(folder)))
    if "big" in parts:
        with tempfile.TemporaryDirectory() as folder:
            show("a large grid (median wall time, start-up included; ratio to CSV)",
                 big_grid(*big, max(2, runs // 5), Path(folder), dask=not args.quick))
    if "eval" in parts:
        show("evaluation only, in process (median; ratio to hand-written numpy)", evaluation(n, max(3, runs // 3)))
    if "sample" in parts:
        with tempfile.TemporaryDirectory() as folder:
            show("Monte Carlo (median wall time, start-up included; ratio to hand-written numpy)",
                 sample(10_000 if args.quick else 1_000_000, max(3, runs // 3), Path(folder)))


if __name__ == "__main__":
    main()
