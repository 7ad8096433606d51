"""Safe formula compiler: catalog formula text -> numpy evaluation and unit checking.

Catalog formulas are untrusted text. `compile_formula` parses one with `ast` and checks
every node against the whitelist below; nothing else gets through, and the text is never
handed to eval/exec. Each allowed node becomes two closures:

- `num(env)`: the value on plain magnitudes (numpy arrays or floats, broadcasting);
- `unit(env)`: the unit of the value (quantities.Unit), with every dimension rule
  checked (`env` maps names to units; `env[""]` is the dimensionless unit).

Conditions (comparisons, and/or/not) are a separate kind: they are only allowed where
true/false is expected (`where`'s first argument, and/or/not, a whole condition formula),
so a formula never adds a boolean to a size. numpy is imported on the first evaluation,
so compiling a catalog does not need it.
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from functools import reduce
from typing import Any, Callable, Mapping, NamedTuple

from ..errors import UserError

MAX_LENGTH = 1000  # characters of formula text
MAX_NODES = 300  # expression nodes: names, numbers, operations, calls
MAX_DEPTH = 40  # nesting of operations; a chain a + b - c + ... (or a * b / c ...) is one level
MAX_LITERAL = 1e30  # largest number written in a formula
MAX_EXPONENT = 64  # largest constant exponent, in absolute value

np: Any = None  # numpy, set by _numpy() on the first evaluation


class FormulaError(UserError):
    """A formula that is refused (compile), cannot be evaluated, or mixes dimensions."""

    def __init__(self, reason: str, formula: str | None = None):
        self.reason, self.formula = reason, formula
        super().__init__(f"formula {_shown(formula)}: {reason}" if isinstance(formula, str) else reason)


# --- the whitelist ----------------------------------------------------------------------

_BINARY = {  # node -> (symbol, operation on magnitudes)
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
    ast.Pow: ("**", operator.pow),
}
_CHAIN = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2, ast.Mod: 2}  # one precedence level each
_UNARY = {ast.USub: ("-", operator.neg), ast.UAdd: ("+", operator.pos)}  # `not`: _unaryop
_COMPARE = {
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
}
_FUNCTIONS = {  # name -> (numpy function, fewest arguments, most (None: any), unit rule)
    "min": ("minimum", 2, None, "same"),
    "max": ("maximum", 2, None, "same"),
    "abs": ("absolute", 1, 1, "same"),
    "sqrt": ("sqrt", 1, 1, "sqrt"),
    "ceil": ("ceil", 1, 1, "dimensionless"),
    "floor": ("floor", 1, 1, "dimensionless"),
    "exp": ("exp", 1, 1, "dimensionless"),
    "log": ("log", 1, 1, "dimensionless"),
    "log2": ("log2", 1, 1, "dimensionless"),
    "log10": ("log10", 1, 1, "dimensionless"),
    "expm1": ("expm1", 1, 1, "dimensionless"),  # exp(x) - 1 and log(1 + x) without cancellation
    "log1p": ("log1p", 1, 1, "dimensionless"),  # near 0: 1 - 0.999^(1/92000) keeps all its digits
    "where": ("where", 3, 3, "where"),
}

# What a refusal says about everything else.
_REFUSED_OPERATORS = {
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.MatMult: "@",
    ast.Invert: "~",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_REFUSED_NODES = {
    ast.Attribute: "attribute access (x.y)",
    ast.Subscript: "a subscript (x[i])",
    ast.Slice: "a slice",
    ast.Lambda: "lambda",
    ast.IfExp: "a conditional expression (for a if c else b, write where(c, a, b))",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Starred: "a starred argument (*x)",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_REFUSED_LITERALS = {
    str: "a text literal",
    bytes: "a byte literal",
    bool: "True/False (write a comparison)",
    type(None): "None",
    complex: "a complex number",
    type(...): "...",
}


# --- compiling ----------------------------------------------------------------------------


class _Refused(Exception):
    """Internal: why a formula is refused (compile_formula adds the formula)."""


class _Problem(Exception):
    """Internal: a dimension error found by a unit closure."""


class _Node(NamedTuple):
    num: Callable[[dict], Any]  # value on magnitudes
    unit: Callable[[dict], Any]  # unit of the value (None for a condition)
    is_condition: bool  # true/false rather than a number
    const: float | None  # the value, if made of numbers and arithmetic only


def compile_formula(text: str, choices: Mapping[str, tuple[str, ...]] | None = None,
                    result_choices: tuple[str, ...] | None = None) -> Formula:
    """Check `text` against the whitelist and compile it; raises FormulaError.

    `choices` names the categorical parameters and their choices: such a name may only be
    compared with one of its choices written as text (`schedule == 'sequential'`), which
    compiles to its code (the choice's position, from 0). `result_choices`: the formula
    gives one of these choices, written as text in where() branches
    (`where(latency_a <= latency_b, 'A', 'B')`).
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"longer than {MAX_LENGTH} characters", text)
    if "#" in text:  # whitespace is joined below, so a comment would swallow the rest
        raise FormulaError("comments (#) are not allowed", text)
    if not text.isascii():  # Python's parser NFKC-normalises names: a fullwidth 'ａ' would read 'a'
        bad = next(c for c in text if not c.isascii())
        raise FormulaError(f"only ASCII is allowed in a formula (names, numbers, operators); found {bad!r}"
                           f" (U+{ord(bad):04X})", text)
    source = " ".join(text.split())  # YAML may fold a formula over several lines
    if not source:
        raise FormulaError("the formula is empty", text)
    try:
        with warnings.catch_warnings():  # e.g. invalid escapes in a (refused) string
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not a valid expression ({exc.msg})", text) from None
    except (ValueError, OverflowError, RecursionError, MemoryError):
        raise FormulaError("not a valid expression", text) from None
    # Each expression node takes at least one character of its own (a name, a number, an
    # operator, a bracket), so only a source longer than MAX_NODES needs counting.
    if len(source) > MAX_NODES and sum(isinstance(node, ast.expr) for node in ast.walk(tree)) > MAX_NODES:
        raise FormulaError(f"too long: more than {MAX_NODES} names, numbers and operations", text)
    if result_choices and not _gives_a_choice(tree.body):
        raise FormulaError("a KPI with choices gives one of them, written as text in where() branches:"
                           " where(condition, 'a', 'b')", text)
    compiler = _Compiler(dict(choices or {}), tuple(result_choices or ()))
    try:
        node = compiler.build(tree.body, 0)
    except _Refused as exc:
        raise FormulaError(str(exc), text) from None
    return Formula(text, frozenset(compiler.names), node)


def _gives_a_choice(node: ast.AST) -> bool:
    """A choice written as text, or where() whose branches both give one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "where"
            and len(node.args) == 3 and all(_gives_a_choice(a) for a in node.args[1:]))


class _Compiler:
    """One builder per allowed node kind; anything without a builder is refused."""

    def __init__(self, choices: dict[str, tuple[str, ...]], result_choices: tuple[str, ...]) -> None:
        self.names: set[str] = set()
        self.choices, self.result_choices = choices, result_choices
        self.in_branch = 0  # > 0 inside a where() branch, where a result choice may be written

    def choice_code(self, node: ast.AST, choices: tuple[str, ...], what: str) -> float:
        """The code of a choice written as text; refuses anything else."""
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            raise _Refused(f"{what} can only be compared with one of its choices written as text"
                           f" ({', '.join(repr(c) for c in choices)})")
        if node.value not in choices:
            raise _Refused(f"'{node.value}' is not a choice of {what} (choices: {', '.join(choices)})")
        return float(choices.index(node.value))

    def build(self, node: ast.AST, depth: int) -> _Node:
        if depth >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep")
        builder = _BUILDERS.get(type(node))
        if builder is None:
            what = _REFUSED_NODES.get(type(node), f"a {type(node).__name__} expression")
            raise _Refused(f"{what} is not allowed")
        branch = self.in_branch  # a result choice stands alone in a branch, never inside arithmetic
        if not isinstance(node, ast.Constant) and not (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "where"):
            self.in_branch = 0
        try:
            return builder(self, node, depth + 1)
        finally:
            self.in_branch = branch

    def number(self, node: ast.AST, depth: int, where: str) -> _Node:
        built = self.build(node, depth)
        if built.is_condition:
            raise _Refused(f"a condition cannot be a number (in {where}); write where(condition, a, b)")
        return built

    def condition(self, node: ast.AST, depth: int, where: str) -> _Node:
        built = self.build(node, depth)
        if not built.is_condition:
            raise _Refused(f"{where} needs a condition such as x > 0, not a number")
        return built

    def constant(self, node: ast.Constant, depth: int) -> _Node:
        value = node.value
        if isinstance(value, str) and self.result_choices and self.in_branch:
            code = self.choice_code(node, self.result_choices, "the result")
            return _Node(lambda env: np.float64(code), _dimensionless, False, code)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = _REFUSED_LITERALS.get(type(value), f"a {type(value).__name__} literal")
            raise _Refused(f"{what} is not allowed")
        if not abs(value) <= MAX_LITERAL:  # also refuses inf (1e400) and huge ints
            raise _Refused(f"numbers larger than {MAX_LITERAL:g} are not allowed")
        value = float(value)
        return _Node(lambda env: np.float64(value), _dimensionless, False, value)

    def name(self, node: ast.Name, depth: int) -> _Node:
        name = node.id
        if name.startswith("_"):
            raise _Refused(f"names starting with '_' are not allowed ({name})")
        if name in _FUNCTIONS:
            raise _Refused(f"'{name}' is a function: call it as {name}(...)")
        if name in self.choices:
            raise _Refused(f"'{name}' is a choice ({', '.join(self.choices[name])}): compare it,"
                           f" as in {name} == '{self.choices[name][0]}'")
        self.names.add(name)
        get = operator.itemgetter(name)
        return _Node(get, get, False, None)

    def binop(self, node: ast.BinOp, depth: int) -> _Node:
        symbol, fn = _operator(_BINARY, node.op)
        # a + b + c parses as ((a + b) + c): the left operand of the same kind of operator
        # continues one flat chain at the same level, as written, instead of one level deeper
        chained = isinstance(node.left, ast.BinOp) and _CHAIN.get(type(node.left.op), 0) == _CHAIN.get(type(node.op), -1)
        left = self.number(node.left, depth - 1 if chained else depth, symbol)
        right = self.number(node.right, depth, symbol)
        if symbol == "**":
            return _power(left, right)
        a, b = left.num, right.num
        return _Node(lambda env: fn(a(env), b(env)), _BINARY_UNITS[symbol](left, right), False,
                     _fold(fn, left.const, right.const))

    def unaryop(self, node: ast.UnaryOp, depth: int) -> _Node:
        if isinstance(node.op, ast.Not):
            operand = self.condition(node.operand, depth, "not")
            f = operand.num
            return _Node(lambda env: np.logical_not(f(env)), _condition_unit([operand]), True, None)
        symbol, fn = _operator(_UNARY, node.op)
        operand = self.number(node.operand, depth, symbol)
        f = operand.num
        return _Node(lambda env: fn(f(env)), operand.unit, False, _fold(fn, operand.const))

    def compare(self, node: ast.Compare, depth: int) -> _Node:
        sides = [node.left, *node.comparators]
        if any(isinstance(n, ast.Name) and n.id in self.choices for n in sides):
            return self.choice_compare(node)
        tests = [_operator(_COMPARE, op)[1] for op in node.ops]
        parts = [self.number(n, depth, "a comparison") for n in [node.left, *node.comparators]]
        check = _agree(parts, "cannot compare {a} with {b}")

        def unit(env: dict) -> None:
            check(env)

        if len(tests) == 1:
            test, a, b = tests[0], parts[0].num, parts[1].num
            return _Node(lambda env: test(a(env), b(env)), unit, True, None)
        fns = [p.num for p in parts]

        def num(env: dict) -> Any:  # a < b <= c: every link, elementwise
            values = [f(env) for f in fns]
            links = (test(x, y) for test, x, y in zip(tests, values, values[1:]))
            return reduce(np.logical_and, links)

        return _Node(num, unit, True, None)

    def choice_compare(self, node: ast.Compare) -> _Node:
        """`name == 'choice'` or `name != 'choice'` (either way round) for a categorical name."""
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            raise _Refused("a choice can only be compared with == or != (one comparison)")
        left, right = node.left, node.comparators[0]
        if not (isinstance(left, ast.Name) and left.id in self.choices):
            left, right = right, left
        name = left.id
        code = self.choice_code(right, self.choices[name], name)
        self.names.add(name)
        test = operator.eq if isinstance(node.ops[0], ast.Eq) else operator.ne
        get = operator.itemgetter(name)
        return _Node(lambda env: test(get(env), code), lambda env: None, True, None)

    def boolop(self, node: ast.BoolOp, depth: int) -> _Node:
        word = "and" if isinstance(node.op, ast.And) else "or"
        parts = [self.condition(n, depth, word) for n in node.values]
        fns, combine = [p.num for p in parts], f"logical_{word}"

        def num(env: dict) -> Any:
            return reduce(getattr(np, combine), [f(env) for f in fns])

        return _Node(num, _condition_unit(parts), True, None)

    def call(self, node: ast.Call, depth: int) -> _Node:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in _FUNCTIONS:
            what = f"'{name}'" if name else "anything but a function name"
            raise _Refused(f"calling {what} is not allowed (functions: {', '.join(_FUNCTIONS)})")
        if node.keywords:
            raise _Refused(f"keyword arguments are not allowed ({name})")
        numpy_name, fewest, most, rule = _FUNCTIONS[name]
        if not fewest <= len(node.args) <= (most or len(node.args)):
            wanted = f"{fewest} or more arguments" if most is None else f"{fewest} argument" + "s" * (fewest > 1)
            raise _Refused(f"{name}() takes {wanted}, not {len(node.args)}")
        if rule == "where":
            return self.where(node.args, depth)
        args = [self.number(arg, depth, f"{name}()") for arg in node.args]
        fns = [a.num for a in args]
        if len(fns) == 1:
            f = fns[0]
            num = lambda env: getattr(np, numpy_name)(f(env))  # noqa: E731
        else:
            num = lambda env: reduce(getattr(np, numpy_name), [f(env) for f in fns])  # noqa: E731
        if rule == "same":
            unit = _agree(args, f"{name}() of different dimensions: {{a}} and {{b}}")
        elif rule == "sqrt":
            unit = lambda env: args[0].unit(env) ** 0.5  # noqa: E731
        else:
            unit = _needs_dimensionless(args[0], f"{name}() needs a dimensionless argument, not {{a}}")
        return _Node(num, unit, False, None)

    def where(self, args: list[ast.expr], depth: int) -> _Node:
        branch, self.in_branch = self.in_branch, 0
        test = self.condition(args[0], depth, "where()'s first argument")
        self.in_branch = branch + 1
        try:
            yes, no = self.build(args[1], depth), self.build(args[2], depth)
        finally:
            self.in_branch = branch
        if yes.is_condition != no.is_condition:
            raise _Refused("where() needs two numbers or two conditions after its condition")
        t, a, b = test.num, yes.num, no.num
        if yes.is_condition:
            unit = _condition_unit([test, yes, no])
        else:
            branches = _agree([yes, no], "where() branches of different dimensions: {a} and {b}")

            def unit(env: dict) -> Any:
                test.unit(env)
                return branches(env)

        return _Node(lambda env: np.where(t(env), a(env), b(env)), unit, yes.is_condition, None)


_BUILDERS = {
    ast.Constant: _Compiler.constant,
    ast.Name: _Compiler.name,
    ast.BinOp: _Compiler.binop,
    ast.UnaryOp: _Compiler.unaryop,
    ast.Compare: _Compiler.compare,
    ast.BoolOp: _Compiler.boolop,
    ast.Call: _Compiler.call,
}


def _operator(table: dict, op: ast.AST) -> tuple:
    if type(op) not in table:
        symbol = _REFUSED_OPERATORS.get(type(op), type(op).__name__)
        hint = " (for powers write **)" if symbol == "^" else ""
        raise _Refused(f"the operator '{symbol}' is not allowed{hint}")
    return table[type(op)]


def _fold(fn: Callable, *consts: float | None) -> float | None:
    """The value of an operation on constants, in plain floats (nan where it fails)."""
    if any(c is None for c in consts):
        return None
    try:
        return float(fn(*consts))
    except (ArithmeticError, ValueError):
        return math.nan


def _power(base: _Node, exponent: _Node) -> _Node:
    """x ** e: a constant e is bounded; a variable e needs dimensionless x and e."""
    b, e = base.num, exponent.num
    num = lambda env: b(env) ** e(env)  # noqa: E731
    p = exponent.const
    if p is None:
        base_unit = _needs_dimensionless(base, "x ** y with a variable y needs a dimensionless x, not {a}")
        exponent_unit = _needs_dimensionless(exponent, "an exponent must be dimensionless, not {a}")

        def unit(env: dict) -> Any:
            exponent_unit(env)
            return base_unit(env)

        return _Node(num, unit, False, None)
    if not abs(p) <= MAX_EXPONENT:  # checked before any power of constants is computed
        value = "a real number" if math.isnan(p) else f"{p:g}"
        raise _Refused(f"a constant exponent must be between -{MAX_EXPONENT} and {MAX_EXPONENT}, not {value}")
    p = int(p) if p.is_integer() else p
    unit = lambda env: base.unit(env) ** p  # noqa: E731
    return _Node(num, unit, False, _fold(math.pow, base.const, p))


# --- unit rules ---------------------------------------------------------------------------


def _dimensionless(env: dict) -> Any:
    return env[""]


def _dim(unit: Any) -> str:
    return str(unit.dimensionality)


def _agree(parts: list[_Node], message: str) -> Callable[[dict], Any]:
    """All parts of one dimension, which the result has; a constant 0 fits any dimension."""
    units = [p.unit for p in parts if p.const != 0]
    if not units:
        return _dimensionless
    first, rest = units[0], units[1:]

    def unit(env: dict) -> Any:
        result = first(env)
        for f in rest:
            other = f(env)
            if other.dimensionality != result.dimensionality:
                raise _Problem(message.format(a=_dim(result), b=_dim(other)))
        return result

    return unit


def _needs_dimensionless(part: _Node, message: str) -> Callable[[dict], Any]:
    def unit(env: dict) -> Any:
        u = part.unit(env)
        if not u.dimensionless:
            raise _Problem(message.format(a=_dim(u)))
        return env[""]

    return unit


def _condition_unit(parts: list[_Node]) -> Callable[[dict], None]:
    """A condition has no unit, but its parts are still checked."""

    def unit(env: dict) -> None:
        for p in parts:
            p.unit(env)

    return unit


def _same_then(result: Callable[[dict, Any], Any], message: str) -> Callable:
    def rule(left: _Node, right: _Node) -> Callable[[dict], Any]:
        check = _agree([left, right], message)
        return lambda env: result(env, check(env))

    return rule


_BINARY_UNITS = {  # symbol -> rule(left, right) -> unit closure
    "+": lambda left, right: _agree([left, right], "cannot add {b} to {a}"),
    "-": lambda left, right: _agree([left, right], "cannot subtract {b} from {a}"),
    "*": lambda left, right: lambda env: left.unit(env) * right.unit(env),
    "/": lambda left, right: lambda env: left.unit(env) / right.unit(env),
    "//": _same_then(lambda env, u: env[""], "cannot compute {a} // {b} (needs one dimension)"),
    "%": _same_then(lambda env, u: u, "cannot compute {a} % {b} (needs one dimension)"),
}


# --- the compiled formula -----------------------------------------------------------------


class Formula:
    """A compiled formula: `text`, `names` (the variables it reads), `is_condition`."""

    __slots__ = ("text", "names", "is_condition", "_num", "_unit", "_order")

    def __init__(self, text: str, names: frozenset[str], node: _Node):
        self.text, self.names, self.is_condition = text, names, node.is_condition
        self._num, self._unit, self._order = node.num, node.unit, sorted(names)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The value on plain magnitudes (floats or broadcasting arrays).

        Division by zero gives inf or nan, never an exception: the caller decides what is
        infeasible. A condition formula gives booleans. A formula of constants only gives
        a scalar whatever the shape of `values`.
        """
        numpy = _numpy()
        env = {}
        for name in self._order:
            try:
                env[name] = numpy.asarray(values[name], dtype=float)
            except KeyError:
                raise FormulaError(f"no value for '{name}'", self.text) from None
            except (TypeError, ValueError):
                raise FormulaError(f"the value of '{name}' is not a number", self.text) from None
        with numpy.errstate(all="ignore"):
            result = self._num(env)
        return result[()] if isinstance(result, numpy.ndarray) and result.ndim == 0 else result

    def units(self, values: Mapping[str, Any]) -> Any:
        """The result's unit as `1.0 * unit`: only its dimension is meaningful.

        `values` maps every name to a quantity or unit (quantities.py; plain numbers count
        as dimensionless). A condition formula gives a dimensionless quantity once its
        comparisons are checked. Raises FormulaError, with the reason only (the caller
        names the formula), on any dimension error.
        """
        from ..units.quantities import DIMENSIONLESS, Quantity, Unit

        env: dict[str, Any] = {"": DIMENSIONLESS}
        for name in self._order:
            try:
                value = values[name]
            except KeyError:
                raise FormulaError(f"no unit for '{name}'") from None
            if isinstance(value, Quantity):
                value = value.units
            elif isinstance(value, bool) or not isinstance(value, (int, float, Unit)):
                raise FormulaError(f"'{name}' is not a quantity")
            env[name] = value if isinstance(value, Unit) else DIMENSIONLESS
        try:
            result = self._unit(env)
        except _Problem as exc:
            raise FormulaError(str(exc)) from None
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise FormulaError(f"unit error: {exc}") from None
        return Quantity(1.0, DIMENSIONLESS if result is None else result)


def _numpy() -> Any:
    global np
    if np is None:
        import numpy

        np = numpy
    return np


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")
