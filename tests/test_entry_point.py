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
