"""numtext's vectorised '%.12g': every path (the uint64 cell layout, the exact decimal exponent,
ties and extreme exponents through Python, zeros and NaN in bulk, small arrays through Python,
a separator after each cell, chunks) gives exactly Python's text, and join_rows drops only the
padding."""

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.present import numtext


def texts(values, nan=b"", after=b""):
    cells = numtext.format_numbers(np.array(values, dtype=float), nan, after)
    return [bytes(row).replace(b"\0", b"") for row in cells]


def python(values, nan=b"", after=b""):
    return [(nan if v != v else b"%.12g" % v) + after for v in values]


def vectorised(values):
    """Enough values that the numpy path runs, not the small-array Python path."""
    values = list(values)
    return values * (numtext._SMALL // max(1, len(values)) + 1)


# edge cases: powers of ten and the floats either side, rounding ties at the 12th digit, the
# positional/scientific borders, subnormals, the largest float, signed zeros, infinities
EDGES = [0.0, -0.0, 1.0, -1.0, 62.5, 144.00000000000003, 1e-5, 0.0001, 0.00012345, 123456789012.0,
         999999999999.5, 999999999999.4, 1e12, 1e11, 1.5e-7, 2e15, 1e100, 1e-100, 1e-300, 1e300, 1e-301, 1e301,
         5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, math.inf, -math.inf, 0.1 + 0.2, 1 / 3,
         -2 / 3, 9.9999999999995, 9.99999999999949, 0.5, 100.0, 0.00099999999999995, 1.00000000000005,
         1.0000000000005, 123456.7890125, -0.000123456789012345]
EDGES += [p * f for p in (10.0 ** k for k in range(-310, 309)) for f in (1.0, 1.0 + 2**-52, 1.0 - 2**-53)]


def test_edges_match_python_on_both_paths():
    assert texts(EDGES, b"nan") == python(EDGES, b"nan")  # numpy path: more than _SMALL values
    assert texts(EDGES[:40], b"nan") == python(EDGES[:40], b"nan")  # the small-array path


def test_every_decimal_exponent_and_digit_count():
    # 1.0, 1.2, 1.23, ... 1.23456789012 (and 9.99...) at every exponent -305..305, either sign
    mantissas = [float("1.23456789012"[:k]) for k in (1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)] + [9.99999999999]
    values = [s * m * 10.0**e for e in range(-305, 306) for m in mantissas for s in (1, -1)]
    assert texts(values) == python(values)


def test_ties_are_left_to_python():
    # x.5 at the 13th digit in decimal, and binary neighbours: float scaling could round either way
    values = [float(f"1.23456789012{d}5e{e}") for d in range(10) for e in range(-20, 21)]
    values += [math.nextafter(v, math.inf) for v in values] + [math.nextafter(v, 0) for v in values]
    assert texts(values) == python(values)


def test_zeros_nan_and_separators_in_bulk():
    values = vectorised([0.0, -0.0, math.nan, 1.5, -2.5e-300, 5e-324, math.inf, 1e22])
    for nan, after in ((b"", b""), (b"null", b", "), (b"", b",")):
        assert texts(values, nan, after) == python(values, nan, after)
    wide = vectorised([-1.23456789012e-300])  # the cell's last slot used: the separator goes into a copy
    assert texts(wide, after=b",") == python(wide, after=b",")


def test_chunks_join_into_one_column(monkeypatch):
    monkeypatch.setattr(numtext, "_CHUNK", 7)  # chunks of different slot ranges
    values = [1.0, 2.5, -3e-7, 1e20, 0.0, math.nan] * 50 + [0.001] * 30
    assert texts(values, b"null", b",") == python(values, b"null", b",")


def test_power_tables_are_exact():
    from fractions import Fraction

    for j in (-307, -300, -101, -23, -22, -1, 0, 1, 22, 23, 100, 308):
        ceiling = numtext._CEILING[j + numtext._E0]
        assert Fraction(ceiling) >= Fraction(10) ** j > Fraction(math.nextafter(ceiling, 0))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=60),
       st.sampled_from([b"", b"null"]), st.sampled_from([b"", b",", b", "]))
def test_any_floats_match_python(values, nan, after):
    assert texts(values, nan, after) == python(values, nan, after)
    many = vectorised(values)
    assert texts(many, nan, after) == python(many, nan, after)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40))
def test_any_bit_patterns_match_python(patterns):
    # every float, subnormals and NaN payloads included, drawn uniformly by its bits
    values = vectorised(struct.unpack(f"{len(patterns)}d", struct.pack(f"{len(patterns)}Q", *patterns)))
    assert texts(values, b"nan") == python(values, b"nan")


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 999_999_999_999), st.integers(-320, 320), st.booleans())
def test_twelve_digit_decimals_match_python(digits, exponent, negative):
    value = float(f"{'-' if negative else ''}{digits}e{exponent}")
    assert texts(vectorised([value])) == python(vectorised([value]))


def test_column_cells_broadcast_and_sign_of_zero():
    shape = (3, 4)
    cells = numtext.column_cells(np.array([[-0.0], [1.5], [math.inf]]), shape, b"null", b",")
    assert cells.c.shape[:2] == (3, 1)  # formatted once per row of the first axis
    joined = numtext.join_rows([cells, b"\n"], 12, shape).decode().splitlines()
    assert joined == ["0,"] * 4 + ["1.5,"] * 4 + ["null,"] * 4


@pytest.mark.parametrize("n", [1, 5, 300])
def test_join_rows_mixes_pieces(n):
    numbers = np.arange(n) * 0.5
    cells = numtext.column_cells(numbers, (n,), after=b";")
    names = numtext.text_cells([b"a", b"bcd", b""])[np.arange(n) % 3]
    out = numtext.join_rows([b"<", cells, names, b">\n"], n)
    assert bytes(out) == b"".join(b"<%.12g;%s>\n" % (v, [b"a", b"bcd", b""][i % 3]) for i, v in enumerate(numbers))


def test_chosen_texts_take_only_the_width_of_their_chunk(monkeypatch):
    monkeypatch.setattr(numtext, "_TABLE_BYTES", 64)  # chunks of a few rows: most have no reason at all
    texts = [b"", b"a reason", b"another, longer reason"]
    index = np.array([0] * 40 + [1] * 3 + [0] * 40 + [2] + [0] * 16)
    shape = (25, 4)
    numbers = numtext.column_cells(np.arange(100.0).reshape(shape), shape, after=b",")
    out = numtext.join_rows([numbers, numtext.Chosen(numtext.text_cells(texts), index), b"\n"], 100, shape)
    assert bytes(out) == b"".join(b"%d,%s\n" % (i, texts[k]) for i, k in enumerate(index))
    empty = numtext.join_rows([numtext.Chosen(numtext.text_cells([b""]), np.zeros(6, int))], 6, (2, 3))
    assert bytes(empty) == b""


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=50))
def test_rounded_is_reading_back_the_12_digit_text(values):
    got = numtext.rounded(np.array(values))
    expected = np.array([float(f"{v:.12g}") for v in values])
    numbers = ~np.isnan(expected)  # NaN is written as null whatever its sign
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got[numbers]), np.signbit(expected[numbers]))


def test_rounded_by_hand():
    values = np.array([144.00000000000003, 0.1 + 0.2, 1e12 - 0.5, 2.5e-7, -0.0, 123456789012345.0])
    assert numtext.rounded(values).tolist() == [144.0, 0.3, 1e12, 2.5e-7, -0.0, 123456789012000.0]
