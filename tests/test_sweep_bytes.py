"""The fast sweep writers (bulk zeros and NaN, row-major join in chunks, formatting threads) give
byte for byte what the old row-by-row writer gave: Python's '%.12g' per cell through the
csv module, an empty cell where infeasible, the reasons last."""

import csv
import io

import numpy as np
import pytest

from ammt_calc.engine import sweeps
from ammt_calc.present import numtext, sweepio
from ammt_calc.usecases.loading import load_catalog

SIGNED = """\
id: test-signed
title: Signed margins
family: distribution
description: zeros, negatives, ties, tiny and huge values, infeasible points
parameters:
  latency: {default: 1 s}
  setup_time: {default: 0 ms}
  scale: {default: 1, min: -10}
kpis:
  margin: {formula: (latency - setup_time) * scale, unit: ms, allow_negative: true}
  window:
    formula: latency - setup_time
    unit: ms
    infeasible_if: {condition: window <= 0, reason: 'the setup takes the whole deadline, "all" of it'}
  tiny: {formula: scale * 1e-20 ** 10, unit: ''}
  huge: {formula: scale * 1e20 ** 10, unit: ''}
  half: {formula: scale * 0.5, unit: ''}
"""


@pytest.fixture(scope="module")
def uc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cat")
    (folder / "signed.yaml").write_text(SIGNED)
    return load_catalog([folder], check_units=True).get("test-signed")


def reference_csv(grid) -> bytes:
    """The old writer, one row at a time in Python."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header for c in grid.columns] + [sweeps.INFEASIBLE_COLUMN])
    for block in sweeps.blocks(grid):
        values = [block.column(c.name) for c in grid.columns]
        reasons = sweeps.infeasible_reasons(block)
        for i in range(block.stop - block.start):
            cells = []
            for column in values:
                v = float(column[i])
                cells.append("" if not np.isfinite(v) else "%.12g" % (v + 0.0))
            text = sweeps.reason_text(reasons[1][reasons[0][i]]) if reasons is not None else ""
            writer.writerow(cells + [text])
    return buffer.getvalue().encode()


@pytest.mark.parametrize("workers", ["1", "3"])
def test_csv_bytes_equal_the_row_by_row_writer(uc, monkeypatch, workers):
    monkeypatch.setenv("AMMT_CALC_THREADS", workers)
    # 2 x 40 x 1000 = 80,000 rows: two blocks; scale 0 gives zeros everywhere, setup past 1 s negatives
    grid = sweeps.plan(uc, {"scale": "0,0.1", "setup_time": "0ms:2s:40", "latency": "0s:3s:1000"})
    out = io.BytesIO()
    sweepio.write_csv(grid, out)
    assert out.getvalue() == reference_csv(grid)
    assert b",0," in out.getvalue() and b",-" in out.getvalue() and b"1e-201" in out.getvalue()


def test_json_the_same_on_any_number_of_threads(uc, monkeypatch):
    grid = sweeps.plan(uc, {"scale": "0,-0.5,3", "setup_time": "0ms:2s:30", "latency": "0s:3s:1000"})
    texts = []
    for workers in ("1", "4"):
        monkeypatch.setenv("AMMT_CALC_THREADS", workers)
        out = io.BytesIO()
        sweepio.write_json(grid, out)
        texts.append(out.getvalue())
    assert texts[0] == texts[1]
    assert b'"margin": 0,' in texts[0] and b'"window": null' in texts[0]


def test_zeros_and_nan_in_bulk():
    cells = numtext.format_numbers(np.array([0.0, -0.0, np.nan, 1.5, 0.0]), b"null")
    assert [bytes(r).replace(b"\0", b"") for r in cells] == [b"0", b"-0", b"null", b"1.5", b"0"]
    cells = numtext.format_numbers(np.array([np.nan, 0.0, np.inf, -np.inf]))
    assert [bytes(r).replace(b"\0", b"") for r in cells] == [b"", b"0", b"inf", b"-inf"]


def test_a_choice_column_writes_its_names(monkeypatch):
    # best_split is 'A' or 'B' (a KPI with choices): written through a Chosen piece, in CSV and JSON
    from ammt_calc import api

    monkeypatch.setattr(numtext, "_TABLE_BYTES", 4096)  # many chunks of rows
    grid = api.plan_sweep("condition-dependent-split", {"ul_rate": "1Mbit/s:1Gbit/s:30:log", "latency": "1ms:10s:40:log"})
    codes = np.concatenate([np.broadcast_to(b.column("best_split"), (b.stop - b.start,)) for b in sweeps.blocks(grid)])
    out = io.BytesIO()
    sweepio.write_csv(grid, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    assert [r["best_split []"] for r in rows] == ["AB"[int(c)] if np.isfinite(c) else "" for c in codes]
    assert {"A", "B"} <= {r["best_split []"] for r in rows}
    out = io.BytesIO()
    sweepio.write_json(grid, out)
    import json

    assert [r["best_split"] for r in json.loads(out.getvalue())["rows"]] == [r["best_split []"] or None for r in rows]
