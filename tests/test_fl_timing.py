"""FL timing shared by the FL rows: the iteration period follows the latency budget, the
schedule is a named choice (pipelined, sequential, overlapped), aggregation time counts.

Arithmetic by hand: 132 MByte = 1056 Mbit; rate [Mbit/s] = Mbit / window [s].
"""

import numpy as np
import pytest
from helpers import value
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.engine import sweeps
from ammt_calc.engine.evaluation import evaluate, resolve_inputs
from ammt_calc.errors import UserError
from ammt_calc.usecases.loading import load_catalog

FL = "fl-uncompressed-image-recognition"
SHARED = ("fl-uncompressed-image-recognition", "fl-compressed", "ddc-assisted-fl", "ddc-async-fl")
TIMING_KPIS = ("transfer_time", "dl_transfer_window", "ul_transfer_window", "model_staleness", "dl_latency",
               "ul_latency", "dl_data_rate", "ul_data_rate")


def test_a_longer_latency_gives_a_longer_window(kpis):
    k = kpis(FL, latency="2 s")  # iteration_period follows: 2 s + max(0 s, 0 s) = 2 s
    assert value(k["dl_transfer_window"]) == pytest.approx(2.0)
    assert value(k["dl_data_rate"]) == pytest.approx(528.0)  # 1056 Mbit / 2 s
    assert value(k["ul_data_rate"]) == pytest.approx(528.0)
    k = kpis("fl-compressed", latency="3 s")  # 10 MByte = 80 Mbit in 3 s
    assert value(k["dl_data_rate"]) == pytest.approx(80 / 3)


def test_the_period_says_it_follows(catalog):
    uc = catalog.get(FL)
    values, _ = resolve_inputs(uc, {"latency": "2 s"})
    period = evaluate(uc, values).parameters["iteration_period"]
    assert period.quantity.to("s").magnitude == pytest.approx(2.0)
    assert period.origin == "follows: latency"
    assert evaluate(uc).parameters["iteration_period"].origin == "default"


def test_setting_the_period_overrides_what_it_follows(kpis):
    k = kpis(FL, latency="2 s", iteration_period="1.5 s")  # min(2 s, 1.5 s - 0 s)
    assert value(k["dl_transfer_window"]) == pytest.approx(1.5)
    assert value(k["dl_data_rate"]) == pytest.approx(704.0)  # 1056 / 1.5


def test_sequential_schedule_by_hand(kpis):
    # the period follows: 2 x 1 s + 0 s + 0 s = 2 s; DL and UL share 2 s in proportion to
    # 132:132 MByte, 1 s each: the rate is the published row's 1056 Mbit/s, no staleness
    k = kpis(FL, schedule="sequential")
    assert value(k["transfer_time"]) == pytest.approx(2.0)
    assert value(k["dl_data_rate"]) == pytest.approx(1056.0)
    assert value(k["model_staleness"]) == 0
    # in a 1 s period DL and UL get 0.5 s each: 1056 / 0.5 = 2112 Mbit/s
    k = kpis(FL, schedule="sequential", iteration_period="1 s")
    assert value(k["dl_transfer_window"]) == pytest.approx(0.5)
    assert value(k["dl_data_rate"]) == pytest.approx(2112.0)
    assert value(k["ul_data_rate"]) == pytest.approx(2112.0)
    # 400 ms of training and 100 ms of aggregation leave 0.5 s: 0.25 s each, 4224 Mbit/s
    k = kpis(FL, schedule="sequential", iteration_period="1 s", training_time="400 ms", aggregation_time="100 ms")
    assert value(k["transfer_time"]) == pytest.approx(0.5)
    assert value(k["dl_data_rate"]) == pytest.approx(4224.0)


def test_sequential_shares_in_proportion_to_the_payloads(kpis):
    # fl-compressed with 32-bit indices: 10 MByte x 2 = 20 MByte each way; a 1 s period: 0.5 s each
    k = kpis("fl-compressed", schedule="sequential", iteration_period="1 s", index_bits="32 bit")
    assert value(k["dl_payload"]) == pytest.approx(20.0)
    assert value(k["dl_data_rate"]) == pytest.approx(320.0)  # 160 Mbit / 0.5 s


def test_pipelined_and_overlapped_with_training_and_aggregation(kpis):
    # pipelined: training (device) and aggregation (server) run at the same time: 1 s - max(0.4, 0.2)
    k = kpis(FL, training_time="400 ms", aggregation_time="200 ms", iteration_period="1 s")
    assert value(k["transfer_time"]) == pytest.approx(0.6)
    assert value(k["dl_data_rate"]) == pytest.approx(1760.0)  # 1056 / 0.6
    assert value(k["model_staleness"]) == 1
    # overlapped: the transfers run under training, the DL under the forward pass (0.4 / 3 s), the UL
    # under the backward (0.8 / 3 s); they share the 0.8 s the aggregation leaves, half each (equal
    # payloads): max(0.1333, min(0.4, 0.8 - 0.2667)) = 0.4 s
    k = kpis(FL, schedule="overlapped", training_time="400 ms", aggregation_time="200 ms", iteration_period="1 s")
    assert value(k["dl_transfer_window"]) == pytest.approx(0.4) and value(k["ul_transfer_window"]) == pytest.approx(0.4)
    assert value(k["dl_data_rate"]) == pytest.approx(2640.0)  # 1056 / 0.4
    # a long backward pass keeps the UL phase open: training 0.9 s (forward 0.3, backward 0.6), no
    # aggregation: the DL min(0.5, 1 - 0.6) = 0.4 s, what the backward leaves; the UL max(0.6, min(0.5, 0.7)) = 0.6 s
    k = kpis(FL, schedule="overlapped", training_time="900 ms", iteration_period="1 s")
    assert value(k["dl_transfer_window"]) == pytest.approx(0.4) and value(k["ul_transfer_window"]) == pytest.approx(0.6)
    # a slow forward pass: backward_factor 0 puts all 0.9 s before the UL: DL max(0.9, min(0.5, 1)) = 0.9 s
    k = kpis(FL, schedule="overlapped", training_time="900 ms", iteration_period="1 s", backward_factor="0")
    assert value(k["dl_transfer_window"]) == pytest.approx(0.9) and value(k["ul_transfer_window"]) == pytest.approx(0.1)
    # ... but training and aggregation must still fit in the period
    k = kpis(FL, schedule="overlapped", training_time="900 ms", aggregation_time="200 ms", iteration_period="1 s")
    assert k["dl_data_rate"][1] is False and "no time to aggregate" in k["dl_data_rate"][2]


def test_the_period_follows_each_schedule(catalog):
    uc = catalog.get(FL)
    settings = {"latency": "1 s", "training_time": "300 ms", "aggregation_time": "100 ms"}
    # L + max(T, A); 2L + T + A; max(L, T/3) + max(L, 2T/3) + A
    expected = {"pipelined": 1.3, "sequential": 2.4, "overlapped": 2.1}
    for schedule, period in expected.items():
        values, _ = resolve_inputs(uc, {**settings, "schedule": schedule})
        ev = evaluate(uc, values)
        assert ev.parameters["iteration_period"].quantity.to("s").magnitude == pytest.approx(period)
        assert ev.parameters["schedule"].choice == schedule
        assert float(ev.kpis["dl_transfer_window"].value) == pytest.approx(1.0)  # each transfer keeps 1 s


def test_published_rows_keep_their_defaults(kpis):
    assert value(kpis(FL)["dl_data_rate"]) == pytest.approx(1056.0)
    assert value(kpis("ddc-assisted-fl")["dl_data_rate"]) == pytest.approx(528.0)  # 1056 / 2 s
    assert value(kpis("ddc-async-fl")["ul_data_rate"]) == pytest.approx(400.0)  # 50 MByte x 8 / 1 s
    assert value(kpis("fl-compressed")["dl_data_rate"]) == pytest.approx(80.0)


def test_every_fl_row_shares_the_timing_model(catalog):
    first = catalog.get(SHARED[0])
    for uc_id in SHARED[1:]:
        uc = catalog.get(uc_id)
        for name in TIMING_KPIS[:-2]:
            assert uc.kpis[name].formula.text == first.kpis[name].formula.text, (uc_id, name)
        for name in ("schedule", "iteration_period", "aggregation_time"):
            assert uc.parameters[name].choices == first.parameters[name].choices
            assert (uc.parameters[name].follows and uc.parameters[name].follows.text) == (
                first.parameters[name].follows and first.parameters[name].follows.text), (uc_id, name)
    assert catalog.get("flocking").parameters["schedule"].choices == first.parameters["schedule"].choices


def test_flocking_schedules_by_hand(kpis):
    # defaults, sequential: 9 s after training shared 1:2 (1.056 s DL, 2.112 s UL at the member rates)
    k = kpis("flocking")
    assert value(k["dl_data_rate"]) == pytest.approx(352.0)  # (1056 + 2 x 1056) / 9
    assert value(k["ul_data_rate"]) == pytest.approx(176.0)
    assert value(k["round_time"]) == pytest.approx(2.112 + 1 + 4.224)  # straggler at half rate
    # pipelined: each direction has the whole 9 s; the straggler's round is max(2.112, 4.224) + 1
    k = kpis("flocking", schedule="pipelined")
    assert value(k["dl_data_rate"]) == pytest.approx(1056 / 9)
    assert value(k["round_time"]) == pytest.approx(4.224 + 1)
    # overlapped: the 1 s of training is a forward pass of 1/3 s and a backward pass of 2/3 s
    # (backward_factor 2); the straggler's DL (2.112 s) outlasts its forward pass and its UL
    # (4.224 s) its backward pass: max(2.112, 1/3) + max(4.224, 2/3) + 0 = 6.336 s, not 0.3.0's
    # max(2.112, 4.224, 1) = 4.224 s, in which the update left before it was computed
    k = kpis("flocking", schedule="overlapped")
    assert value(k["round_time"]) == pytest.approx(6.336)
    assert value(k["member_round_time"]) == pytest.approx(1.056 + 2.112)
    assert value(k["straggler_wait"]) == pytest.approx(3.168)


def test_flocking_three_schedules_at_one_deadline(kpis):
    # group deadline 10 s, straggler training 1 s, no aggregation; DL:UL time ratio 1:2
    # (1056 Mbit at 1000 and at 500 Mbit/s)
    expected = {  # schedule: (transfer time, DL window, UL window, DL rate, UL rate)
        "pipelined": (9, 9, 9, 1056 / 9, 1056 / 9),  # both ways at once, in what training leaves
        "sequential": (9, 3, 6, 352, 176),  # 9 s shared 1:2
        "overlapped": (10, 10 / 3, 20 / 3, 316.8, 158.4),  # 10 s shared 1:2, above the 1/3 and 2/3 s passes
    }
    for schedule, (transfer, dl_window, ul_window, dl_rate, ul_rate) in expected.items():
        k = kpis("flocking", schedule=schedule)
        assert value(k["transfer_time"]) == pytest.approx(transfer), schedule
        assert value(k["dl_transfer_window"]) == pytest.approx(dl_window), schedule
        assert value(k["ul_transfer_window"]) == pytest.approx(ul_window), schedule
        assert value(k["dl_data_rate"]) == pytest.approx(dl_rate), schedule
        assert value(k["ul_data_rate"]) == pytest.approx(ul_rate), schedule
        assert value(k["dl_aggregate_rate"]) == pytest.approx(10 * dl_rate), schedule


def test_flocking_overlapped_passes_bound_the_windows(kpis):
    # 9 s of training with backward_factor 0.5: forward 6 s, backward 3 s. The 1:2 share of the
    # 10 s (3.33 s DL) is shorter than the forward pass, which keeps the DL phase open 6 s; the UL
    # gets what the forward pass leaves, min(6.67, 10 - 6) = 4 s, above the 3 s backward pass
    k = kpis("flocking", schedule="overlapped", training_time="9 s", backward_factor=0.5)
    assert value(k["dl_transfer_window"]) == pytest.approx(6.0)
    assert value(k["ul_transfer_window"]) == pytest.approx(4.0)
    assert value(k["dl_data_rate"]) == pytest.approx(176.0)  # 1056 / 6
    assert value(k["ul_data_rate"]) == pytest.approx(264.0)  # 1056 / 4
    # at the member rates: straggler max(2.112, 6) + max(4.224, 3) = 10.224 s, typical max(1.056, 6)
    # + max(2.112, 3) = 9 s (all under training), equalised max(1.112, 6) + max(2.223, 3) = 9 s
    assert value(k["round_time"]) == pytest.approx(10.224)
    assert value(k["member_round_time"]) == pytest.approx(9.0)
    assert value(k["equalised_round_time"]) == pytest.approx(9.0)
    assert value(k["deadline_margin"]) == pytest.approx(-0.224)
    # 4.5 s of training (forward 1.5 s, backward 3 s) and 2 s of aggregation: 8 s left, shared
    # 1:2, 2.67 s DL and 5.33 s UL, each above its pass
    k = kpis("flocking", schedule="overlapped", training_time="4.5 s", aggregation_time="2 s")
    assert value(k["transfer_time"]) == pytest.approx(8.0)
    assert value(k["dl_transfer_window"]) == pytest.approx(8 / 3)
    assert value(k["ul_transfer_window"]) == pytest.approx(16 / 3)
    # straggler: max(2.112, 1.5) + max(4.224, 3) + 2 = 8.336 s
    assert value(k["round_time"]) == pytest.approx(8.336)


def test_flocking_overlapped_training_filling_the_deadline(kpis):
    # training and aggregation exactly fill the deadline: each transfer streams under its pass
    k = kpis("flocking", schedule="overlapped", training_time="9 s", aggregation_time="1 s")
    assert value(k["dl_transfer_window"]) == pytest.approx(3.0)  # the forward pass
    assert value(k["ul_transfer_window"]) == pytest.approx(6.0)  # the backward pass
    # ... unless the backward pass takes no time: nothing is left for the UL
    k = kpis("flocking", schedule="overlapped", training_time="9 s", aggregation_time="1 s", backward_factor=0)
    assert value(k["dl_transfer_window"]) == pytest.approx(9.0)
    assert k["ul_data_rate"][1] is False and "no time for the UL" in k["ul_data_rate"][2]
    # the straggler's 2 x 6 s of training does not fit in 10 s at all
    k = kpis("flocking", schedule="overlapped", training_time="6 s", straggler_compute_factor=2)
    assert k["dl_data_rate"][1] is False and "training alone takes the whole group deadline" in k["dl_data_rate"][2]


def _ms(x):
    """A drawn number to 1/1000, as settings are written."""
    return round(x, 3)


@settings(max_examples=60, deadline=None)
@given(schedule=st.sampled_from(["pipelined", "sequential", "overlapped"]), training=st.floats(0, 4).map(_ms),
       aggregation=st.floats(0, 1.5).map(_ms), backward=st.floats(0, 5).map(_ms), compute=st.floats(1, 2).map(_ms),
       spread=st.floats(0.1, 1).map(_ms))
def test_flocking_at_its_minimum_rates_the_slowest_member_meets_the_deadline(
        kpis, schedule, training, aggregation, backward, compute, spread):
    # the rates the deadline asks of the slowest member, given back as member rates, make its
    # round (the forward model of the schedule) last exactly the 10 s deadline (training 2 x 4 s
    # and aggregation 1.5 s leave at least 0.5 s to transfer)
    common = {"schedule": schedule, "training_time": f"{training} s", "aggregation_time": f"{aggregation} s",
              "backward_factor": backward, "straggler_compute_factor": compute, "straggler_rate_factor": spread}
    k = kpis("flocking", **common)
    dl_rate, ul_rate = value(k["dl_data_rate"]), value(k["ul_data_rate"])
    again = kpis("flocking", **common, member_dl_rate=f"{dl_rate / spread} Mbit/s",
                 member_ul_rate=f"{ul_rate / spread} Mbit/s")
    assert value(again["round_time"]) == pytest.approx(10.0, rel=1e-9)
    assert value(again["deadline_margin"]) == pytest.approx(0.0, abs=1e-8)


def test_flocking_shares_the_fl_parameters(catalog):
    first, flocking = catalog.get(FL), catalog.get("flocking")
    assert flocking.parameters["schedule"].choices == first.parameters["schedule"].choices
    assert flocking.parameters["schedule"].default_text == "sequential"  # its own reading (H.4.4)
    for name in ("backward_factor", "aggregation_time"):
        mine, theirs = flocking.parameters[name], first.parameters[name]
        assert (mine.default, mine.minimum, mine.source) == (theirs.default, theirs.minimum, theirs.source), name


def test_a_misspelt_choice_lists_the_choices(catalog):
    uc = catalog.get(FL)
    with pytest.raises(UserError, match=r"schedule: 'sequental' is not one of its choices: pipelined, sequential,"
                                        r" overlapped; did you mean 'sequential'\?"):
        resolve_inputs(uc, {"schedule": "sequental"})
    with pytest.raises(UserError, match="choices"):
        resolve_inputs(uc, {"schedule": 1})
    with pytest.raises(UserError, match="not one of its choices"):
        sweeps.plan(uc, {"schedule": "pipelined,serial"})


def test_sweep_over_the_schedule_writes_names(capsys):
    from ammt_calc.cli import main

    args = ["sweep", FL, "--vary", "schedule=pipelined,sequential,overlapped", "--set", "iteration_period=1s",
            "--set", "training_time=400ms"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split(",")
    rate = header.index("dl_data_rate [Mbit/s]")
    rows = [line.split(",") for line in lines[1:]]
    assert [r[0] for r in rows] == ["pipelined", "sequential", "overlapped"]
    # 1056 / 0.6; 1056 / 0.3 (0.6 s shared); 1056 / 0.5 (the 1 s shared, training under the transfers)
    assert [float(r[rate]) for r in rows] == pytest.approx([1760.0, 3520.0, 2112.0])
    assert main([*args, "--format", "json"]) == 0
    assert '"schedule": "sequential"' in capsys.readouterr().out


def test_a_catalog_formula_compares_choices_by_name(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "id: my-choice\ntitle: t\nfamily: distribution\n"
        "parameters:\n  size: {default: 8 MByte}\n  latency: {default: 1 s}\n"
        "  delivery: {choices: [unicast, multicast], default: unicast}\n  ues: {default: 4}\n"
        "kpis:\n  rate: {formula: \"where(delivery == 'multicast', 1, ues) * size / latency\", unit: Mbit/s}\n")
    uc = load_catalog([tmp_path], check_units=True).get("my-choice")
    assert float(evaluate(uc).kpis["rate"].value) == pytest.approx(256.0)  # 4 x 64 Mbit / 1 s
    values, _ = resolve_inputs(uc, {"delivery": "multicast"})
    assert float(evaluate(uc, values).kpis["rate"].value) == pytest.approx(64.0)
    values, _ = resolve_inputs(uc, {"delivery": ["unicast", "multicast"]})
    assert np.allclose(evaluate(uc, values).kpis["rate"].value, [256.0, 64.0])


@pytest.mark.parametrize("body, message", [
    ("  delivery: {choices: [unicast, multicast], default: broadcast}\n", "'broadcast' is not one of its choices"),
    ("  delivery: {choices: [unicast], default: unicast}\n", "two or more names"),
    ("  delivery: {choices: [unicast, multicast], default: unicast, min: 0}\n", "has no min"),
])
def test_bad_choice_parameters_are_refused(tmp_path, body, message):
    (tmp_path / "c.yaml").write_text("id: my-choice\ntitle: t\nfamily: distribution\nparameters:\n" + body
                                     + "kpis:\n  x: {formula: \"where(delivery == 'unicast', 1, 2)\", unit: ''}\n")
    with pytest.raises(UserError, match=message):
        load_catalog([tmp_path])


def test_a_formula_naming_a_choice_that_does_not_exist_is_refused(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "id: my-choice\ntitle: t\nfamily: distribution\n"
        "parameters:\n  delivery: {choices: [unicast, multicast], default: unicast}\n"
        "kpis:\n  x: {formula: \"where(delivery == 'broadcast', 1, 2)\", unit: ''}\n")
    with pytest.raises(UserError, match="'broadcast' is not a choice of delivery"):
        load_catalog([tmp_path])


def test_a_default_that_is_not_what_it_follows_is_refused(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "id: my-follow\ntitle: t\nfamily: distribution\n"
        "parameters:\n  latency: {default: 1 s}\n  period: {default: 3 s, follows: 2 * latency}\n"
        "kpis:\n  x: {formula: period, unit: s}\n")
    with pytest.raises(UserError, match=r"default '3 s' is not what it follows \(2 \* latency = 2 s"):
        load_catalog([tmp_path], check_units=True)


def test_a_plot_over_a_choice_names_it(tmp_path):
    pytest.importorskip("matplotlib")
    from ammt_calc import api
    from ammt_calc.present.plot import Plot

    grid = api.sweep(FL, vary={"schedule": "pipelined,sequential,overlapped", "latency": "1s,2s"}).grid
    png = tmp_path / "p.png"
    Plot(grid, "dl_data_rate").save(png)  # x ticks are the choices' names, not 0, 1, 2
    assert png.stat().st_size > 0
    result = api.sweep(FL, vary={"schedule": ["sequential", "overlapped"]}, settings={"iteration_period": "1 s"})
    # without training the two schedules agree: 1056 Mbit / 0.5 s each
    assert list(result["dl_data_rate"]) == pytest.approx([2112.0, 2112.0])


def test_show_names_the_choices_and_what_follows(capsys):
    import json

    from ammt_calc.cli import main

    assert main(["show", FL, "--format", "json"]) == 0
    params = {p["name"]: p for p in json.loads(capsys.readouterr().out)["parameters"]}
    assert params["schedule"]["default"] == "pipelined"
    assert params["schedule"]["choices"] == ["pipelined", "sequential", "overlapped"]
    assert params["iteration_period"]["follows"].startswith("where(schedule == 'sequential'")
    assert main(["show", FL]) == 0
    assert "one of pipelined, sequential, overlapped" in capsys.readouterr().out
    assert main(["usecase", FL, "--set", "schedule=sequential", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    shown = {p["name"]: p for p in doc["parameters"]}
    assert shown["schedule"]["value"] == "sequential" and shown["iteration_period"]["origin"] == "follows: schedule"
