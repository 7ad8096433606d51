"""pint at the API boundary: what ammt_calc.api returns is a pint.Quantity of ammt_calc.ureg,
and pint quantities of any registry are read in; the engine inside computes on magnitudes."""

import numpy as np
import pint
import pytest

import ammt_calc as ac
from ammt_calc.units import registry as units

SPLIT = "split-image-recognition"  # 0.27 MByte in 15 ms: 144 Mbit/s
DOWNLOAD = "model-distribution-image-recognition"  # 138 MByte in 1 s: 1104 Mbit/s


def rate():
    return ac.evaluate(SPLIT)["ul_data_rate"]


def test_a_kpi_is_a_pint_quantity_of_the_projects_registry():
    q = rate()
    assert isinstance(q, pint.Quantity) and q._REGISTRY is ac.ureg
    assert q.m == 144.0 and str(q.units) == "megabit / second"
    assert q.to("Gbit/s").m == pytest.approx(0.144) and q.to(ac.ureg.bit / ac.ureg.s).m == pytest.approx(144e6)
    assert f"{q:~P}" == "144.0 Mbit/s" and f"{q:.3g~P}" == "144 Mbit/s"
    assert q.to_compact().m == pytest.approx(144.0) and round(q.m) == 144


def test_numpy_ufuncs_and_reductions():
    q = rate()
    doubled = np.array([1, 2]) * q
    assert isinstance(doubled, pint.Quantity) and doubled.m.tolist() == [144.0, 288.0]
    assert np.sqrt(q).units == ac.ureg.Mbit ** 0.5 / ac.ureg.s ** 0.5 and np.sqrt(q).m == 12.0
    swept = ac.sweep(SPLIT, {"frame_rate": "10fps:30fps:3"}).quantity("ul_sustained_rate")  # 0.27 MByte x fps
    assert len(swept) == 3 and swept[1].m == pytest.approx(43.2)
    assert np.max(swept).m == pytest.approx(64.8) and swept.max().to("Gbit/s").m == pytest.approx(0.0648)
    assert np.mean(swept).m == pytest.approx(43.2)


def test_a_users_own_registry_is_read_in():
    theirs = pint.UnitRegistry()
    result = ac.evaluate(DOWNLOAD, latency=theirs.Quantity(500, "millisecond"), model_size=theirs.Quantity(69, "MB"))
    assert result["dl_data_rate"].m == pytest.approx(1104.0)  # 69 MByte in 0.5 s
    # pint's default registry calls bit dimensionless; here a bit stays information
    solved = ac.solve(DOWNLOAD, "model_size", ("dl_data_rate", theirs.Quantity(500, "Mbit/s")), latency="1 s")
    assert f"{solved.quantity:~P}" == "62.5 MByte" and solved.target.m == 500.0
    swept = ac.sweep(DOWNLOAD, {"latency": theirs.Quantity(np.array([1.0, 2.0]), "s")})
    assert swept["dl_data_rate"].tolist() == pytest.approx([1106.860352, 553.430176])  # 138,357,544 byte
    assert ac.quantity(theirs.Quantity(3, "kibibyte")).to("Byte").m == 3072.0


def test_arithmetic_with_the_application_registry_set_to_ours():
    previous = pint.get_application_registry().get()
    pint.set_application_registry(ac.ureg)
    try:
        Q = pint.get_application_registry().Quantity
        assert (rate() * Q(1, "s")).to("MByte").m == pytest.approx(18.0)
        assert (rate() + Q(1, "Gbit/s")).to("Mbit/s").m == pytest.approx(1144.0)
    finally:
        pint.set_application_registry(previous)


def test_quantity_and_parameters_are_pint_and_go_back_in():
    q = ac.quantity(np.array([0.5, 1.0]), "s")
    assert isinstance(q, pint.Quantity) and q.units == ac.ureg.s
    assert ac.evaluate(DOWNLOAD, latency=q)["dl_data_rate"].m.tolist() == pytest.approx([2213.720704, 1106.860352])
    params = ac.evaluate(DOWNLOAD).parameters
    assert isinstance(params["model_size"], pint.Quantity) and f"{params['model_size']:~P}" == "138.357544 MByte"
    assert ac.quantity("102.4 MB").to("Mbit").m == pytest.approx(819.2)
    with pytest.raises(ac.UserError, match="ambiguous unit 'Mb'"):
        ac.quantity("5 Mb")


def test_to_pandas_has_pint_dtypes_in_our_registry():
    pytest.importorskip("pandas")
    pint_pandas = pytest.importorskip("pint_pandas")
    frame = ac.sweep(DOWNLOAD, {"latency": ["1 s", "2 s"]}).to_pandas()
    rates = frame["dl_data_rate"]
    assert isinstance(rates.dtype, pint_pandas.PintType) and rates.pint.units == ac.ureg.Mbit / ac.ureg.s
    assert rates.pint.to("Gbit/s").pint.magnitude.tolist() == pytest.approx([1.106860352, 0.553430176])


# every spelling pint reads is read the same here, whichever path (names table or pint) answers
SPELLINGS = ["millisecond", "milliseconds", "second", "seconds", "megabyte", "megabytes", "Mbits", "Mbit",
             "gigabits", "frames", "frame", "kilobytes", "minutes", "hours", "bits", "bytes", "octets",
             "MByte", "GByte", "kbit", "microseconds", "hertz", "megahertz", "meters", "kilometers", "percent"]


@pytest.mark.parametrize("name", SPELLINGS)
def test_plurals_and_long_names_read_as_pint_reads_them(name):
    ours = units.parse_unit(name)
    theirs = units.registry().parse_units(name)
    assert ours.factor == pytest.approx(units.registry().Quantity(1, theirs).to_base_units().m)
    assert units.dimension_text(ours) == str(theirs.dimensionality)


def test_plurals_never_import_pint(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from ammt_calc.units import registry as u;"
            "[u.parse_quantity(t) for t in ('500 milliseconds', '2 seconds', '3 megabytes', '10 Mbits/s', '30 frames/s')];"
            "print('pint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
