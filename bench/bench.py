"""ammt-calc benchmarks, each measured against a baseline in the same run.

    python bench/bench.py             # 1000 x 1000 grids; 15 runs per start-up figure
    python bench/bench.py --quick     # small grids and few runs (tests/test_bench_smoke.py)

1. start-up: `ammt-calc list` and `ammt-calc usecase ID` against `python -c "import numpy,
   pint"` (targets: under 0.7x and 1.3x);
2. a 1000 x 1000 sweep to CSV against a hand-written numpy + np.savetxt script writing
   the same columns (target: faster), and the raw disk write of as many bytes;
3. sweep evaluation alone (sweeps.blocks, no text) against the same formulas and the
   same infeasibility masks written directly in numpy (target: within 1.5x).

Commands run alternately (A, B, A, B, ...) so that both see the same machine load; times
are medians, and a ratio is the median of the run-by-run ratios. Not part of the test run: nothing here asserts a time.
The sweeps use bench/catalog/bench-model-download.yaml: the TS 22.261 model-download row
reduced to three formulas, so the hand-written versions compute exactly the same thing.
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
USECASE = "model-distribution-image-recognition"

SAVETXT = """\
import sys
import numpy as np

n, out = int(sys.argv[1]), sys.argv[2]
size, latency = np.meshgrid(np.geomspace(10, 1000, n), np.geomspace(0.1, 10, n), indexing="ij")  # MByte, s
rate = size * 8 / latency  # Mbit/s
columns = [size.ravel(), latency.ravel(), latency.ravel(), size.ravel(), rate.ravel()]
np.savetxt(out, np.column_stack(columns), fmt="%.12g", delimiter=",", comments="",
           header="model_size [MByte],latency [s],dl_latency [s],dl_payload [MByte],dl_data_rate [Mbit/s]")
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
    times = interleaved({
        "import": [PYTHON, "-c", "import numpy, pint"],
        "list": [*CLI, "list"],
        "usecase": [*CLI, "usecase", USECASE],
    }, runs)
    base = times["import"]
    return [
        ("python -c 'import numpy, pint'", statistics.median(base), None, None),
        ("ammt-calc list", statistics.median(times["list"]), ratio(times["list"], base), ("<", 0.7)),
        (f"ammt-calc usecase {USECASE}", statistics.median(times["usecase"]), ratio(times["usecase"], base),
         ("<", 1.3)),
    ]


def csv_sweep(n: int, runs: int, folder: Path) -> list[tuple]:
    script = folder / "savetxt_grid.py"
    script.write_text(SAVETXT)
    ours, theirs = folder / "sweep.csv", folder / "savetxt.csv"
    sweep = [*CLI, "--catalog", str(CATALOG), "sweep", "bench-model-download", "--vary",
             f"model_size=10MB:1GB:{n}:log", "--vary", f"latency=100ms:10s:{n}:log", "-o", str(ours)]
    times = interleaved({"savetxt": [PYTHON, str(script), str(n), str(theirs)], "sweep": sweep}, runs)
    _same_numbers(ours, theirs)
    size = ours.stat().st_size
    disk = statistics.median(_disk_write(folder / "disk.bin", size) for _ in range(runs))
    sweep_time = statistics.median(times["sweep"])
    return [
        (f"numpy + np.savetxt, {n} x {n} grid ({theirs.stat().st_size / 1e6:.0f} MB)",
         statistics.median(times["savetxt"]), None, None),
        (f"ammt-calc sweep -o FILE, same grid ({size / 1e6:.0f} MB)", sweep_time,
         ratio(times["sweep"], times["savetxt"]), ("<", 1.0)),
        ("  for scale: writing as many bytes (write + fsync); sweep / this", disk, sweep_time / disk, None),
    ]


def _same_numbers(ours: Path, theirs: Path) -> None:
    a = np.loadtxt(ours, delimiter=",", skiprows=1, usecols=range(5), max_rows=20_000)
    b = np.loadtxt(theirs, delimiter=",", skiprows=1, max_rows=20_000)
    if a.shape != b.shape or not np.allclose(a, b, rtol=1e-11):
        raise SystemExit("bench: the sweep and the savetxt script disagree")


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
    from ammt_calc import sweeps
    from ammt_calc.catalog import load_catalog

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
    args = parser.parse_args(argv)
    n, runs = (40, 2) if args.quick else (1000, 15)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, {CLI[0]}\n")
    show("start-up (median wall time; ratio to the import baseline)", startup(runs))
    with tempfile.TemporaryDirectory() as folder:
        show("CSV sweep (median wall time, start-up included; ratio to savetxt)",
             csv_sweep(n, max(2, runs // 3), Path(folder)))
    show("evaluation only, in process (median; ratio to hand-written numpy)", evaluation(n, max(3, runs // 3)))


if __name__ == "__main__":
    main()
