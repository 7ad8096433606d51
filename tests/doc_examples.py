"""The `$ ammt-calc ...` examples of README.md and docs/*.md: finding them, running them, and
(`python tests/doc_examples.py`) pasting real output into the pages.

An example is an indented line `$ ammt-calc ...` followed by its output at the same indent.
Shown output is matched in order as a subsequence of the real output; a line containing
"..." marks a cut made by hand. JSON examples are shortened by hand and not compared.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROMPT = re.compile(r"^(\s+)\$ (ammt-calc .*)$")
SHELL = re.compile(r"[|<>;&$`*]")  # a command the shell must run (pipes, redirections, globs)
MAX_SHOWN = 30  # lines pasted by the regeneration; longer output is cut with "..."


def examples(page: Path):
    """(line index, indent, command, shown output lines) of each example of a page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        match = PROMPT.match(line)
        if not match:
            continue
        indent, shown = match[1], []
        for following in lines[i + 1:]:
            if not following.startswith(indent) or following.strip().startswith("$ "):
                break
            shown.append(following[len(indent):])
        yield i, indent, match[2], shown


def needs_shell(command: str) -> bool:
    return bool(SHELL.search(command))


def run_in_shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "ammt-calc"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def prepare(command: str, cwd: Path) -> None:
    """Files an example reads, made as the docs say."""
    for name, script in (("tiny.onnx", "make_tiny_onnx.py"), ("detector.onnx", "make_tiny_detector_onnx.py")):
        if name in command:
            subprocess.run([sys.executable, str(ROOT / "examples" / script), str(cwd / name)], check=True)


def regenerate() -> None:
    """Paste each example's real output (stderr notes and errors first) into its page."""
    import shlex
    import tempfile

    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, indent, command, shown in reversed(list(examples(page))):
            if "--format json" in command:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                prepare(command, Path(tmp))
                result = run_in_shell(command, Path(tmp))
            messages = [l for l in result.stderr.splitlines() if l.startswith(("note: ", "error: "))]
            output = [l.rstrip() for l in result.stdout.splitlines()]
            if len(output) > MAX_SHOWN:
                output = output[:MAX_SHOWN - 5] + ["..."]
            block = [indent + l if l else "" for l in messages + output]
            lines[i + 1:i + 1 + len(shown)] = block
            print(f"{page.name}: {shlex.split(command)[:3]} -> {len(block)} lines", file=sys.stderr)
        page.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    regenerate()
