"""bench/bench.py runs (its figures are measured, never asserted: speed is not pass/fail).

The default run smokes one cheap part; `pytest -m slow` runs every part at --quick size."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench.py"


def run(*args) -> str:
    result = subprocess.run([sys.executable, str(BENCH), "--quick", *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_bench_evaluation_part_runs():
    out = run("--only", "eval")
    assert "the same formulas by hand in numpy" in out and "sweep evaluation" in out and out.count("(target <") == 1


@pytest.mark.slow
def test_bench_quick_runs_and_reports_every_ratio():
    out = run()
    for line in ("ammt-calc list", "ammt-calc usecase split-image-recognition", "ammt-calc check",
                 "ammt-calc split vgg16", "numpy + np.savetxt", "ammt-calc sweep -o FILE", "pyarrow.csv.write_csv",
                 "--format parquet", "the same formulas by hand in numpy", "sweep evaluation"):
        assert line in out, out
    assert out.count("(target <") == 7, out
