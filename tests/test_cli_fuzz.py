"""Every input path answers bad input with one `error:` line and exit 2, never a traceback.

Most cases run `main(argv)` in-process (fast); a few run the installed entry point, where a
traceback or a stray warning would reach a real user's terminal. The generated cases (hypothesis)
allow two outcomes only: success, or a clean refusal.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager

import pytest
from hardening_helpers import assert_clean, assert_refused, examples, run, write_usecase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DL = "model-distribution-image-recognition"
SPLIT = "split-image-recognition"
CARRIER = ("--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "4", "--modulation", "256QAM")

HOSTILE = [
    # --set
    (("usecase", DL, "--set", "latency=nan"), "NaN and infinity"),
    (("usecase", DL, "--set", "latency=-inf s"), "NaN and infinity"),
    (("usecase", DL, "--set", "latency=1e999 s"), "too large for a float"),
    (("usecase", DL, "--set", "model_size=1e308GB"), "too large in base units"),
    (("usecase", DL, "--set", "latency=1e-320s"), "too small"),
    (("usecase", DL, "--set", "latency=-1s"), "below its minimum"),
    (("usecase", DL, "--set", "packet_error_rate=2"), "above its maximum"),
    (("usecase", DL, "--set", "latency=5MB"), "[information], but latency is [time]"),
    (("usecase", DL, "--set", "latency=5 furlong"), "unknown unit 'furlong'"),
    (("usecase", DL, "--set", "model_size=5Mb"), "ambiguous unit 'Mb'"),
    (("usecase", DL, "--set", "latency=soon"), "not a quantity"),
    (("usecase", DL, "--set", "latency=1,000 s"), "thousands separators"),
    (("usecase", DL, "--set", "latency"), "--set expects NAME=VALUE"),
    (("usecase", DL, "--set", "=1s"), "--set expects NAME=VALUE"),
    (("usecase", DL, "--set", "latency="), "--set expects NAME=VALUE"),
    (("usecase", DL, "--set", "latency=1s", "--set", "latency=2s"), "given twice"),
    (("usecase", DL, "--set", "latncy=1s"), "did you mean 'latency'"),
    (("usecase", DL, "--set", "late\ncy=1s"), "late\\ncy"),  # one line: the newline is escaped
    (("usecase", DL, "--set", "num_params=1e300", "--set", "bits_per_param=1e10bit"), "derived as"),
    (("usecase", "no-such-case"), "unknown use case"),
    (("usecase", DL, "--format", "xml"), "--format xml is not available here"),
    (("usecase", DL, "--format", "x\ny"), "x\\ny"),
    (("usecase", DL, "--bogus"), "No such option"),
    # --format on commands that do not offer it
    (("list", "--format", "xml"), "not available here"),
    (("show", DL, "--format", "csv"), "not available here"),
    (("check", "--format", "xml"), "not available here"),
    (("list", "--family", "nope"), "unknown family"),
    # sweep --vary
    (("sweep", DL, "--vary", "latency=2s:1s:5"), "must be below STOP"),
    (("sweep", DL, "--vary", "latency=1s:1s:5"), "must be below STOP"),
    (("sweep", DL, "--vary", "latency=1s:2s:1"), "COUNT must be"),
    (("sweep", DL, "--vary", "latency=1s:2s:0"), "COUNT must be"),
    (("sweep", DL, "--vary", "latency=1s:2s:1e3"), "COUNT must be"),
    (("sweep", DL, "--vary", "latency=1s:2s:99999999999999999999"), "COUNT must be"),
    (("sweep", DL, "--vary", "latency=1s:2s:5000", "--vary", "model_size=1MB:2MB:5000"), "more than the limit"),
    (("sweep", DL, "--vary", "latency=-1e308s:1e308s:3"), "finite"),
    (("sweep", DL, "--vary", "latency=nan:1:3"), "NaN"),
    (("sweep", DL, "--vary", "latency=0s:2s:3:log"), "log range needs START above 0"),
    (("sweep", DL, "--vary", "latency=1:2:3:lin"), "not START:STOP:COUNT"),
    (("sweep", DL, "--vary", "latency=1,,2"), "empty item"),
    (("sweep", DL, "--vary", "latency=1MB,2MB"), "[information], but latency is [time]"),
    (("sweep", DL, "--vary", "latency"), "--vary expects NAME=SPEC"),
    (("sweep", DL, "--vary", "nope=1,2"), "no parameter 'nope'"),
    (("sweep", DL), "nothing to sweep"),
    (("sweep", DL, "--vary", "latency=1s,2s", "--set", "latency=3s"), "both varied and set"),
    (("sweep", DL, "--vary", "latency=1s,2s", "--vary", "model_size=1MB", "--zip"), "as many values"),
    (("sweep", DL, "--vary", "latency=1s,2s", "--format", "table"), "not available here"),
    (("sweep", DL, "--vary", "latency=1s,2s", "--kpi", "dl_data_rate"), "--kpi chooses the KPI of --plot"),
    # solve --target
    (("solve", DL, "--for", "model_size", "--target", "dl_data_rate"), "--target expects KPI=VALUE"),
    (("solve", DL, "--for", "model_size", "--target", "dl_data_rate=nan"), "NaN"),
    (("solve", DL, "--for", "model_size", "--target", "dl_data_rate=5s"), "[time]"),
    (("solve", DL, "--for", "model_size", "--target", "nope=5"), "no KPI 'nope'"),
    (("solve", DL, "--for", "nope", "--target", "dl_data_rate=5Mbit/s"), "no parameter 'nope'"),
    (("solve", DL, "--for", "availability_target", "--target", "dl_data_rate=5Mbit/s"), "does not depend on"),
    (("solve", DL, "--for", "model_size", "--target", "dl_data_rate=1Mbit/s", "--set", "model_size=1MB"),
     "do not also --set it"),
    (("solve", DL, "--for", "model_size"), "Missing option '--target'"),
    # split
    (("split", "nope"), "unknown model"),
    (("split", "/nonexistent/model.onnx"), "does not exist"),
    (("split", "alexnet", "--bits", "0bit"), "must be positive"),
    (("split", "alexnet", "--bits", "1e308bit"), "beyond floating point"),
    (("split", "alexnet", "--ul-rate", "-1Mbit/s"), "must be positive"),
    (("split", "alexnet", "--ul-rate", "1e-300bit/s"), "beyond floating point"),
    (("split", "alexnet", "--ul-rate", "5s"), "expected [information] / [time]"),
    (("split", "alexnet", "--latency", "1e308s"), "beyond floating point"),
    (("split", "alexnet", "--frame-rate", "nan"), "NaN"),
    (("split", "alexnet", "--format", "xml"), "not available here"),
    # radio / --cell
    (("radio",), "radio needs --bandwidth"),
    (("radio", "--bandwidth", "0MHz", *CARRIER[2:]), "must be positive"),
    (("radio", "--bandwidth", "nan", *CARRIER[2:]), "NaN"),
    (("radio", "--bandwidth", "100MB", *CARRIER[2:]), "not a frequency"),
    (("radio", *CARRIER[:2], "--scs", "31kHz", *CARRIER[4:]), "not an NR SCS"),
    (("radio", *CARRIER[:4], "--layers", "1e9", *CARRIER[6:]), "whole number from 1 to 8"),
    (("radio", *CARRIER[:6], "--modulation", "512QAM"), "not one of"),
    (("radio", *CARRIER, "--tdd-share", "150%"), "at most 1"),
    (("radio", *CARRIER, "--tdd-share", "UUUUU"), "leaves DL no symbols"),
    (("radio", *CARRIER, "--scaling-factor", "0.5"), "not one of 1, 0.8"),
    (("radio", "--carrier", "bandwidth=100MHz"), "scs is missing"),
    (("radio", "--carrier", ",,,"), "key=value pairs"),
    (("usecase", SPLIT, "--cell", "bandwidth=100MHz"), "scs is missing"),
    (("usecase", SPLIT, "--cell", "bandwidth=0MHz,scs=30kHz,layers=4,modulation=256QAM"), "must be positive"),
    (("usecase", SPLIT, "--set", "model=nope"), "unknown model"),
    (("usecase", SPLIT, "--set", "split=conv1"), "say which model"),
    # --catalog
    (("--catalog", "/nonexistent/dir", "list"), "does not exist"),
    (("--catalog", "/etc/hostname", "list"), "not a directory"),
    (("--catalog", "", "list"), "needs a directory"),  # Path("") is the working folder
]


@pytest.mark.parametrize("argv, fragment", HOSTILE, ids=lambda v: " ".join(v)[:60] if isinstance(v, tuple) else None)
def test_hostile_input_is_one_clean_error_line(argv, fragment):
    code, out, err = run(*argv)
    assert_refused(code, err, fragment)


@contextmanager
def inside(directory):
    """Run with `directory` as the working directory (relative -o paths land there)."""
    previous = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


def test_user_catalog_bad_input_is_one_line(tmp_path):
    write_usecase(tmp_path / "cat", title="'=HYPERLINK(\"http://x\")'")
    code, out, _ = run("--catalog", tmp_path / "cat", "usecase", "my-model-download", "--format", "json")
    assert code == 0 and json.loads(out)["rows"][0]["value"] == 1200.0  # 300 MByte / 2 s = 2400 Mbit / 2 s
    (tmp_path / "cat" / "bad.yaml").write_text("id: [\n")
    assert_refused(*run("--catalog", tmp_path / "cat", "list")[::2], "bad.yaml", "invalid YAML")


# --- generated input -----------------------------------------------------------------------

from ammt_calc.usecases.loading import load_catalog  # noqa: E402  (after the helpers: one catalog for the strategies)

CATALOG = load_catalog(check_units=True)
PARAMETERS = sorted({(uc.id, name) for uc in CATALOG for name in uc.parameters})
NUMBERS = st.sampled_from(["0", "1", "-1", "2.5", ".5", "1e3", "1e-3", "1e308", "1e-308", "1e-320", "1e999", "nan",
                           "inf", "-0", "007", "1.", "0x10", "1_000", "1,000", "١٢", "½", "++1", "1e", "e1"])
UNITS = st.sampled_from(["", " ", "s", "ms", "MB", "MByte", "Mb", "Mbit/s", "Mbps", "MBps", "KB", "kB", "GiB", "%",
                         "fps", "TOPS", "GMAC", "1/s", "/km^2", "km²", "s^2", "s**99", "bit*s", "(s", "s)", "Hz",
                         "furlong", "m", "µs", "op", "frame", "UE/km2", "dB", "°C", "\n", "\x00", "é"])
QUANTITY_TEXT = st.one_of(st.tuples(NUMBERS, UNITS).map("".join), st.tuples(NUMBERS, UNITS).map(" ".join),
                          st.text(max_size=20))


MAGNITUDES = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.floats(min_value=0, max_value=1e4),
                       st.sampled_from([0.0, 1e-300, 1e-30, 0.5, 1.0, 3.0, 1e30, 1e300]))


def in_unit(unit: str):
    """Plausible text: a float in `unit` (so that a good share of the cases computes)."""
    return MAGNITUDES.map(lambda f: f"{f!r} {unit}".strip())


def parameter_unit(usecase: str, name: str) -> str:
    return CATALOG.get(usecase).parameters[name].unit_text


@st.composite
def set_value(draw):
    usecase, name = draw(st.sampled_from(PARAMETERS))
    value = draw(st.one_of(QUANTITY_TEXT, in_unit(parameter_unit(usecase, name))))
    return usecase, name, value


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=set_value(), fmt=st.sampled_from(["json", "csv"]))
def test_generated_set_values(case, fmt):
    usecase, name, value = case
    code, out, err = run("usecase", usecase, "--set", f"{name}={value}", "--format", fmt)
    assert_clean(code, err)
    if code == 0 and fmt == "json":
        rows = json.loads(out)["rows"]
        assert all((r["value"] is None) != r["feasible"] for r in rows)


COUNTS = st.sampled_from(["2", "3", "7", "0", "1", "-2", "2.5", "1e2", "", "x", "99999999999"])
SPEC = st.one_of(
    st.tuples(QUANTITY_TEXT, QUANTITY_TEXT, COUNTS).map(":".join),
    st.tuples(QUANTITY_TEXT, QUANTITY_TEXT, COUNTS, st.sampled_from(["log", "lin", ""])).map(":".join),
    st.lists(QUANTITY_TEXT, min_size=1, max_size=4).map(",".join),
    st.text(max_size=20),
)


@st.composite
def vary_spec(draw):
    usecase, name = draw(st.sampled_from(PARAMETERS))
    plausible = in_unit(parameter_unit(usecase, name))
    spec = draw(st.one_of(SPEC, st.tuples(plausible, plausible, COUNTS).map(":".join),
                          st.tuples(plausible, plausible, COUNTS, st.just("log")).map(":".join),
                          st.lists(plausible, min_size=1, max_size=5).map(",".join)))
    return usecase, name, spec


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=vary_spec(), fmt=st.sampled_from(["json", "csv"]))
def test_generated_vary_specs(case, fmt):
    usecase, name, spec = case
    code, out, err = run("sweep", usecase, "--vary", f"{name}={spec}", "--format", fmt)
    assert_clean(code, err)
    if code == 0:
        if fmt == "json":
            data = json.loads(out)
            assert len(data["rows"]) == data["points"]
        else:
            assert "inf" not in out.split("\n", 1)[1].lower().replace("infeasible", "")


KPIS = sorted({(uc.id, kpi, name) for uc in CATALOG for kpi in uc.kpis for name in uc.kpi_inputs(kpi)})


@st.composite
def solve_question(draw):
    usecase, kpi, parameter = draw(st.sampled_from(KPIS))
    value = draw(st.one_of(QUANTITY_TEXT, in_unit(CATALOG.get(usecase).kpis[kpi].unit)))
    return usecase, kpi, parameter, value


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=solve_question())
def test_generated_solve_targets(question):
    usecase, kpi, parameter, value = question
    code, out, err = run("solve", usecase, "--for", parameter, "--target", f"{kpi}={value}", "--format", "json")
    assert_clean(code, err)
    if code == 0:
        row = json.loads(out)
        assert row["value"] is not None or row["message"]  # no value: the message says why


# Whole command lines from a vocabulary of commands, options and values: any mix must end in
# success or one error line. Output files land in a temporary folder.
WORDS = st.sampled_from([
    "list", "show", "usecase", "check", "sweep", "solve", "split", "radio", DL, SPLIT, "alexnet", "nope",
    "--set", "--vary", "--target", "--for", "--format", "-o", "--catalog", "--family", "--zip", "--cell", "--qos",
    "--bits", "--ul-rate", "--latency", "--bandwidth", "--scs", "--layers", "--modulation", "--carrier",
    "--tdd-share", "--kpi", "--help", "--version", "json", "csv", "table", "markdown", "out.csv", "", "/",
    "/nonexistent/x.csv", "latency=1s", "latency=0", "model_size=1e300MB", "latency=1s:2s:3", "latency=1,2",
    "dl_data_rate=500Mbit/s", "model_size", "100MHz", "30kHz", "4", "256QAM", "split", "distribution", "-",
    "bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM", "--", "-x", "=", "nan"])


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=st.lists(WORDS, min_size=1, max_size=8))
def test_generated_command_lines(tmp_path_factory, argv):
    if "--help" in argv or "--version" in argv:
        argv = [a for a in argv if a not in ("--help", "--version")] or ["list"]
    with inside(tmp_path_factory.mktemp("cli")):
        code, out, err = run(*argv)
    if code == 0:
        assert "Traceback" not in err
    else:
        assert_refused(code, err)


# --- the real entry point --------------------------------------------------------------------

REAL = [
    (("usecase", DL, "--set", "latency=nan"), "NaN"),
    (("sweep", DL, "--vary", "latency=-1e308s:1e308s:3"), "finite"),  # numpy warnings must not leak
    (("split", "alexnet", "--ul-rate", "1e-300bit/s", "--format", "json"), "beyond floating point"),
    (("--catalog", "/nonexistent/dir", "list"), "does not exist"),
    (("solve", DL, "--for", "model_size", "--target", "dl_data_rate=1Mbit/s", "--set", "model_size=1MB"), "--set"),
]


@pytest.mark.parametrize("argv, fragment", REAL, ids=lambda v: " ".join(v)[:50] if isinstance(v, tuple) else None)
def test_entry_point_refusals_are_one_line(cli, argv, fragment):
    result = cli(*argv)
    assert_refused(result.returncode, result.stderr, fragment)
    assert result.stdout == ""


def test_entry_point_with_no_arguments_shows_help(cli):
    result = cli()
    assert result.returncode == 0 and "Usage" in result.stdout


SPLIT_OPTIONS = ["--bits", "--ul-rate", "--latency", "--frame-rate", "--device-speed", "--server-speed"]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=st.sampled_from(["alexnet", "vgg16", "resnet50", "mobilenetv2", "googlenet"]),
       options=st.dictionaries(st.sampled_from(SPLIT_OPTIONS), QUANTITY_TEXT, max_size=3),
       fmt=st.sampled_from(["json", "csv", "table"]))
def test_generated_split_options(model, options, fmt):
    argv = ["split", model, "--format", fmt]
    for option, value in options.items():
        argv += [option, value]
    code, out, err = run(*argv)
    assert_clean(code, err)
    if code == 0 and fmt == "json":
        data = json.loads(out)
        assert data["fastest"] and (data["best"] is None) == all(r["ul_rate_needed"]["value"] is None
                                                                 for r in data["rows"])


RADIO_VALUES = {
    "bandwidth": st.sampled_from(["5MHz", "20MHz", "100MHz", "400MHz", "50", "0.1GHz"]) | QUANTITY_TEXT,
    "scs": st.sampled_from(["15kHz", "30kHz", "60kHz", "120kHz", "30"]) | QUANTITY_TEXT,
    "layers": st.sampled_from(["1", "2", "4", "8"]) | QUANTITY_TEXT,
    "modulation": st.sampled_from(["QPSK", "16QAM", "64QAM", "256QAM", "1024QAM", "256qam"]) | st.text(max_size=8),
    "tdd": st.one_of(st.sampled_from(["DDDSU", "DDDSU:6:4:4", "0.74", "74%", "DSUUU", "S"]), QUANTITY_TEXT),
    "scaling": st.one_of(st.sampled_from(["1", "0.8", "0.75", "0.4"]), QUANTITY_TEXT),
    "fr": st.sampled_from(["FR1", "FR2", "fr1", "FR3", ""]),
}
RADIO_FLAGS = {"bandwidth": "--bandwidth", "scs": "--scs", "layers": "--layers", "modulation": "--modulation",
               "tdd": "--tdd-share", "scaling": "--scaling-factor", "fr": "--fr"}


@st.composite
def carriers(draw):
    """Usually the four required keys, sometimes one missing; optional keys at random."""
    required = ["bandwidth", "scs", "layers", "modulation"]
    if draw(st.integers(0, 4)) == 0:
        required.remove(draw(st.sampled_from(required)))
    keys = required + draw(st.lists(st.sampled_from(["tdd", "scaling", "fr"]), max_size=3, unique=True))
    carrier = {k: draw(RADIO_VALUES[k]) for k in keys}
    if draw(st.booleans()):  # a bandwidth the SCS has in TS 38.101 (others are refused)
        pair = draw(st.sampled_from([("100MHz", "30kHz"), ("20MHz", "15kHz"), ("400MHz", "120kHz"), ("50MHz", "60kHz")]))
        carrier.update((k, v) for k, v in zip(("bandwidth", "scs"), pair) if k in carrier)
    return carrier


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(carrier=carriers(), direction=st.sampled_from(["DL", "UL", "ul", "XL"]),
       as_spec=st.booleans(), fmt=st.sampled_from(["json", "csv"]))
def test_generated_radio_carriers(carrier, direction, as_spec, fmt):
    if as_spec:
        argv = ["radio", "--carrier", ",".join(f"{k}={v}" for k, v in carrier.items())]
    else:
        argv = ["radio"] + [x for k, v in carrier.items() for x in (RADIO_FLAGS[k], v)]
    code, out, err = run(*argv, "--direction", direction, "--format", fmt)
    assert_clean(code, err)
    if code == 0 and fmt == "json":
        peak = json.loads(out)["peak_rate"]["value"]
        assert peak > 0 and peak == peak


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(carrier=carriers(), usecase=st.sampled_from([SPLIT, DL, "fl-compressed"]),
       value=st.sampled_from(["payload=0MB", "latency=1e-9s", "latency=1e9s", "model_size=1e20MB", None]))
def test_generated_cell_specs(carrier, usecase, value):
    argv = ["usecase", usecase, "--cell", ",".join(f"{k}={v}" for k, v in carrier.items()), "--qos",
            "--format", "json"]
    if value is not None:
        argv += ["--set", value]
    code, out, err = run(*argv)
    assert_clean(code, err)
    if code == 0:
        for row in json.loads(out)["rows"]:
            cell = row.get("cell")
            if cell is not None:
                share = cell["share"]["value"]
                assert share is not None and share >= 0 and "users" not in cell  # users: per flow only


@pytest.mark.parametrize("argv", [("list",), ("show", "my-model-download"), ("usecase", "my-model-download"),
                                  ("check",)])
def test_rich_markup_in_a_user_catalog_is_shown_as_text_on_a_terminal(cli, tmp_path, argv):
    # On a terminal tables are drawn by rich, which reads "[/bold]" as markup: a MarkupError
    # traceback, and "[link=...]" would have become a hyperlink.
    write_usecase(tmp_path / "cat", title='"[/bold] closing [link=file:///etc/passwd]tag"',
                  label='"[/] label [red]x"', published='{value: 1.2 Gbit/s, note: "[/i] note"}')
    result = cli("--catalog", tmp_path / "cat", *argv, env={"TTY_COMPATIBLE": "1"})
    assert result.returncode == 0, result.stderr
    shown = ["[/bold] closing [link=file:///etc/passwd]tag", "[/] label [red]x", "[/i] note"]
    assert any(text in result.stdout for text in shown), result.stdout
