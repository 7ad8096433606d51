"""Tables for a person, as a terminal of 80, 100 and 200 columns shows them: nothing wider
than the terminal, one heading per use case with its id whole, numbers right-aligned,
only the label column folded, and differing published values marked."""

import re

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def terminal(cli, width, *args):
    result = cli(*args, env={"TTY_COMPATIBLE": "1", "COLUMNS": str(width)})
    assert result.returncode == 0, result.stderr
    return [ANSI.sub("", line).rstrip() for line in result.stdout.splitlines()]


@pytest.mark.parametrize("width", [80, 100, 200])
def test_every_usecase_fits_and_keeps_its_id_whole(cli, width, catalog):
    lines = terminal(cli, width, "usecase")
    assert max(map(len, lines)) <= width
    text = "\n".join(lines)
    for uc in catalog:
        # the heading may wrap between words, never inside the id (a break there would leave a space in it)
        assert f"({uc.id})" in text.replace("\n", " "), uc.id


@pytest.mark.parametrize("width", [80, 100, 200])
def test_numbers_are_right_aligned_and_units_never_wrap(cli, width):
    lines = terminal(cli, width, "usecase", "split-image-recognition")
    rows = [l for l in lines if re.search(r"\s(UL|DL)\s+[\d.]+\s+(ms|kByte|MByte|Mbit/s|%)(\s|$)", l)]
    assert len(rows) == 8  # 10 KPIs less the UL+DL one and the one that does not apply (n/a)
    ends = {re.search(r"\s(UL|DL)\s+[\d.]+", l).end() for l in rows}
    assert len(ends) == 1  # every value ends in the same column
    assert not any(l.strip() in ("ms", "kByte", "MByte", "Mbit/s") for l in lines)


def test_a_narrow_terminal_folds_only_labels(cli):
    lines = terminal(cli, 80, "usecase", "split-image-recognition")
    wide = terminal(cli, 200, "usecase", "split-image-recognition")
    # 10 KPIs: a heading, a header, a rule, rows (folded labels), a blank line and the n/a note
    assert len(lines) <= 22 and len(wide) == 15  # "n/a (1)" widens the value column: a few more labels fold
    folded = [l for l in lines if l and not re.search(r"\s(UL|DL|UL\+DL)\s", l) and not l.startswith(("KPI", "Split", "-", "  ("))]
    assert all(re.fullmatch(r"[a-z ()]+", l.strip()) for l in folded), folded


def test_differing_published_values_are_marked(cli):
    lines = terminal(cli, 100, "usecase", "ddc-async-fl")
    marked = [l for l in lines if " differs" in l]
    assert len(marked) == 2 and all("400" in l and "220 Mbit/s" in l for l in marked)  # 50 MByte x 8 / 1 s
