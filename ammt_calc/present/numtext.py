"""Numbers to text for large exports, vectorised: exactly `'%.12g' % x`, but fast.

Python's float formatting costs ~200 ns a number however it is called (np.savetxt adds a
Python loop per row on top), so a million-row sweep would be limited by it, not by the
disk. Here the text is built with numpy on byte matrices, a column at a time:

- each value is scaled to a 12-digit integer mantissa `m` and a decimal exponent `e`
  (12 significant digits, as render.SIGNIFICANT_DIGITS: enough for any input, no float
  noise such as 144.00000000000003);
- the digits come from a table of 4-digit groups (one gather); trailing zeros are cut;
- every cell has one layout of byte slots, `-` `0.000` d `.` d `.` d ... d `e+XX`, in
  which a slot that `'%g'` would not print holds a zero byte. That covers both of its
  forms, positional for -4 <= e < 12 (`0.00012`, `144`, `62.5`) and scientific
  otherwise (`1.5e-07`, `2e+15`), with no per-value branching.

Values whose scaled mantissa lies within 1e-3 of a rounding tie (float scaling might
round them the other way), exponents beyond +-300, NaN and infinity are formatted by
Python's own `'%.12g'`; they are rare. So the text is always what `'%.12g' % x` gives;
tests check this on random values.

Zeros and NaN are written in bulk too (`0`, `-0`, and the NaN text given), so only ties,
infinities and extreme exponents reach Python, one value at a time.

`join_rows` lays cells and literal separators side by side and drops the zero bytes,
giving the rows as bytes. The table is built transposed (a row of bytes per slot, each
written contiguously, a broadcast column written straight from its distinct values),
then read row by row once and the zero bytes deleted by `bytes.translate` (C speed),
with no boolean mask. `column_cells` gives a column of a block as such a piece: a value
that does not change along an axis of the block is formatted once and broadcast.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from typing import Callable, Iterable, Iterator, Sequence, TypeVar, Union

import numpy as np

DIGITS = 12  # significant digits
_POSITIONAL = (-4, DIGITS)  # '%g' is positional for exponents in [-4, 12)
_MAX_EXPONENT = 300  # scaling stays within float range (subnormals are left to Python)
_POW10 = 10.0 ** np.arange(0, 23)  # exact in float64
_GROUP_TEXT = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), dtype=np.uint32)
_GROUP_ZEROS = np.array([4] + [len(s) - len(s.rstrip("0")) for s in map("{:04d}".format, range(1, 10_000))],
                        dtype=np.int64)  # trailing zeros of each 4-digit group
_KEEP = np.where(np.arange(DIGITS)[None, :] < np.arange(DIGITS + 1)[:, None], 0xFF, 0).astype(np.uint8)



class Cells:
    """Cells of one column, transposed: `t[k, ...]` is byte slot k of every row, with the
    row axes broadcastable to the block's shape (a constant axis has length 1)."""

    __slots__ = ("t",)

    def __init__(self, t: np.ndarray):
        self.t = t


Piece = Union[bytes, np.ndarray, Cells]  # literal bytes (same on every row), an (n, w) cell matrix, or Cells


def format_numbers(values: np.ndarray, nan: bytes = b"") -> np.ndarray:
    """`'%.12g' % v` of every value, as an (n, width) uint8 matrix with zero bytes between.

    NaN becomes `nan` (b"" for an empty CSV cell, b"null" for JSON).
    """
    return format_numbers_t(values, nan).T


def format_numbers_t(values: np.ndarray, nan: bytes = b"") -> np.ndarray:
    """format_numbers, transposed: a (width, n) matrix, one contiguous row per byte slot."""
    x = np.asarray(values, dtype=float).ravel()
    with np.errstate(all="ignore"):
        a = np.abs(x)
        e = np.floor(np.log10(a))
        e = np.where(np.isfinite(e), e, 0).astype(np.int64)
        m, e, tie = _mantissa(a, e)
    zero = x == 0
    fast = np.isfinite(x) & ~zero & (np.abs(e) <= _MAX_EXPONENT) & ~tie
    if fast.all():
        return _layout(m, e, x < 0)
    out = _layout(np.where(fast, m, 10**(DIGITS - 1)), np.where(fast, e, 0), (x < 0) & fast)
    nans = np.isnan(x)
    if zero.any() or nans.any():  # in bulk: '0', '-0' and the NaN text
        out = _widen(out, max(2, len(nan)))
        out[:, zero | nans] = 0
        negative_zero = zero & np.signbit(x)
        out[0, zero & ~negative_zero] = ord("0")
        out[0, negative_zero], out[1, negative_zero] = ord("-"), ord("0")
        if nan:
            out[:len(nan), nans] = np.frombuffer(nan, np.uint8)[:, None]
    rest = ~fast & ~zero & ~nans
    if rest.any():
        out[:, rest] = 0
        out = _python_format(out, x, np.flatnonzero(rest), nan)
    return out


def _widen(out: np.ndarray, width: int) -> np.ndarray:
    """At least `width` slots (the new ones zero)."""
    if out.shape[0] >= width:
        return out
    return np.concatenate([out, np.zeros((width - out.shape[0], out.shape[1]), np.uint8)])


def _mantissa(a: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """a rounded to DIGITS significant digits: a ~ m * 10**(e - DIGITS + 1), 10**11 <= m < 10**12.

    Also where the scaled value lies within 1e-3 of a rounding tie: its float error (a
    few ulp, under 5e-4 below 10**12) could have rounded it the wrong way.
    """
    scaled = _scale(a, e)
    low = np.flatnonzero(scaled < 10.0 ** (DIGITS - 1) - 0.5)  # log10 rounded up across a power of ten
    e[low] -= 1
    scaled[low] = _scale(a[low], e[low])
    m = np.rint(scaled)
    tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-3
    high = m >= 10.0 ** DIGITS  # 9.9999999999996 rounds up to 10
    e = e + high
    m = np.where(high, 10.0 ** (DIGITS - 1), m)
    return np.where(np.isfinite(m), m, 0).astype(np.int64), e, tie


def _scale(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """a * 10**(DIGITS - 1 - e): an exact power of ten up to 10**22, a second factor beyond."""
    k = DIGITS - 1 - e
    near = np.clip(k, -22, 22)
    scaled = a * _POW10[np.maximum(near, 0)] / _POW10[np.maximum(-near, 0)]  # one of the two is 1.0
    far = k - near
    if far.any():
        scaled = scaled * 10.0 ** far.astype(float)
    return scaled


def _layout(m: np.ndarray, e: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """The text of m * 10**(e - 11) for 10**11 <= m < 10**12 and |e| <= 300.

    Byte slots, left to right: sign; '0.' and up to 3 zeros (e < 0); each digit with a
    point slot after it; 'e', exponent sign and two or three digits. Only slots some row uses are
    built; a row leaves a slot it does not use zero.
    """
    groups = np.stack([m // 100_000_000, m // 10_000 % 10_000, m % 10_000], axis=1)
    digits = _GROUP_TEXT[groups].view(np.uint8)  # (n, 12) ASCII digits
    zeros = np.where(groups[:, 2] != 0, _GROUP_ZEROS[groups[:, 2]],
                     np.where(groups[:, 1] != 0, 4 + _GROUP_ZEROS[groups[:, 1]], 8 + _GROUP_ZEROS[groups[:, 0]]))
    significant = DIGITS - zeros
    positional = (e >= _POSITIONAL[0]) & (e < _POSITIONAL[1])
    small = positional & (e < 0)  # 0.000ddd
    scientific = ~positional
    keep = np.where(positional, np.maximum(significant, e + 1), significant)  # integer-part zeros stay
    digits &= _KEEP[keep]
    point_after = np.where(positional & (e >= 0), e, 0)  # the digit the point follows
    point_after = np.where((significant > point_after + 1) & ~small, point_after, -1)  # -1: no point
    slots = []
    if negative.any():
        slots.append(_char(negative, "-"))
    if small.any():
        slots += [_char(small, "0"), _char(small, ".")]
        slots += [_char(small & (i < -e - 1), "0") for i in range(int((-e[small]).max()) - 1)]
    point_after = point_after.astype(np.int8)
    used_points = np.bincount(point_after + 1, minlength=DIGITS + 1)[1:]
    for i in range(int(keep.max())):
        slots.append(digits[:, i])
        if used_points[i]:
            slots.append(_char(point_after == i, "."))
    if scientific.any():
        magnitude = np.abs(e).astype(np.uint16)
        slots += [_char(scientific, "e"), _char(scientific & (e < 0), "-") | _char(scientific & (e >= 0), "+")]
        hundreds = scientific & (magnitude >= 100)
        if hundreds.any():
            slots.append(_char(hundreds, "0") + hundreds * (magnitude // 100).astype(np.uint8))
        slots += [_char(scientific, "0") + scientific * (magnitude // 10 % 10).astype(np.uint8),
                  _char(scientific, "0") + scientific * (magnitude % 10).astype(np.uint8)]
    return np.stack(slots)  # (slots, n): built slot by slot, each contiguous; join_rows transposes once


def _char(mask: np.ndarray, char: str) -> np.ndarray:
    """`char` where mask holds, else a zero byte."""
    return mask.view(np.uint8) * np.uint8(ord(char))


def _python_format(out: np.ndarray, x: np.ndarray, rows: np.ndarray, nan: bytes) -> np.ndarray:
    """Fill `rows` (columns of the transposed `out`) with Python's own '%.12g' (NaN as `nan`)."""
    if not rows.size:
        return out
    texts = [nan if v != v else (f"%.{DIGITS}g" % v).encode() for v in x[rows].tolist()]
    cells = text_cells(texts)
    out = _widen(out, cells.shape[1])
    out[:, rows] = 0
    out[:cells.shape[1], rows] = cells.T
    return out


def text_cells(texts: Sequence[bytes], width: int | None = None) -> np.ndarray:
    """Byte strings as rows of a zero-padded uint8 matrix (text must not contain NUL)."""
    width = max([width or 0, *map(len, texts)]) or 1
    fixed = np.array(list(texts), dtype=f"S{width}")
    return fixed.view(np.uint8).reshape(len(texts), width)


def join_rows(pieces: Sequence[Piece], n: int, shape: tuple[int, ...] | None = None) -> bytes:
    """n rows of text: each row is the pieces side by side, without the zero bytes.

    `shape` is the block's shape (its rows are the C-order flattening), needed by Cells
    pieces whose row axes broadcast to it."""
    shape = (n,) if shape is None else tuple(shape)
    widths = [len(p) if isinstance(p, bytes) else p.t.shape[0] if isinstance(p, Cells) else p.shape[1]
              for p in pieces]
    width_total = sum(widths)
    table = _scratch("table", width_total * n).reshape(width_total, n)  # transposed: a row per byte slot
    at = 0
    for piece, width in zip(pieces, widths):
        if not width:
            continue
        slab = table[at:at + width]
        if isinstance(piece, bytes):
            slab[...] = np.frombuffer(piece, np.uint8)[:, None]
        elif isinstance(piece, Cells):
            flat = piece.t.ndim == 2 and piece.t.shape[1] == n  # one cell per row already
            (slab if flat else slab.reshape((width, *shape)))[...] = piece.t
        else:
            slab[...] = piece.T
        at += width
    rows = _scratch_bytes(width_total * n)
    np.copyto(np.frombuffer(rows, np.uint8).reshape(n, width_total), table.T)  # the one transposition
    return rows.translate(None, b"\0")


_SCRATCH = threading.local()  # per formatting thread: buffers reused from block to block


def _scratch(name: str, size: int) -> np.ndarray:
    """A reused uint8 buffer of at least `size` bytes (fresh memory costs a page fault per 4 kB)."""
    buffer = getattr(_SCRATCH, name, None)
    if buffer is None or buffer.size < size:
        buffer = np.empty(size, np.uint8)
        setattr(_SCRATCH, name, buffer)
    return buffer[:size]


def _scratch_bytes(size: int) -> bytearray:
    """A reused bytearray of exactly `size` bytes (bytearray.translate reads all of it)."""
    buffer = getattr(_SCRATCH, "rows", None)
    if buffer is None or len(buffer) != size:
        buffer = bytearray(size)
        _SCRATCH.rows = buffer
    return buffer


def column_cells(values, shape: tuple[int, ...], nan: bytes = b"") -> Cells:
    """Text cells of one column of a block (values broadcastable to `shape`): a value that
    does not change along an axis is formatted once; -0.0 prints as 0 and inf as `nan`."""
    v = np.asarray(values, dtype=float)
    v = v.reshape((1,) * (len(shape) - v.ndim) + v.shape)
    for axis in range(v.ndim):
        if v.shape[axis] > 1 and _constant_along(v, axis):
            v = v[(slice(None),) * axis + (slice(0, 1),)]
    v = np.where(np.isfinite(v), v + 0.0, np.nan)  # -0.0 prints as 0; no 'inf' in a table
    cells = format_numbers_t(v, nan)
    return Cells(cells.reshape((cells.shape[0], *v.shape)))


def _constant_along(v: np.ndarray, axis: int) -> bool:
    def at(i):
        return v[(slice(None),) * axis + (slice(i, i + 1),)]

    def same(a, b) -> bool:
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))

    return same(at(0), at(1)) and same(v, at(0))  # the cheap test first


T = TypeVar("T")
MAX_THREADS = 4  # formatting threads; more gain little (the rows are written by one)


def threads() -> int:
    """Formatting threads: AMMT_CALC_THREADS if set, else the cores (at most MAX_THREADS)."""
    text = os.environ.get("AMMT_CALC_THREADS", "").strip()
    if text.isdigit() and int(text) >= 1:
        return int(text)
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
