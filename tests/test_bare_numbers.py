"""Issue 19: a bare number is refused wherever a quantity has a unit, as `--set` refuses it:
one line, exit 2, the value written out with its unit as the fix."""

import pytest

ALEXNET = ("split", "alexnet")
LINK = ("link", "uma", "--fc", "3.5GHz", "--bandwidth", "100MHz")
RADIO = ("radio", "--layers", "4", "--modulation", "256QAM")
UC = ("usecase", "split-image-recognition")

CASES = [
    ((*ALEXNET, "--latency", "20"), "--latency 20 has no unit: write 20 ms (e.g. 50 ms)"),
    ((*ALEXNET, "--ul-rate", "100"), "--ul-rate 100 has no unit: write 100 Mbit/s"),
    ((*ALEXNET, "--ul-rate", "2000"), "--ul-rate 2000 has no unit: write 2000 Mbit/s (e.g. 100 Mbit/s)"),
    ((*ALEXNET, "--frame-rate", "30"), "--frame-rate 30 has no unit: write 30 fps"),
    ((*ALEXNET, "--device-speed", "2"), "--device-speed 2 has no unit: write 2 TOPS (e.g. 1 TOPS)"),
    ((*ALEXNET, "--server-speed", "100"), "--server-speed 100 has no unit: write 100 TOPS"),
    ((*ALEXNET, "--bits", "8"), "--bits 8 has no unit: write 8 bit"),
    (("model", "alexnet", "--bits", "6"), "--bits 6 has no unit: write 6 bit (e.g. 8 bit)"),
    (("model", "llama-3.2-1b", "--kv-bits", "8"), "--kv-bits 8 has no unit: write 8 bit"),
    (("model", "llama-3.2-1b", "--act-bits", "16"), "--act-bits 16 has no unit: write 16 bit"),
    ((*RADIO, "--bandwidth", "100", "--scs", "30kHz"), "--bandwidth 100 has no unit: write 100 MHz"),
    ((*RADIO, "--bandwidth", "100MHz", "--scs", "30"), "--scs 30 has no unit: write 30 kHz"),
    (("radio", "--carrier", "bandwidth=20,scs=15kHz,layers=2,modulation=64QAM"),
     "--carrier: bandwidth=20 has no unit: write 20 MHz (e.g. 100 MHz)"),
    (("link", "uma", "--fc", "3.5", "--bandwidth", "100MHz"), "--fc 3.5 has no unit: write 3.5 GHz"),
    (("link", "uma", "--fc", "3.5GHz", "--bandwidth", "100"), "--bandwidth 100 has no unit: write 100 MHz"),
    ((*LINK, "--scs", "30"), "--scs 30 has no unit: write 30 kHz"),
    ((*LINK, "--distance", "400"), "--distance 400 has no unit: write 400 m"),
    ((*LINK, "--distance", "50:2km:10"), "--distance 50 has no unit: write 50 m"),
    ((*LINK, "--bs-height", "25"), "--bs-height 25 has no unit: write 25 m"),
    ((*LINK, "--ut-height", "1.5"), "--ut-height 1.5 has no unit: write 1.5 m"),
    ((*LINK, "--building-height", "5"), "--building-height 5 has no unit: write 5 m"),
    ((*LINK, "--street-width", "20"), "--street-width 20 has no unit: write 20 m"),
    ((*LINK, "--bs-power", "46"), "--bs-power '46' is not a value in dBm: write it with its unit, e.g. 46dBm"),
    ((*LINK, "--extra-loss", "10"), "--extra-loss '10' is not a value in dB"),
    ((*UC, "--cell", "bandwidth=100,scs=30kHz,layers=4,modulation=256QAM"),
     "--cell: bandwidth=100 has no unit: write 100 MHz"),
    ((*UC, "--cell", "bandwidth=100MHz,scs=30,layers=4,modulation=256QAM"), "--cell: scs=30 has no unit: write 30 kHz"),
    ((*UC, "--cell", "profile=dense-urban,bandwidth=100"), "--cell: bandwidth=100 has no unit: write 100 MHz"),
    ((*UC, "--cell", "site=uma,fc=3.5,bandwidth=100MHz"), "--cell: fc=3.5 has no unit: write 3.5 GHz"),
    ((*UC, "--cell", "site=uma,fc=3.5GHz,bandwidth=100"), "--cell: bandwidth=100 has no unit: write 100 MHz"),
    ((*UC, "--cell", "site=uma,fc=3.5GHz,bandwidth=100MHz,bs_height=25"), "--cell: bs_height=25 has no unit: write 25 m"),
    ((*UC, "--transport", "tcp,rtt=40"), "rtt=40 has no unit: write 40 ms (e.g. 10 ms)"),
    ((*UC, "--set", "frame_rate=30"), "frame_rate=30 has no unit: write 30 fps"),
    (("solve", "model-distribution-image-recognition", "--for", "model_size", "--target", "dl_data_rate=500"),
     "--target dl_data_rate=500 has no unit: write it as 500 Mbit/s"),
    (("sweep", "model-distribution-image-recognition", "--vary", "model_size=10:20:3"),
     "--vary model_size=10 has no unit: write 10 MByte"),
    (("sample", "model-distribution-image-recognition", "--draw", "model_size=uniform:50:500"),
     "--draw model_size=50 has no unit: write 50 MByte"),
]


@pytest.mark.parametrize("args, message", CASES, ids=[" ".join(a[2:]) or a[0] for a, _ in CASES])
def test_a_bare_number_is_refused_with_the_value_written_out(cli, args, message):
    ran = cli(*args)
    assert ran.returncode == 2, ran.stdout[:300]
    assert ran.stdout == "" and ran.stderr.count("\n") == 1, ran.stderr
    assert ran.stderr.startswith("error: ") and message in ran.stderr, ran.stderr


@pytest.mark.parametrize("args", [
    (*ALEXNET, "--latency", "20ms", "--ul-rate", "100Mbit/s", "--frame-rate", "30fps", "--device-speed", "2TOPS",
     "--server-speed", "100 TOPS", "--bits", "8bit"),
    ("model", "alexnet", "--bits", "6bit"),
    (*RADIO, "--bandwidth", "100MHz", "--scs", "30kHz"),
    (*LINK, "--scs", "30kHz", "--distance", "400m", "--bs-height", "25m"),
    (*UC, "--cell", "profile=dense-urban,bandwidth=100MHz", "--transport", "tcp,rtt=40ms,mtu=1400"),
])
def test_the_same_values_with_their_units_are_taken(cli, args):
    ran = cli(*args)
    assert ran.returncode == 0, ran.stderr
    assert "taken as" not in ran.stderr  # nothing guessed


def test_the_advice_puts_the_number_in_the_unit_nearest_the_default():
    from ammt_calc.units import registry as units
    from ammt_calc.units.advice import unit_advice

    assert unit_advice(20, units.parse_quantity("50 ms"), "50 ms") == "write 20 ms (e.g. 50 ms)"
    assert unit_advice(2000, units.parse_quantity("100 Mbit/s"), "100 Mbit/s") == \
        "write 2000 Mbit/s (e.g. 100 Mbit/s)"
    assert unit_advice(0.5, units.parse_quantity("50 ms"), "50 ms") == "write 0.5 s or 500 ms (e.g. 50 ms)"
    assert unit_advice(30, units.parse_quantity("30 fps"), "30 fps") == "write 30 fps"  # a tie: the option's own unit


def test_a_bare_number_at_the_ends_of_the_float_range_is_advised_not_a_traceback():
    from ammt_calc.units import registry as units
    from ammt_calc.units.advice import unit_advice

    for number in (1e-320, 1e300):  # a subnormal times a unit's factor underflows to 0
        assert unit_advice(number, units.parse_quantity("100 MHz"), "100 MHz").startswith("write ")
