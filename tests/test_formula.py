"""formula.py: the whitelist, numeric evaluation, unit checks, limits, and property tests."""

import math
import subprocess
import sys
import warnings
from functools import reduce
from pathlib import Path

import numpy as np
import pint
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ammt_calc.errors import UserError
from ammt_calc.units.quantities import DIMENSIONLESS, Quantity
from ammt_calc.units.registry import parse_unit
from ammt_calc.usecases.formula import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    FormulaError,
    compile_formula,
)

ROOT = Path(__file__).resolve().parent.parent


def value(text, **values):
    return compile_formula(text).evaluate(values)


# --- units fixture --------------------------------------------------------------------------


class _Units:
    """ureg.bit, ureg.second, ...: the project's units by name, as pint's registry offers them."""

    def __getattr__(self, name):
        return DIMENSIONLESS if name == "dimensionless" else parse_unit(name)


@pytest.fixture(scope="module")
def ureg():
    return _Units()


@pytest.fixture(scope="module")
def q(ureg):
    """Unit quantities as Formula.units is fed them: 1.0 x unit."""
    return {
        "size": 1.0 * ureg.bit,
        "size_b": 1.0 * ureg.byte,
        "time": 1.0 * ureg.second,
        "time2": 1.0 * ureg.second,
        "area": 1.0 * ureg.metre**2,
        "ratio": 1.0 * ureg.dimensionless,
        "count": 1.0 * ureg.dimensionless,
    }


def dims(formula, q):
    return compile_formula(formula).units(q).dimensionality


# --- numeric evaluation ---------------------------------------------------------------------


def test_ts22261_split_image_payload_rate():
    f = compile_formula("payload / (latency - device_compute_time - server_compute_time)")
    result = f.evaluate({"payload": 0.27e6 * 8, "latency": 0.015, "device_compute_time": 0.0,
                         "server_compute_time": 0})
    assert result == pytest.approx(144e6, rel=1e-12)
    assert isinstance(result, float)


def test_arrays_broadcast():
    payload = np.array([1e6, 2e6, 4e6])
    window = np.array([[0.5], [2.0]])
    result = value("payload / window", payload=payload, window=window)
    assert result.shape == (2, 3)
    np.testing.assert_allclose(result, [[2e6, 4e6, 8e6], [0.5e6, 1e6, 2e6]])


def test_integer_inputs_are_floats():
    assert value("a / b", a=1, b=2) == 0.5
    assert value("a ** b", a=2, b=-1) == 0.5  # an int array to a negative int power fails in numpy
    np.testing.assert_array_equal(value("a ** -1", a=np.array([1, 2, 4])), [1.0, 0.5, 0.25])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a + b * c", 2 + 3 * 4),
        ("(a + b) * c", (2 + 3) * 4),
        ("-a ** 2", -4.0),
        ("a ** -1", 0.5),
        ("a ** b ** 2", 2.0**9),
        ("c / a / a", 1.0),
        ("c // b", 1.0),
        ("c % b", 1.0),
        ("-c % b", 2.0),
        ("+a - -b", 5.0),
        ("1 - (1 - a / c) ** (b + 1)", 1 - 0.5**4),
        ("10 ** 6", 1e6),
        ("1e30", 1e30),
        ("0x10 + 1_000", 1016.0),
    ],
)
def test_arithmetic(text, expected):
    assert value(text, a=2.0, b=3.0, c=4.0) == pytest.approx(expected, rel=1e-15)


def test_division_by_zero_gives_inf_or_nan_without_exception_or_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert value("a / b", a=1.0, b=0.0) == math.inf
        assert value("a / b", a=-1.0, b=0.0) == -math.inf
        assert math.isnan(value("a / b", a=0.0, b=0.0))
        assert value("1 / 0") == math.inf
        assert value("log(a)", a=0.0) == -math.inf
        assert math.isnan(value("sqrt(a)", a=-1.0))
        assert value("exp(a)", a=1e4) == math.inf
        result = value("payload / (latency - compute)", payload=8.0, latency=np.array([1.0, 0.5, 0.25]),
                       compute=0.5)
    np.testing.assert_array_equal(result, [16.0, math.inf, -32.0])


def test_where():
    f = compile_formula("where(window > 0, payload / window, 0)")
    np.testing.assert_array_equal(f.evaluate({"window": np.array([2.0, 0.0, -1.0]), "payload": 8.0}),
                                  [4.0, 0.0, 0.0])
    scalar = f.evaluate({"window": 4.0, "payload": 8.0})
    assert scalar == 2.0 and np.ndim(scalar) == 0 and not isinstance(scalar, np.ndarray)
    conditions = compile_formula("where(a > 0, b > 0, b < 0)")
    assert conditions.is_condition
    np.testing.assert_array_equal(conditions.evaluate({"a": np.array([1.0, -1.0]), "b": 1.0}), [True, False])


def test_min_max_elementwise_with_two_or_more_arguments():
    a, b, c = np.array([1.0, 5.0, 3.0]), np.array([4.0, 2.0, 6.0]), 2.5
    np.testing.assert_array_equal(value("min(a, b)", a=a, b=b), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(value("max(a, b, c)", a=a, b=b, c=c), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(value("min(a, b, c, 2)", a=a, b=b, c=c), [1.0, 2.0, 2.0])
    assert value("max(dl + compute + ul, 0)", dl=-5.0, compute=1.0, ul=1.0) == 0.0
    assert math.isnan(value("max(a, b)", a=math.nan, b=1.0))  # nan propagates: the solver sees it


@pytest.mark.parametrize(
    "text, x, expected",
    [
        ("ceil(x)", 2.1, 3.0),
        ("ceil(x)", -2.1, -2.0),
        ("floor(x)", 2.9, 2.0),
        ("ceil(model_size / 1500)", 3001.0, 3.0),
        ("log(x)", math.e**3, 3.0),
        ("log2(x)", 1024.0, 10.0),
        ("log10(x)", 1e-3, -3.0),
        ("exp(x)", 0.0, 1.0),
        ("sqrt(x)", 2.25, 1.5),
        ("abs(x)", -7.0, 7.0),
        ("x ** 0.5", 2.25, 1.5),
        ("group ** (1 / x)", 4.0, 0.999**0.25),
    ],
)
def test_functions(text, x, expected):
    assert value(text, x=x, model_size=x, group=0.999) == pytest.approx(expected, rel=1e-14)


def test_chained_comparisons_are_elementwise_and():
    a = np.array([0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(value("0 < a <= 2", a=a), [False, True, True, False])
    np.testing.assert_array_equal(value("1 <= a < b != 3", a=a, b=np.array([1.0, 2.0, 3.0, 5.0])),
                                  [False, True, False, True])
    np.testing.assert_array_equal(value("a == 1", a=a), [False, True, False, False])
    assert value("a >= b", a=1.0, b=1.0) == True  # noqa: E712 (numpy bool)


def test_and_or_not_are_elementwise():
    a = np.array([-1.0, 1.0, 1.0])
    b = np.array([1.0, -1.0, 1.0])
    np.testing.assert_array_equal(value("a > 0 and b > 0", a=a, b=b), [False, False, True])
    np.testing.assert_array_equal(value("a > 0 or b > 0", a=a, b=b), [True, True, True])
    np.testing.assert_array_equal(value("not a > 0", a=a), [True, False, False])
    np.testing.assert_array_equal(value("a < 0 or b < 0 and not a < 0", a=a, b=b), [True, True, False])


def test_names_text_and_kind():
    f = compile_formula("max(dl_time + compute_time, ceil(size / packet)) * where(x > 0, y, 0)")
    assert f.names == frozenset({"dl_time", "compute_time", "size", "packet", "x", "y"})
    assert f.text == "max(dl_time + compute_time, ceil(size / packet)) * where(x > 0, y, 0)"
    assert not f.is_condition
    assert compile_formula("2 * 3").names == frozenset()
    assert compile_formula("2 * 3").evaluate({}) == 6.0
    assert compile_formula("a <= 0").is_condition
    assert "size" in repr(f)


def test_whitespace_and_folded_lines_are_fine():
    assert value("  a +\n   b\t* 2 ", a=1.0, b=2.0) == 5.0
    assert compile_formula("  a +\n   b").text == "  a +\n   b"


def test_missing_or_bad_values():
    f = compile_formula("payload / window")
    with pytest.raises(FormulaError, match="no value for 'window'"):
        f.evaluate({"payload": 1.0})
    with pytest.raises(FormulaError, match="'payload' is not a number"):
        f.evaluate({"payload": "lots", "window": 1.0})


def test_formula_error_is_a_user_error_with_reason_and_formula():
    with pytest.raises(UserError) as info:
        compile_formula("x.__class__")
    assert isinstance(info.value, FormulaError)
    assert info.value.formula == "x.__class__"
    assert "attribute access" in info.value.reason
    assert str(info.value) == "formula 'x.__class__': attribute access (x.y) is not allowed"


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("x.__class__", "attribute access"),
        ("().__class__.__bases__[0].__subclasses__()", "calling anything but a function name"),
        ("__import__('os')", "calling '__import__' is not allowed"),
        ("open('f')", "calling 'open' is not allowed"),
        ("getattr(x, 'y')", "calling 'getattr' is not allowed"),
        ("x.f()", "calling anything but a function name"),
        ("x[0]", "subscript"),
        ("x[1:2]", "subscript"),
        ("lambda: 1", "lambda"),
        ("[i for i in x]", "comprehension"),
        ("(i for i in x)", "comprehension"),
        ("{1: 2}", "dict"),
        ("[1, 2]", "list"),
        ("a, b", "tuple"),
        ("'text'", "text literal"),
        ("b'bytes'", "byte literal"),
        ("f'{x}'", "f-string"),
        ("1j", "complex number"),
        ("True", "True/False"),
        ("None", "None"),
        ("...", r"\.\.\. is not allowed"),
        ("max(a, b, key=c)", "keyword arguments"),
        ("max(a, *b)", "starred"),
        ("(x := 1)", "assignment expression"),
        ("a if b else c", "where\\(c, a, b\\)"),
        ("a ^ 2", "operator '\\^' is not allowed \\(for powers write \\*\\*\\)"),
        ("a & b", "operator '&'"),
        ("a @ b", "operator '@'"),
        ("~a", "operator '~'"),
        ("a is b", "operator 'is'"),
        ("a in b", "operator 'in'"),
        ("_a + 1", "names starting with '_'"),
        ("__builtins__", "names starting with '_'"),
        ("min + 1", "'min' is a function"),
        ("where", "'where' is a function"),
        ("sin(x)", "calling 'sin' is not allowed"),
        ("min(a)", "min\\(\\) takes 2 or more arguments, not 1"),
        ("ceil(a, b)", "ceil\\(\\) takes 1 argument, not 2"),
        ("where(a > 0, b)", "where\\(\\) takes 3 arguments, not 2"),
        ("where(a, b, c)", "where\\(\\)'s first argument needs a condition"),
        ("where(a > 0, b > 0, c)", "two numbers or two conditions"),
        ("(a > b) + 1", "a condition cannot be a number"),
        ("ceil(a > b)", "a condition cannot be a number"),
        ("a and b", "and needs a condition"),
        ("not a", "not needs a condition"),
        ("(a < b) < c", "a condition cannot be a number"),
        ("x ** 9 ** 9 ** 9", "constant exponent must be between -64 and 64"),
        ("x ** (9 ** 9) ** 9", "constant exponent must be between -64 and 64"),
        ("2 ** 1000", "constant exponent must be between -64 and 64, not 1000"),
        ("x ** -65", "constant exponent"),
        ("x ** (1 / 0)", "constant exponent"),
        ("x ** (-8) ** (1 / 3)", "not a real number"),
        ("1e400", "numbers larger than 1e\\+30"),
        ("1" * 40, "numbers larger than 1e\\+30"),
        ("1.0000001e30", "numbers larger than 1e\\+30"),
        ("a # comment", "comments"),
        ("", "empty"),
        ("  \n ", "empty"),
        ("a +", "not a valid expression"),
        ("a b", "not a valid expression"),
        ("a = 1", "not a valid expression"),
        ("import os", "not a valid expression"),
        ("a\x00", "not a valid expression"),
        ("x" * (MAX_LENGTH + 1), "longer than 1000 characters"),
        ("(" * 500 + "x" + ")" * 500, "longer than 1000 characters"),
        ("(" * 300 + "x" + ")" * 300, "not a valid expression"),  # Python's own nesting limit
        ("-" * 400 + "x", "more than 300"),
        ("-(" * 100 + "x" + ")" * 100, "nested more than 40 levels"),
        ("x" + " ** x" * 150, "more than 300"),
        ("[" * 330, "not a valid expression"),
    ],
)
def test_refused(text, message):
    with pytest.raises(FormulaError, match=message):
        compile_formula(text)


def test_refused_non_text():
    with pytest.raises(FormulaError, match="must be text, not int"):
        compile_formula(3)
    with pytest.raises(FormulaError, match="must be text, not NoneType"):
        compile_formula(None)


def test_long_formula_is_shortened_in_the_message():
    with pytest.raises(FormulaError) as info:
        compile_formula("a + " * 100 + "[]")
    assert len(str(info.value)) < 200 and "..." in str(info.value)


def test_limits_are_inclusive():
    assert value("1e30 + a", a=0.0) == 1e30
    assert value("-1e30") == -1e30
    assert value("a ** 64", a=2.0) == 2.0**64
    assert value("a ** -64", a=2.0) == 2.0**-64
    assert value("a ** (8 * 8)", a=1.0) == 1.0
    assert value("a ** 2 ** 6", a=1.0) == 1.0
    assert value("a" + " " * (MAX_LENGTH - 1), a=3.0) == 3.0
    depth_ok = "-" * (MAX_DEPTH - 1) + "a"
    assert value(depth_ok, a=1.0) == -1.0
    with pytest.raises(FormulaError, match="nested"):
        compile_formula("-" + depth_ok)
    # min( + name nodes: the call, its function name and its arguments
    nodes_ok = "min(" + ", ".join(["a"] * (MAX_NODES - 2)) + ")"
    assert value(nodes_ok, a=2.0) == 2.0
    with pytest.raises(FormulaError, match="more than 300"):
        compile_formula("min(" + ", ".join(["a"] * (MAX_NODES - 1)) + ")")


def test_compiling_imports_neither_numpy_nor_pint():
    code = ("import sys; from ammt_calc.usecases.formula import compile_formula; "
            "compile_formula('where(a > 0, ceil(b / a), max(a, 0)) ** 2'); "
            "print('numpy' in sys.modules, 'pint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "False"]


# --- units ----------------------------------------------------------------------------------


def test_units_of_a_rate(q, ureg):
    assert dims("size / (time - time2)", q) == (ureg.bit / ureg.second).dimensionality
    assert dims("size_b * 8 / time", q) == (ureg.bit / ureg.second).dimensionality
    assert dims("size + size_b", q) == ureg.bit.dimensionality
    assert dims("ceil(size / size_b) * size_b", q) == ureg.bit.dimensionality
    assert dims("sqrt(area) / time", q) == (ureg.metre / ureg.second).dimensionality
    assert dims("area ** 0.5", q) == ureg.metre.dimensionality
    assert dims("size ** 2 / size", q) == ureg.bit.dimensionality
    assert dims("ratio ** (1 / count)", q) == ureg.dimensionless.dimensionality
    assert dims("1 - (1 - ratio) ** (count + 1)", q) == ureg.dimensionless.dimensionality
    assert dims("log(size / size_b) + exp(ratio)", q) == ureg.dimensionless.dimensionality
    assert dims("abs(time) % time2", q) == ureg.second.dimensionality
    assert dims("time // time2", q) == ureg.dimensionless.dimensionality
    result = compile_formula("size / time").units(q)
    assert isinstance(result, Quantity) and result.magnitude == 1.0


def test_literal_zero_fits_any_dimension(q, ureg):
    assert dims("where(time > 0, size / time, 0)", q) == (ureg.bit / ureg.second).dimensionality
    assert dims("max(time + time2, 0)", q) == ureg.second.dimensionality
    assert dims("0 - size", q) == ureg.bit.dimensionality
    assert dims("size + (1 - 1)", q) == ureg.bit.dimensionality
    assert dims("0", q) == ureg.dimensionless.dimensionality


def test_conditions_are_checked_and_give_dimensionless(q, ureg):
    for text in ("time <= 0", "0 < time < time2", "size > size_b and not ratio < 1", "where(time > 0, size > 0, ratio < 0)"):
        assert dims(text, q) == ureg.dimensionless.dimensionality, text
    with pytest.raises(FormulaError, match=r"cannot compare \[time\] with \[information\]"):
        compile_formula("0 < time < size").units(q)
    with pytest.raises(FormulaError, match="cannot compare"):
        compile_formula("where(time > size, 1, 0)").units(q)
    with pytest.raises(FormulaError, match="cannot compare"):
        compile_formula("not time > size").units(q)


@pytest.mark.parametrize(
    "text, message",
    [
        ("size + time", r"cannot add \[time\] to \[information\]"),
        ("size - time", r"cannot subtract \[time\] from \[information\]"),
        ("size + 1", r"cannot add dimensionless to \[information\]"),
        ("size > 1", r"cannot compare \[information\] with dimensionless"),
        ("time == size", r"cannot compare \[time\] with \[information\]"),
        ("min(size, time)", r"min\(\) of different dimensions: \[information\] and \[time\]"),
        ("max(size, size_b, time)", r"max\(\) of different dimensions"),
        ("where(ratio > 0, size, time)", r"where\(\) branches of different dimensions"),
        ("log(size)", r"log\(\) needs a dimensionless argument, not \[information\]"),
        ("log10(time)", r"log10\(\) needs a dimensionless argument"),
        ("exp(time)", r"exp\(\) needs a dimensionless argument"),
        ("ceil(size)", r"ceil\(\) needs a dimensionless argument"),
        ("floor(size / 8)", r"floor\(\) needs a dimensionless argument"),
        ("size ** count", r"x \*\* y with a variable y needs a dimensionless x, not \[information\]"),
        ("2 ** time", r"an exponent must be dimensionless, not \[time\]"),
        ("size // 8", r"\[information\] // dimensionless"),
        ("size % time", r"\[information\] % \[time\]"),
        ("(size + time) * 0", r"cannot add"),
        ("size * time + size", r"cannot add \[information\] to \[information\] \* \[time\]"),
    ],
)
def test_dimension_errors(q, text, message):
    with pytest.raises(FormulaError, match=message):
        compile_formula(text).units(q)


def test_units_inputs(q, ureg):
    f = compile_formula("size / time")
    with pytest.raises(FormulaError, match="no unit for 'time'"):
        f.units({"size": q["size"]})
    with pytest.raises(FormulaError, match="'time' is not a quantity"):
        f.units({"size": q["size"], "time": "1 s"})
    assert f.units({"size": ureg.bit, "time": 1.0 * ureg.second}).dimensionality == (ureg.bit / ureg.second).dimensionality
    assert compile_formula("a * 2").units({"a": 3.0}).dimensionless
    assert compile_formula("2 * 3").units({}).dimensionless


def test_units_from_a_pint_registry_is_a_formula_error(q):
    other = pint.UnitRegistry(None)
    other.define("second = [time]")
    with pytest.raises(FormulaError, match="'time' is not a quantity"):
        compile_formula("size / time").units({"size": q["size"], "time": 1.0 * other.second})


# --- property tests -------------------------------------------------------------------------

def _no_more_nodes_than_characters(text):
    """compile_formula counts expression nodes only in a source longer than MAX_NODES: each node
    takes a character of its own, so a shorter one cannot hold more."""
    import ast

    source = " ".join(text.split())
    try:
        with warnings.catch_warnings():  # "1a": invalid decimal literal
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError):
        return
    assert sum(isinstance(node, ast.expr) for node in ast.walk(tree)) <= len(source)


@settings(deadline=None)
@given(st.lists(st.sampled_from(["a", "1", "-", "+", "not ", "(", ")", "*", "<", "f'{a}'", "[", "]", ",", "{}", "a.b",
                                 "lambda:", " if ", " else ", "*a", "f'{a:}'", "...", "a[::]"]), max_size=40).map("".join))
def test_an_expression_has_no_more_nodes_than_characters(text):
    _no_more_nodes_than_characters(text)


FORMULA_ALPHABET = "abcxy_012.e+-*/%<>=!()[]{},:;'\"`\\#@&|^~ \n\tjlmnotw"
TOKENS = ["a", "b", "x", " ", "(", ")", "+", "-", "*", "/", "**", "//", "%", "<", "<=", "==", "!=", ">",
          "and", "or", "not", ",", "min(", "max(", "ceil(", "log(", "sqrt(", "where(", "1", "0", "2.5",
          "1e30", "1e31", ".", "[", "]", "_", "'", "lambda", ":", "if", "else", "9", "e", "j"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60),
                 st.text(alphabet=FORMULA_ALPHABET, max_size=60),
                 st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)))
def test_any_text_compiles_or_raises_formula_error(text):
    _no_more_nodes_than_characters(text)
    try:
        f = compile_formula(text)
    except FormulaError:
        return
    # Whatever compiles also evaluates, on scalars and arrays, and gives a unit or FormulaError.
    f.evaluate({n: 1.5 for n in f.names})
    f.evaluate({n: np.array([0.0, -1.0, 2.0]) for n in f.names})
    try:
        f.units({n: 1.0 for n in f.names})
    except FormulaError:
        pass


# Random arithmetic: each example is (text, reference, has_name), the reference computing the
# same expression on plain Python floats with IEEE results where Python would raise.


def _div(a, b):
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _minimum(a, b):  # np.minimum: nan wins, ties give the second argument
    return math.nan if math.isnan(a) or math.isnan(b) else (a if a < b else b)


def _maximum(a, b):
    return math.nan if math.isnan(a) or math.isnan(b) else (a if a > b else b)


def _rounded(fn):
    def r(x):  # C ceil/floor: infinities and nan pass, a zero keeps the sign of x
        if not math.isfinite(x):
            return x
        result = float(fn(x))
        return math.copysign(0.0, x) if result == 0 else result
    return r


def _sqrt(x):
    return math.sqrt(x) if x >= 0 else math.nan


BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _div}
UNARY = {"abs": abs, "sqrt": _sqrt, "ceil": _rounded(math.ceil), "floor": _rounded(math.floor)}
COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
           ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}

_names = st.sampled_from("abc").map(lambda n: (n, lambda env, n=n: env[n], True))
_numbers = st.one_of(st.integers(0, 20).map(float), st.floats(0, 1e3, allow_nan=False)).map(
    lambda v: (repr(v), lambda env, v=v: v, False))


def _extend(kids):
    binary = st.tuples(st.sampled_from(sorted(BINARY)), kids, kids).map(
        lambda t: (f"({t[1][0]} {t[0]} {t[2][0]})",
                   lambda env, f=BINARY[t[0]], x=t[1][1], y=t[2][1]: f(x(env), y(env)), t[1][2] or t[2][2]))
    negate = kids.map(lambda k: (f"(-{k[0]})", lambda env, x=k[1]: -x(env), k[2]))
    unary = st.tuples(st.sampled_from(sorted(UNARY)), kids).map(
        lambda t: (f"{t[0]}({t[1][0]})", lambda env, f=UNARY[t[0]], x=t[1][1]: f(x(env)), t[1][2]))
    # ** 2 only on arrays (names): numpy squares arrays exactly, as x * x does
    power = st.tuples(kids.filter(lambda k: k[2]), st.sampled_from([0, 1, 2])).map(
        lambda t: (f"({t[0][0]} ** {t[1]})",
                   lambda env, x=t[0][1], p=t[1]: [lambda v: 1.0, lambda v: v, lambda v: v * v][p](x(env)), True))
    extreme = st.tuples(st.sampled_from(["min", "max"]), st.lists(kids, min_size=2, max_size=3)).map(
        lambda t: (f"{t[0]}({', '.join(k[0] for k in t[1])})",
                   lambda env, f=_minimum if t[0] == "min" else _maximum, xs=[k[1] for k in t[1]]:
                   reduce(f, [x(env) for x in xs]), any(k[2] for k in t[1])))
    where = st.tuples(_conditions(kids), kids, kids).map(
        lambda t: (f"where({t[0][0]}, {t[1][0]}, {t[2][0]})",
                   lambda env, c=t[0][1], x=t[1][1], y=t[2][1]: x(env) if c(env) else y(env),
                   t[1][2] or t[2][2]))
    return st.one_of(binary, negate, unary, power, extreme, where)


def _conditions(kids):
    chain = st.tuples(kids, st.lists(st.tuples(st.sampled_from(sorted(COMPARE)), kids), min_size=1, max_size=2))

    def compare(t):
        first, links = t
        text = first[0] + "".join(f" {op} {k[0]}" for op, k in links)

        def fn(env):
            values = [first[1](env)] + [k[1](env) for _, k in links]
            return all(COMPARE[op](x, y) for (op, _), x, y in zip(links, values, values[1:]))

        return f"({text})", fn

    comparisons = chain.map(compare)
    return st.one_of(
        comparisons,
        st.tuples(comparisons, st.sampled_from(["and", "or"]), comparisons).map(
            lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})",
                       (lambda env, x=t[0][1], y=t[2][1]: x(env) and y(env)) if t[1] == "and"
                       else (lambda env, x=t[0][1], y=t[2][1]: x(env) or y(env)))),
        comparisons.map(lambda c: (f"(not {c[0]})", lambda env, x=c[1]: not x(env))),
    )


expressions = st.recursive(_names | _numbers, _extend, max_leaves=10)
name_values = st.lists(st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, -0.0, 1.0, 0.5])),
                       min_size=3, max_size=3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, st.lists(name_values, min_size=1, max_size=4))
def test_numpy_evaluation_matches_python_reference(expression, rows):
    text, reference, _ = expression
    try:
        f = compile_formula(text)
    except FormulaError as exc:  # only the limits may refuse a generated expression
        assert "nested" in str(exc) or "more than" in str(exc)
        return
    columns = {n: np.array([row[i] for row in rows]) for i, n in enumerate("abc")}
    result = np.broadcast_to(f.evaluate(columns), (len(rows),))
    expected = [reference(dict(zip("abc", row))) for row in rows]
    assert np.allclose(result, expected, rtol=1e-12, atol=0, equal_nan=True), (text, rows, result, expected)


# Random products, quotients, sums and integer powers of quantities of known dimensions: the
# expected dimension is a vector of exponents, or None where a sum mixes dimensions.
BASIS = {"s": (1, 0), "t": (0, 1), "r": (0, 0)}  # information, time, dimensionless


def _dim_extend(kids):
    def combine(t):
        op, (x, dx), (y, dy) = t
        text = f"({x} {op} {y})"
        if dx is None or dy is None:
            return text, None
        if op in "+-":
            return text, dx if dx == dy else None
        sign = 1 if op == "*" else -1
        return text, tuple(i + sign * j for i, j in zip(dx, dy))

    def power(t):
        (x, dx), p = t
        return f"({x} ** {p})", None if dx is None else tuple(i * p for i in dx)

    return st.one_of(st.tuples(st.sampled_from("+-*/"), kids, kids).map(combine),
                     st.tuples(kids, st.integers(-3, 3)).map(power))


dimensioned = st.recursive(st.sampled_from(sorted(BASIS)).map(lambda n: (n, BASIS[n])), _dim_extend, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(dimensioned)
def test_units_match_dimension_algebra(q, ureg, expression):
    text, expected = expression
    f = compile_formula(text)
    values = {"s": q["size_b"], "t": q["time"], "r": q["ratio"]}
    if expected is None:
        with pytest.raises(FormulaError, match="cannot (add|subtract)"):
            f.units(values)
    else:
        wanted = ureg.bit ** expected[0] * ureg.second ** expected[1]
        assert f.units(values).dimensionality == wanted.dimensionality


# --- choices --------------------------------------------------------------------------------

_CHOICE_NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=2, max_size=5, unique=True)


@given(_CHOICE_NAMES, st.data())
def test_comparing_a_choice_gives_its_position(choices, data):
    picked = data.draw(st.sampled_from(choices))
    code = float(choices.index(picked))
    f = compile_formula(f"where(mode == '{picked}', 1, 0)", {"mode": tuple(choices)})
    g = compile_formula(f"where('{picked}' != mode, 1, 0)", {"mode": tuple(choices)})
    codes = np.arange(len(choices), dtype=float)
    assert list(f.evaluate({"mode": codes})) == [float(c == code) for c in codes]
    assert list(g.evaluate({"mode": codes})) == [float(c != code) for c in codes]
    assert f.names == {"mode"}


@given(_CHOICE_NAMES, st.text(max_size=12))
def test_text_that_is_not_a_choice_is_refused(choices, text):
    if text in choices:
        return
    with pytest.raises(FormulaError):
        compile_formula(f"where(mode == {text!r}, 1, 0)", {"mode": tuple(choices)})


@pytest.mark.parametrize("text", ["mode + 1", "mode", "mode < 'a'", "mode == 'a' == mode", "mode == other",
                                  "where(mode == 'a', 'a', 0)", "min(mode, 1)"])
def test_a_choice_is_never_a_number(text):
    with pytest.raises(FormulaError):
        compile_formula(text, {"mode": ("a", "b")})


@pytest.mark.parametrize("text", ["where(x > 0, 'hi', 'lo') + 1", "'hi'", "min('hi', 'lo')", "where('hi' > 0, 'hi', 'lo')"])
def test_a_result_choice_stands_alone_in_a_branch(text):
    with pytest.raises(FormulaError):
        compile_formula(text, None, ("hi", "lo"))
    assert compile_formula("where(x > 0, 'hi', where(x < -1, 'lo', 'hi'))", None, ("hi", "lo")).evaluate(
        {"x": np.array([1.0, -2.0, 0.0])}).tolist() == [0.0, 1.0, 0.0]
