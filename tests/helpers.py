"""Assertions shared by the test modules (import with `from helpers import ...`)."""


def ok(result):
    """A CLI run that succeeded: its stdout."""
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result, *fragments):
    """A CLI run refused as bad input: exit 2, one `error:` line last on stderr (after any
    `note:` lines), no traceback, containing every fragment. Returns the error line."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    line = lines[-1] if lines else ""
    assert line.startswith("error: ") and all(l.startswith("note: ") for l in lines[:-1]), result.stderr
    for fragment in fragments:
        assert fragment in line, line
    return line


def value(result):
    """The value of a feasible KPI from the `kpis` fixture's (value, feasible, reason)."""
    assert result[1], f"expected feasible, got: {result[2]}"
    return result[0]


def evaluate_many(usecases, settings):
    """The evaluations of `ammt-calc usecase` for these use cases and --set texts."""
    import ammt_calc as ac

    return list(ac.evaluate(list(usecases), settings).evaluations)
