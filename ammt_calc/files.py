"""Reading files and folders the user named, within bounds, with one error line for any OS error.

`read_bounded` opens a file without blocking (a FIFO is refused, never waited on), checks
that it is a regular file no larger than a cap before reading a byte of it, and reads it
once; `read_json` adds JSON within bounds (depth, values, digits of a number), and
`open_regular` gives the open file for a reader that reads only a header. `nofollow=True`
opens a path the program chose itself (its cache) without following a final symlink.
`walk_yaml` lists a catalog folder's `.yaml` files without following folder links,
refuses a folder that holds more than MAX_WALK_ENTRIES entries (`--catalog /proc`), skips
entries that vanish while it looks, and refuses a folder it may not read (a silently
skipped folder would be a silently missing use case). Every OSError goes through
`errors.os_error`.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from contextlib import contextmanager
from hashlib import blake2b
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import UserError, one_line, os_error, short_path

MAX_WALK_ENTRIES = 10_000  # files and folders looked at under one catalog folder
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
_GONE = (errno.ENOENT, errno.ENOTDIR)


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bounded(path, limit: int, what: str, too_large: Callable[[str, int], str] | None = None,
                 *, nofollow: bool = False) -> bytes:
    """The bytes of the regular file `path` (at most `limit` of them), or a UserError.

    `what` names the file in messages ("ONNX model"); `too_large(shown_path, size)` words
    the refusal of a file over the cap.
    """
    shown = short_path(path)
    with open_regular(path, what, nofollow=nofollow) as (handle, info):
        if info.st_size > limit:
            raise UserError(too_large(shown, info.st_size) if too_large else
                            f"{what} '{shown}' is {info.st_size:,} bytes; at most {limit:,} are read")
        try:
            data = handle.read(info.st_size + 1)  # one byte more shows a file still growing
        except OSError as exc:
            raise os_error(path, exc) from None
    if len(data) > info.st_size:
        raise UserError(f"{what} '{shown}' grew while it was read; read it once it is written")
    return data


@contextmanager
def open_regular(path, what: str, *, nofollow: bool = False) -> Iterator[tuple[Any, os.stat_result]]:
    """(binary file, its fstat) of the regular file `path`, or a UserError naming it.

    Opened without blocking, so a FIFO is refused at once rather than waited on; with
    `nofollow`, a final symlink is refused (O_NOFOLLOW), for paths the program chose.
    """
    shown = short_path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (getattr(os, "O_NOFOLLOW", 0) if nofollow else 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise UserError(f"{what} '{shown}' does not exist or is not a file") from None
        if nofollow and exc.errno == errno.ELOOP:
            raise UserError(f"{what} '{shown}' is a symbolic link, which is not followed there") from None
        raise os_error(path, exc) from None
    try:
        with open(fd, "rb") as handle:  # (not os.fdopen: tests replace it to fake a full disk)
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise UserError(f"{what} '{shown}' does not exist or is not a file (it is {kind_of(info.st_mode)})")
            yield handle, info
    except OSError as exc:
        raise os_error(path, exc) from None


# JSON a program wrote (a config.json, a safetensors header, a cache document) is read
# within bounds that hold its real examples many times over (docs/limits.md):
MAX_JSON_DEPTH = 32  # levels of nesting: a config nests 3 or 4 (text_config.rope_scaling)
MAX_NUMBER_CHARS = 40  # characters of one number: 2**128 has 39 digits, a float's repr 24


def read_json(path, limit: int, what: str, *, max_values: int, max_depth: int = MAX_JSON_DEPTH,
              nofollow: bool = False, unique_keys: bool = False) -> Any:
    """`path`'s JSON within bounds, or a UserError naming the file and the bound (never its bytes)."""
    return parse_json(read_bounded(path, limit, what, nofollow=nofollow), f"{what} '{short_path(path)}'",
                      max_values=max_values, max_depth=max_depth, unique_keys=unique_keys)


def parse_json(raw: bytes, where: str, *, max_values: int, max_depth: int = MAX_JSON_DEPTH,
               unique_keys: bool = False) -> Any:
    """JSON text within bounds. `max_values` bounds the containers and members before parsing
    (counted from the bytes: each `{`, `[` and `,`, a few in strings counted too), since memory
    grows with the objects, not the bytes: 99 MB of `{}` took 2.5 GB."""
    values = raw.count(b"{") + raw.count(b"[") + raw.count(b",")
    if values > max_values:
        raise UserError(f"{where} holds more than {max_values:,} JSON values; a real one holds far fewer")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{where} is not UTF-8 text (byte {exc.start})") from None
    hooks: dict[str, Any] = {"parse_int": _json_int, "parse_float": _json_float, "parse_constant": _json_constant}
    if unique_keys:
        hooks["object_pairs_hook"] = _unique_keys
    try:
        data = json.loads(text, **hooks)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where} is not valid JSON: {exc.msg} at byte {exc.pos}") from None
    except RecursionError:
        raise UserError(f"{where} is nested more than {max_depth} levels deep; a real one nests a few") from None
    except _Refused as exc:
        raise UserError(f"{where} {exc.args[0]}") from None
    if _depth(data) > max_depth:
        raise UserError(f"{where} is nested more than {max_depth} levels deep; a real one nests a few")
    return data


class _Refused(ValueError):
    """A JSON value outside the bounds (the hooks raise it; parse_json words it)."""


def _json_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"holds a number of more than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _json_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"holds a number of more than {MAX_NUMBER_CHARS} characters")
    return float(text)


def _json_constant(text: str):
    raise _Refused(f"holds {text}, which is not JSON")


def _unique_keys(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"names the key '{one_line(key[:60])}' twice")
        out[key] = value
    return out


def _depth(data: Any) -> int:
    """Nesting depth, without recursion (a deep document must not overflow the stack here)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (value.values() if isinstance(value, dict) else value)
                         if isinstance(child, (dict, list)))
    return deepest


def is_regular_file(path) -> bool:
    """Path.is_file() without its exceptions: a name too long or a folder without permission is False."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def walk_yaml(directory: Path) -> list[Path]:
    """The `.yaml` files under `directory`, sorted; names starting with `_` (files and folders) left out."""
    try:
        info = os.stat(directory)
    except OSError as exc:
        if exc.errno in _GONE:
            raise UserError(f"catalog directory '{short_path(directory)}' does not exist or is not a directory") from None
        raise os_error(directory, exc, "read the catalog directory") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UserError(f"catalog directory '{short_path(directory)}' does not exist or is not a directory")
    found, folders, seen = [], [directory], 0
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            if exc.errno in _GONE and folder != directory:
                continue  # vanished while we looked (/proc)
            raise os_error(folder, exc, "read the catalog directory") from None
        seen += len(entries)
        if seen > MAX_WALK_ENTRIES:
            raise UserError(f"catalog directory '{short_path(directory)}' holds more than {MAX_WALK_ENTRIES:,}"
                            " files and folders; give the folder of your use cases")
        for entry in entries:
            if entry.name.startswith("_"):
                continue  # reference data, not use cases
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                elif entry.name.endswith(".yaml") and entry.is_file():
                    found.append(Path(entry.path))
            except OSError as exc:
                if exc.errno in _GONE:
                    continue
                raise os_error(entry.path, exc) from None
    return sorted(found)


def digest(data: bytes) -> str:
    """A file's fingerprint for the caches: BLAKE2b, 128 bits, as hex."""
    return blake2b(data, digest_size=16).hexdigest()


def builtin_dir() -> Path:
    """The catalog shipped in the wheel, or the repository's top-level catalog/."""
    here = Path(__file__).resolve().parent  # the package folder
    installed = here / "catalog"
    return installed if installed.is_dir() else here.parent / "catalog"
