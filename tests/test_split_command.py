"""`ammt-calc split`: the fastest split by hand for several UL rates, the best (least UL rate for the budget), the rates where it changes,
the budget and frame-rate columns, and the option checks."""

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ammt_calc.models.splitpoints import fastest_split_changes

# AlexNet (torchvision) by hand: elements sent and cumulative MACs at each split point.
# conv1 55*55*64*3*121 = 70,276,800; conv2 27*27*192*64*25 = 223,948,800;
# conv3-5 13*13*(384*192 + 256*384 + 256*256)*9 = 361,340,928; fc6 9216*4096; fc7 4096*4096; fc8 4096*1000
ALEXNET = {
    "input": (3 * 224 * 224, 0),
    "pool1": (64 * 27 * 27, 70_276_800),
    "pool2": (192 * 13 * 13, 70_276_800 + 223_948_800),
    "pool5": (256 * 6 * 6, 294_225_600 + 361_340_928),
    "fc6": (4096, 655_566_528 + 9216 * 4096),
    "fc7": (4096, 693_315_264 + 4096 * 4096),
    "output": (1000, 710_092_480 + 4096 * 1000),
}
ALEXNET_TOTAL = 714_188_480


def hand_latency(points, total_macs, rate, device_ops, server_ops, bits=8):
    """split -> (latency s, payload bit, compute s) with 1 MAC = 2 op."""
    out = {}
    for name, (elements, macs) in points.items():
        compute = 2 * macs / device_ops + 2 * (total_macs - macs) / server_ops
        out[name] = (compute + elements * bits / rate, elements * bits, compute)
    return out


def run(cli, *args):
    result = cli("split", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("rate, expected", [(100e6, "output"), (1e9, "pool1"), (10e9, "input")])
def test_alexnet_best_split_by_hand(cli, rate, expected):
    hand = hand_latency(ALEXNET, ALEXNET_TOTAL, rate, 1e12, 4e12)
    assert min(hand, key=lambda n: hand[n][0]) == expected
    data = run(cli, "alexnet", "--ul-rate", f"{rate / 1e6} Mbit/s", "--device-speed", "1 TOPS", "--server-speed", "4 TOPS")
    assert data["fastest"] == expected
    rows = {r["split"]: r for r in data["rows"]}
    assert set(rows) == set(ALEXNET)
    for name, (latency, payload, compute) in hand.items():
        assert rows[name]["latency"]["value"] == pytest.approx(latency * 1e3, rel=1e-9)
        assert rows[name]["payload"]["value"] == pytest.approx(payload / 8 / 1e3, rel=1e-10)
    assert [r["split"] for r in data["rows"] if r["fastest"]] == [expected]


def test_alexnet_rates_where_the_fastest_split_changes(cli):
    hand = hand_latency(ALEXNET, ALEXNET_TOTAL, 1.0, 1e12, 4e12)
    (_, p_out, c_out), (_, p_pool1, c_pool1), (_, p_in, c_in) = hand["output"], hand["pool1"], hand["input"]
    first = (p_pool1 - p_out) / (c_out - c_pool1)  # 365,248 bit / 0.96587 ms = 378.155 Mbit/s
    second = (p_in - p_pool1) / (c_pool1 - c_in)  # 830,976 bit / 0.10542 ms = 7882.89 Mbit/s
    data = run(cli, "alexnet", "--device-speed", "1TOPS", "--server-speed", "4TOPS")
    changes = [(c["from"], c["to"], c["ul_rate"]["value"]) for c in data["fastest_split_changes"]]
    assert [c[:2] for c in changes] == [("output", "pool1"), ("pool1", "input")]
    assert changes[0][2] == pytest.approx(first / 1e6, rel=1e-9)
    assert changes[1][2] == pytest.approx(second / 1e6, rel=1e-9)
    rows = {r["split"]: r for r in data["rows"]}
    assert rows["pool1"]["fastest_from_ul_rate"]["value"] == pytest.approx(first / 1e6, rel=1e-9)
    assert rows["pool1"]["fastest_to_ul_rate"]["value"] == pytest.approx(second / 1e6, rel=1e-9)
    assert rows["output"]["fastest_from_ul_rate"]["value"] == 0.0
    assert rows["input"]["fastest_to_ul_rate"]["value"] is None
    assert rows["pool2"]["fastest_from_ul_rate"]["value"] is None  # never the best


def test_vgg16_defaults_by_hand(cli):
    """1 TOPS device, 100 TOPS server, 8 bit, 100 Mbit/s, 50 ms: the numbers of condition-dependent-split."""
    data = run(cli, "vgg16")
    rows = {r["split"]: r for r in data["rows"]}
    device = 2 * 15_346_630_656 / 1e12  # 30.693 ms up to pool5
    server = 2 * (15_470_264_320 - 15_346_630_656) / 100e12  # fc6-fc8: 0.00247 ms
    ul = 512 * 7 * 7 * 8 / 100e6  # 2.00704 ms
    pool5 = rows["pool5"]
    assert pool5["device_time"]["value"] == pytest.approx(device * 1e3, rel=1e-10)
    assert pool5["server_time"]["value"] == pytest.approx(server * 1e3, rel=1e-10)
    assert pool5["ul_time"]["value"] == pytest.approx(ul * 1e3, rel=1e-10)
    assert pool5["latency"]["value"] == pytest.approx((device + ul + server) * 1e3, rel=1e-10)
    assert pool5["ul_rate_needed"]["value"] == pytest.approx(25088 * 8 / (0.050 - device - server) / 1e6, rel=1e-10)
    assert pool5["meets_latency"] is True and pool5["keeps_up"] is None
    assert pool5["device_work"] == {"value": pytest.approx(15.346630656), "unit": "GMAC"}
    # all on server: 150,528 B at 100 Mbit/s = 12.04 ms + 0.309 ms beats 30.9 ms of device work
    assert data["fastest"] == "input"
    # but the budget is met with the least UL rate by sending the 1000 class scores after 30.94 ms of device
    # work: 8000 bit in the 50 - 30.9405 ms left = 0.41974 Mbit/s (input needs 150,528 B in 49.69 ms: 24.23 Mbit/s)
    assert data["best"] == "output"
    assert rows["output"]["ul_rate_needed"]["value"] == pytest.approx(8000 / (0.050 - 2 * 15_470_264_320 / 1e12) / 1e6)
    assert [r["split"] for r in data["rows"] if r["best"]] == ["output"]


def test_vgg16_agrees_with_condition_dependent_split(cli, kpis):
    k = kpis("condition-dependent-split")
    rows = {r["split"]: r for r in run(cli, "vgg16")["rows"]}
    assert rows["pool2"]["latency"]["value"] == pytest.approx(k["latency_a"][0], rel=1e-10)
    assert rows["pool5"]["latency"]["value"] == pytest.approx(k["latency_b"][0], rel=1e-10)
    assert rows["pool2"]["ul_rate_needed"]["value"] == pytest.approx(k["ul_rate_needed_a"][0], rel=1e-10)
    assert rows["pool5"]["ul_rate_needed"]["value"] == pytest.approx(k["ul_rate_needed_b"][0], rel=1e-10)


def test_budget_and_frame_rate(cli):
    # a 20 ms budget: device work to pool5 (30.7 ms) alone exceeds it
    data = run(cli, "vgg16", "--latency", "20ms", "--frame-rate", "30fps")
    rows = {r["split"]: r for r in data["rows"]}
    assert rows["pool5"]["ul_rate_needed"] == {"value": None, "unit": "Mbit/s"}
    assert rows["pool5"]["meets_latency"] is False
    # all on server: stages 0, 12.04 ms UL, 0.309 ms server -> up to 83.04 frames/s; keeps up with 30
    assert rows["input"]["max_frame_rate"]["value"] == pytest.approx(1 / (150528 * 8 / 100e6), rel=1e-10)
    assert rows["input"]["keeps_up"] is True
    # pool5 misses the 20 ms budget but keeps up with 30 fps: its slowest stage, 30.7 ms on the device, < 33.3 ms
    assert rows["pool5"]["keeps_up"] is True
    assert rows["pool5"]["max_frame_rate"]["value"] == pytest.approx(1e12 / (2 * 15_346_630_656), rel=1e-10)
    assert rows["conv1_2"]["keeps_up"] is False  # 256.9 ms UL
    fast = {r["split"]: r for r in run(cli, "vgg16", "--frame-rate", "100 fps")["rows"]}
    assert fast["input"]["keeps_up"] is False  # 12.04 ms > 10 ms


def test_csv_has_a_row_per_split_with_units_in_headers(cli):
    result = cli("split", "resnet50", "--format", "csv")
    assert result.returncode == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0][:4] == ["split", "shape", "elements", "payload [kByte]"]
    assert "ul_rate_needed [Mbit/s]" in table[0] and table[0][-2:] == ["best", "fastest"]
    assert [r[0] for r in table[1:]] == ["input", "conv1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "output"]
    assert sum(r[-1] == "true" for r in table[1:]) == 1 and sum(r[-2] == "true" for r in table[1:]) == 1


def test_bare_numbers_are_refused_and_units_taken(cli):
    result = cli("split", "mobilenetv2", "--ul-rate", "50", "--format", "json")
    assert result.returncode == 2 and result.stderr == "error: --ul-rate 50 has no unit: write 50 Mbit/s (e.g. 100 Mbit/s)\n"
    result = cli("split", "mobilenetv2", "--ul-rate", "50Mbit/s", "--format", "json")
    assert json.loads(result.stdout)["settings"]["ul_rate"] == {"value": 50.0, "unit": "Mbit/s"}


@pytest.mark.parametrize("args, message", [
    (("vgg16", "--ul-rate", "5 ms"), "--ul-rate '5 ms' is [time], expected [information] / [time]"),
    (("vgg16", "--ul-rate", "0 Mbit/s"), "--ul-rate must be positive"),
    (("vgg16", "--device-speed", "5 Mbit/s"), "--device-speed"),
    (("vgg16", "--bits", "8 ms"), "--bits"),
    (("vgg61",), "did you mean 'vgg16'"),
    (("vgg16", "--format", "xml"), "--format xml is not available"),
])
def test_bad_options(cli, args, message):
    result = cli("split", *args)
    assert result.returncode == 2 and result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_table_output_runs(cli):
    result = cli("split", "googlenet", "--frame-rate", "30fps")
    assert result.returncode == 0, result.stderr
    assert "inception4e" in result.stdout and "fastest split" in result.stdout


@given(st.lists(st.tuples(st.floats(1, 1e9), st.floats(1e-6, 1.0)), min_size=1, max_size=12))
def test_changes_trace_the_fastest_split_at_every_rate(costs):
    """Between and beyond the reported rates, the claimed fastest split is the brute-force fastest."""
    changes = fastest_split_changes(costs)
    rates = [r for r, _, _ in changes]
    assert rates == sorted(rates) and all(r > 0 for r in rates)
    # near rate 0 the smallest payload wins (latency = C + P/R is dominated by P/R)
    first = changes[0][1] if changes else min(range(len(costs)), key=lambda i: (costs[i][0], costs[i][1]))
    owners = [first, *(j for _, _, j in changes)]
    bounds = [0.0, *rates, None]
    for low, high, owner in zip(bounds, bounds[1:], owners):
        if high is None:
            probe = 2 * low if low else 1.0
        else:
            probe = high / 2 if low == 0 else (low + high) / 2
        latency = [c + p / probe for p, c in costs]
        assert latency[owner] <= min(latency) * (1 + 1e-9)


@pytest.mark.parametrize("latency, expected", [("20ms", "output"), ("1.45ms", "pool1"), ("1.3ms", "pool1"),
                                               ("0.01ms", None)])
def test_best_is_the_least_ul_rate_that_meets_the_latency(cli, latency, expected):
    """best answers --latency: the split needing the least UL rate to meet it (hand: payload over
    the budget left after device and server compute); fastest answers --ul-rate."""
    hand = hand_latency(ALEXNET, ALEXNET_TOTAL, 100e6, 1e12, 100e12)
    budget = float(latency[:-2]) / 1e3
    needed = {name: payload / (budget - compute) for name, (_, payload, compute) in hand.items() if compute < budget}
    assert (min(needed, key=needed.get) if needed else None) == expected
    data = run(cli, "alexnet", "--latency", latency)
    assert data["best"] == expected and data["fastest"] == min(hand, key=lambda n: hand[n][0])
    rows = {r["split"]: r for r in data["rows"]}
    for name, rate in needed.items():
        assert rows[name]["ul_rate_needed"]["value"] == pytest.approx(rate / 1e6, rel=1e-9)
    assert [r["split"] for r in data["rows"] if r["best"]] == ([expected] if expected else [])
    table = " ".join(cli("split", "alexnet", "--latency", latency, "--width", "200").stdout.split())
    assert f"best (least UL rate for {latency[:-2]} ms): {expected or 'none, compute alone takes longer'}" in table
