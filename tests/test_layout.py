"""The layout rule, for every command at 60, 80, 100 and 200 columns: no line wider than the
terminal, nothing cut (no `…`), and every word of the piped output (numbers, units, ids,
statuses, labels) whole somewhere in what the terminal shows."""

import re

import pytest

from ammt_calc.present.tables import table_lines, text_width, wrap

WIDTHS = (60, 80, 100, 200)
SPLIT = "split-image-recognition"
DL = "model-distribution-image-recognition"
COMMANDS = {
    "list": ("list",),
    "show": ("show", SPLIT),
    "show-qos": ("show", "llm-model-download", "--qos"),
    "usecase": ("usecase",),
    "usecase-cell": ("usecase", SPLIT, "--cell", "profile=dense-urban", "--qos"),
    "usecase-peak": ("usecase", SPLIT, "split-control-robotics", "--cell",
                     "bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM,profile=rural"),
    "usecase-transport": ("usecase", DL, "--transport", "tcp", "--cell", "bandwidth=100MHz,scs=30kHz,layers=4,"
                          "modulation=256QAM", "--set", "model_size=8GB", "--set", "latency=1min"),
    "usecase-qos": ("usecase", SPLIT, "split-control-robotics", DL, "--qos"),
    "check": ("check",),
    "solve": ("solve", DL, "--for", "model_size", "--target", "dl_data_rate=500Mbit/s", "--set", "latency=1s"),
    "sample": ("sample", DL, "--draw", "model_size=uniform:50MB:500MB", "--draws", "2000"),
    "split": ("split", "vgg16"),
    "split-frames": ("split", "resnet50", "--frame-rate", "30fps"),
    "model": ("model", "llama-3.2-1b"),
    "radio": ("radio", "--layers", "4", "--modulation", "256QAM", "--carrier", "bandwidth=100MHz,scs=30kHz,tdd=DDDSU",
              "--carrier", "bandwidth=20MHz,scs=15kHz,layers=2"),
    "link": ("link", "uma", "--fc", "3.5GHz", "--bandwidth", "100MHz", "--distance", "100m,400m,1km", "--usecase", SPLIT),
}
RULE_LINE = re.compile(r"-+(  -+)*")


def run(cli, args, width=None):
    env = {"TTY_COMPATIBLE": "1", "COLUMNS": str(width)} if width else {}
    result = cli(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result


def words(text: str) -> set[str]:
    """The words of text, a list (`a=1,b=2`) in its items (a line may end after a comma);
    a field's name is shown with a colon after it."""
    found = {item for w in text.split() for item in re.split(r"(?<=,)(?=.)", w)}
    return found | {w[:-1] for w in found if w.endswith(":")}


def values(text: str) -> set[str]:
    """The words of piped output but its tables' headings (the line above a rule) and rules."""
    lines = text.splitlines()
    kept = [line for i, line in enumerate(lines) if not RULE_LINE.fullmatch(line)
            and not (i + 1 < len(lines) and RULE_LINE.fullmatch(lines[i + 1]))]
    return words("\n".join(kept))




@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_fits_every_width_and_keeps_every_word(cli, name):
    args = COMMANDS[name]
    plain = run(cli, args)
    expected = values(plain.stdout)
    for width in WIDTHS:
        shown = run(cli, args, width)
        for stream in (shown.stdout, shown.stderr):
            too_wide = [line for line in stream.splitlines() if text_width(line) > width]
            assert not too_wide, (width, too_wide)
            assert "…" not in stream
        missing = expected - words(shown.stdout)
        assert not missing, (width, sorted(missing)[:20])
        assert set(shown.stderr.split()) == set(plain.stderr.split()), width  # notes wrapped, not changed


def test_a_wide_terminal_prints_what_a_pipe_gets(cli):
    # at 200 columns the requirement table fits: the very same lines as piped
    assert run(cli, ("usecase", SPLIT), 200).stdout == run(cli, ("usecase", SPLIT)).stdout


def test_the_answer_stays_in_the_table_when_columns_move(cli):
    # sample's p95 and split's latency and UL rate are what users ask about: they stay in the table
    lines = run(cli, COMMANDS["sample"], 80).stdout.splitlines()
    assert re.match(r"KPI\s+unit\s+mean\s+p50\s+p95$", lines[1]), lines[:3]
    assert any(re.match(r"\s{4}p5: [\d.]+\s{3}p99: [\d.]+\s{3}infeasible: 0 %$", line) for line in lines), lines
    split = run(cli, ("split", "vgg16"), 80).stdout.splitlines()
    rule = next(i for i, line in enumerate(split) if line.startswith("-------"))
    header = " ".join(split[rule - 2:rule])  # a heading may take two lines: `latency` over `[ms]`
    assert split[rule - 1].startswith("split") and "latency" in header and "UL rate for 50 ms" in header
    assert "best" in split[rule - 1]
    assert "    device [GMAC]: 0   device [ms]: 0   UL [ms]: 12.0422   server [ms]: 0.309405" in split


def test_the_use_cases_of_a_page_share_one_shape(cli):
    # check's tables have the same columns (basis may be stacked below a row); the notes are
    # numbered below each use case's table
    lines = run(cli, ("check",), 80).stdout.splitlines()
    headers = [line for line in lines if line.startswith("KPI ")]
    assert len(headers) >= 15 and all(h.split()[:5] == ["KPI", "published", "computed", "deviation", "status"]
                                      for h in headers)
    assert any(line.startswith("  (1) ul_latency: echo of parameter latency") for line in lines)


def test_width_option_and_columns(cli):
    wide = run(cli, ("split", "vgg16"))
    assert max(map(len, wide.stdout.splitlines())) > 150  # piped: a line per row, whatever COLUMNS says
    assert cli("split", "vgg16", env={"COLUMNS": "80"}).stdout == wide.stdout
    for args in (("--width", "72", "split", "vgg16"), ("split", "vgg16", "--width", "72"),
                 ("split", "vgg16", "--width=72")):
        narrow = cli(*args)
        assert narrow.returncode == 0 and max(map(len, narrow.stdout.splitlines())) <= 72, args
    assert cli("split", "vgg16", "--width", "0", env={"TTY_COMPATIBLE": "1", "COLUMNS": "80"}).stdout == wide.stdout
    for columns in ("²", "9" * 5000):  # COLUMNS that is no usable number: the terminal's own width, no traceback
        shown = cli("list", env={"TTY_COMPATIBLE": "1", "COLUMNS": columns})
        assert shown.returncode == 0 and shown.stderr == "", columns
    for bad in ("20", "wide", "-5", "²", "8" * 5000):  # Unicode digits and 5000 digits: no traceback
        refused = cli("list", "--width", bad)
        assert refused.returncode == 2 and refused.stderr.startswith("error: --width must be a whole number"), bad


def test_notes_wrap_on_a_terminal_and_stay_one_line_when_piped(cli):
    args = ("usecase", SPLIT, "--cell", "profile=dense-urban,tdd=DDDSU")  # one note: the default bandwidth
    piped_notes = run(cli, args).stderr.splitlines()
    assert len(piped_notes) == 1 and len(piped_notes[0]) > 60
    shown = run(cli, args, 60).stderr.splitlines()
    assert len(shown) == 2 and shown[0].startswith("note: ") and shown[1].startswith("      ")


def test_counts_are_grouped_and_durations_read_in_their_unit(cli):
    out = run(cli, ("usecase", "llm-adapter-delivery")).stdout
    assert re.search(r"\s11,272,192\s", out) and "1.12722e+07" not in out
    slow = run(cli, ("usecase", DL, "--transport", "tcp", "--set", "model_size=8GB", "--set", "latency=1min")).stdout
    delivery = [line for line in slow.splitlines() if "delivery" in line.lower()]
    assert delivery and all(not re.search(r"\d{5,}(\.\d+)? ms", line) for line in delivery), delivery
    assert any(re.search(r"\s6\d\.\d+\s+s(\s|$)", line) for line in delivery), delivery
    machine = cli("usecase", DL, "--transport", "tcp", "--set", "model_size=8GB", "--set", "latency=1min",
                  "--format", "csv").stdout
    assert ",1.12722e+07" not in machine  # machine formats keep their own numbers and units


# --- the layout itself -----------------------------------------------------------------


def test_prose_folds_between_words_and_a_number_keeps_its_unit():
    assert wrap("the whole 15 ms budget", 14) == ["the whole", "15 ms budget"]
    assert wrap("a 15 ms", 5) == ["a", "15 ms"]
    assert wrap("  (1) one two three four", 12, "      ") == ["  (1) one", "      two", "      three", "      four"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]  # a word longer than the line: the last resort


def test_a_table_that_fits_is_one_line_per_row_as_piped():
    rows = [("a", "1.5", "ms"), ("bb", "22", "s")]
    assert table_lines(("name", "value", "unit"), rows, 40) == table_lines(("name", "value", "unit"), rows, None) == [
        "name  value  unit", "----  -----  ----", "a       1.5  ms", "bb       22  s"]


def test_columns_leave_in_the_order_of_importance():
    columns = ("id", "note", "value", "unit", "source")
    rows = [("model-distribution", "a long note " * 20, "123.456", "Mbit/s", "TS 22.261 Table 7.10.1-1"),
            ("model-download", "", "1.5", "s", "TS 22.261 Table 7.10.2-1"),
            ("model-split", "", "22", "ms", "TS 22.261 Table 7.10.1-1")]
    lines = table_lines(columns, rows, 60, fold=("note", "source"), keep=("id", "value", "unit"))
    assert lines[0].split() == ["id", "value", "unit"]
    assert lines[2].split() == ["model-distribution", "123.456", "Mbit/s"]
    assert lines[3].startswith("    note: a long note") and lines[8:] == [
        "    source: TS 22.261 Table 7.10.1-1", "model-download          1.5  s", "    source: TS 22.261 Table 7.10.2-1",
        "model-split              22  ms", "    source: TS 22.261 Table 7.10.1-1"]
    assert max(map(len, lines)) <= 60


def test_one_block_per_row_when_only_the_first_column_fits():
    rows = [("model-distribution-image-recognition", "model_size", "62.5", "MByte", "dl_data_rate = 500 Mbit/s")]
    lines = table_lines(("use case", "parameter", "value", "unit", "target"), rows, 60)
    assert lines == ["use case: model-distribution-image-recognition",
                     "  parameter: model_size   value: 62.5   unit: MByte",
                     "  target: dl_data_rate = 500 Mbit/s"]


@pytest.mark.parametrize("width", WIDTHS)
def test_sweep_rows_ignore_the_width_and_its_notes_fit_it(cli, width):
    # a sweep prints CSV for machines: the same bytes at any width; only its notes are for people
    args = ("sweep", "fl-compressed", "--vary", "compression_ratio=none,signsgd", "--transport", "quic")
    piped, shown = run(cli, args), run(cli, args, width)
    assert shown.stdout == piped.stdout and max(map(len, piped.stdout.splitlines())) > 200
    assert shown.stderr.split() == piped.stderr.split() and len(piped.stderr.splitlines()) == 1
    assert all(text_width(line) <= width for line in shown.stderr.splitlines())
