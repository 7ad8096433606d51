"""Exports are atomic and safe to open in a spreadsheet.

- A killed or failing run leaves the previous file, or none: never a partial one.
- Paths that cannot be written are refused in one line (exit 2).
- Text cells a spreadsheet would execute (=, +, -, @ ...) are neutralised; numbers,
  negative ones included, stay numbers.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import signal
import stat
import subprocess
import sys

import pytest
from hardening_helpers import assert_refused, run, usecase_text, write_usecase

from ammt_calc.errors import short_path
from ammt_calc.present import atomic as files
from ammt_calc.present import formats

DL = "model-distribution-image-recognition"
PREVIOUS = "the previous export\n"


def temp_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- a real export killed mid-write ----------------------------------------------------------


def interrupt_export(tmp_path, target, signum) -> subprocess.CompletedProcess:
    """Start a 1,000,000-row sweep (~170 MB of CSV) into `target`; send `signum` as soon as the
    export says it is ready (AMMT_EXPORT_READY_FD: its temporary file exists and its signal
    handlers are in place). Nothing sleeps and nothing is timed; the timeout guards a hang."""
    argv = [sys.executable, "-m", "ammt_calc", "sweep", DL, "--vary", "latency=1s:2s:1000000", "-o", str(target)]
    ready, announce = os.pipe()
    process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               pass_fds=[announce], env={**os.environ, "AMMT_EXPORT_READY_FD": str(announce)})
    os.close(announce)
    try:
        with os.fdopen(ready, "rb") as marker:
            line = marker.readline()  # blocks until the export is ready (or ends: then b"")
        assert line.strip().endswith(b".tmp"), line
        process.send_signal(signum)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    return subprocess.CompletedProcess(argv, process.returncode, "", err)


@pytest.mark.parametrize("signum, code", [
    (signal.SIGINT, 130),  # Ctrl-C
    (signal.SIGTERM, 143),  # kill, timeout: main left the temporary file behind (once 34.7 GB)
    (signal.SIGHUP, 129),  # the terminal closed
])
def test_an_interrupted_export_leaves_the_previous_file(tmp_path, signum, code):
    target = tmp_path / "sweep.csv"
    target.write_text(PREVIOUS)
    result = interrupt_export(tmp_path, target, signum)
    assert result.returncode == code, result.stderr
    assert result.stderr == f"interrupted: {short_path(target)} left unchanged\n"
    assert target.read_text() == PREVIOUS
    assert temp_files(tmp_path) == []


def test_an_interrupted_export_without_a_previous_file_leaves_none(tmp_path):
    target = tmp_path / "sweep.csv"
    result = interrupt_export(tmp_path, target, signal.SIGTERM)
    assert result.returncode == 143 and result.stderr == f"interrupted: {short_path(target)} left unchanged\n"
    assert not target.exists() and temp_files(tmp_path) == []


@pytest.mark.parametrize("previous", [True, False])
def test_sigkill_mid_write_leaves_the_previous_file_or_none(tmp_path, previous):
    target = tmp_path / "sweep.csv"
    if previous:
        target.write_text(PREVIOUS)
    result = interrupt_export(tmp_path, target, signal.SIGKILL)
    assert result.returncode == -signal.SIGKILL, "the export ended before it could be killed mid-write"
    if previous:
        assert target.read_text() == PREVIOUS
    else:
        assert not target.exists()
    # SIGKILL leaves no chance to clean up: the partial data stays in the hidden temporary file
    assert len(temp_files(tmp_path)) == 1


def test_a_complete_export_replaces_the_previous_file(tmp_path):
    target = tmp_path / "sweep.csv"
    target.write_text(PREVIOUS)
    code, _, err = run("sweep", DL, "--vary", "latency=1s:2s:3", "-o", target)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert [r[0] for r in rows] == ["latency [s]", "1", "1.5", "2"]
    assert temp_files(tmp_path) == []


# --- writes that fail ------------------------------------------------------------------------


class FullDisk(io.RawIOBase):
    """A file that accepts `room` bytes, then fails as a full disk does."""

    def __init__(self, handle, room: int):
        self.handle, self.room = handle, room

    def writable(self):
        return True

    def write(self, data):
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self.handle.write(data)

    def fileno(self):
        return self.handle.fileno()

    def close(self):
        self.handle.close()
        super().close()


@pytest.fixture
def full_disk(monkeypatch):
    """os.fdopen (used by files.atomic_file) hands out files that fill up after 100 bytes."""
    real_fdopen = os.fdopen

    def fdopen(fd, mode="r", **kwargs):
        raw = FullDisk(real_fdopen(fd, "wb", buffering=0), room=100)
        if "b" in mode:
            return io.BufferedWriter(raw, buffer_size=16)
        return io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=16), encoding=kwargs.get("encoding"),
                                newline=kwargs.get("newline"))

    monkeypatch.setattr(files.os, "fdopen", fdopen)


@pytest.mark.parametrize("argv", [
    ("usecase", DL, "--format", "csv"),
    ("usecase", DL, "--format", "json"),
    ("check", "--format", "csv"),
    ("sweep", DL, "--vary", "latency=1s:2s:1000"),
    ("sweep", DL, "--vary", "latency=1s:2s:1000", "--format", "json"),
    ("split", "alexnet", "--format", "csv"),
    ("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "4", "--modulation", "256QAM", "--format", "json"),
])
def test_a_full_disk_leaves_the_previous_file(tmp_path, full_disk, argv):
    target = tmp_path / "out"
    target.write_text(PREVIOUS)
    code, _, err = run(*argv, "-o", target)
    assert_refused(code, err, f"cannot write '{target}'", "no space left on device")
    assert target.read_text() == PREVIOUS
    assert temp_files(tmp_path) == []


def test_an_error_while_computing_leaves_the_previous_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text(PREVIOUS)
    code, _, err = run("split", "alexnet", "--ul-rate", "1e-300bit/s", "--format", "csv", "-o", target)
    assert_refused(code, err, "beyond floating point")
    assert target.read_text() == PREVIOUS and temp_files(tmp_path) == []


@pytest.mark.parametrize("name, fragment", [
    ("", "give a file name"),
    (".", "it is a directory"),
    ("missing/folder/out.csv", "no such file or directory"),
    ("a_file/out.csv", "not a directory"),
])
def test_paths_that_cannot_be_written(tmp_path, monkeypatch, name, fragment):
    (tmp_path / "a_file").write_text("x")
    monkeypatch.chdir(tmp_path)
    for argv in (("usecase", DL, "--format", "csv"), ("sweep", DL, "--vary", "latency=1s,2s"), ("check",),
                 ("split", "alexnet")):
        code, _, err = run(*argv, "-o", name)
        assert_refused(code, err, "cannot write", fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_a_read_only_file_is_not_replaced(tmp_path):
    # Even root, who may write anywhere, is told: a file without write permission is kept.
    target = tmp_path / "out.csv"
    target.write_text(PREVIOUS)
    target.chmod(0o444)
    code, _, err = run("usecase", DL, "--format", "csv", "-o", target)
    assert_refused(code, err, f"cannot write '{target}'", "read-only")
    assert target.read_text() == PREVIOUS and stat.S_IMODE(target.stat().st_mode) == 0o444
    assert temp_files(tmp_path) == []


def test_an_export_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text(PREVIOUS)
    target.chmod(0o640)
    assert run("usecase", DL, "--format", "csv", "-o", target)[0] == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_an_export_through_a_symlink_updates_the_file_it_points_to(tmp_path):
    real = tmp_path / "data" / "real.csv"
    real.parent.mkdir()
    real.write_text(PREVIOUS)
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    code, _, err = run("usecase", DL, "--format", "csv", "-o", link)
    assert code == 0, err
    assert link.is_symlink() and real.read_text().startswith("usecase,kpi,")
    assert temp_files(tmp_path) == [] and temp_files(real.parent) == []


@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
def test_a_target_that_is_not_a_regular_file_is_refused_before_writing(tmp_path, kind):
    # main wrote into a FIFO, and `-o` onto a FIFO without a reader hung forever
    import socket

    if kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    elif kind == "device":
        target = "/dev/null"
    else:
        target = tmp_path / "sock"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
    what = {"fifo": "a FIFO", "device": "a device", "socket": "a socket"}[kind]
    code, out, err = run("usecase", DL, "--format", "csv", "-o", target)
    assert_refused(code, err, f"cannot write '{target}': it is {what}, not a regular file (-o - writes to stdout)")
    assert out == ""
    if kind == "fifo":
        assert stat.S_ISFIFO(os.stat(target).st_mode)


def test_dash_is_still_stdout():
    code, out, err = run("usecase", DL, "--format", "csv", "-o", "-")
    assert code == 0 and out.startswith("usecase,kpi,"), err


# --- spreadsheet formulas in CSV -------------------------------------------------------------

TRIGGERS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1"]  # "\r" is refused in catalog text (see below)


def hostile_catalog(folder, trigger: str):
    """A user use case whose title, label, family, reason and notes start with `trigger`."""
    text = usecase_text(title=json.dumps(f"{trigger} title"), label=json.dumps(f"{trigger} label"),
                        family=json.dumps(f"{trigger}family"), published="{text: " + json.dumps(f"{trigger} tbd") + "}")
    text = text.replace("direction: DL,", "direction: DL, infeasible_if: {condition: latency > limit, reason: "
                        + json.dumps(f"{trigger} reason") + "},")
    text = text.replace("  latency:", "  limit: {default: 1 s}\n  latency:")
    write_usecase(folder, text=text + "sources: [" + json.dumps(f"{trigger} source") + "]\n")
    return folder


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def neutralised(text: str) -> str:
    """What a text field becomes: the catalog strips it, the CSV writer quotes a trigger."""
    return "'" + text.strip()


def assert_no_formula_cells(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell and cell[0] in "=+@\t\r":
                pytest.fail(f"a spreadsheet would run {cell!r}")
            if cell.startswith("-"):  # a negative number is fine; text starting with '-' is not
                float(cell)


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_usecase_csv_neutralises_text_cells(tmp_path, trigger):
    folder = hostile_catalog(tmp_path, trigger)
    code, out, err = run("--catalog", folder, "usecase", "my-model-download", "--format", "csv")
    assert code == 0, err
    rows = csv_cells(out)
    assert_no_formula_cells(rows)
    row = rows[1]
    reason = rows[0].index("reason")
    assert row[2] == neutralised(f"{trigger} label") and row[reason] == neutralised(f"{trigger} reason")


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_list_csv_neutralises_text_cells(tmp_path, trigger):
    folder = hostile_catalog(tmp_path, trigger)
    code, out, err = run("--catalog", folder, "list", "--format", "csv")
    assert code == 0, err
    rows = csv_cells(out)
    assert_no_formula_cells(rows)
    mine = next(r for r in rows if r[0] == "my-model-download")
    assert mine[1:] == [neutralised(f"{trigger} title"), neutralised(f"{trigger}family"), f"'{trigger} source"]


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_check_csv_neutralises_text_cells(tmp_path, trigger):
    folder = hostile_catalog(tmp_path, trigger)
    code, out, err = run("--catalog", folder, "check", "--format", "csv")
    assert code == 0, err
    rows = csv_cells(out)
    assert_no_formula_cells(rows)
    mine = next(r for r in rows if r[0] == "my-model-download")
    text = rows[0].index("published_text")
    assert mine[text] == f"'{trigger.strip()} tbd"  # published_text, as the standard wrote it: neutralised


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_sweep_csv_neutralises_text_cells(tmp_path, trigger):
    folder = hostile_catalog(tmp_path, trigger)
    code, out, err = run("--catalog", folder, "sweep", "my-model-download", "--vary", "latency=0.5s,2s")
    assert code == 0, err
    rows = csv_cells(out)
    assert_no_formula_cells(rows)
    assert rows[1][-1] == "" and rows[2][-1] == f"dl_data_rate: {trigger.strip()} reason"


def test_negative_numbers_stay_numbers_in_every_csv(tmp_path):
    # A KPI that may be negative (a margin): -1.5 s must reach the spreadsheet as a number.
    text = usecase_text().split("kpis:")[0] + ("kpis:\n  margin: {formula: latency - model_size / rate, unit: s,"
                                                " allow_negative: true, label: margin}\n")
    text = text.replace("  latency:", "  rate: {default: 100 Mbit/s}\n  latency:")
    write_usecase(tmp_path, text=text)
    # 300 MByte at 100 Mbit/s takes 24 s: a 2 s deadline leaves -22 s
    code, out, err = run("--catalog", tmp_path, "usecase", "my-model-download", "--format", "csv")
    assert code == 0, err
    assert csv_cells(out)[1][4] == "-22"  # as a sweep writes it
    code, out, err = run("--catalog", tmp_path, "sweep", "my-model-download", "--vary", "latency=2s,30s")
    assert code == 0, err
    assert [r[1] for r in csv_cells(out)[1:]] == ["-22", "6"]


def test_safe_cell_leaves_numbers_alone():
    assert formats.safe_cell(-5.0) == -5.0 and formats.safe_cell(-1) == -1
    assert formats.safe_cell("-5") == "'-5"  # text is text, even when it looks like a number
    assert formats.to_csv(("a", "b"), [(-2.5, "=cmd")]) == "a,b\n-2.5,'=cmd\n"


def test_a_carriage_return_cannot_start_a_new_csv_row():
    # csv quotes fields with \n, not a lone \r; spreadsheets end the row at \r, so the text
    # after it would be a cell of its own, a formula here.
    text = formats.to_csv(("a", "b"), [("x\r=HYPERLINK(1)", 1)])
    assert text == 'a,b\n"x\n=HYPERLINK(1)",1\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["x\n=HYPERLINK(1)", "1"]]
