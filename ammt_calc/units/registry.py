"""Units: our own pint registry (built from units.txt only) and safe parsing of user text.

pint reads units.txt and decides what each unit name means; its answers for every
spelling units.txt allows are kept in unit_names.json (made by `python -m
ammt_calc.units`, checked current by the tests and by a digest of units.txt), so a run
imports pint only for a name the table lacks. Units and quantities are the plain values
of quantities.py. Neither pint nor numpy is imported at module import.

Accepted text is `number [unit]`, checked by our own tokenizer before pint sees
anything (pint only ever receives single unit names, so nothing is evaluated):

- number: `12`, `-1.5`, `.5`, `1e9`; no NaN, no infinity, no overflow.
- unit: names joined by `*` and `/`, powers `^n` or `**n` (n = -9..9),
  parentheses, `km2`/`km²` meaning km^2, a leading `/` or `1/` (`5000 /km2`).
  Two names side by side (`5 MB MB`, `Mbit s`) are refused: write `*`.

Decisions on ambiguous spellings (each refusal names the fix):

- `B`, `Byte`, `byte`, `octet` = byte = 8 bit; `MB` = `MByte` = 10^6 byte.
- `bit`/`bits` = bit; bare `b` and `kb`, `Kb`, `Mb`, `Gb`, `Tb`, ... are REFUSED
  (bit or byte?): write `Mbit` or `MB`/`MByte`.
- `kB` = 1000 byte; `KB` (and `Kbit`, `KByte`, `Kbps`) is REFUSED (1000 or 1024?):
  write `kB` or `KiB`. Binary prefixes Ki, Mi, Gi, Ti, Pi are 2^10, 2^20, ...
- `bps`, `kbps`, `Mbps`, `Gbps`, `Tbps` = bit/s (parsed as exactly `Mbit/s`, so the
  units compare equal). `MBps`, `KBps`, `mbps`, ... are REFUSED: write `MByte/s`
  or `Mbit/s`. `MBs` is REFUSED (megabytes, or MB per second?).
- milli/micro/nano/pico prefixes on information (`mB`, `mbit`) are REFUSED: they are
  nearly always a mistyped M.
- Computation: `op`; `FLOP` = 1 op; `MAC` = 2 op (a multiply-accumulate is counted as
  a multiply plus an add); `OPS` = op/s, `FLOPS` = FLOP/s, so `TOPS` = 10^12 op/s.
  `FLOPs`, `MACs`, `GMACs`, `Tops` are REFUSED (a count, or per second?): write
  `GMAC` or `GMAC/s`.
- `%` = `percent` = 0.01, `ppm` = 10^-6; `frame`, `user`, `UE`, `device`, `model` are
  dimensionless counts (`MByte/frame` has the dimension of MByte); `fps` = 1/s.
- Thousands separators are REFUSED (`write 1000, not 1,000`): commas separate list
  items elsewhere in the CLI, and `1,5` could be a decimal comma.
- Negative numbers are accepted here; callers decide whether a sign makes sense.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from . import quantities
from .numbers import NUMBER, is_bare_number  # noqa: F401  (is_bare_number: part of this module's interface)
from .quantities import (  # noqa: F401  (part of this module's interface)
    DIMENSIONLESS,
    DimensionalityError,
    Quantity,
    Unit,
    base_unit,
    tidy_exponent,
)

if TYPE_CHECKING:  # pragma: no cover
    import pint

DEFINITIONS = Path(__file__).with_name("units.txt")
NAMES_TABLE = Path(__file__).with_name("unit_names.json")  # build_names_table(), made from units.txt
MAX_TEXT = 100  # longer input is certainly a mistake; also bounds parser recursion

_QUANTITY_RE = re.compile(rf"({NUMBER})\s*(.*)", re.DOTALL)
_NONFINITE_RE = re.compile(r"[+-]?(nan|inf(inity)?)\b", re.IGNORECASE)
_TOKEN_RE = re.compile(
    r"\s*(?:"
    r"(?P<name>[A-Za-zµμ]+)(?P<implicit>[0-9²³](?![0-9]))?"  # km2, km² = km^2
    r"|(?P<pct>%)"
    r"|(?:\^|\*\*)\s*(?P<power>[+-]?[0-9])(?![0-9])"
    r"|(?P<op>[*/()])"
    r"|(?P<one>1)(?![0-9.])"
    r"|(?P<bad>\S)"
    r")"
)
_SUPERSCRIPT = {"²": 2, "³": 3}

# Prefix spellings users type, mapped to (canonical spelling, word, value text).
_PREFIX_WORDS = {
    "": ("", "", "1"),
    "k": ("k", "kilo", "10^3"), "K": ("k", "kilo", "10^3"),
    "M": ("M", "mega", "10^6"), "m": ("M", "mega", "10^6"),
    "G": ("G", "giga", "10^9"), "T": ("T", "tera", "10^12"),
    "P": ("P", "peta", "10^15"), "E": ("E", "exa", "10^18"),
    "Ki": ("Ki", "kibi", "2^10"), "ki": ("Ki", "kibi", "2^10"),
    "Mi": ("Mi", "mebi", "2^20"), "mi": ("Mi", "mebi", "2^20"),
    "Gi": ("Gi", "gibi", "2^30"), "Ti": ("Ti", "tebi", "2^40"),
    "Pi": ("Pi", "pebi", "2^50"),
}
_P = r"(?P<p>(?:[kKmMGTPE]|[kKmMGTP]i)?)"
_SMALL_PREFIXES = {"milli", "micro", "nano", "pico"}
_INFORMATION_UNITS = {"bit", "byte", "bps"}


class UnitError(UserError):
    """Text that is not a usable quantity or unit; the message is one line."""


# ---- registry and the table of names --------------------------------------


@functools.lru_cache(maxsize=None)
def registry() -> pint.UnitRegistry:
    """The one pint registry, built lazily from units.txt and never from pint's defaults.

    Only the names table is made from it (and a name missing from that table is looked up
    in it): every other step works on the plain values of quantities.py.
    """
    import pint

    reg = pint.UnitRegistry(None, on_redefinition="raise", case_sensitive=True)
    reg.load_definitions(str(DEFINITIONS))
    return reg


def _definitions_digest() -> str:
    from ..files import digest

    return digest(DEFINITIONS.read_bytes())


def build_names_table() -> dict:
    """What pint makes of every spelling units.txt allows (each prefix spelling with each
    unit spelling): {name: [canonical, prefix, unit, symbol, factor, dims]}. Written to
    NAMES_TABLE by `python -m ammt_calc.units.registry`; a test checks it is current."""
    prefixes, names = _spellings()
    table = {}
    for name in dict.fromkeys(p + n for p in prefixes for n in names):
        try:
            entry = _ask_pint(name)
        except UnitError:  # several readings: left to the refusal at run time
            continue
        if entry is not None:
            table[name] = entry
    return {"units.txt": _definitions_digest(), "names": table}


@functools.lru_cache(maxsize=1)
def _spellings() -> tuple[list[str], list[str]]:
    """The prefix spellings (with "") and the unit names and aliases units.txt defines."""
    prefixes, names = [""], []
    for line in DEFINITIONS.read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split("#")[0].split("=")]
        if len(parts) < 2:
            continue
        spellings = [parts[0], *parts[2:]]
        if parts[0].endswith("-"):
            prefixes += [p[:-1] for p in spellings]
        else:
            names += spellings
    return prefixes, names


def _ask_pint(name: str) -> list | None:
    """pint's reading of one name as a table entry, or None when it has none."""
    reg = registry()
    candidates = reg.parse_unit_name(name)
    if not candidates:
        return None
    if len(candidates) > 1:  # cannot happen with units.txt today; tests check it
        options = ", ".join(p + u for p, u, _ in candidates)
        raise UnitError(f"ambiguous unit {name!r}: could be {options}")
    prefix, unit, _ = candidates[0]
    full = reg.Unit(prefix + unit)
    dims = [[d, tidy_exponent(e)] for d, e in full.dimensionality.items()]
    factor = float(reg.Quantity(1.0, full).to_base_units().magnitude)
    return [prefix + unit, prefix, unit, reg.get_symbol(prefix + unit), factor, dims]


@functools.lru_cache(maxsize=1)
def _names() -> dict:
    """The shipped names table; empty (every name asks pint) if units.txt changed since it was made."""
    import json

    try:
        table = json.loads(NAMES_TABLE.read_text(encoding="utf-8"))
        return table["names"] if table["units.txt"] == _definitions_digest() else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _lookup(name: str) -> list | None:
    """Table entry of a name: from the shipped table, or its plural (pint's one suffix, "s":
    `megabytes`, `Mbits`, `frames`), else (a name it lacks either way) from pint."""
    table = _names()
    entry = table.get(name) or (table.get(name[:-1]) if name.endswith("s") and len(name) > 1 else None)
    return entry or _ask_pint(name)


def _unit(entry: list) -> Unit:
    canonical, _, _, symbol, factor, dims = entry
    return Unit(((canonical, symbol, 1),), float(factor), tuple((d, e) for d, e in dims))


# ---- parsing -------------------------------------------------------------


def parse_quantity(text: Any, default_unit: Any = None, what: str = "value") -> Quantity:
    """`number [unit]` as a Quantity with a float magnitude; bare numbers get `default_unit`."""
    raw = _as_text(text, what)
    try:
        number, unit_text = _split_quantity(raw)
        value = _to_float(number) + 0.0  # -0 is 0: 1 / -0.0 would be -inf where 1 / 0.0 is inf
        if unit_text:
            unit = _parse_unit_text(unit_text)
        elif default_unit is None:
            unit = DIMENSIONLESS
        else:
            unit = _as_unit(default_unit)
        base = value * base_factor(unit)
        if not math.isfinite(base):
            raise UnitError("number too large in base units")
        if value != 0 and min(abs(value), abs(base)) < sys.float_info.min:  # subnormal: digits are lost
            raise UnitError("number too small for a float to keep its precision (write 0 for nothing)")
    except UnitError as exc:
        raise UnitError(f"{what} {_shown(raw)}: {exc}") from None
    return Quantity(value, unit)


def parse_unit(text: Any) -> Unit:
    """A unit expression (`Mbit/s`, `1/km^2`, `%`) as a Unit, same rules as parse_quantity.

    Empty text (and `1`) is dimensionless, matching format_unit.
    """
    raw = _as_text(text, "unit")
    try:
        if len(raw) > MAX_TEXT:
            raise UnitError("text too long")
        if raw.strip() in ("", "dimensionless"):  # a catalog's `unit: ""` means a plain number; pint's spelling
            return DIMENSIONLESS
        return _parse_unit_text(raw.strip())
    except UnitError as exc:
        raise UnitError(f"unit {_shown(raw)}: {exc}") from None


def _as_text(text: Any, what: str) -> str:
    # Numbers from YAML are welcome; they take the same checks via repr.
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return repr(text)
    if not isinstance(text, str):
        raise UnitError(f"{what}: expected text, got {type(text).__name__}")
    return text


def _shown(text: str) -> str:
    # repr escapes newlines and control characters, so messages stay one line.
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _split_quantity(raw: str) -> tuple[str, str]:
    text = raw.strip()
    if not text:
        raise UnitError("empty text")
    if len(text) > MAX_TEXT:
        raise UnitError("text too long")
    if _NONFINITE_RE.match(text):
        raise UnitError("NaN and infinity are not allowed")
    if "," in text:
        raise UnitError("write 1000, not 1,000 (no thousands separators; '.' is the decimal point)")
    match = _QUANTITY_RE.fullmatch(text)
    if match is None:
        raise UnitError("not a quantity: expected a number and an optional unit, e.g. '102.4 MB'")
    number, unit_text = match.groups()
    # "5 1/s" is fine (format_unit writes 1/s), "5 1" and "5 .3" are typos.
    if unit_text[:1] in set("0123456789.") and not re.match(r"1\s*/", unit_text):
        raise UnitError(f"expected a unit after the number, got {unit_text!r}")
    return number, unit_text


def _to_float(number: str) -> float:
    value = float(number)  # the regex guarantees float() accepts it
    if not math.isfinite(value):
        raise UnitError("number too large for a float")
    if value == 0 and number.lower().split("e")[0].strip("+-0.") != "":  # 1e-5000 is not nothing
        raise UnitError("number too small for a float to keep its precision (write 0 for nothing)")
    return value


@functools.lru_cache(maxsize=1024)  # Units are immutable; an evaluation parses each default's unit again
def _parse_unit_text(text: str) -> Unit:
    return _UnitParser(text).parse()


class _UnitParser:
    """Recursive descent over: expr := factor (('*'|'/') factor)*;
    factor := ('(' expr ')' | name | '%') [power]; a leading '1' or '/' means 1/...
    """

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def parse(self) -> Unit:
        unit = self._expr(leading=True)
        if self.pos < len(self.tokens):
            kind, value = self.tokens[self.pos]
            hint = " (join units with * or /)" if kind in ("name", "op") else ""
            raise UnitError(f"unexpected {value!r} in unit {self.text!r}{hint}")
        return unit

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise UnitError(f"unit {self.text!r} ends too early")
        self.pos += 1
        return token

    def _expr(self, leading: bool = False) -> Unit:
        token = self._peek()
        if leading and token in (("one", "1"), ("op", "/")):
            if token[0] == "one":
                self.pos += 1
            unit = DIMENSIONLESS
        else:
            unit = self._factor()
        while (token := self._peek()) in (("op", "*"), ("op", "/")):
            self.pos += 1
            unit = unit * self._factor() if token[1] == "*" else unit / self._factor()
        return unit

    def _factor(self) -> Unit:
        kind, value = self._take()
        if kind == "op" and value == "(":
            unit = self._expr()
            if self._peek() != ("op", ")"):
                raise UnitError(f"missing ')' in unit {self.text!r}")
            self.pos += 1
        elif kind == "name":
            unit = _resolve_name(value)
        else:
            raise UnitError(f"unexpected {value!r} in unit {self.text!r}")
        token = self._peek()
        if token is not None and token[0] == "power":
            self.pos += 1
            unit = unit ** int(token[1])
        return unit


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:  # only trailing whitespace is left
            break
        pos = match.end()
        kind = match.lastgroup
        if kind is None:
            continue
        if kind == "bad":
            hint = " (powers are ^n or **n with n from -9 to 9)" if match["bad"] in "^*" else ""
            raise UnitError(f"unexpected {match['bad']!r} in unit {text!r}{hint}")
        if kind in ("name", "implicit"):
            tokens.append(("name", match["name"]))
            if match["implicit"]:
                exponent = _SUPERSCRIPT.get(match["implicit"], match["implicit"])
                tokens.append(("power", str(exponent)))
        elif kind == "pct":
            tokens.append(("name", "%"))
        else:
            tokens.append((kind, match[kind]))
    return tokens


@functools.lru_cache(maxsize=512)
def _resolve_name(name: str) -> Unit:
    """One unit name (`MB`, `Mbps`, `µs`) as a Unit, after the ambiguity rules."""
    refusal = _ambiguity(name)
    if refusal:
        raise UnitError(refusal)
    entry = _lookup(name)
    if entry is None:
        raise UnitError(f"unknown unit {name!r}{_suggestion(name)}")
    _, prefix, unit, *_ = entry
    if prefix in _SMALL_PREFIXES and unit in _INFORMATION_UNITS:
        raise UnitError(
            f"unit {name!r} would be {prefix}{unit} ({prefix} = 10^-3 or less): "
            "write M for mega (Mbit, MByte) or k for kilo (kbit, kByte)"
        )
    if unit == "bps":  # Mbps is exactly Mbit/s, so the two compare equal as units
        return _resolve_name(prefix + "bit") / _resolve_name("second")
    return _unit(entry)


def _ambiguity(name: str) -> str | None:
    """The refusal message for a spelling we deliberately do not guess, else None."""
    if m := re.fullmatch(_P + "b", name):
        p, word, value = _PREFIX_WORDS[m["p"]]
        if not p:
            return "ambiguous unit 'b': write bit or B/Byte (byte, 8 bit)"
        return (
            f"ambiguous unit {name!r}: write {p}bit ({word}bit, {value} bit) "
            f"or {p}B/{p}Byte ({word}byte, {value} byte)"
        )
    if m := re.fullmatch(r"K(?P<u>B|Byte|byte|bit|bps)s?", name):
        unit = {"bps": "bit/s", "byte": "Byte"}.get(m["u"], m["u"])
        base = "byte" if unit in ("B", "Byte") else unit
        return f"ambiguous unit {name!r}: write k{unit} (1000 {base}) or Ki{unit} (1024 {base})"
    if (m := re.fullmatch(_P + "(?i:bps)", name)) and not re.fullmatch(
        r"(?:[kMGTPE]|[KMGTPE]i)?bps", name
    ):
        p, word, _ = _PREFIX_WORDS[m["p"]]
        return (
            f"ambiguous unit {name!r}: write {p}Byte/s ({word}byte per second) "
            f"or {p}bit/s ({word}bit per second)"
        )
    if m := re.fullmatch(_P + "Bs", name):
        p = _PREFIX_WORDS[m["p"]][0]
        return f"ambiguous unit {name!r}: write {p}B (bytes) or {p}B/s (bytes per second)"
    if m := re.fullmatch(r"(?P<p>[kMGTPE]?)(?P<u>FLOP|MAC)s|(?P<q>[kMGTPE])(?P<v>op)s", name):
        p, unit = m["p"] or m["q"] or "", m["u"] or m["v"]
        what = "a count" + ("; 1 MAC = 2 op" if unit == "MAC" else "")
        rate = f"{p}OPS" if unit == "op" else f"{p}{unit}/s"
        return f"ambiguous unit {name!r}: write {p}{unit} ({what}) or {rate} (per second)"
    return None


def _suggestion(name: str) -> str:
    import difflib  # only on the error path

    known = _known_names()
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), lowered, n=3, cutoff=0.6)
    if not close:
        return " (known units include bit, byte, MB, Mbit/s, s, ms, Hz, km^2, %, op, TOPS)"
    return " (did you mean " + " or ".join(lowered[c] for c in close) + "?)"


@functools.lru_cache(maxsize=1)
def _known_names() -> tuple[str, ...]:
    """Names and aliases in units.txt plus the prefixed forms people actually type."""
    names = list(_spellings()[1])
    for prefix in ("k", "M", "G", "T", "Ki", "Mi", "Gi"):
        names += [prefix + u for u in ("bit", "B", "Byte", "bps")]
    names += ["ms", "us", "ns", "kHz", "MHz", "GHz", "km", "GOPS", "TOPS", "GFLOP",
              "TFLOPS", "GMAC"]
    return tuple(dict.fromkeys(n for n in names if n != "percent"))


# ---- formatting and base units -------------------------------------------


def format_unit(unit: Any) -> str:
    """Compact text parse_unit reads back: `Mbit/s`, `MByte`, `1/km^2`, `%`; "" if dimensionless."""
    return str(_as_unit(unit))


def quantity(magnitude: Any, unit: Any = "") -> Quantity:
    """A Quantity of `magnitude` (float or array) in `unit`: a Unit or its text ("" is a plain number)."""
    return Quantity(magnitude, unit if isinstance(unit, Unit) else parse_unit(unit))


def base_factor(unit: Any) -> float:
    """Magnitude of one `unit` in base units (bit, second, metre, op): MB -> 8e6."""
    return _as_unit(unit).factor


def to_base(q: Quantity) -> Any:
    """Magnitude of `q` in base units; numpy arrays stay arrays, scalars become float."""
    value = q.magnitude * q.units.factor
    return float(value) if isinstance(value, (int, float)) or getattr(value, "ndim", 1) == 0 else value


def base_quantity(unit: Any) -> Quantity:
    """1.0 times the base units of `unit`'s dimension (Mbit/s -> 1.0 bit/s)."""
    return Quantity(1.0, base_unit(_as_unit(unit)))


def dimension_text(unit_or_quantity: Any) -> str:
    """Dimension as text: `[information] / [time]`, `dimensionless`."""
    return str(_as_unit(unit_or_quantity).dimensionality)


def same_dimension(a: Any, b: Any) -> bool:
    """True when `a` and `b` (units, quantities or unit text) convert to each other."""
    return _as_unit(a).dimensionality == _as_unit(b).dimensionality


def _as_unit(value: Any) -> Unit:
    # Accept unit text, a Unit, or a Quantity (whose units are taken).
    if isinstance(value, str):
        return parse_unit(value)
    return getattr(value, "units", value)


quantities.read_unit = parse_unit

if __name__ == "__main__":  # python -m ammt_calc.units.registry: remake the names table after editing units.txt
    import json

    NAMES_TABLE.write_text(json.dumps(build_names_table(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
