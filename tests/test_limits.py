"""Issue 14: hostile inputs stay within stated bounds (docs/limits.md).

Memory and time are asserted only as generous resource limits on a child process
(tests/limits_helpers.py), never as wall-clock measurements.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from limits_helpers import run_limited

from ammt_calc.errors import UserError
from ammt_calc.models import splitpoints as splitpoint

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from ammt_calc.models import onnx_graph as onnx_import  # noqa: E402
from ammt_calc.models.onnx_graph import load_onnx  # noqa: E402


def _int_constant(name, value):
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(name + "_v", TensorProto.INT64, [], [value]))


def _save(path, nodes, inputs, outputs, initializers=()):
    onnx.save(helper.make_model(helper.make_graph(nodes, "g", inputs, outputs, list(initializers))), str(path))
    return path


def range_bomb(path, with_reshape=False):
    """x[1] + Range(0, 2**27): 2^27 int64 values that data propagation made into 2^27 dim records (18 GB)."""
    nodes = [_int_constant("s", 0), _int_constant("l", 2**27), _int_constant("d", 1),
             helper.make_node("Range", ["s", "l", "d"], ["r"]), helper.make_node("Add", ["x", "r"], ["y"])]
    inputs = [helper.make_tensor_value_info("x", TensorProto.INT64, [1])]
    outputs = [helper.make_tensor_value_info("y", TensorProto.INT64, None)]
    if with_reshape:  # a shape only data propagation can compute: it must now be skipped
        nodes += _flatten_by_shape("z", "f")
        inputs.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3, 4, 4]))
        outputs.append(helper.make_tensor_value_info("f", TensorProto.FLOAT, None))
    return _save(path, nodes, inputs, outputs, [numpy_helper.from_array(__import__("numpy").array([0]), "zero"),
                                                numpy_helper.from_array(__import__("numpy").array([-1]), "minus")])


def _flatten_by_shape(source, out):
    """z -> Shape -> Gather(0) -> Unsqueeze -> Concat([batch, -1]) -> Reshape: PyTorch's dynamic flatten."""
    return [helper.make_node("Shape", [source], ["shape"]),
            helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
            helper.make_node("Concat", ["batch", "minus"], ["target"], axis=0),
            helper.make_node("Reshape", [source, "target"], [out])]


LOAD_SHAPES = """
from ammt_calc.models.onnx_graph import load_onnx
model = load_onnx(sys.argv[1])
result["shapes"] = [[list(t.shape) for t in p.tensors] for p in model.points]
result["notes"] = list(model.notes)
"""


def test_the_300_byte_range_bomb_loads_in_bounded_memory(tmp_path):
    path = range_bomb(tmp_path / "bomb.onnx")
    assert path.stat().st_size < 400
    # main ran shape inference with data propagation: 18 GB, a MemoryError under this limit
    code, report, err = run_limited(LOAD_SHAPES, memory_mb=1024, cpu_seconds=60, args=[path])
    assert code == 0 and report is not None, err
    # the input x[1], then the result of the Add: 2^27 = 134,217,728 int64 values
    assert report["shapes"] == [[[1]], [[134217728]]]
    assert report["maxrss_mb"] < 300, report


def test_data_propagation_still_computes_a_dynamic_flatten(tmp_path):
    # z[1,3,4,4] flattened to [batch, -1] = [1, 3*4*4] = [1, 48]: only data propagation knows it
    import numpy as np

    path = _save(tmp_path / "flat.onnx", [*_flatten_by_shape("z", "f"), helper.make_node("Relu", ["f"], ["y"])],
                 [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3, 4, 4])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                 [numpy_helper.from_array(np.array([0]), "zero"), numpy_helper.from_array(np.array([-1]), "minus")])
    model = load_onnx(str(path))
    assert model.point("f").tensors[0].shape == (1, 48) and model.point("output").tensors[0].shape == (1, 48)
    assert not model.notes


def test_data_propagation_is_skipped_when_a_long_vector_could_reach_it(tmp_path):
    path = range_bomb(tmp_path / "both.onnx", with_reshape=True)
    code, report, err = run_limited(LOAD_SHAPES, memory_mb=1024, cpu_seconds=60, args=[path])
    assert code == 0 and report is not None, err
    assert any("were not propagated: 'r' may hold more than 4096 values" in n for n in report["notes"]), report
    assert report["maxrss_mb"] < 300, report


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.onnx"
    with open(path, "wb") as handle:  # sparse: 1 GiB + 1 byte on disk costs nothing
        handle.truncate(onnx_import.MAX_FILE_BYTES + 1)
    code, report, err = run_limited(LOAD_SHAPES, memory_mb=512, cpu_seconds=30, args=[path])
    assert code == 0 and report is not None, err  # reading it would need 1 GiB: a MemoryError here
    assert report["error"].startswith("ONNX model ") and "is 1,073,741,825 bytes; at most 1,073,741,824 (1 GiB)" \
        in report["error"], report


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.onnx"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="does not exist or is not a file \\(it is a FIFO\\)"):
        load_onnx(str(fifo))


def test_a_name_too_long_is_one_error_line(tmp_path):
    # main: OSError [Errno 36] File name too long from Path.is_file()
    name = str(tmp_path / ("m" * 300 + ".onnx"))
    with pytest.raises(UserError, match="cannot read '.*\\.\\.\\..*': the name is too long"):
        load_onnx(name)


def _chain(path, count):
    """x[1,16] -> Relu -> MatMul(W 16x16) -> Relu -> ...: `count` nodes, one shared weight."""
    import numpy as np

    nodes, previous = [], "x"
    for i in range(count):
        out = f"t{i}" if i < count - 1 else "y"
        nodes.append(helper.make_node("MatMul", [previous, "W"], [out]) if i % 2 else
                     helper.make_node("Relu", [previous], [out]))
        previous = out
    return _save(path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                 [numpy_helper.from_array(np.zeros((16, 16), np.float32), "W")])


def test_a_graph_over_the_node_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_import, "MAX_NODES", 10)
    with pytest.raises(UserError, match="has 11 nodes; at most 10 are analysed"):
        load_onnx(str(_chain(tmp_path / "c.onnx", 11)))


def test_a_10000_node_chain_loads_and_is_analysed_within_a_cpu_limit(tmp_path):
    # main recomputed every tensor's liveness at every cut: n x n steps, 9.3 s of CPU for these
    # 10,000 nodes; now 1.6 s (and about 1 s to start Python and import onnx)
    path = _chain(tmp_path / "chain.onnx", 10_000)
    code, report, err = run_limited("""
        from ammt_calc.models.onnx_graph import load_onnx
        from ammt_calc.models import splitpoints as splitpoint
        model = load_onnx(sys.argv[1])
        settings, _ = splitpoint.settings_from_text(bits=None, ul_rate="100 Mbit/s", latency="50 ms",
                                                    device_speed="1 TOPS", server_speed="100 TOPS")
        analysis = splitpoint.analyse(model, settings)
        result["points"], result["macs"] = len(analysis.rows), model.macs
    """, memory_mb=1024, cpu_seconds=6, args=[path])
    assert code == 0 and report is not None, err
    # input + 9,999 cuts + output; 5,000 MatMuls of 1x16 @ 16x16 = 5,000 x 16 x 16 = 1,280,000 MACs
    assert report["points"] == 10_001 and report["macs"] == 1_280_000


def _old_best_split_changes(costs):
    """main's version (quadratic), the reference for the envelope."""
    current = min(range(len(costs)), key=lambda i: (costs[i][0], costs[i][1], i))
    changes = []
    while True:
        p_i, c_i = costs[current]
        overtakes = [((p_j - p_i) / (c_i - c_j), -p_j, j) for j, (p_j, c_j) in enumerate(costs)
                     if p_j > p_i and c_j < c_i]
        if not overtakes:
            return changes
        rate, _, nxt = min(overtakes)
        changes.append((rate, current, nxt))
        current = nxt


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=14))
def test_the_envelope_changes_as_the_pairwise_search_did(costs):
    # small integers: ties (equal payloads, three lines through one point) are frequent
    floats = [(float(p), float(c)) for p, c in costs]
    assert splitpoint.fastest_split_changes(floats) == _old_best_split_changes(floats)


def test_ten_thousand_splits_on_the_envelope_in_n_log_n():
    # P_i = i, C_i = 1/(i+1): every split is best somewhere, so main's search did 10^4 passes of 10^4
    costs = [(float(i), 1.0 / (i + 1)) for i in range(10_000)]
    code, report, err = run_limited("""
        from ammt_calc.models.splitpoints import fastest_split_changes
        costs = [(float(i), 1.0 / (i + 1)) for i in range(10_000)]
        changes = fastest_split_changes(costs)
        result["count"], result["first"] = len(changes), list(changes[0])
    """, memory_mb=512, cpu_seconds=10)
    assert code == 0 and report is not None, err
    # first change 0 -> 1 at R = (1 - 0) / (1 - 1/2) = 2 bit/s
    assert report["count"] == 9_999 and report["first"] == [2.0, 0, 1]
    assert len(costs) == 10_000


def test_thirty_dimensions_of_2_62_are_one_error_line(tmp_path):
    # 2^(62*30) = 2^1860 elements: main raised OverflowError converting the count to a float
    shape = [2**62] * 30
    path = _save(tmp_path / "wide.onnx", [helper.make_node("Relu", ["x"], ["y"])],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)])
    with pytest.raises(UserError, match=r"tensor 'x' has about 2\^1860 elements, more than a float can count"):
        load_onnx(str(path))


# --- sweeps bounded by bytes --------------------------------------------------------------------


def wide_catalog(folder, kpis: int, reason: str | None = None, distinct: bool = False):
    """A use case of `kpis` KPIs k_i = model_size / latency * (i + 1), each optionally always
    infeasible (latency > 0 s) with `reason` (numbered first when `distinct`)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["id: wide", "title: Wide", "family: distribution", "parameters:",
             "  model_size: {default: 300 MByte}", "  latency: {default: 2 s}", "kpis:"]
    for i in range(kpis):
        extra = ""
        if reason is not None:
            text = f"{i:03d}{reason[3:]}" if distinct else reason
            extra = f", infeasible_if: {{condition: latency > 0 * latency, reason: {text}}}"
        lines.append(f"  k{i}: {{formula: model_size / latency * {i + 1}, unit: Mbit/s{extra}}}")
    (folder / "wide.yaml").write_text("\n".join(lines) + "\n")
    return folder


SWEEP = """
from ammt_calc.usecases.loading import load_catalog
from ammt_calc.engine import sweeps
from ammt_calc.present.sweepio import write_csv
uc = load_catalog([sys.argv[1]], check_units=True).get("wide")
grid = sweeps.plan(uc, {"latency": "1s:10s:" + sys.argv[2]})
result["block"] = sweeps.block_points(grid)
with open(sys.argv[3], "wb") as out:
    write_csv(grid, out, force=sys.argv[4] == "force")
result["bytes"] = os.path.getsize(sys.argv[3])
"""
SWEEP = "import os\n" + SWEEP


def test_800_kpis_over_4e5_points_are_refused_by_their_size_before_writing(tmp_path):
    # main (at 3,200 KPIs x 1e5 points): 15 GB of memory, then a MemoryError traceback; now the
    # CSV is estimated from its first and last rows: 801 cells of about 7.5 bytes = 6 kB a row
    # x 400,000 rows = 2.4e9 bytes = 2.2 GiB > 2 GiB
    folder = wide_catalog(tmp_path / "wide", 800)
    out = tmp_path / "out.csv"
    code, report, err = run_limited(SWEEP, memory_mb=1024, cpu_seconds=60, args=[folder, 400_000, out, "no"])
    assert code == 0 and report is not None, err
    assert report["error"].startswith("the sweep's CSV would be about 2.2 GiB (400,000 rows), more than the limit"
                                      " of 2.0 GiB"), report
    assert out.stat().st_size == 0  # nothing written
    assert report["maxrss_mb"] < 400, report


def test_a_wide_sweep_stays_within_its_memory_budget(tmp_path):
    # 321 columns (latency, 320 KPIs) and the reasons' = 322 x 72 bytes a cell: blocks of
    # 64 MiB / (72 x 322) = 2,894 points; main evaluated
    # 12,000 points in one block: 12,000 x 321 x ~70 bytes = 270 MB beside the interpreter's
    folder = wide_catalog(tmp_path / "wide", 320)
    out = tmp_path / "out.csv"
    code, report, err = run_limited(SWEEP, memory_mb=512, cpu_seconds=120, args=[folder, 12_000, out, "force"])
    assert code == 0 and report is not None, err
    assert report["block"] == (64 << 20) // (72 * 322) == 2894
    assert out.read_bytes().count(b"\n") == 12_001
    assert report["maxrss_mb"] < 350, report


def test_a_200_kb_reason_is_refused_at_load(tmp_path):
    # main: 23 GB at 3e4 points (the reason repeated on every row), then a MemoryError traceback
    folder = wide_catalog(tmp_path / "long", 1, reason="r" * 200_000)
    code, report, err = run_limited(SWEEP, memory_mb=512, cpu_seconds=60, args=[folder, 30_000, tmp_path / "o", "no"])
    assert code == 0 and report is not None, err
    assert "reason is 200,000 characters; a reason may have at most 200" in report["error"]
    assert report["maxrss_mb"] < 300, report


def test_long_reasons_on_every_row_are_written_in_slices(tmp_path):
    # 100 KPIs, each infeasible for its own 200-character reason: a row's reason text is
    # 100 x ("kNN: " + 200 + "; ") = about 20.7 kB; main formatted 10,000 rows of it at once
    # (10,000 x 20.7 kB x ~5 = 1 GB); now slices of 64 MiB / (5 x row width)
    folder = wide_catalog(tmp_path / "reasons", 100, reason="x" * 200, distinct=True)
    out = tmp_path / "out.csv"
    code, report, err = run_limited(SWEEP, memory_mb=512, cpu_seconds=120, args=[folder, 10_000, out, "force"])
    assert code == 0 and report is not None, err
    with open(out, "rb") as handle:
        handle.readline()
        row = handle.readline().decode()
    assert row.count(": 0") == 100 and row.startswith("1," + "," * 100)  # latency 1 s, every KPI cell empty
    assert report["maxrss_mb"] < 350, report


def test_the_output_cap_stops_a_sweep_whose_rows_grow(tmp_path, monkeypatch):
    # the estimate reads the first and last rows; a sweep whose middle rows are longer is stopped
    # when it passes the cap (here lowered to 2,000 bytes; the header alone is 50)
    from ammt_calc.engine import sweeps
    from ammt_calc.present import sweepio
    from ammt_calc.usecases.loading import load_catalog

    folder = wide_catalog(tmp_path / "w", 2)
    uc = load_catalog([folder], check_units=True).get("wide")
    grid = sweeps.plan(uc, {"latency": "1s:10s:200"})
    monkeypatch.setattr(sweeps, "MAX_OUTPUT_BYTES", 2000)
    import io

    with pytest.raises(UserError, match="would be about"):
        sweepio.write_csv(grid, io.BytesIO())
    monkeypatch.setattr(sweepio, "estimate_output_bytes", lambda *a: 0)
    with pytest.raises(UserError, match="passed the limit"):
        sweepio.write_csv(grid, io.BytesIO())
    sweepio.write_csv(grid, io.BytesIO(), force=True)
