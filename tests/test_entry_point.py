"""The installed entry point as a real process: what only a process shows (start-up, exit
codes at interpreter shutdown, a closed pipe). Everything else runs in-process."""

import json

from helpers import ok, refused


def test_version_and_help(cli_process):
    assert ok(cli_process("-V")).startswith("ammt-calc ")
    assert "Usage: ammt-calc [OPTIONS] COMMAND" in ok(cli_process("-h"))


def test_a_requirement_as_json(cli_process):
    rows = json.loads(ok(cli_process("usecase", "split-image-recognition", "--format", "json")))["rows"]
    assert {r["kpi"]: r["value"] for r in rows}["ul_data_rate"] == 144.0  # 0.27 MByte x 8 / 15 ms


def test_bad_input_is_exit_2_and_one_line(cli_process):
    refused(cli_process("usecase", "split-image-recognition", "--set", "latency=5"), "latency=5 has no unit")


def test_a_sweep_into_a_closed_pipe_ends_quietly(cli_process, tmp_path):
    import subprocess

    from conftest import entry_point

    command = " ".join(entry_point()) + " sweep model-distribution-image-recognition --vary latency=1s:10s:200000 | head -2"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, cwd=tmp_path)
    assert result.stdout.splitlines()[0].startswith("latency [s],") and len(result.stdout.splitlines()) == 2
    assert result.stderr == ""


def test_output_that_cannot_be_written_is_one_line_and_exit_1(tmp_path):
    """The program ends without the interpreter's teardown (cli._exit): what it printed is
    flushed first, and a failed write of the output is one line, not a traceback."""
    import os
    import subprocess

    import pytest
    from conftest import entry_point

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    with open("/dev/full", "w") as full:
        result = subprocess.run([*entry_point(), "list"], stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, "error: could not write the output: No space left on device\n")
    with open(tmp_path / "out.txt", "w") as out:  # and what a successful run printed is all there
        assert subprocess.run([*entry_point(), "list", "--format", "json"], stdout=out, cwd=tmp_path).returncode == 0
    assert len(json.loads((tmp_path / "out.txt").read_text())["rows"]) >= 28
