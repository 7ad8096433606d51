"""Reading files and folders the user named, within bounds, with one error line for any OS error.

`read_bounded` opens a file without blocking (a FIFO is refused, never waited on), checks
that it is a regular file no larger than a cap before reading a byte of it, and reads it
once. `walk_yaml` lists a catalog folder's `.yaml` files without following folder links,
refuses a folder that holds more than MAX_WALK_ENTRIES entries (`--catalog /proc`), skips
entries that vanish while it looks, and refuses a folder it may not read (a silently
skipped folder would be a silently missing use case). Every OSError goes through
`errors.os_error`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Callable

from .errors import UserError, os_error, short_path

from hashlib import blake2b

MAX_WALK_ENTRIES = 10_000  # files and folders looked at under one catalog folder
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
_GONE = (errno.ENOENT, errno.ENOTDIR)


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bounded(path, limit: int, what: str, too_large: Callable[[str, int], str] | None = None) -> bytes:
    """The bytes of the regular file `path` (at most `limit` of them), or a UserError.

    `what` names the file in messages ("ONNX model"); `too_large(shown_path, size)` words
    the refusal of a file over the cap.
    """
    shown = short_path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise UserError(f"{what} '{shown}' does not exist or is not a file") from None
        raise os_error(path, exc) from None
    try:
        with open(fd, "rb") as handle:  # (not os.fdopen: tests replace it to fake a full disk)
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise UserError(f"{what} '{shown}' does not exist or is not a file (it is {kind_of(info.st_mode)})")
            if info.st_size > limit:
                raise UserError(too_large(shown, info.st_size) if too_large else
                                f"{what} '{shown}' is {info.st_size:,} bytes; at most {limit:,} are read")
            data = handle.read(info.st_size + 1)  # one byte more shows a file still growing
    except OSError as exc:
        raise os_error(path, exc) from None
    if len(data) > info.st_size:
        raise UserError(f"{what} '{shown}' grew while it was read; read it once it is written")
    return data


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
