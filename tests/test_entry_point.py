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


def _python(*args, cwd, env=None):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})})


def test_a_profiler_sees_the_whole_run(tmp_path):
    """cProfile prints its statistics in the usual exit, which the early exit would skip."""
    result = _python("-m", "cProfile", "-s", "tottime", "-m", "ammt_calc", "list", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0 and "function calls" in result.stdout, result.stderr[-500:]


def test_an_exit_handler_registered_during_the_run_is_run(tmp_path):
    code = ("import atexit, sys; from ammt_calc.cli import run\n"
            "sys.argv = ['ammt-calc', 'list']\n"
            "import ammt_calc.cli as cli; real = cli.main\n"
            "def main(argv=None):\n"
            "    atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
            "    return real(argv)\n"
            "cli.main = main\n"
            "run()\n")
    result = _python("-c", code, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr.strip() == "handler ran", result.stderr[-500:]


EARLY_EXIT_SHOWN = ("import sys, ammt_calc.cli as cli\n"
                    "cli.os._exit = lambda code: (print('early exit', file=sys.stderr), sys.exit(code))\n"
                    "sys.argv = ['ammt-calc', '-V']; cli.run()\n")


def test_the_usual_exit_on_request_and_under_importtime(tmp_path):
    assert "early exit" in _python("-c", EARLY_EXIT_SHOWN, cwd=tmp_path).stderr  # the quick exit otherwise
    for options, env in (([], {"AMMT_CALC_NORMAL_EXIT": "1"}), (["-X", "importtime"], {})):
        result = _python(*options, "-c", EARLY_EXIT_SHOWN, cwd=tmp_path, env=env)
        assert result.returncode == 0 and "early exit" not in result.stderr, (options, result.stderr[-300:])
