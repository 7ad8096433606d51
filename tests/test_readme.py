"""Every `$ ammt-calc ...` example in README.md and docs/ prints, at 80 columns, exactly what
the page shows: every line, stderr's notes included, JSON as data; a `...` line marks a cut
made on purpose (tests/doc_examples.py says how examples are found, run and compared).

After a change to the output: `python tests/doc_examples.py --update` rewrites the pages
from the real tool (review the diff), `python tests/doc_examples.py` lists what differs."""

import pytest
from doc_examples import (
    PAGES,
    Example,
    Run,
    differences,
    examples,
    matches,
    refreshed,
    run,
    same_json,
    split_shown,
)

CASES = [pytest.param(example, id=example.where) for page in PAGES for example in examples(page)]


@pytest.mark.parametrize("example", CASES)
def test_doc_example(example, tmp_path):
    problem = differences(example, run(example.command, tmp_path))
    assert problem is None, (f"{example.where}: $ {example.command}\n{problem}\n"
                             "(refresh the page: python tests/doc_examples.py --update)")


def test_every_page_has_examples_and_the_readme_is_short():
    readme = PAGES[0]
    assert readme.stat().st_size <= 16_000
    assert "shared/" not in readme.read_text() and all("shared/" not in p.read_text() for p in PAGES)
    assert sum(1 for _ in examples(readme)) >= 3


def test_an_example_is_compared_whole():
    assert matches(["a", "b"], ["a", "b"])
    assert not matches(["a"], ["a", "b"]) and not matches(["a", "b"], ["a"])  # nothing missing, nothing more
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"]) and matches(["a", "..."], ["a", "b"])
    assert not matches(["a", "...", "b"], ["a", "b"])  # a cut stands for at least one line
    assert not matches(["a", "...", "d"], ["a", "b", "c", "d", "e"])  # the lines after it end the output
    assert matches(["a", "...", "c", "...", "e"], ["a", "b", "c", "d", "e"])
    assert same_json(['{"a": [1,', '2]}'], '{\n  "a": [1, 2]\n}\n') and not same_json(['{"a": 1}'], '{"a": 2}')


def test_messages_come_first_and_keep_their_wrapped_lines():
    shown = ["note: a long note that", "      wraps", "table", "      indented"]
    assert split_shown(shown) == (shown[:2], shown[2:])
    example = Example(PAGES[0], 0, "    ", "ammt-calc x", ["note: n", "x", "...", "z"])
    result = Run(0, "x\ny\ny\nz\n", "note: n\n")
    assert differences(example, result) is None
    assert refreshed(example, Run(0, "x\nw\nw\nw\nz2\n", "note: n\n")) == ["note: n", "x", "...", "z2"]
    problem = differences(example, Run(0, "x\nz\n", "note: n\n"))
    assert problem.startswith("--- shown on the page\n+++ printed by the tool") and "\n-...\n" in problem
