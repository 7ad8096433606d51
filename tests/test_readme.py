"""Every `$ ammt-calc ...` example in README.md and docs/ runs and prints what the page shows.

Expected lines are matched in order as a subsequence of the real output; a line containing
"..." marks a cut made by hand. An example whose shown output has an `error:` line must
exit 2, any other must exit 0. Plain commands run in-process; those with pipes or
redirections run in bash with the installed script.
"""

import shlex
from pathlib import Path

import pytest

from doc_examples import PAGES, examples, needs_shell, prepare, run_in_shell

CASES = [pytest.param(command, shown, id=f"{page.name}:{i + 1}")
         for page in PAGES for i, _, command, shown in examples(page)]


@pytest.mark.parametrize("command, expected", CASES)
def test_doc_example(command, expected, tmp_path, cli):
    prepare(command, tmp_path)
    if needs_shell(command):
        if not (Path(__import__("sys").executable).parent / "ammt-calc").exists():
            pytest.skip("needs the installed ammt-calc script")
        result = run_in_shell(command, tmp_path)
    else:
        result = cli(*shlex.split(command)[1:])
    messages = [line for line in expected if line.startswith(("error: ", "note: "))]
    assert result.returncode == (2 if any(m.startswith("error: ") for m in messages) else 0), (command, result.stderr)
    assert_in_order(messages, result.stderr.splitlines(), command)
    if "--format json" not in command:  # JSON examples are shortened by hand
        assert_in_order([l for l in expected if l not in messages], result.stdout.splitlines(), command)


def assert_in_order(expected, output, command):
    output = [line.rstrip() for line in output]
    position = 0
    for line in (l.rstrip() for l in expected if "..." not in l and l.strip()):
        assert line in output[position:], (command, line)
        position = output.index(line, position) + 1


def test_every_page_has_examples_and_the_readme_is_short():
    readme = PAGES[0]
    assert readme.stat().st_size <= 16_000
    assert "shared/" not in readme.read_text() and all("shared/" not in p.read_text() for p in PAGES)
    assert sum(1 for _ in examples(readme)) >= 3
