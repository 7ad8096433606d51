"""The `$ ammt-calc ...` examples of README.md and docs/*.md: finding them, running them as an
80-column terminal shows them, comparing them whole, and pasting the real output into the pages.

    python tests/doc_examples.py            # every example that differs: its page, line, command and a diff
    python tests/doc_examples.py --update   # rewrite the shown output of every example from the real tool
    python tests/doc_examples.py --update docs/radio.md README.md   # only these pages
    python tests/doc_examples.py --update --whole ...   # and drop the cuts: every line of the output

An example is an indented line `$ ammt-calc ...` followed by its output at the same indent
(blank lines included, up to the first line indented less). The output is what a terminal
shows: stderr's messages first (`note: ...`, `error: ...`, wrapped lines indented under
their text), then stdout. It is compared whole: every line, in order; output that is a JSON
document is compared as data. A line `...` alone marks a cut made on purpose: it stands for
one or more lines left out, and the lines on either side of it are still compared exactly.
An example whose output shows an `error:` must exit 2, any other 0.

Plain commands run in-process (tests.hardening_helpers.run) with TTY_COMPATIBLE=1 and
COLUMNS=80; those with pipes or redirections run in bash, `ammt-calc` being this checkout's
`python -m ammt_calc`, piped as a user's would be.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROMPT = re.compile(r"^(\s+)\$ (ammt-calc .*)$")
SHELL = re.compile(r"[|<>;&$`*]")  # a command the shell must run (pipes, redirections, globs)
CUT = "..."
WIDTH = 80
TERMINAL = {"TTY_COMPATIBLE": "1", "COLUMNS": str(WIDTH), "NO_COLOR": "1"}
MESSAGE = re.compile(r"^(note|error|interrupted): ")
CONTINUED = " " * len("note: ")  # a wrapped message goes on under its text


class Example(NamedTuple):
    page: Path
    line: int  # index of the `$ ammt-calc` line
    indent: str
    command: str
    shown: list[str]  # the output lines as the page shows them (indent removed)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line + 1}"


class Run(NamedTuple):
    code: int
    stdout: str
    stderr: str

    def shown(self) -> list[str]:
        """What a terminal shows: the messages, then stdout; no trailing blank lines."""
        return _trimmed(self.stderr.splitlines() + self.stdout.splitlines())


def examples(page: Path):
    """Every example of a page."""
    lines = page.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        match = PROMPT.match(line)
        if not match:
            continue
        indent, shown = match[1], []
        for following in lines[i + 1:]:
            if following.strip() and (not following.startswith(indent) or following.strip().startswith("$ ")):
                break
            shown.append(following[len(indent):])
        yield Example(page, i, indent, match[2], _trimmed(shown))


def _trimmed(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def needs_shell(command: str) -> bool:
    return bool(SHELL.search(command))


def prepare(command: str, cwd: Path) -> None:
    """Files an example reads, made as the docs say."""
    for name, script in (("tiny.onnx", "make_tiny_onnx.py"), ("detector.onnx", "make_tiny_detector_onnx.py")):
        if name in command:
            subprocess.run([sys.executable, str(ROOT / "examples" / script), str(cwd / name)], check=True)


def run(command: str, cwd: Path) -> Run:
    prepare(command, cwd)
    if needs_shell(command):
        return _run_in_shell(command, cwd)
    from hardening_helpers import run as run_main

    with _environment(TERMINAL, cwd):
        code, out, err = run_main(*shlex.split(command)[1:])
    return Run(code, out, err)


def _run_in_shell(command: str, cwd: Path) -> Run:
    env = {**os.environ, **TERMINAL, "PYTHONPATH": str(ROOT), "AMMT_CALC_PYTHON": sys.executable}
    env.pop("TTY_COMPATIBLE")  # ammt-calc's output goes into a pipe
    env.pop("FORCE_COLOR", None)
    script = 'ammt-calc() { "$AMMT_CALC_PYTHON" -m ammt_calc "$@"; }\n' + command
    done = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)
    return Run(done.returncode, done.stdout, done.stderr)


@contextlib.contextmanager
def _environment(values: dict[str, str], cwd: Path):
    saved = {k: os.environ.get(k) for k in [*values, "FORCE_COLOR"]}
    here = os.getcwd()
    os.environ.update(values)
    os.environ.pop("FORCE_COLOR", None)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def split_shown(shown: list[str]) -> tuple[list[str], list[str]]:
    """The messages an example shows (its leading `note:`/`error:` lines, each with the lines
    it wrapped onto) and the rest, stdout."""
    count = 0
    while count < len(shown) and (MESSAGE.match(shown[count]) or count and shown[count].startswith(CONTINUED)):
        count += 1
    return shown[:count], shown[count:]


def differences(example: Example, result: Run) -> str | None:
    """None when the example shows what the tool prints, else why not (with a diff)."""
    messages, stdout = split_shown(example.shown)
    errors = any(line.startswith("error: ") for line in messages)
    if result.code != (2 if errors else 0):
        return f"exit code {result.code}, expected {2 if errors else 0}\n{result.stderr}"
    actual = result.shown()
    if matches(messages, _trimmed(result.stderr.splitlines())) and (
            matches(stdout, _trimmed(result.stdout.splitlines())) or same_json(stdout, result.stdout)):
        return None
    diff = difflib.unified_diff(example.shown, actual, "shown on the page", "printed by the tool", lineterm="")
    return "\n".join(diff)


def matches(shown: list[str], actual: list[str]) -> bool:
    """Whether `shown` is `actual` line for line, a `...` line standing for one or more lines."""
    segments: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == CUT:
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) == 1:
        return shown == actual
    first, *middle, last = segments
    if actual[:len(first)] != first:
        return False
    at = len(first) + 1  # the cut stands for at least one line
    for segment in middle:
        found = _find(actual, segment, at)
        if found is None:
            return False
        at = found + len(segment) + 1
    return len(actual) - len(last) >= at and (not last or actual[-len(last):] == last)


def _find(lines: list[str], segment: list[str], start: int) -> int | None:
    for i in range(start, len(lines) - len(segment) + 1):
        if lines[i:i + len(segment)] == segment:
            return i
    return None


def same_json(shown: list[str], printed: str) -> bool:
    """Both a JSON document, and the same data (spacing and line breaks aside)."""
    try:
        return bool(shown) and json.loads("\n".join(shown)) == json.loads(printed)
    except ValueError:
        return False


def refreshed(example: Example, result: Run) -> list[str]:
    """The example's output lines as the tool prints them. An example cut on purpose keeps its
    cuts: as many lines before the first `...` and after the last as it showed, and each
    part it showed between cuts that the output still has (in order)."""
    actual = result.shown()
    segments: list[list[str]] = [[]]
    for line in example.shown:
        if line.strip() == CUT:
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) == 1:
        return actual
    first, *middle, last = segments
    out, at = actual[:len(first)], len(first) + 1
    for segment in middle:
        found = _find(actual, segment, at)
        if found is not None and found + len(segment) < len(actual) - len(last):
            out += [CUT, *segment]
            at = found + len(segment) + 1
    if at + len(last) > len(actual):
        return actual  # nothing left to cut
    return out + [CUT] + (actual[len(actual) - len(last):] if last else [])


def update(pages: list[Path], whole: bool = False) -> int:
    """Paste each example's real output into its page; the number of examples changed."""
    changed = 0
    for page in pages:
        lines = page.read_text(encoding="utf-8").splitlines()
        for example in reversed(list(examples(page))):
            with tempfile.TemporaryDirectory() as tmp:
                result = run(example.command, Path(tmp))
            if differences(example, result) is None:
                continue
            new = result.shown() if whole else refreshed(example, result)
            end = example.line + 1 + len(example.shown)
            lines[example.line + 1:end] = [example.indent + line if line else "" for line in new]
            changed += 1
            print(f"{example.where}: {example.command[:70]}", file=sys.stderr)
        page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def check(pages: list[Path]) -> int:
    """Print every example that differs; the number of them."""
    failed = 0
    for page in pages:
        for example in examples(page):
            with tempfile.TemporaryDirectory() as tmp:
                problem = differences(example, run(example.command, Path(tmp)))
            if problem is not None:
                failed += 1
                print(f"{example.where}: $ {example.command}\n{problem}\n")
    return failed


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))  # this checkout's ammt_calc
    sys.path.insert(0, str(Path(__file__).parent))
    rewrite, whole = "--update" in argv, "--whole" in argv
    pages = [Path(a).resolve() for a in argv if a not in ("--update", "--whole")] or PAGES
    if rewrite:
        print(f"{update(pages, whole)} example(s) rewritten", file=sys.stderr)
        return 0
    failed = check(pages)
    print(f"{failed} example(s) differ" if failed else "every example matches", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
