"""Numbers as text, both ways: the one grammar of a number in user and catalog text, and
numbers written for machines (`clean_number`) and for people (`human_number`).

Plain Python (no numpy, no pint): the catalog, the engine and the presentation all use it.
"""

from __future__ import annotations

import math
import re

NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
NUMBER_RE = re.compile(NUMBER)
LEADING_NUMBER_RE = re.compile(rf"^\s*({NUMBER})")
MAX_WHOLE_DIGITS = 20  # a count or seed written by a user: 2**64 has 20 digits
SIGNIFICANT_DIGITS = 12  # machine output: enough for any input, without float noise (144.00000000000003)
TABLE_DIGITS = 6  # human output


def is_bare_number(text) -> bool:
    """True for text that is only a number (`12`, `-1.5e3`)."""
    return isinstance(text, str) and NUMBER_RE.fullmatch(text.strip()) is not None


def whole_number(text, what: str, minimum: int, maximum: int, *, separators: bool = False) -> int:
    """The one grammar of a whole number a user writes (a count, layers, a seed, an MTU, a
    thread count): ASCII digits only (not `²`, `①` or other scripts' digits, which str.isdigit
    accepts), at most MAX_WHOLE_DIGITS of them (Python refuses ints of more than 4300
    digits with a traceback), from `minimum` to `maximum`. `separators`: `_` and `,` allowed
    between digits (10_000, 10,000)."""
    from ..errors import UserError, one_line

    cleaned = text.strip() if isinstance(text, str) else ""
    if separators:
        cleaned = cleaned.replace("_", "").replace(",", "")
    if (not cleaned or not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > MAX_WHOLE_DIGITS
            or not minimum <= int(cleaned) <= maximum):
        shown = one_line(str(text).strip()[:40]) + ("..." if len(str(text).strip()) > 40 else "")
        raise UserError(f"{what} must be a whole number from {minimum:,} to {maximum:,}, got '{shown}'")
    return int(cleaned)


def bounded_number(text, what: str, maximum: float, unit: str = "") -> float:
    """A positive number a user writes (`--connect-timeout 2.5`): the number grammar (ASCII,
    at most 40 characters), above 0 and at most `maximum`."""
    from ..errors import UserError, one_line

    cleaned = text.strip() if isinstance(text, str) else ""
    value = float(cleaned) if len(cleaned) <= 40 and NUMBER_RE.fullmatch(cleaned) else math.nan
    if not 0 < value <= maximum:
        raise UserError(f"{what} must be a number above 0 and at most {maximum:g}{unit}, got"
                        f" '{one_line(str(text).strip()[:40])}'")
    return value


def leading_number(text: str) -> str | None:
    """The number a quantity text starts with ('1.1' of '1.1 Gbit/s'), or None."""
    match = LEADING_NUMBER_RE.match(text)
    return match.group(1) if match else None


def unit_part(text: str) -> str:
    """The unit of a quantity text ('Gbit/s' of '1.1 Gbit/s'; '' for a bare number)."""
    return LEADING_NUMBER_RE.sub("", text, count=1).strip()


def clean_number(value: float | None) -> float | None:
    """A float rounded to SIGNIFICANT_DIGITS, or None for NaN/None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def human_number(value: float | None) -> str:
    """TABLE_DIGITS significant digits, with more where rounding would carry into the
    next power of ten: a per-packet success of 99.99999891 % must not read "100"."""
    if value is None or math.isnan(value):
        return ""
    for digits in range(TABLE_DIGITS, SIGNIFICANT_DIGITS + 1):
        text = f"{value:.{digits}g}"
        if _decade(float(text)) == _decade(value):
            break
    return text


def _decade(value: float) -> int | None:
    return math.floor(math.log10(abs(value))) if value and math.isfinite(value) else None
