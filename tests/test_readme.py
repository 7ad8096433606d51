"""Every `$ ammt-calc ...` example in the README runs and prints what the README shows.

Expected lines are matched in order as a subsequence of the real output; a line that is
"..." or contains "..." marks a cut made by hand and is not compared. An example whose
shown output has an `error:` line must exit 2, any other must exit 0.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import entry_point

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = README.parent / "examples"
PROMPT = re.compile(r"^(\s+)\$ (ammt-calc .*)$")


def readme_examples():
    lines = README.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        match = PROMPT.match(line)
        if not match:
            continue
        indent, expected = match[1], []
        for following in lines[i + 1:]:
            if not following.startswith(indent) or following.strip().startswith("$ "):
                break
            expected.append(following[len(indent):])
        yield pytest.param(match[2], expected, id=match[2][:80])


@pytest.mark.parametrize("command, expected", list(readme_examples()))
def test_readme_example(command, expected, tmp_path):
    script = entry_point()
    if Path(script[0]).name != "ammt-calc":
        pytest.skip("needs the installed ammt-calc script")
    if "tiny.onnx" in command:  # the README says how this file is made
        pytest.importorskip("onnx")
        subprocess.run([sys.executable, str(EXAMPLES / "make_tiny_onnx.py"), str(tmp_path / "tiny.onnx")], check=True)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200",
           "PATH": f"{Path(script[0]).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("FORCE_COLOR", None)
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)
    messages = [line for line in expected if line.startswith(("error: ", "note: "))]
    assert result.returncode == (2 if any(m.startswith("error: ") for m in messages) else 0), (command, result.stderr)
    assert_in_order(messages, result.stderr.splitlines(), command)
    if "--format json" not in command:  # JSON examples are shortened by hand
        assert_in_order([l for l in expected if l not in messages], result.stdout.splitlines(), command)


def assert_in_order(expected, output, command):
    position = 0
    for line in (l for l in expected if "..." not in l):
        assert line in output[position:], (command, line)
        position = output.index(line, position) + 1
