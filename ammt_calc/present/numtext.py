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

`join_rows` lays cells and literal separators side by side and drops the zero bytes in
one pass, giving the rows as bytes.
"""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np

DIGITS = 12  # significant digits
_POSITIONAL = (-4, DIGITS)  # '%g' is positional for exponents in [-4, 12)
_MAX_EXPONENT = 300  # scaling stays within float range (subnormals are left to Python)
_POW10 = 10.0 ** np.arange(0, 23)  # exact in float64
_GROUP_TEXT = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), dtype=np.uint32)
_GROUP_ZEROS = np.array([4] + [len(s) - len(s.rstrip("0")) for s in map("{:04d}".format, range(1, 10_000))],
                        dtype=np.int64)  # trailing zeros of each 4-digit group
_KEEP = np.where(np.arange(DIGITS)[None, :] < np.arange(DIGITS + 1)[:, None], 0xFF, 0).astype(np.uint8)

Piece = Union[bytes, np.ndarray]  # literal bytes (same on every row) or an (n, w) cell matrix


def format_numbers(values: np.ndarray, nan: bytes = b"") -> np.ndarray:
    """`'%.12g' % v` of every value, as an (n, width) uint8 matrix with zero bytes between.

    NaN becomes `nan` (b"" for an empty CSV cell, b"null" for JSON).
    """
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
    out[~fast] = 0
    return _python_format(out, x, np.flatnonzero(~fast), nan)


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
    return np.stack(slots).T  # built slot by slot (contiguous), read row by row: join_rows copies once


def _char(mask: np.ndarray, char: str) -> np.ndarray:
    """`char` where mask holds, else a zero byte."""
    return mask.view(np.uint8) * np.uint8(ord(char))


def _python_format(out: np.ndarray, x: np.ndarray, rows: np.ndarray, nan: bytes) -> np.ndarray:
    """Fill `rows` with Python's own '%.12g' (NaN as `nan`), widening `out` if needed."""
    if not rows.size:
        return out
    texts = [nan if v != v else (f"%.{DIGITS}g" % v).encode() for v in x[rows].tolist()]
    cells = text_cells(texts)
    if cells.shape[1] > out.shape[1]:
        out = np.concatenate([out, np.zeros((out.shape[0], cells.shape[1] - out.shape[1]), np.uint8)], axis=1)
    out[rows] = 0
    out[rows, :cells.shape[1]] = cells
    return out


def text_cells(texts: Sequence[bytes], width: int | None = None) -> np.ndarray:
    """Byte strings as rows of a zero-padded uint8 matrix (text must not contain NUL)."""
    width = max([width or 0, *map(len, texts)]) or 1
    fixed = np.array(list(texts), dtype=f"S{width}")
    return fixed.view(np.uint8).reshape(len(texts), width)


def join_rows(pieces: Sequence[Piece], n: int) -> bytes:
    """n rows of text: each row is the pieces side by side, without the zero bytes."""
    columns = []
    for piece in pieces:
        if isinstance(piece, bytes):
            if piece:
                columns.append(np.broadcast_to(np.frombuffer(piece, np.uint8), (n, len(piece))))
        else:
            columns.append(piece)
    table = np.concatenate(columns, axis=1) if columns else np.zeros((n, 0), np.uint8)
    return table[table != 0].tobytes()
