"""Reliability derived from packets (model-distribution-image-recognition), computed by hand.

A model of S bytes travels as N = ceil(S / packet_size) packets. With independent losses
at a per-transmission packet error rate PER, the model arrives intact in one transmission
with probability (1 - PER)^N; a whole-model target T needs a per-packet success T^(1/N);
n retransmission rounds leave a per-packet loss PER^(n + 1). Round k resends PER^k of the
model on average, so n rounds send S (1 + PER + ... + PER^n) in all, and each round also
waits one rtt. The rounds that fit at link_rate are counted with the volume of all rounds,
S / (1 - PER): the n with S / ((1 - PER) link_rate) + n rtt <= latency. The default PER is
5QI 7's 1e-3 (TS 23.501 names 5QI 7 for this use case's model weights).
"""

import math
from fractions import Fraction

import pytest
from helpers import value
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.errors import UserError

UC = "model-distribution-image-recognition"
PACKETS = 138e6 / 1500  # 92,000 packets of 1500 byte
assert PACKETS == 92000


@pytest.fixture(scope="session")
def kpis(kpis):
    """The use case at round inputs, 138 MByte in packets of 1500 byte, so that the hand
    arithmetic below stays exact; its defaults (138,357,544 byte, 1460 byte per packet: the
    payload --transport tcp counts) are tested on their own (test_the_defaults_count_tcp_packets)."""

    def run(usecase_id, **settings):
        if usecase_id == UC:
            settings = {"packet_size": "1500 byte", **settings}
            if not {"model_size", "num_params", "bits_per_param", "compression_ratio"} & set(settings):
                settings["model_size"] = "138 MByte"
        return kpis(usecase_id, **settings)

    return run


def test_the_defaults_count_tcp_packets(catalog):
    from helpers import evaluate_many

    (ev,) = evaluate_many([catalog.get(UC)], {})
    # VGG-16's 138,357,544 byte in packets of 1460 byte (1500 less 20 IPv4 and 20 TCP): 94,766
    assert float(ev.kpis["packets"].value) == math.ceil(138_357_544 / 1460) == 94766
    intact = math.exp(94766 * math.log1p(-1e-3))
    assert float(ev.kpis["model_intact_probability"].value) == pytest.approx(100 * intact, rel=1e-9)


def rounds_that_fit(size_byte, link_bit_s, latency_s, rtt_s, per) -> int:
    """The most rounds n with size / ((1 - per) link) + n rtt <= latency, by counting in exact
    fractions of the decimal inputs."""
    size, link, latency, rtt, per = (Fraction(str(x)) for x in (size_byte, link_bit_s, latency_s, rtt_s, per))
    send = size * 8 / ((1 - per) * link)
    n = 0
    while send + (n + 1) * rtt <= latency:
        n += 1
    return n


def volume_sent(size, per: float, rounds: int) -> float:
    """The first transmission plus, on average, per^k of the model in round k, by summing."""
    return sum(size * per**k for k in range(rounds + 1))


def rounds_needed(per: float, max_loss: float) -> int:
    """The fewest retransmissions n with per^(n + 1) <= max_loss, by counting."""
    n = 0
    while per ** (n + 1) > max_loss:
        n += 1
    return n


def test_packets_per_model(kpis):
    assert value(kpis(UC)["packets"]) == 92000
    assert value(kpis(UC, packet_size="1460 byte")["packets"]) == math.ceil(138e6 / 1460)  # 94,521
    assert value(kpis(UC, model_size="1 MByte", packet_size="1 kByte")["packets"]) == 1000  # exactly, no +1


def test_whole_model_intact_without_retransmission(kpis):
    intact = math.exp(92000 * math.log1p(-1e-3))  # (1 - 1e-3)^92000 at 5QI 7's PER
    assert intact == pytest.approx(1.05905e-40, rel=1e-5)
    assert value(kpis(UC)["model_intact_probability"]) == pytest.approx(100 * intact, rel=1e-9)  # 1.06e-38 %
    intact = math.exp(92000 * math.log1p(-1e-6))  # (1 - 1e-6)^92000 at 5QI 6's PER (the topology)
    assert intact == pytest.approx(0.91210, abs=1e-5)
    assert value(kpis(UC, packet_error_rate=1e-6)["model_intact_probability"]) == pytest.approx(100 * intact, rel=1e-10)


def test_per_packet_success_a_whole_model_target_needs(kpis):
    k = kpis(UC)
    needed = 0.999 ** (1 / 92000)
    assert value(k["packet_success_needed"]) == pytest.approx(100 * needed, rel=1e-14)
    max_loss = -math.expm1(math.log(0.999) / 92000)  # 1.0875e-8, without cancellation
    assert max_loss == pytest.approx(1.0875e-8, rel=1e-4)
    assert value(k["max_packet_loss"]) == pytest.approx(max_loss, rel=1e-7)  # 1 - x loses ~8 digits


def test_topology_target_needs_a_smaller_loss(kpis):
    k = kpis(UC, weights_reliability_target="99.999 %")
    assert value(k["max_packet_loss"]) == pytest.approx(-math.expm1(math.log(0.99999) / 92000), rel=1e-6)


def test_retransmissions_that_fit_at_the_default_link(kpis):
    k = kpis(UC)
    first = 138e6 * 8 / 2337e6  # 0.4724 s at the NR peak rate
    assert value(k["first_transmission_time"]) == pytest.approx(first, rel=1e-12)
    # with every round's resends, 138 MByte / 0.999 takes 0.47287 s; (1 s - 0.47287 s) / 10 ms = 52.7
    assert rounds_that_fit(138e6, 2337e6, 1, 0.010, 1e-3) == math.floor((1.0 - first / 0.999) / 0.010) == 52
    assert value(k["retransmissions"]) == 52  # the deadline bounds the rounds, not RLC's limit
    assert value(k["residual_packet_loss"]) == pytest.approx(1e-3 ** 53, rel=1e-12)
    assert value(k["model_intact_with_retransmissions"]) == pytest.approx(100.0, rel=1e-15)


def test_round_inputs_give_exact_round_counts(kpis):
    # lossless: (1 s - 0.92 s) / 10 ms is 8 exactly; naive floating point gives 7.999999999999996
    k = kpis(UC, link_rate="1200 Mbit/s", packet_error_rate=0)
    assert value(k["retransmissions"]) == rounds_that_fit(138e6, 1200e6, 1, 0.010, 0) == 8
    k = kpis(UC, link_rate="2 Gbit/s", retransmission_rtt="4 ms", packet_error_rate=0)
    assert value(k["retransmissions"]) == rounds_that_fit(138e6, 2e9, 1, 0.004, 0) == 112  # floats: 111.99999999999999


def test_resent_volume_takes_rounds(kpis):
    # at 1200 Mbit/s the model alone leaves 8 rounds of 10 ms, but with 5QI 7's 1e-3 the
    # resends take 0.92 s x (1/0.999 - 1) = 0.92 ms more: 7 rounds
    k = kpis(UC, link_rate="1200 Mbit/s")
    assert value(k["retransmissions"]) == rounds_that_fit(138e6, 1200e6, 1, 0.010, 1e-3) == 7
    assert value(k["residual_packet_loss"]) == pytest.approx(1e-3 ** 8, rel=1e-12)


def test_rounds_that_fit_are_a_lower_bound_when_resends_are_large(kpis):
    # p = 0.5: counting every round's resends (2 x 0.4724 s) leaves (1 - 0.9448) / 0.01 = 5 rounds;
    # 6 rounds resend only 0.4724 x (1/2 + ... + 1/64) = 0.4650 s and 0.4724 + 0.4650 + 0.06 <= 1 s
    k = kpis(UC, packet_error_rate=0.5)
    assert value(k["retransmissions"]) == rounds_that_fit(138e6, 2337e6, 1, 0.010, 0.5) == 5
    first = 138e6 * 8 / 2337e6
    assert volume_sent(first, 0.5, 6) + 6 * 0.010 <= 1.0 < volume_sent(first, 0.5, 7) + 7 * 0.010
    assert value(k["residual_packet_loss"]) == pytest.approx(0.5 ** 6, rel=1e-12)


def test_link_at_exactly_the_experienced_rate_leaves_no_retransmission(kpis):
    k = kpis(UC, link_rate="1104 Mbit/s")  # = dl_data_rate: the first transmission takes the whole 1 s
    assert value(k["retransmissions"]) == 0
    assert value(k["residual_packet_loss"]) == pytest.approx(1e-3, rel=1e-12)
    intact = math.exp(92000 * math.log1p(-1e-3))
    assert value(k["model_intact_with_retransmissions"]) == pytest.approx(100 * intact, rel=1e-9)
    assert value(k["model_intact_with_retransmissions"]) < value(k["dl_reliability"])  # misses 99.9 %


def test_link_slower_than_the_experienced_rate_misses_the_deadline(kpis):
    k = kpis(UC, link_rate="1000 Mbit/s")
    for name in ("retransmissions", "residual_packet_loss", "model_intact_with_retransmissions"):
        assert k[name][1] is False and "first transmission" in k[name][2], name
    # needs no link_rate: 2 rounds reserved, 138 MByte x (1 + 1e-3 + 1e-6) in 0.98 s
    assert value(k["dl_rate_with_retransmissions"]) == pytest.approx(138 * 8 * (1 + 1e-3 + 1e-6) / 0.98, rel=1e-12)


def test_rate_that_leaves_time_for_the_needed_rounds(kpis):
    k = kpis(UC)
    # 1e-3^2 = 1e-6 > 1.0875e-8 >= 1e-3^3 = 1e-9: two rounds
    assert value(k["retransmissions_needed"]) == rounds_needed(1e-3, 1.0875e-8) == 2
    assert value(k["reliable_transfer_window"]) == pytest.approx(1.0 - 2 * 0.010)
    volume = volume_sent(138.0, 1e-3, 2)  # 138.138138 MByte
    assert volume == pytest.approx(138.138138, rel=1e-9)
    assert value(k["dl_volume_with_retransmissions"]) == pytest.approx(volume, rel=1e-12)
    assert value(k["dl_rate_with_retransmissions"]) == pytest.approx(volume * 8 / 0.98, rel=1e-12)  # 1127.66 Mbit/s
    assert value(k["dl_rate_with_retransmissions"]) == pytest.approx(1127.66, abs=0.005)


def test_rate_counts_the_resent_volume_at_a_high_loss(kpis):
    k = kpis(UC, packet_error_rate=0.5)
    assert value(k["retransmissions_needed"]) == rounds_needed(0.5, 1.0875e-8) == 26
    volume = volume_sent(138.0, 0.5, 26)  # 138 x (2 - 2^-26): about twice the model
    assert volume == pytest.approx(276.0, rel=1e-8)
    assert value(k["dl_volume_with_retransmissions"]) == pytest.approx(volume, rel=1e-12)
    assert value(k["dl_rate_with_retransmissions"]) == pytest.approx(volume * 8 / (1.0 - 26 * 0.010), rel=1e-12)
    assert value(k["dl_rate_with_retransmissions"]) == pytest.approx(2983.78, abs=0.005)  # not 1104 / 0.74 = 1491.9


@pytest.mark.parametrize("per, rtt_ms, packet_size", [
    (1e-3, 10, 1460),  # 94,521 packets
    (0.1, 1, 1500),  # a 10 % per-transmission loss with fast rounds
    (0.01, 5, 9000),  # jumbo frames
])
def test_rounds_and_rate_for_other_links(kpis, per, rtt_ms, packet_size):
    k = kpis(UC, packet_error_rate=per, retransmission_rtt=f"{rtt_ms} ms", packet_size=f"{packet_size} byte")
    packets = math.ceil(138e6 / packet_size)
    max_loss = -math.expm1(math.log(0.999) / packets)
    n = rounds_needed(per, max_loss)
    assert value(k["packets"]) == packets
    assert value(k["model_intact_probability"]) == pytest.approx(100 * math.exp(packets * math.log1p(-per)), rel=1e-9)
    assert value(k["retransmissions_needed"]) == n
    volume = volume_sent(1104, per, n)  # Mbit
    assert value(k["dl_rate_with_retransmissions"]) == pytest.approx(volume / (1.0 - n * rtt_ms / 1000), rel=1e-12)


def test_by_hand_values_of_the_other_links():
    """The counting helper itself, against numbers worked out on paper."""
    assert rounds_needed(1e-3, 1.0585e-8) == 2  # 1e-9 <= 1.06e-8 < 1e-6
    assert rounds_needed(0.1, 1.0875e-8) == 7  # 1e-8 <= 1.09e-8 < 1e-7
    assert rounds_needed(0.5, 1.0875e-8) == 26  # 2^-27 = 7.5e-9 <= 1.09e-8 < 2^-26 = 1.5e-8


def test_the_rlc_limit_is_not_a_parameter(kpis):
    # the 5QI PER is the loss after RLC's own retransmissions; only the deadline bounds these rounds
    with pytest.raises(UserError, match="max_retransmissions"):
        kpis(UC, max_retransmissions=4)


def test_rounds_that_eat_the_whole_deadline(kpis):
    k = kpis(UC, packet_error_rate=0.5, retransmission_rtt="50 ms")  # 26 rounds x 50 ms = 1.3 s
    assert value(k["retransmissions_needed"]) == 26
    assert k["dl_rate_with_retransmissions"][1] is False
    assert "whole deadline" in k["dl_rate_with_retransmissions"][2]


def test_lossless_link_needs_no_retransmission(kpis):
    k = kpis(UC, packet_error_rate=0)
    assert value(k["model_intact_probability"]) == 100.0
    assert value(k["residual_packet_loss"]) == 0.0
    assert value(k["retransmissions_needed"]) == 0
    assert value(k["dl_rate_with_retransmissions"]) == pytest.approx(1104.0)


def test_impossible_targets_are_infeasible_with_a_reason(kpis):
    k = kpis(UC, weights_reliability_target="100 %")
    assert k["retransmissions_needed"][1] is False and "100 %" in k["retransmissions_needed"][2]
    k = kpis(UC, packet_error_rate=1)
    assert value(k["model_intact_probability"]) == 0.0
    assert k["retransmissions_needed"][1] is False and "every transmission is lost" in k["retransmissions_needed"][2]
    for name in ("dl_volume_with_retransmissions", "dl_rate_with_retransmissions"):  # root reason carried
        assert k[name][1] is False and k[name][2] == k["retransmissions_needed"][2], name


@settings(max_examples=60, deadline=None)
@given(size_mbyte=st.floats(0.1, 10_000), per=st.floats(1e-12, 0.5))
def test_intact_probability_is_accurate_to_the_rounding_of_one_minus_per(kpis, size_mbyte, per):
    """(1 - PER)^N in floating point: relative error at most about N x 1.1e-16."""
    k = kpis(UC, model_size=f"{size_mbyte!r} MByte", packet_error_rate=repr(per))
    packets = value(k["packets"])
    assert packets == math.ceil(size_mbyte * 1e6 / 1500) or abs(packets - size_mbyte * 1e6 / 1500) < 1e-6
    exact = math.exp(packets * math.log1p(-per))
    computed = value(k["model_intact_probability"]) / 100
    if exact > 1e-300:
        assert computed == pytest.approx(exact, rel=packets * 2.3e-16 + 1e-13)


def test_lossless_link_meets_even_a_100_percent_target(kpis):
    k = kpis(UC, packet_error_rate=0, weights_reliability_target="100 %")
    assert value(k["retransmissions_needed"]) == 0
    assert value(k["model_intact_probability"]) == 100.0
    assert value(k["dl_rate_with_retransmissions"]) == pytest.approx(1104.0)


# --- percentages of a whole stay at or below 100 % ----------------------------------------


def percent_parameters(catalog):
    """(use case, parameter) of every built-in parameter whose default is a percentage."""
    return [(uc.id, p) for uc in catalog for p in uc.parameters.values() if p.unit_text == "%"]


def test_every_percentage_parameter_is_capped_at_100_percent(catalog):
    # reliabilities, availabilities, shares and hit ratios are fractions of a whole
    found = percent_parameters(catalog)
    assert ("split-image-recognition", "ul_reliability_target") in [(u, p.name) for u, p in found]
    for usecase_id, p in found:
        assert p.maximum is not None and p.maximum.replace(" ", "") == "100%", (usecase_id, p.name, p.maximum)


@pytest.mark.parametrize("usecase_id, name", [
    ("split-image-recognition", "availability_target"),
    ("split-image-recognition", "ul_reliability_target"),
    ("split-image-recognition", "dl_reliability_target"),
    ("fl-compressed", "availability_target"),
    ("ddc-robot-split-8bit", "availability_target"),
    ("ddc-robot-split-8bit", "reliability_target"),
    ("ddc-model-transfer-management", "availability_target"),
    ("ddc-async-fl", "reliability_target"),
])
def test_reliability_above_100_percent_is_refused(kpis, usecase_id, name):
    with pytest.raises(UserError, match=rf"{name}.*150 %.*maximum 100 %"):
        kpis(usecase_id, **{name: "150 %"})
    assert kpis(usecase_id, **{name: "100 %"})  # the whole is allowed
