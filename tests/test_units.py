"""Tests for ammt_calc.units.registry: our own registry, parsing, refusals, formatting."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.errors import UserError
from ammt_calc.units import registry as U

REPO = Path(__file__).resolve().parents[1]


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12)


# ---- registry --------------------------------------------------------------


def test_registry_is_cached_and_has_no_pint_defaults():
    reg = U.registry()
    assert reg is U.registry()
    for name in ("barn", "baud", "inch", "kelvin"):  # all in pint's default file
        with pytest.raises(pint.UndefinedUnitError):
            reg.Unit(name)


def test_importing_units_does_not_import_pint_or_numpy():
    code = (
        "import sys, ammt_calc.units.registry as u\n"
        "assert u.is_bare_number(' 1.5e3 ') and not u.is_bare_number('5 MB')\n"
        "assert 'pint' not in sys.modules and 'numpy' not in sys.modules, 'eager import'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_no_name_parses_two_ways():
    # pint picks the first candidate silently; we refuse, so there must be none today.
    reg = U.registry()
    prefixes = ["", "p", "n", "u", "µ", "m", "k", "M", "G", "T", "P", "E",
                "Ki", "Mi", "Gi", "Ti", "Pi"]
    for name in U._known_names():
        for prefix in prefixes:
            for plural in ("", "s"):
                assert len(reg.parse_unit_name(prefix + name + plural)) <= 1, prefix + name


def test_names_table_is_current():
    """unit_names.json is what pint makes of units.txt today: after editing units.txt,
    run `python -m ammt_calc.units.registry`."""
    import json

    assert json.loads(U.NAMES_TABLE.read_text(encoding="utf-8")) == json.loads(json.dumps(U.build_names_table()))


UNIT_TEXTS = ["Mbit/s", "1/km^2", "s/bit", "op/s/bit", "bit*s", "km^2*op/s^2", "s^-1*bit", "%", "MByte/frame",
              "frame/s*bit", "GiB/h", "Mbps*ms", "TOPS", "Mbps", "MB/s*s", "GMAC/s", "fps", "ppm", "kHz*ms",
              "UE/km2", "(MB/s)^2/Mbit", "1/s", "min", "d*h/s", "TFLOPS/Hz"]


@pytest.mark.parametrize("text", UNIT_TEXTS)
def test_units_behave_as_pint(text):
    """Terms, symbols, base factor and dimensions as pint's own Unit of the same names."""
    unit = U.parse_unit(text)
    reg = U.registry()
    theirs = reg.Unit("dimensionless")
    for name, _, exponent in unit.terms:
        theirs = theirs * reg.Unit(name) ** exponent
    assert {n: e for n, _, e in unit.terms} == dict(theirs._units)
    assert U.parse_unit(U.format_unit(unit) or "1") == unit  # format_unit's text reads back
    assert [s for _, s, _ in unit.terms] == [reg.get_symbol(n) for n in theirs._units]
    assert close(unit.factor, reg.Quantity(1.0, theirs).to_base_units().magnitude)
    assert str(unit.dimensionality) == str(theirs.dimensionality)
    assert U.parse_quantity(f"2.5 {text}").to(U.base_unit(unit)).magnitude == pytest.approx(
        reg.Quantity(2.5, theirs).to_base_units().magnitude, rel=1e-15)


# ---- values ------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit, factor",
    [
        ("bit", 1), ("B", 8), ("byte", 8), ("octet", 8), ("kB", 8e3), ("MB", 8e6),
        ("MByte", 8e6), ("GB", 8e9), ("KiB", 8 * 2**10), ("MiB", 8 * 2**20),
        ("Gibit", 2**30), ("Mbit", 1e6), ("Mbps", 1e6), ("Gbit/s", 1e9),
        ("MByte/s", 8e6), ("s", 1), ("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6),
        ("μs", 1e-6), ("ns", 1e-9), ("min", 60), ("h", 3600), ("Hz", 1), ("GHz", 1e9),
        ("fps", 1), ("frames/s", 1), ("km^2", 1e6), ("km2", 1e6), ("m2", 1),
        ("1/km2", 1e-6), ("%", 0.01), ("percent", 0.01), ("ppm", 1e-6), ("op", 1),
        ("FLOP", 1), ("MAC", 2), ("GMAC", 2e9), ("OPS", 1), ("TOPS", 1e12),
        ("TFLOPS", 1e12), ("MByte/frame", 8e6), ("UE/km^2", 1e-6),
    ],
)
def test_base_factor(unit, factor):
    assert close(U.base_factor(unit), factor)


def test_headline_conversions():
    assert U.parse_quantity("1 MB").to("bit").magnitude == 8e6
    assert U.parse_quantity("1 MiB").to("bit").magnitude == 8 * 2**20
    assert U.parse_quantity("1 Mbps").to("bit/s").magnitude == 1e6
    rate = U.parse_quantity("0.27 MByte") / U.parse_quantity("15 ms")
    assert close(rate.to(U.parse_unit("Mbit/s")).magnitude, 144.0)
    assert close(U.to_base(rate), 144e6)
    assert close(U.to_base(U.parse_quantity("99.999 %")), 0.99999)
    assert U.parse_quantity("99.999%").to("dimensionless").magnitude == pytest.approx(0.99999)
    assert U.to_base(U.parse_quantity("30 fps")) == 30.0
    assert close(U.to_base(U.parse_quantity("5000 /km2")), 5000e-6)
    assert close(U.to_base(U.parse_quantity("5000/km^2")), 5000e-6)
    assert U.to_base(U.parse_quantity("2 TOPS")) == 2e12


@pytest.mark.parametrize(
    "text, magnitude, unit",
    [
        ("102.4MB", 102.4, "MByte"), ("102.4 MB", 102.4, "MByte"), ("500 ms", 500, "ms"),
        ("1.1 Gbit/s", 1.1, "Gbit/s"), ("99.999 %", 99.999, "%"), ("1e9", 1e9, ""),
        ("5000 /km2", 5000, "1/km^2"), ("2 TOPS", 2, "TOPS"), ("0.27 MByte", 0.27, "MByte"),
        ("-1.5e-3 s", -1.5e-3, "s"), (".5 h", 0.5, "h"), ("7 km²", 7, "km^2"),
        ("  3\tus ", 3, "us"), ("4 (Mbit/s)/km^2", 4, "Mbit/s/km^2"), ("2 s**-1", 2, "1/s"), ("9 1/km^2", 9, "1/km^2"),
        ("10 MByte/frame", 10, "MByte/frame"), ("5 UEs/km2", 5, "UE/km^2"),
    ],
)
def test_parse_quantity_accepts(text, magnitude, unit):
    q = U.parse_quantity(text)
    assert type(q.magnitude) is float and q.magnitude == magnitude
    assert U.format_unit(q.units) == unit


def test_default_unit_and_plain_numbers():
    assert U.parse_quantity("5", default_unit="ms") == U.parse_quantity("5 ms")
    assert U.parse_quantity("5 s", default_unit="ms").units == U.parse_unit("s")
    assert U.parse_quantity("5", default_unit=U.parse_unit("MB")).units == U.parse_unit("MB")
    assert U.parse_quantity("5").dimensionless
    assert U.parse_quantity(2.5).magnitude == 2.5  # numbers straight from YAML
    assert U.parse_quantity(3).magnitude == 3.0


def test_dimension_errors_are_real():
    with pytest.raises(U.DimensionalityError):
        U.parse_quantity("1 Mbit/s").to("Hz")
    with pytest.raises(U.DimensionalityError):
        U.parse_quantity("1 MB") + U.parse_quantity("1 s")
    with pytest.raises(U.DimensionalityError):
        U.parse_quantity("1 MB") + U.parse_quantity("1")


def test_equal_spellings_give_equal_units():
    p = U.parse_unit
    assert p("Mbps") == p("Mbit/s") == p("Mbit / s") == p("megabit/second")
    assert p("MB") == p("MByte") == p("Mbyte")
    assert p("us") == p("µs") == p("μs")
    assert p("km2") == p("km^2") == p("km**2") == p("km²")
    assert p("/km2") == p("1/km^2")
    assert p("%") == p("percent")


def test_to_base_arrays_and_scalars():
    q = U.Quantity(np.array([1.0, 2.5]), U.parse_unit("MB"))
    np.testing.assert_array_equal(U.to_base(q), [8e6, 2e7])
    assert type(U.to_base(U.parse_quantity("1 ms"))) is float


def test_base_quantity_and_dimensions():
    bq = U.base_quantity("Mbit/s")
    assert bq.magnitude == 1.0 and bq.units == U.parse_unit("bit/s")
    assert U.base_quantity("GMAC").units == U.parse_unit("op")
    assert U.base_quantity("%").dimensionless
    assert U.dimension_text("Mbit/s") == "[information] / [time]"
    assert U.dimension_text(U.parse_quantity("3 MB")) == "[information]"
    assert U.dimension_text("%") == "dimensionless"
    assert U.dimension_text("TOPS") == "[computation] / [time]"
    assert U.same_dimension("Mbps", "GByte/s")
    assert U.same_dimension("MByte/frame", U.parse_quantity("1 MB"))
    assert U.same_dimension("Hz", "fps")
    assert not U.same_dimension("Mbit/s", "Hz")
    assert not U.same_dimension("MB", "1")


def test_is_bare_number():
    for text in ("1", " -2.5 ", "1e9", ".5", "5.", "+3E-2"):
        assert U.is_bare_number(text), text
    for text in ("", "5 MB", "1,000", "nan", "inf", "1e", "0x10", "1_000", None):
        assert not U.is_bare_number(text), text


# ---- formatting ----------------------------------------------------------------

FORMATTED = {
    "bit": "bit", "kbit": "kbit", "Mbit": "Mbit", "Gbit": "Gbit", "byte": "Byte",
    "B": "Byte", "kB": "kByte", "kByte": "kByte", "MB": "MByte", "GByte": "GByte",
    "MiB": "MiByte", "Mbit/s": "Mbit/s", "Gbps": "Gbit/s", "MByte/s": "MByte/s",
    "kbit/s": "kbit/s", "ms": "ms", "s": "s", "µs": "us", "Hz": "Hz", "1/s": "1/s",
    "%": "%", "/km2": "1/km^2", "m^2": "m^2", "km2": "km^2",
    "Mbit/s/km^2": "Mbit/s/km^2", "Gbit/s/km2": "Gbit/s/km^2", "op": "op",
    "op/s": "op/s", "GMAC": "GMAC", "TOPS": "TOPS", "1": "", "": "", " ": "", "s/s": "", "fps": "fps",
    "min": "min", "MB/s*s": "MByte", "bit*s": "bit*s",
}


@pytest.mark.parametrize("text, expected", FORMATTED.items())
def test_format_unit(text, expected):
    unit = U.parse_unit(text)
    assert U.format_unit(unit) == expected
    assert U.parse_unit(expected) == unit


# ---- refusals ------------------------------------------------------------------

REFUSALS = [
    ("", "empty text"),
    ("   ", "empty text"),
    ("abc", "not a quantity"),
    ("nan", "NaN and infinity"),
    ("-inf MB", "NaN and infinity"),
    ("Infinity", "NaN and infinity"),
    ("1e999", "too large for a float"),
    ("1e308 PB", "too large in base units"),
    ("1,000", "write 1000, not 1,000"),
    ("1,5 MB", "no thousands separators"),
    ("5 Mb", "ambiguous unit 'Mb': write Mbit (megabit, 10^6 bit) or MB/MByte (megabyte, 10^6 byte)"),
    ("5 Gb", "write Gbit (gigabit, 10^9 bit) or GB/GByte (gigabyte, 10^9 byte)"),
    ("5 kb", "write kbit (kilobit, 10^3 bit) or kB/kByte"),
    ("5 Kb", "write kbit (kilobit, 10^3 bit) or kB/kByte"),
    ("5 Gb/s", "ambiguous unit 'Gb'"),
    ("5 b", "ambiguous unit 'b': write bit or B/Byte"),
    ("5 KB", "ambiguous unit 'KB': write kB (1000 byte) or KiB (1024 byte)"),
    ("5 Kbit", "write kbit (1000 bit) or Kibit (1024 bit)"),
    ("5 Kbps", "write kbit/s (1000 bit/s) or Kibit/s (1024 bit/s)"),
    ("5 MBps", "ambiguous unit 'MBps': write MByte/s (megabyte per second) or Mbit/s"),
    ("5 GBps", "write GByte/s (gigabyte per second) or Gbit/s (gigabit per second)"),
    ("5 KBps", "ambiguous unit 'KBps'"),
    ("5 mbps", "ambiguous unit 'mbps': write MByte/s"),
    ("5 MBs", "write MB (bytes) or MB/s"),
    ("5 mB", "would be millibyte"),
    ("5 FLOPs", "write FLOP (a count) or FLOP/s (per second)"),
    ("5 GMACs", "write GMAC (a count; 1 MAC = 2 op) or GMAC/s"),
    ("5 Tops", "write Top (a count) or TOPS (per second)"),
    ("5 MB MB", "unexpected 'MB' in unit 'MB MB' (join units with * or /)"),
    ("5 Mbit s", "join units with * or /"),
    ("5 s^22", "powers are ^n"),
    ("5 (s", "missing ')'"),
    ("5 s)", "unexpected ')'"),
    ("5 1", "expected a unit after the number"),
    ("5 2/s", "expected a unit after the number"),
    ("5 barn", "unknown unit 'barn'"),
    ("5 MBYTE", "did you mean MByte"),
    ("5 hz", "did you mean Hz"),
    ("__import__('os').system('false')", "not a quantity"),
    ("5 __import__('os')", "unexpected '_'"),
    ("1 MB; import os", "unexpected ';'"),
    ("1" * 200, "text too long"),
]


@pytest.mark.parametrize("text, message", REFUSALS)
def test_refusals(text, message):
    with pytest.raises(U.UnitError) as info:
        U.parse_quantity(text, what="model_size")
    text_of = str(info.value)
    assert message in text_of
    assert text_of.startswith(f"model_size {text.strip()[:20]!r}"[:-1])
    assert "\n" not in text_of
    assert isinstance(info.value, UserError)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, None, [1]])
def test_non_text_refused(bad):
    with pytest.raises(U.UnitError, match="^rate"):
        U.parse_quantity(bad, what="rate")


@pytest.mark.parametrize("text", ["Mb", "MBps", "KB", "5", "MB MB", "s^", "xyz"])
def test_parse_unit_refusals(text):
    with pytest.raises(U.UnitError, match=r"^unit '"):
        U.parse_unit(text)


# ---- properties ----------------------------------------------------------------

UNITS = [u for u in FORMATTED if u.strip() not in ("1", "")] + ["Mbps", "kbps", "MiB", "Kibit", "h", "ns", "GHz", "ppm",
                           "TFLOPS", "frames/s", "MByte/frame", "UE/km2"]
# Not below ~1e-290: subnormal numbers (in the unit or in base units, 1e-300 ns) are refused.
FLOATS = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False).filter(
    lambda f: f == 0 or abs(f) >= 1e-290)


@settings(deadline=None)
@given(FLOATS, st.sampled_from(UNITS))
def test_magnitude_round_trips(f, unit):
    q = U.parse_quantity(f"{f!r} {unit}")
    assert q.magnitude == f and type(q.magnitude) is float
    assert q.units == U.parse_unit(unit)


@settings(deadline=None)
@given(st.sampled_from(UNITS), st.sampled_from(UNITS), st.integers(-3, 3))
def test_format_round_trips(a, b, power):
    unit = U.parse_unit(a) / U.parse_unit(b) ** power
    assert U.parse_unit(U.format_unit(unit)) == unit


def _never_crashes(text):
    try:
        q = U.parse_quantity(text)
    except U.UnitError as exc:
        assert "\n" not in str(exc)
    else:
        assert math.isfinite(q.magnitude) and math.isfinite(U.to_base(q))


@settings(deadline=None, max_examples=300)
@given(st.text())
def test_random_text_is_quantity_or_unit_error(text):
    _never_crashes(text)


# Text built from the characters that matter reaches the unit parser far more often.
UNITISH = st.text(alphabet="0123456789.eE+- MBbitKkGgs/^*()%µ²,_pnuh", max_size=20)


@settings(deadline=None, max_examples=300)
@given(UNITISH)
def test_unitish_text_is_quantity_or_unit_error(text):
    _never_crashes(text)


@pytest.mark.parametrize("text", ["1e-5000 s", "-1e-400", "0.5e-330 MB"])
def test_numbers_that_round_to_zero_are_refused_not_silently_zero(text):
    with pytest.raises(U.UnitError, match="too small"):
        U.parse_quantity(text)


@pytest.mark.parametrize("text", ["0", "0.0", "-0", "0e5", "0.000 ms"])
def test_zero_written_any_way_is_zero(text):
    assert U.parse_quantity(text).magnitude == 0
