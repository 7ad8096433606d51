"""`ammt-calc radio`: TS 38.306 clause 4.1.2 peak rates against the reference values of
shared/reference/models-and-radio.md and hand calculations; the N_PRB table; refusals."""

import csv
import io
import json

import pytest
from helpers import ok, refused
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.errors import UserError
from ammt_calc.network import cells as radio
from ammt_calc.units import registry as units

R_MAX = 948 / 1024


def carrier(direction="DL", **fields):
    return radio.make_carrier({k: str(v) for k, v in fields.items()}, direction, [])


def rate(direction="DL", **fields):
    return carrier(direction, **fields).peak_rate_mbps


# --- the reference values (models-and-radio.md, NR peak data rate) -------------------------


@pytest.mark.parametrize("direction, fields, expected", [
    ("DL", dict(bandwidth="100MHz", scs="30kHz", layers=4, modulation="256QAM"), 2337.0),
    ("UL", dict(bandwidth="100MHz", scs="30kHz", layers=1, modulation="256QAM"), 625.0),
    ("UL", dict(bandwidth="100MHz", scs="30kHz", layers=2, modulation="64QAM"), 937.5),
    ("DL", dict(bandwidth="20MHz", scs="15kHz", layers=2, modulation="256QAM"), 226.9),
    ("DL", dict(bandwidth="400MHz", scs="120kHz", layers=2, modulation="64QAM"), 3232.3),
])
def test_reference_values(direction, fields, expected):
    assert round(rate(direction, **fields), 1) == expected


def test_reference_carriers_use_the_reference_prb_counts_and_numerology():
    c = carrier(bandwidth="100MHz", scs="30kHz", layers=4, modulation="256QAM")
    assert (c.fr, c.mu, c.n_prb, c.q_m, c.overhead) == ("FR1", 1, 273, 8, 0.14)
    c = carrier(bandwidth="400MHz", scs="120kHz", layers=2, modulation="64QAM")
    assert (c.fr, c.mu, c.n_prb, c.q_m, c.overhead) == ("FR2", 3, 264, 6, 0.18)
    c = carrier("UL", bandwidth="400MHz", scs="120kHz", layers=2, modulation="64QAM")
    assert c.overhead == 0.10


def test_hand_computed_scaled_uplink_carrier():
    # FR1 40 MHz at 15 kHz: 216 PRB, mu=0, T_s = 1 ms / 14; 2 layers 16QAM (Q_m 4), f = 0.75, UL OH 0.08
    expected = 1e-6 * 2 * 4 * 0.75 * R_MAX * (216 * 12 * 14_000) * (1 - 0.08)
    assert rate("UL", bandwidth="40MHz", scs="15kHz", layers=2, modulation="16QAM", scaling=0.75) == pytest.approx(expected)
    assert expected == pytest.approx(185.4, abs=0.1)


def test_hand_computed_fr2_2_and_1024qam():
    # FR2 1600 MHz at 480 kHz: 248 PRB, mu=5, T_s = 1 ms / (14 * 32); QPSK 1 layer DL OH 0.18
    assert rate(bandwidth="1600MHz", scs="480kHz", layers=1, modulation="QPSK") == pytest.approx(
        1e-6 * 1 * 2 * R_MAX * (248 * 12 * 14 * 32 * 1000) * (1 - 0.18))
    # 1024QAM: Q_m = 10, FR1 DL
    assert rate(bandwidth="100MHz", scs="30kHz", layers=4, modulation="1024QAM") == pytest.approx(2337.00012 * 10 / 8)


def test_units_and_spellings_are_accepted():
    assert rate(bandwidth="0.1 GHz", scs="30 kHz", layers=4, modulation="256-qam") == pytest.approx(2337.00012)
    for fields, message in (({"bandwidth": "100", "scs": "30kHz"}, "--carrier: bandwidth=100 has no unit: write 100 MHz"),
                            ({"bandwidth": "100MHz", "scs": "30"}, "--carrier: scs=30 has no unit: write 30 kHz")):
        with pytest.raises(UserError, match=message):  # units are written, not guessed
            radio.make_carrier({**fields, "layers": "4", "modulation": "256QAM"}, "DL", [])


# --- TDD -----------------------------------------------------------------------------------


def test_tdd_pattern_with_the_default_special_slot():
    # DDDSU, S = 10 DL : 2 guard : 2 UL symbols -> DL 3*14+10 = 52 of 70 symbols, UL 14+2 = 16 of 70
    assert radio.parse_tdd("DDDSU", "DL") == ("DDDSU:10:2:2", 52 / 70)
    assert radio.parse_tdd("dddsu", "UL") == ("DDDSU:10:2:2", 16 / 70)
    full = rate(bandwidth="100MHz", scs="30kHz", layers=4, modulation="256QAM")
    assert rate(bandwidth="100MHz", scs="30kHz", layers=4, modulation="256QAM", tdd="DDDSU") == pytest.approx(full * 52 / 70)


def test_tdd_pattern_with_an_explicit_special_slot_and_plain_shares():
    # DDDDDDDSUU, S = 6:4:4 -> DL 7*14+6 = 104 of 140, UL 2*14+4 = 32 of 140
    assert radio.parse_tdd("DDDDDDDSUU:6:4:4", "DL")[1] == pytest.approx(104 / 140)
    assert radio.parse_tdd("DDDDDDDSUU:6:4:4", "UL")[1] == pytest.approx(32 / 140)
    assert radio.parse_tdd("DDDU", "UL") == ("DDDU", 0.25)
    assert radio.parse_tdd("0.74", "DL")[1] == pytest.approx(0.74)
    assert radio.parse_tdd("74%", "UL")[1] == pytest.approx(0.74)


@pytest.mark.parametrize("text, fragment", [
    ("DDDSU:10:2:1", "must add up to 14"),
    ("DDDDD", "leaves UL no symbols"),
    ("0", "above 0 and at most 1"),
    ("1.5", "above 0 and at most 1"),
    ("5 ms", "above 0 and at most 1"),
    ("DXU", "neither a share"),
])
def test_bad_tdd_is_refused(text, fragment):
    with pytest.raises(UserError, match=fragment):
        radio.parse_tdd(text, "UL")


@given(st.text(alphabet="DSU", min_size=1, max_size=20), st.integers(0, 14), st.integers(0, 14))
def test_tdd_shares_count_symbols(slots, dl, guard):
    ul = 14 - dl - guard
    if ul < 0:
        return
    text = f"{slots}:{dl}:{guard}:{ul}"
    shares = {}
    for direction, own, special in (("DL", "D", dl), ("UL", "U", ul)):
        symbols = 14 * slots.count(own) + special * slots.count("S")
        if symbols == 0:
            with pytest.raises(UserError):
                radio.parse_tdd(text, direction)
            continue
        shares[direction] = radio.parse_tdd(text, direction)[1]
        assert shares[direction] == pytest.approx(symbols / (14 * len(slots)))
    assert sum(shares.values()) <= 1 + 1e-12


# --- several carriers and the N_PRB table --------------------------------------------------


def test_several_carriers_add_up():
    a = carrier(bandwidth="100MHz", scs="30kHz", layers=4, modulation="256QAM")
    b = carrier(bandwidth="20MHz", scs="15kHz", layers=2, modulation="256QAM")
    assert radio.total_rate_mbps([a, b]) == pytest.approx(2337.00012 + 226.85166)


def test_prb_table_holds_the_reference_entries():
    table = radio.prb_table()
    assert table[("FR1", 15)] == {5: 25, 10: 52, 15: 79, 20: 106, 25: 133, 30: 160, 35: 188, 40: 216, 45: 242, 50: 270}
    assert {b: table[("FR1", 30)][b] for b in (20, 40, 50, 60, 80, 100)} == {20: 51, 40: 106, 50: 133, 60: 162,
                                                                              80: 217, 100: 273}
    assert table[("FR1", 60)][100] == 135
    assert table[("FR2", 120)] == {50: 32, 100: 66, 200: 132, 400: 264}


def test_every_prb_configuration_fits_inside_its_channel():
    for (fr, scs), column in radio.prb_table().items():
        for bandwidth, n_prb in column.items():
            # the PRBs occupy 79 % (5 MHz at 30 kHz) to 98.3 % (100 MHz at 30 kHz) of the channel
            occupied_mhz = n_prb * 12 * scs / 1000
            assert 0.79 * bandwidth < occupied_mhz < 0.99 * bandwidth, (fr, scs, bandwidth, n_prb)


def test_frequency_range_is_inferred_where_unambiguous():
    assert carrier(bandwidth="200MHz", scs="60kHz", layers=1, modulation="QPSK").fr == "FR2"
    assert carrier(bandwidth="10MHz", scs="60kHz", layers=1, modulation="QPSK").fr == "FR1"
    with pytest.raises(UserError, match=r"100 MHz at 60 kHz exists in FR1 \(135 PRB\) and FR2 \(132 PRB\)"):
        carrier(bandwidth="100MHz", scs="60kHz", layers=1, modulation="QPSK")
    assert carrier(bandwidth="100MHz", scs="60kHz", layers=1, modulation="QPSK", fr="fr1").n_prb == 135
    assert carrier(bandwidth="100MHz", scs="60kHz", layers=1, modulation="QPSK", fr="FR2").n_prb == 132


def test_a_pair_outside_the_table_is_refused_listing_valid_bandwidths():
    with pytest.raises(UserError) as info:
        carrier(bandwidth="100MHz", scs="15kHz", layers=1, modulation="QPSK")
    assert str(info.value) == ("bandwidth 100 MHz is not defined for 15 kHz SCS in TS 38.101 Table 5.3.2-1;"
                               " valid bandwidths: FR1 5, 10, 15, 20, 25, 30, 35, 40, 45, 50 MHz")


@pytest.mark.parametrize("fields, fragment", [
    (dict(scs="45kHz"), "subcarrier spacing 45 kHz is not an NR SCS"),
    (dict(scs="120kHz", fr="FR1"), "120 kHz is not an NR FR1 SCS"),
    (dict(fr="FR3"), "frequency range 'FR3' is not FR1 or FR2"),
    (dict(bandwidth="100MB"), "bandwidth '100MB' is not a frequency"),
    (dict(bandwidth="-100MHz"), "must be positive"),
    (dict(layers="0"), "layers must be a whole number from 1 to 8, got '0'"),
    (dict(layers="9"), "from 1 to 8"),
    (dict(layers="2.5"), "from 1 to 8"),
    (dict(modulation="512QAM"), "modulation '512QAM' is not one of QPSK, 16QAM, 64QAM, 256QAM, 1024QAM"),
    (dict(scaling="0.5"), "scaling factor '0.5' is not one of 1, 0.8, 0.75, 0.4"),
])
def test_bad_carrier_fields_are_refused(fields, fragment):
    full = {"bandwidth": "100MHz", "scs": "30kHz", "layers": "4", "modulation": "256QAM", **fields}
    with pytest.raises(UserError, match=fragment):
        radio.make_carrier(full, "DL", [])


def test_specs_parse_and_refuse_unknown_or_repeated_keys():
    assert radio.parse_spec("bandwidth=100MHz, SCS=30kHz,ul_layers=2", "--carrier") == {
        "bandwidth": "100MHz", "scs": "30kHz", "ul_layers": "2"}
    with pytest.raises(UserError, match="unknown key 'bandwith'; did you mean 'bandwidth'"):
        radio.parse_spec("bandwith=100MHz", "--carrier")
    with pytest.raises(UserError, match="'scs' is given twice"):
        radio.parse_spec("scs=30kHz,scs=15kHz", "--carrier")
    with pytest.raises(UserError, match="expects key=value pairs"):
        radio.parse_spec("100MHz", "--carrier")


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_any_spec_text_parses_or_is_a_user_error(text):
    try:
        fields = radio.parse_spec(text, "--carrier")
        radio.make_carrier(fields, "DL", [])
    except UserError as exc:
        assert "\n" not in str(exc)


@given(st.sampled_from(sorted((fr, scs, bw) for (fr, scs), col in radio.prb_table().items() for bw in col)),
       st.integers(1, 8), st.sampled_from(sorted(radio.MODULATION_ORDER)), st.sampled_from(radio.DIRECTIONS))
def test_rate_is_linear_in_layers_and_bits_per_symbol(entry, layers, modulation, direction):
    fr, scs, bandwidth = entry
    base = dict(bandwidth=f"{bandwidth:g}MHz", scs=f"{scs}kHz", fr=fr)
    one = rate(direction, layers=1, modulation="QPSK", **base)
    assert rate(direction, layers=layers, modulation=modulation, **base) == pytest.approx(
        one * layers * radio.MODULATION_ORDER[modulation] / 2)


# --- the command line ----------------------------------------------------------------------


def quantities(value):
    """Every {"value", "unit"} object inside a JSON document."""
    if isinstance(value, dict):
        if set(value) == {"value", "unit"}:
            yield value
        else:
            for v in value.values():
                yield from quantities(v)
    elif isinstance(value, list):
        for v in value:
            yield from quantities(v)


def test_cli_json_gives_quantities_with_units(cli):
    data = json.loads(ok(cli("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "1",
                             "--modulation", "256QAM", "--direction", "UL", "--format", "json")))
    assert data["direction"] == "UL"
    assert round(data["peak_rate"]["value"], 1) == 625.0 and data["peak_rate"]["unit"] == "Mbit/s"
    (c,) = data["carriers"]
    assert c["bandwidth"] == {"value": 100.0, "unit": "MHz"} and c["scs"] == {"value": 30.0, "unit": "kHz"}
    assert (c["fr"], c["mu"], c["n_prb"], c["q_m"], c["overhead"], c["tdd"]) == ("FR1", 1, 273, 8, 0.08, None)
    assert c["symbol_duration"]["value"] == pytest.approx(1000 / 28)
    found = list(quantities(data))
    assert len(found) == 5
    for q in found:
        units.parse_unit(q["unit"])  # every unit reads back


def test_cli_several_carriers_take_defaults_from_the_options(cli):
    data = json.loads(ok(cli("radio", "--layers", "2", "--modulation", "256QAM", "--tdd-share", "DDDSU",
                             "--carrier", "bandwidth=100MHz,scs=30kHz,layers=4",
                             "--carrier", "bandwidth=20MHz,scs=15kHz,tdd=0.5", "--format", "json")))
    first, second = data["carriers"]
    assert (first["layers"], first["tdd"], second["layers"], second["tdd"]) == (4, "DDDSU:10:2:2", 2, "0.5")
    expected = 2337.00012 * 52 / 70 + 226.85166 * 0.5
    assert data["peak_rate"]["value"] == pytest.approx(expected)


def test_cli_csv_has_one_row_per_carrier_and_a_total(cli):
    text = ok(cli("radio", "--bandwidth", "400MHz", "--scs", "120kHz", "--layers", "2", "--modulation", "64QAM",
                  "--format", "csv"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["carrier"] for r in rows] == ["1", "total"]
    assert rows[0]["fr"] == "FR2" and rows[0]["n_prb"] == "264"
    assert round(float(rows[1]["peak_rate [Mbit/s]"]), 1) == 3232.3


def test_cli_table_runs(cli):
    out = ok(cli("radio", "--bandwidth", "20MHz", "--scs", "15kHz", "--layers", "2", "--modulation", "256QAM"))
    assert "226.852" in out and "106" in out


def test_cli_refusals(cli):
    refused(cli("radio", "--bandwidth", "100MHz", "--scs", "15kHz", "--layers", "2", "--modulation", "64QAM"),
            "valid bandwidths: FR1 5, 10, 15, 20, 25, 30, 35, 40, 45, 50 MHz")
    refused(cli("radio", "--scs", "30kHz"), "radio needs --bandwidth, --layers, --modulation")
    refused(cli("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "2", "--modulation", "64QAM",
                "--direction", "up"), "direction 'up' is not DL or UL")
    refused(cli("radio", "--carrier", "bandwidth=100MHz,scs=30kHz"), "--carrier: layers is missing")
    refused(cli("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "2", "--modulation", "64QAM",
                "--format", "xml"), "--format xml is not available here")


def test_cli_notes_a_1024qam_uplink(cli):
    result = cli("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "1", "--modulation", "1024QAM",
                 "--direction", "UL", "--format", "json")
    assert "1024QAM is specified for FR1 DL only" in result.stderr
    assert json.loads(ok(result))["notes"] == ["1024QAM is specified for FR1 DL only (TS 38.306 Rel-17); FR1 UL computed as asked"]
