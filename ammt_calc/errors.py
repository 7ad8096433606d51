"""The one exception type that means "the user gave bad input" (exit code 2)."""

import contextlib
import errno
import os


class UserError(Exception):
    """Bad input or usage. Its message is one line, shown as `error: <message>`."""

    exit_code = 2

    def __str__(self) -> str:
        return one_line(super().__str__())


def one_line(text: str) -> str:
    """`text` with newlines and other control characters escaped (`\\n`), so that a value
    quoted from user input (a YAML key, a --set value) cannot break the message in two."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ClusterFailed(UserError):
    """A Dask cluster that failed after the run started (a worker or the scheduler gone): one
    line, exit code 3 (the input was fine; the cluster was not)."""

    exit_code = 3


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP during an export: the temporary file is gone, `target` untouched.

    A BaseException (as KeyboardInterrupt is), so that no `except Exception` swallows it;
    the CLI prints `interrupted: TARGET left unchanged` and exits 128 + the signal number.
    """

    def __init__(self, signum: int, target: str = ""):
        super().__init__(signum, target)
        self.signum, self.target = signum, target


INTERRUPTING = ("SIGINT", "SIGTERM", "SIGHUP")


@contextlib.contextmanager
def signals_interrupt(shown: str):
    """Inside: SIGINT, SIGTERM and SIGHUP raise Interrupted(signum, shown), so that a `finally`
    cleans up (a temporary file, a partial dataset folder). Only the main thread may set
    handlers: elsewhere nothing changes."""
    import signal
    import threading

    numbers = [getattr(signal, name) for name in INTERRUPTING if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise Interrupted(signum, shown)

    previous = {n: signal.signal(n, interrupt) for n in numbers}
    try:
        yield
    except KeyboardInterrupt:  # a SIGINT that arrived before our handler, or one raised by a library
        raise Interrupted(signal.SIGINT, shown) from None
    finally:
        for n, handler in previous.items():
            signal.signal(n, handler)


_OS_REASONS = {  # errno -> the words a user reads (strerror varies with the C library and locale)
    errno.ENAMETOOLONG: "the name is too long",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "no such file or directory",
    errno.ENOTDIR: "not a directory",
    errno.EISDIR: "it is a directory",
    errno.ELOOP: "too many levels of symbolic links",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on device",
    errno.EIO: "input/output error",
}


def short_path(path, limit: int = 80) -> str:
    """A path as one printable line of at most `limit` characters: the start and the end of
    a long one (its file name usually is the end), the middle elided."""
    text = one_line(os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path))
    if len(text) <= limit:
        return text
    keep = limit - 3
    return text[: keep // 3] + "..." + text[len(text) - (keep - keep // 3):]


def os_error(path, exc: OSError, action: str = "read") -> UserError:
    """The one way an OSError on a user's path becomes a message: `cannot read 'PATH': why`.

    Every place that touches a path the user named (a catalog folder or file, a model file,
    an -o target) maps its OSError through here, so a 300-character name, a folder without
    permission or a /proc entry that vanishes mid-walk is one error line, never a traceback.
    """
    reason = _OS_REASONS.get(exc.errno) or one_line(exc.strerror or type(exc).__name__).lower()
    return UserError(f"cannot {action} '{short_path(path)}': {reason}")


def suggest(word: str, candidates) -> str:
    """'; did you mean X?' for the closest candidate, or ''."""
    import difflib  # only when a name is wrong

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
