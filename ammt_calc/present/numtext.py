"""Numbers to text for large exports, vectorised: exactly `'%.12g' % x`, but fast.

Python's float formatting costs ~200 ns a number however it is called (np.savetxt adds a
Python loop per row on top), so a million-row sweep would be limited by it, not by the
disk. Here the text is built with numpy, a column at a time, as 24-byte cells held in three
little-endian uint64 words (byte k of a cell is byte k % 8 of word k // 8):

- the decimal exponent `e` comes from the float's binary exponent and one exact comparison
  with a power of ten (log10 is several times slower and not exact near powers of ten);
- each value is scaled to a 12-digit integer mantissa `m` (12 significant digits, as
  render.SIGNIFICANT_DIGITS: enough for any input, no float noise such as 144.00000000000003);
- its digits come from a table of 4-digit groups; everything else about the text depends
  only on the exponent and on how many significant digits are left once trailing zeros are
  cut, so it comes from small tables indexed by that pair: which digit bytes are kept, where
  the point goes, a `0.000` prefix, an `e+XX` suffix;
- every cell has one layout of byte slots, sign | `0.000` | 13 bytes of digits and point |
  `e-300`, in which a slot that `'%g'` would not print holds a zero byte. That covers both of
  its forms, positional for -4 <= e < 12 (`0.00012`, `144`, `62.5`) and scientific otherwise
  (`1.5e-07`, `2e+15`), with no per-value branching.

Values whose scaled mantissa lies within 1e-3 of a rounding tie (float scaling might round
them the other way), exponents beyond +-300, subnormals and infinity are formatted by Python's
own `'%.12g'`; they are rare. So the text is always what `'%.12g' % x` gives; tests check this
on random values. Zeros and NaN are written in bulk (`0`, `-0`, and the NaN text given).

Small arrays (a column that depends on one axis of a block) go straight to Python: below a few
hundred values the ~60 numpy calls cost more than formatting each value.

`join_rows` (and `row_chunks`, its text in chunks) lays cells and literal separators side by
side in a row-major byte table and drops the zero bytes with `bytearray.translate` (C speed):
- pieces with few distinct rows (separators, a column constant along an axis of the block)
  are joined and compacted first, and then broadcast: most of a row's bytes come from them;
- each cell is copied as one void item (numpy's byte-by-byte strided loop is ten times slower);
- the table is made ~256 kB of rows at a time, so it stays in the processor's cache between
  being filled and being read by translate;
- a `Chosen` piece (the infeasibility reasons: few distinct texts) is gathered a chunk at a
  time, as wide as that chunk's longest text.
Nothing here is transposed or masked byte by byte.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections import deque
from typing import Callable, Iterable, Iterator, Sequence, TypeVar, Union

import numpy as np

DIGITS = 12  # significant digits
_POSITIONAL = (-4, DIGITS)  # '%g' is positional for exponents in [-4, 12)
_MAX_EXPONENT = 300  # exponents handled here; beyond, and subnormals, are left to Python
_E0 = 330  # offset of the tables indexed by a decimal exponent
_CELL = 24  # bytes of a cell: sign 0, prefix 1-5, digits and point 6-18, exponent 19-23
_DIGITS_AT = 6
_CHUNK = 1 << 16  # values formatted at a time
_TABLE_BYTES = 256 << 10  # join_rows: rows laid out at a time, in bytes
_MERGE_ROWS = 4096  # join_rows: pieces of at most this many distinct rows are joined and compacted first
_SMALL = 256  # up to this many values, Python's own formatting is faster than the ~60 numpy calls
_GROUPS = np.arange(10_000)
# each 4-digit group's text as a little-endian word whatever the machine's byte order (byte k
# of a cell is byte k % 8 of word k // 8), and its trailing zeros (4 for 0000)
_GROUP_TEXT = (np.stack([_GROUPS // 10**k % 10 for k in (3, 2, 1, 0)], axis=1) + ord("0")).astype(np.uint8) \
    .view("<u4").ravel().astype(np.uint64)
_GROUP_TEXT_HIGH = _GROUP_TEXT << 32  # as the second 4 bytes of a word
_GROUP_ZEROS = sum((_GROUPS % 10**k == 0).astype(np.uint8) for k in (1, 2, 3, 4))


def _word(text: bytes) -> int:
    """Up to 8 bytes as a little-endian uint64."""
    return int.from_bytes(text, "little")


def _power_tables() -> tuple[np.ndarray, ...]:
    """Tables indexed by a float's biased binary exponent or by a decimal exponent e (+ _E0).

    A normal float a in [2**k, 2**(k + 1)) has floor(log10 a) = floor(k log10 2) or one more,
    the latter exactly when a >= 10**(that + 1): `ceiling` holds the smallest float >= 10**j,
    so the comparison is exact. (k log10 2 stays >= 4e-4 from an integer for |k| < 1100,
    far more than its float error.)"""
    k = np.arange(2048) - 1023
    floor_log = np.floor(k * math.log10(2)).astype(np.int64)
    floor_log[[0, 2047]] = 0  # zero, subnormals, inf and NaN: formatted elsewhere
    ceiling = np.ones(2 * _E0 + 1)
    for j in range(-307, 309):
        f = float(10**j) if j >= 0 else 1 / 10**-j  # correctly rounded
        num, den = f.as_integer_ratio()
        if (num < den * 10**j) if j >= 0 else (num * 10**-j < den):
            f = math.nextafter(f, math.inf)
        ceiling[j + _E0] = f
    # scaling a by 10**(11 - e): an exact power of ten up to 10**22 (one rounding), a second factor beyond
    shift = DIGITS - 1 - (np.arange(2 * _E0 + 1) - _E0)
    near = np.clip(shift, -22, 22)
    multiply, divide = 10.0 ** np.maximum(near, 0), 10.0 ** np.maximum(-near, 0)
    far = 10.0 ** np.clip(shift - near, -300, 300).astype(float)  # the clip only touches unused rows
    exponent = np.zeros(2 * _E0 + 1, np.uint64)  # the 'e+XX' text of a scientific exponent
    for e in range(-_E0, _E0 + 1):
        if not _POSITIONAL[0] <= e < _POSITIONAL[1]:
            exponent[e + _E0] = _word(f"e{e:+03d}".encode()[:5])
    return floor_log, ceiling, multiply, divide, far, exponent


def _bytes_mask(first: int, last: int) -> tuple[int, int]:
    """Bytes first..last-1 of a 16-byte string set, as its two little-endian uint64 words."""
    mask = (1 << 8 * last) - (1 << 8 * first)
    return mask & (2**64 - 1), mask >> 64


def _shape_tables() -> tuple[np.ndarray, ...]:
    """Tables indexed by (clip(e, -5, 12) + 5) * 13 + s, s the significant digits (1..12):
    the 16-byte digit string split in two (the digits before the point, those after it),
    the point's byte, and the '0.000' prefix of a small positional number."""
    low, high, dot = (np.zeros((18 * 13, 2), np.uint64) for _ in range(3))
    prefix = np.zeros(18 * 13, np.uint64)
    for row in range(18):
        e = row - 5
        scientific = not _POSITIONAL[0] <= e < _POSITIONAL[1]
        for s in range(1, 13):
            keep = max(s, e + 1) if not scientific and e >= 0 else s  # integer-part zeros stay
            point = 1 if scientific else e + 1 if e >= 0 else None  # digits before the point
            if point is not None and s <= point:
                point = None
            before = keep if point is None else point
            c = row * 13 + s
            low[c], high[c] = _bytes_mask(0, before), _bytes_mask(before, keep)
            if point is not None:
                dot[c] = (ord(".") << (8 * point)) & (2**64 - 1), (ord(".") << (8 * point)) >> 64
            if not scientific and e < 0:  # right-aligned against the digits: no zero bytes between
                prefix[c] = _word(b"0." + b"0" * (-e - 1)) << 8 * (4 + e)
    # one-dimensional tables: gathering rows of a 2-d table is an order of magnitude slower
    return low[:, 0].copy(), low[:, 1].copy(), high[:, 0].copy(), high[:, 1].copy(), dot[:, 0].copy(), dot[:, 1].copy(), prefix


@functools.cache  # once a process, when the first large export is written (sweepio), never at import
def keep_freed_memory() -> None:
    """Let malloc keep freed blocks of up to 16 MB for reuse instead of returning them to the system.

    Formatting makes dozens of temporary arrays per column and block, each a few hundred kB:
    above glibc's initial mmap threshold (128 kB), so each would be fresh pages from the
    kernel (a page fault per 4 kB), which took over half the formatting time. glibc raises
    the threshold to the size of a mapped block when it is freed (up to 32 MB), and its trim
    threshold to twice that; freeing one untouched 16 MB array does it. Elsewhere it is just
    an allocation."""
    np.empty(16 << 20, np.uint8)  # made and freed at once


_FLOOR_LOG, _CEILING, _MULTIPLY, _DIVIDE, _FAR, _EXPONENT = _power_tables()
_LOW0, _LOW1, _HIGH0, _HIGH1, _DOT0, _DOT1, _PREFIX = _shape_tables()
# the shape tables' row for 12 significant digits, by e + _E0 (trailing zeros count back from it)
_SHAPE_ROW = (np.clip(np.arange(2 * _E0 + 1) - _E0, -5, 12) + 5) * 13 + DIGITS


class Cells:
    """Cells of one column of a block, row-major: `c[..., k]` is byte k of each row's cell,
    the row axes broadcastable to the block's shape (an axis the value does not change
    along has length 1, so its text is formatted once and broadcast)."""

    __slots__ = ("c",)

    def __init__(self, c: np.ndarray):
        self.c = c


class Chosen:
    """A column of few distinct texts (the reasons a row is infeasible, a KPI's named choice):
    `texts[index[r]]` on row r, texts a zero-padded (k, w) matrix. Written a chunk of rows at a time, as wide as the
    chunk's longest text (no bytes at all where every row's text is empty)."""

    __slots__ = ("texts", "index", "lengths")

    def __init__(self, texts: np.ndarray, index: np.ndarray):
        self.texts, self.index = texts, np.asarray(index).ravel()
        self.lengths = np.count_nonzero(texts, axis=1)


# literal bytes (same on every row), an (n, w) cell matrix, Cells or Chosen
Piece = Union[bytes, np.ndarray, Cells, Chosen]


def format_numbers(values: np.ndarray, nan: bytes = b"", after: bytes = b"") -> np.ndarray:
    """`'%.12g' % v` of every value and then `after` (a separator), as an (n, width) uint8
    matrix with zero bytes between.

    NaN becomes `nan` (b"" for an empty CSV cell, b"null" for JSON). Only the byte slots
    some value uses are kept."""
    x = np.asarray(values, dtype=float).ravel()
    if len(x) <= _SMALL:
        return text_cells([(nan if v != v else b"%.*g" % (DIGITS, v)) + after for v in x.tolist()])
    words = np.empty((len(x), 3), "<u8")
    used = np.zeros(_CELL, bool)
    for first in range(0, len(x), _CHUNK):  # bounded temporaries, however many values (a wide row)
        used |= _format_into(words[first:first + _CHUNK], x[first:first + _CHUNK], nan)
    used = np.flatnonzero(used)
    cells = words.view(np.uint8).reshape(len(x), _CELL)[:, used[0]:used[-1] + 1]
    if after:  # in the free slots after the text if there are enough, else in a wider copy
        if used[-1] + 1 + len(after) > _CELL:
            cells = np.concatenate([cells, np.zeros((len(x), len(after)), np.uint8)], axis=1)
        else:
            cells = words.view(np.uint8).reshape(len(x), _CELL)[:, used[0]:used[-1] + 1 + len(after)]
        cells[:, -len(after):] = np.frombuffer(after, np.uint8)
    return cells


def _format_into(words: np.ndarray, x: np.ndarray, nan: bytes) -> np.ndarray:
    """The cells of x into the (n, 3) uint64 `words`; which of the 24 bytes some cell uses."""
    biased = (x.view(np.uint64) >> 52) & 0x7FF  # 0: zero or subnormal, 0x7FF: inf or NaN
    normal = (biased != 0) & (biased != 0x7FF)
    everything_normal = bool(normal.all())
    a = np.abs(x) if everything_normal else np.where(normal, np.abs(x), 1.0)  # specials are overwritten below
    e = _FLOOR_LOG[biased]
    e += a >= _CEILING[e + (_E0 + 1)]
    low_e, high_e = (int(e.min()), int(e.max())) if len(e) else (0, 0)
    index = e + _E0
    # ~m, within a few ulp; each factor only where some value needs it (most columns need one)
    scaled = a * _MULTIPLY[index] if low_e < DIGITS - 1 else a
    if high_e > DIGITS - 1:
        scaled = scaled / _DIVIDE[index]
    if low_e < DIGITS - 1 - 22 or high_e > DIGITS - 1 + 22:
        scaled = scaled * _FAR[index]
    m = np.rint(scaled)
    tie = np.abs(scaled - m) > 0.5 - 1e-3  # float error could have rounded it either way
    high = m >= 10.0 ** DIGITS  # 9.9999999999996 rounds up to 10
    if high.any():
        e += high
        index += high
        high_e += 1
        m[high] = 10.0 ** (DIGITS - 1)
    used = _layout(words, m, e, index, (low_e, high_e), np.signbit(x))
    cells = words.view(np.uint8).reshape(len(x), _CELL)
    python = tie if -_MAX_EXPONENT <= low_e and high_e <= _MAX_EXPONENT else tie | (np.abs(e) > _MAX_EXPONENT)
    if not everything_normal:
        nans = np.isnan(x)
        zero = x == 0
        python |= ~normal & ~nans & ~zero  # inf and subnormals
        if zero.any() or nans.any():  # in bulk: '0', '-0' and the NaN text, in the digit slots
            cells[zero | nans] = 0
            cells[zero, _DIGITS_AT] = ord("0")
            cells[zero & np.signbit(x), 0] = ord("-")
            used[0] |= bool((zero & np.signbit(x)).any())
            if nan:
                cells[nans, _DIGITS_AT:_DIGITS_AT + len(nan)] = np.frombuffer(nan, np.uint8)
                used[_DIGITS_AT:_DIGITS_AT + len(nan)] |= bool(nans.any())
    if python.any():
        rows = np.flatnonzero(python)
        texts = text_cells([nan if v != v else (f"%.{DIGITS}g" % v).encode() for v in x[rows].tolist()])
        at = min(_DIGITS_AT, _CELL - texts.shape[1])  # from the digit slots, so as not to widen the column
        cells[rows] = 0
        cells[rows, at:at + texts.shape[1]] = texts
        used[at:at + texts.shape[1]] = True
    return used


def _layout(words: np.ndarray, m: np.ndarray, e: np.ndarray, index: np.ndarray, e_range: tuple[int, int],
            negative: np.ndarray) -> np.ndarray:
    """The cells of m * 10**(e - 11) for 10**11 <= m < 10**12, into the (n, 3) uint64 words:
    sign (byte 0), '0.000' prefix (1-5), digits with the point among them (6-18), exponent
    (19-23); a slot the text does not use holds a zero byte. Also which of the 24 bytes
    any cell uses (a slot no cell uses is dropped from the column). `index` is e + _E0."""
    top = np.floor(m / 1e8)  # the digits in three 4-digit groups; float division is exact here
    rest = m - top * 1e8
    middle = np.floor(rest / 1e4)
    bottom = (rest - middle * 1e4).astype(np.intp)
    top, middle = top.astype(np.intp), middle.astype(np.intp)
    zeros = _GROUP_ZEROS[bottom]  # trailing zeros, 4 for a zero group
    zeros_middle = _GROUP_ZEROS[middle]
    zeros += (zeros == 4) * (zeros_middle + (zeros_middle == 4) * _GROUP_ZEROS[top])
    shape = _SHAPE_ROW[index] - zeros  # row of the shape tables
    d0 = _GROUP_TEXT[top] | _GROUP_TEXT_HIGH[middle]  # digits 0-7 and 8-11, as text
    d1 = _GROUP_TEXT[bottom]
    high0 = d0 & _HIGH0[shape]
    high1 = d1 & _HIGH1[shape]
    # the digits after the point move one byte up, the point takes their place
    r0 = (d0 & _LOW0[shape]) | (high0 << 8) | _DOT0[shape]
    r1 = (d1 & _LOW1[shape]) | (high1 << 8) | (high0 >> 56) | _DOT1[shape]
    low_e, high_e = e_range
    w0 = r0 << 8 * _DIGITS_AT
    if negative.any():
        w0 |= negative * np.uint64(ord("-"))
    if low_e < 0 and high_e >= _POSITIONAL[0]:  # some '0.000' prefix
        w0 |= _PREFIX[shape] << 8
    w2 = r1 >> 8 * (8 - _DIGITS_AT)
    if low_e < _POSITIONAL[0] or high_e >= _POSITIONAL[1]:  # some exponent
        w2 |= _EXPONENT[index] << 8 * (_CELL - 16 - 5)
    w1 = (r0 >> 8 * (8 - _DIGITS_AT)) | (r1 << 8 * _DIGITS_AT)
    words[:, 0], words[:, 1], words[:, 2] = w0, w1, w2
    seen = np.array([np.bitwise_or.reduce(w) if len(m) else 0 for w in (w0, w1, w2)], "<u8")
    return seen.view(np.uint8) != 0


def text_cells(texts: Sequence[bytes], width: int | None = None) -> np.ndarray:
    """Byte strings as rows of a zero-padded uint8 matrix (text must not contain NUL)."""
    width = max([width or 0, *map(len, texts)]) or 1
    fixed = np.array(list(texts), dtype=f"S{width}")
    return fixed.view(np.uint8).reshape(len(texts), width)


def join_rows(pieces: Sequence[Piece], n: int, shape: tuple[int, ...] | None = None) -> bytes:
    """n rows of text: each row is the pieces side by side, without the zero bytes.

    `shape` is the block's shape (its rows are the C-order flattening), needed by Cells
    pieces whose row axes broadcast to it."""
    return b"".join(row_chunks(pieces, n, shape))


def row_chunks(pieces: Sequence[Piece], n: int, shape: tuple[int, ...] | None = None) -> list[bytearray]:
    """join_rows's text in consecutive chunks of rows (to be written one after the other).

    The rows are laid out in a table a chunk at a time, then their zero bytes dropped: a
    table of ~256 kB stays in the processor's cache from the first piece copied into it to
    the last byte read out of it (a whole block's table does not)."""
    shape = (n,) if shape is None else tuple(shape)
    cells = _merged([p if isinstance(p, Chosen) else _as_cells(p, shape) for p in pieces])
    width = sum(c.texts.shape[1] if isinstance(c, Chosen) else c.shape[-1] for c in cells)
    inner = math.prod(shape[1:])
    step = max(1, _TABLE_BYTES // max(1, inner * width))  # along the block's first axis
    chunks = []
    for first in range(0, shape[0], step):
        last = min(first + step, shape[0])
        part = [_chosen(c, first * inner, last * inner, (last - first, *shape[1:])) if isinstance(c, Chosen)
                else c if c.shape[0] == 1 else c[first:last] for c in cells]
        part_width = sum(c.shape[-1] for c in part)  # a Chosen piece's width varies by chunk
        buffer = _scratch_bytes((last - first) * inner * part_width)
        _fill(np.frombuffer(buffer, np.uint8).reshape((last - first, *shape[1:], part_width)), part)
        chunks.append(buffer.translate(None, b"\0"))
    return chunks


def _chosen(piece: Chosen, start: int, stop: int, shape: tuple[int, ...]) -> np.ndarray:
    """Rows start..stop of a Chosen piece, as wide as their longest text."""
    index = piece.index[start:stop]
    width = int(piece.lengths[index].max()) if len(index) else 0
    return piece.texts[index, :width].reshape((*shape, width))


def _as_cells(piece: Piece, shape: tuple[int, ...]) -> np.ndarray:
    """A piece as a (*row axes, width) uint8 array, its row axes broadcastable to `shape`."""
    if isinstance(piece, bytes):
        return np.frombuffer(piece, np.uint8).reshape((1,) * len(shape) + (len(piece),))
    if isinstance(piece, Cells):
        return piece.c
    return piece.reshape((*shape, piece.shape[1]))


def _merged(cells: list) -> list:
    """Consecutive pieces with few distinct rows between them (literal separators, a column
    that depends on one axis of the block, a constant) joined into one piece, its text made
    compact: most of a row's bytes come from such pieces, and the zero bytes between their
    slots would otherwise be copied and dropped on every row of the block."""
    out: list = []
    run: list[np.ndarray] = []
    for c in cells:
        if isinstance(c, Chosen):  # full size: it ends a run
            if run:
                out.append(_compact(run))
                run = []
            out.append(c)
            continue
        if run:
            joint = np.broadcast_shapes(*(r.shape[:-1] for r in run), c.shape[:-1])
            if math.prod(joint) <= _MERGE_ROWS:
                run.append(c)
                continue
            out.append(_compact(run))
            run = []
        if math.prod(c.shape[:-1]) <= _MERGE_ROWS:
            run.append(c)
        else:
            out.append(c)
    if run:
        out.append(_compact(run))
    return out


def _compact(run: list[np.ndarray]) -> np.ndarray:
    """The pieces of `run` side by side, each row's text without its zero bytes (then padded)."""
    shape = np.broadcast_shapes(*(r.shape[:-1] for r in run))
    width = sum(r.shape[-1] for r in run)
    table = np.empty((*shape, width), np.uint8)
    at = 0
    for r in run:
        table[..., at:at + r.shape[-1]] = r
        at += r.shape[-1]
    rows = table.reshape(-1, width).tobytes()
    texts = [rows[i:i + width].replace(b"\0", b"") for i in range(0, len(rows), width)]
    return text_cells(texts).reshape((*shape, -1))


def _fill(table: np.ndarray, cells: list[np.ndarray]) -> None:
    """The cells side by side in the (*rows' shape, width) table (its views end with this call,
    so that the buffer under it can be resized for the next chunk)."""
    at = 0
    for source in cells:
        width = source.shape[-1]
        if not width:
            continue
        if source.strides[-1] != 1:
            source = np.ascontiguousarray(source)
        # each cell copied as one void item: byte by byte, numpy's loop costs ten times as much
        table[..., at:at + width].view(f"V{width}")[...] = source.view(f"V{width}")
        at += width


_SCRATCH = threading.local()  # per formatting thread: a table reused from block to block


def _scratch_bytes(size: int) -> bytearray:
    """A reused bytearray of exactly `size` bytes (bytearray.translate reads all of it); fresh
    memory costs a page fault per 4 kB, so it is resized in place, not made anew."""
    buffer = getattr(_SCRATCH, "rows", None)
    if buffer is None:
        buffer = _SCRATCH.rows = bytearray(size)
    elif len(buffer) > size:
        del buffer[size:]
    elif len(buffer) < size:
        buffer.extend(bytes(size - len(buffer)))
    return buffer


def column_cells(values, shape: tuple[int, ...], nan: bytes = b"", after: bytes = b"") -> Cells:
    """Text cells of one column of a block (values broadcastable to `shape`), each followed by
    `after`: a value that does not change along an axis is formatted once; -0.0 prints as 0
    and inf as `nan`."""
    v = np.asarray(values, dtype=float)
    v = v.reshape((1,) * (len(shape) - v.ndim) + v.shape)
    for axis in range(v.ndim):
        if v.shape[axis] > 1 and _constant_along(v, axis):
            v = v[(slice(None),) * axis + (slice(0, 1),)]
    v = np.where(np.isfinite(v), v + 0.0, np.nan)  # -0.0 prints as 0; no 'inf' in a table
    cells = format_numbers(v, nan, after)
    return Cells(cells.reshape((*v.shape, cells.shape[1])))


def _constant_along(v: np.ndarray, axis: int) -> bool:
    """Whether v's slices along `axis` are all the same, bit for bit (so NaN equals NaN; -0.0
    and 0.0 differ, which only costs formatting both)."""
    bits = v.view(np.int64)
    first = bits[(slice(None),) * axis + (slice(0, 1),)]
    second = bits[(slice(None),) * axis + (slice(1, 2),)]
    return bool(np.array_equal(first, second)) and bool((bits == first).all())  # the cheap test first


T = TypeVar("T")
MAX_THREADS = 4  # formatting threads; more gain little (the rows are written by one)
THREADS_PER_CORE = 4  # AMMT_CALC_THREADS may ask for up to this many per core


def threads() -> int:
    """Formatting threads: AMMT_CALC_THREADS if set, else the cores (at most MAX_THREADS)."""
    text = os.environ.get("AMMT_CALC_THREADS", "").strip()
    if text:
        from ..units.numbers import whole_number

        # a small multiple of the cores: each thread holds a block (10,000 took 3.3 GB)
        return whole_number(text, "AMMT_CALC_THREADS", 1, THREADS_PER_CORE * (os.cpu_count() or 1))
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


def in_order(func: Callable[[T], bytes], items: Iterable[T], workers: int | None = None) -> Iterator[tuple[T, bytes]]:
    """(item, func(item)) for each item, in order, func running on `workers` threads.

    numpy releases the GIL in the formatting's array work, so the blocks' text is made on
    several cores while this thread evaluates the next block and writes the finished one.
    At most workers + 1 blocks are in flight: memory stays flat."""
    workers = threads() if workers is None else workers
    if workers <= 1:
        for item in items:
            yield item, func(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers, thread_name_prefix="ammt-format") as pool:
        pending: deque = deque()
        for item in items:
            pending.append((item, pool.submit(func, item)))
            if len(pending) > workers:
                first, future = pending.popleft()
                yield first, future.result()
        while pending:
            first, future = pending.popleft()
            yield first, future.result()


def rounded(values: np.ndarray) -> np.ndarray:
    """`float('%.12g' % x)` of every value, vectorised (the numbers of a JSON document, read back).

    The 12-digit integer mantissa m of |x| x 10^k is exact in a float, and so is 10^k for
    |k| <= 22, so one IEEE division (or multiplication) gives the float nearest the decimal
    m x 10^-k, which is what reading '%.12g' back gives. Values near a rounding tie of the
    scaled mantissa, beyond that exponent range, and NaN/inf go to Python, as in format_numbers.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        return _rounded(np.asarray(values, dtype=float).ravel()).reshape(np.shape(values))


def _rounded(x: np.ndarray) -> np.ndarray:
    out = x.copy()
    magnitude = np.abs(x)
    usable = np.isfinite(x) & (magnitude > 0)
    e = np.zeros(x.shape, np.int64)
    e[usable] = np.floor(np.log10(magnitude[usable])).astype(np.int64)
    for _ in range(2):  # log10 may be one off next to a power of ten: the mantissa's size says so
        k = DIGITS - 1 - e
        scaled = magnitude * 10.0 ** np.clip(k, -22, 22)
        e += usable & (scaled >= 10.0**DIGITS)
        e -= usable & (scaled < 10.0 ** (DIGITS - 1))
    k = DIGITS - 1 - e
    scaled = magnitude * 10.0 ** np.clip(k, -22, 22)
    mantissa = np.rint(scaled)
    exact = usable & (np.abs(k) <= 22) & (np.abs(scaled - np.floor(scaled) - 0.5) > 1e-3) \
        & (mantissa >= 10.0 ** (DIGITS - 1)) & (mantissa < 10.0**DIGITS)
    up = exact & (k >= 0)
    down = exact & (k < 0)
    out[up] = mantissa[up] / 10.0 ** k[up]
    out[down] = mantissa[down] * 10.0 ** -k[down]
    out[exact] = np.copysign(out[exact], x[exact])
    for i in np.flatnonzero(~exact & np.isfinite(x) & (x != 0)):
        out[i] = float(f"{x[i]:.{DIGITS}g}")
    return out
