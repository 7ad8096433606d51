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


def write_safetensors(path, tensors, *, header=None, data_size=None, sparse=False):
    """A .safetensors file: tensors {name: (dtype, shape)} laid out back to back (or a raw
    `header` dict as given), then the data region (zeros; a hole in the file when sparse).
    Returns the header length N."""
    import json
    import math
    import struct

    widths = {"F64": 8, "I64": 8, "U64": 8, "C64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2,
              "I16": 2, "U16": 2, "U8": 1, "I8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}
    if header is None:
        header, at = {}, 0
        for name, (dtype, shape) in tensors.items():
            size = math.prod(shape) * widths[dtype]
            header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [at, at + size]}
            at += size
        data_size = at if data_size is None else data_size
    raw = json.dumps(header).encode() if not isinstance(header, bytes) else header
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        if sparse:
            f.truncate(8 + len(raw) + data_size)
        else:
            f.write(b"\0" * (data_size or 0))
    return len(raw)
