"""Helpers shared by the hardening tests: run the CLI in-process, write small user catalogs."""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
import warnings
from pathlib import Path

from ammt_calc.cli import main

# Generated-case counts are kept small so the suite stays fast; a fuzzing campaign scales
# them all: AMMT_FUZZ_SCALE=100 python -m pytest tests/test_hostile_catalog.py ...
FUZZ_SCALE = max(1, int(os.environ.get("AMMT_FUZZ_SCALE", "1")))


def examples(n: int) -> int:
    """The hypothesis examples of a test written for `n`: half of them in the default run
    (the suite must stay quick on 2 cores), n x k at AMMT_FUZZ_SCALE=2k."""
    return max(10, n * FUZZ_SCALE // 2)

# The minimum a user writes (cli-contract.md), with {placeholders} the tests replace.
USECASE_TEMPLATE = textwrap.dedent("""\
    id: {id}
    title: {title}
    family: {family}
    parameters:
      model_size: {{default: {model_size}, description: size of the model}}
      latency: {{default: {latency}, description: download deadline}}
    kpis:
      dl_data_rate: {{formula: {formula}, unit: {unit}, direction: DL, label: {label}}}
    published:
      dl_data_rate: {published}
""")
DEFAULTS = {"id": "my-model-download", "title": "My model download", "family": "distribution",
            "model_size": "300 MByte", "latency": "2 s", "formula": "model_size / latency",
            "unit": "Mbit/s", "label": "DL experienced data rate", "published": "1.2 Gbit/s"}


def usecase_text(**fields) -> str:
    return USECASE_TEMPLATE.format(**{**DEFAULTS, **fields})


def write_usecase(folder: Path, name: str = "uc.yaml", text: str | None = None, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(usecase_text(**fields) if text is None else text, encoding="utf-8")
    return path


def run(*argv) -> tuple[int, str, str]:
    """main(argv) in-process: (exit code, stdout, stderr). Any exception escapes to the test.

    stdout has a binary buffer underneath, as a real one does (sweeps write bytes to it).
    Warnings (numpy's RuntimeWarning...) are added to stderr, where a user would see them
    (pytest would otherwise swallow them).
    """
    raw, err = io.BytesIO(), io.StringIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main([str(a) for a in argv])
    out.flush()
    shown = "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught)
    return code, raw.getvalue().decode("utf-8"), err.getvalue() + shown


def assert_refused(code: int, err: str, *fragments: str) -> str:
    """Exit 2 with exactly one `error:` line on stderr (notes may come before it), no traceback."""
    assert code == 2, (code, err)
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def assert_clean(code: int, err: str) -> None:
    """Either success or a clean refusal: the only outcomes a user may see."""
    from hypothesis import event
    from hypothesis.errors import InvalidArgument

    try:
        event("success" if code == 0 else "refused")
    except InvalidArgument:  # not inside a hypothesis test
        pass
    if code == 0:
        assert "Traceback" not in err and "error:" not in err and "Warning" not in err, err
    else:
        assert_refused(code, err)


@contextlib.contextmanager
def deadline(seconds: float = 20):
    """A blocking call (a FIFO opened for reading) ends in TimeoutError instead of hanging the suite."""
    import signal

    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def listener(reply: bytes | None = None, at_once: bool = False):
    """A TCP server on 127.0.0.1 that accepts and never answers (reply None), or answers
    anything it receives with `reply` (an HTTP server's 400); `at_once`: sends `reply` as it
    accepts, before anything is received. Yields its tcp:// address."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()
    held = []

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)
            if reply is not None:
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    if at_once or conn.recv(1024):
                        conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()
