"""Files out: stdout or an atomic write (a temporary file beside the target, then a rename),
so a failed or interrupted run never leaves a partial file (SIGINT, SIGTERM and SIGHUP
included: the temporary file is removed and the target left as it was)."""

from __future__ import annotations

import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import INTERRUPTING, UserError, os_error, short_path, signals_interrupt
from ..files import kind_of


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

    A symlink is followed (the file it points to is replaced, the link stays). A target
    that exists and is not a regular file (a FIFO, a device, a socket) is refused before
    anything is written: a FIFO without a reader would block forever (`-o -` is stdout).
    SIGINT, SIGTERM and SIGHUP while writing remove the temporary file and end in
    `errors.Interrupted` (the CLI: "interrupted: FILE left unchanged", exit 130/143/129).
    """
    shown = short_path(path)
    path = _target(str(path))
    import tempfile  # only when writing a file

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise os_error(shown, exc, "write") from None
    try:
        with _signals_interrupt(shown):
            _announce_ready(tmp)
            try:
                os.chmod(tmp, _file_mode(path))  # mkstemp's 0600 would hide the export from everyone else
                with os.fdopen(fd, **_open_mode(binary)) as handle:
                    with _syncing_meanwhile(fd):
                        yield handle
                        handle.flush()
                    os.fsync(fd)  # only what the background syncs have not written yet
                _blocked(lambda: os.replace(tmp, path))
            except OSError as exc:
                raise os_error(shown, exc, "write") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


SYNC_INTERVAL = 0.25  # seconds between background syncs of a file being written


@contextmanager
def _syncing_meanwhile(fd: int):
    """While a long export is written, sync what it has so far every SYNC_INTERVAL on a
    thread: the disk writes while the next rows are formatted, instead of the whole file
    at the final fsync (about 0.5 s of a 260 MB sweep here). A short write ends first and
    never syncs twice."""
    import threading

    done = threading.Event()
    sync_data = getattr(os, "fdatasync", os.fsync)  # the data is what matters; fsync where there is no fdatasync

    def sync() -> None:
        while not done.wait(SYNC_INTERVAL):
            try:
                sync_data(fd)
            except OSError:  # the final fsync reports any problem
                return

    worker = threading.Thread(target=sync, name="ammt-calc-sync", daemon=True)
    worker.start()
    try:
        yield
    finally:
        done.set()
        worker.join()


_SIGNALS = INTERRUPTING
_signals_interrupt = signals_interrupt  # (errors.py: the Dask engine interrupts the same way)


def _blocked(action) -> None:
    """`action` with the interrupting signals held back: once the rename starts, it completes."""
    import signal

    numbers = {getattr(signal, name) for name in _SIGNALS if hasattr(signal, name)}
    if not hasattr(signal, "pthread_sigmask"):
        action()
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, numbers)
    try:
        action()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _announce_ready(tmp: str) -> None:
    """Tests: with AMMT_EXPORT_READY_FD set, write the temporary file's name and a newline to
    that file descriptor once the signal handlers are in place, so a test can signal a running
    export without sleeping."""
    fd = os.environ.get("AMMT_EXPORT_READY_FD")
    if fd and fd.isascii() and fd.isdigit() and len(fd) <= 9:
        try:
            os.write(int(fd), os.fsencode(tmp) + b"\n")
        except OSError:
            pass


def _target(text: str) -> Path:
    """The real path to write; refuses what cannot be replaced by a regular file."""
    if not text or text.endswith(os.sep):
        raise UserError(f"cannot write '{text}': give a file name")
    shown = short_path(text)
    try:
        if os.path.islink(text) and not os.path.exists(text):
            raise UserError(f"cannot write '{shown}': it is a symbolic link to nothing (or a loop)")
        path = Path(os.path.realpath(text))
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return path
        if stat.S_ISDIR(info.st_mode):
            raise UserError(f"cannot write '{shown}': it is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"cannot write '{shown}': it is {kind_of(info.st_mode)}, not a regular file"
                            " (-o - writes to stdout)")
        if not (os.access(path, os.W_OK) and info.st_mode & 0o222):
            raise UserError(f"cannot write '{shown}': the file is read-only")  # even for root, who could
    except OSError as exc:  # a name too long, a symlink loop, ...
        raise os_error(shown, exc, "write") from None
    return path


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
