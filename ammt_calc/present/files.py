"""Files out: stdout or an atomic write (a temporary file beside the target, then a rename),
so a failed or interrupted run never leaves a partial file."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import UserError


def emit(text: str, output: str | Path | None) -> None:
    """Print to stdout, or write `output` atomically."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    write_atomic(output, text)


def write_atomic(path: str | Path, text: str) -> None:
    with atomic_file(path) as handle:
        handle.write(text)


@contextmanager
def atomic_file(path: str | Path, binary: bool = False):
    """A file handle for streaming into `path`: a temporary file beside it, renamed into
    place only when the block ends without error (otherwise removed).

    A symlink is followed (the file it points to is replaced, the link stays); a FIFO or
    device (`-o /dev/stdout`) is written into, as nothing can be renamed over it."""
    shown = path
    path, special = _target(str(path))
    if special:
        with _direct(path, shown, binary) as handle:
            yield handle
        return
    directory = path.parent
    import tempfile  # only when writing a file

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UserError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, _file_mode(path))  # mkstemp's 0600 would hide the export from everyone else
        with os.fdopen(fd, **_open_mode(binary)) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _target(text: str) -> tuple[Path, bool]:
    """The real path to write and whether it is a FIFO or device; refuses what cannot be a file."""
    if not text or text.endswith(os.sep):
        raise UserError(f"cannot write '{text}': give a file name")
    try:
        if os.path.islink(text) and not os.path.exists(text):
            raise UserError(f"cannot write '{text}': it is a symbolic link to nothing (or a loop)")
        path = Path(os.path.realpath(text))
        if path.is_dir():
            raise UserError(f"cannot write '{text}': it is a directory")
        if path.exists() and not path.is_file():
            return path, True
        if path.exists() and not (os.access(path, os.W_OK) and path.stat().st_mode & 0o222):
            raise UserError(f"cannot write '{text}': the file is read-only")  # even for root, who could
    except OSError as exc:  # a name too long, a symlink loop, ...
        raise UserError(f"cannot write '{text}': {exc.strerror or exc}") from None
    return path, False


@contextmanager
def _direct(path: Path, shown, binary: bool):
    try:
        with open(path, **_open_mode(binary)) as handle:
            yield handle
    except OSError as exc:
        raise UserError(f"cannot write '{shown}': {exc.strerror or exc}") from None


def _open_mode(binary: bool) -> dict:
    return {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else what a plain open() would give (umask)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
