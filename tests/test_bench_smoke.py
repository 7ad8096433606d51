"""bench/bench.py runs end to end (small grids); no time is asserted."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench.py"


def test_bench_quick_runs_and_reports_every_ratio():
    result = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for line in ("ammt-calc list", "ammt-calc usecase split-image-recognition", "ammt-calc check",
                 "ammt-calc split vgg16", "numpy + np.savetxt", "ammt-calc sweep -o FILE", "pyarrow.csv.write_csv",
                 "--format parquet", "--engine dask: skipped", "the same formulas by hand in numpy",
                 "sweep evaluation"):
        assert line in out, out
    assert out.count("(target <") == 7, out
