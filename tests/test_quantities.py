"""quantities.py: units and quantities as plain values (pint's behaviour without pint)."""

import numpy as np
import pytest

from ammt_calc.units import registry as U
from ammt_calc.units.quantities import DIMENSIONLESS, DimensionalityError, Quantity


def test_conversions_by_hand():
    q = U.parse_quantity("62.5 MB")  # 62.5 x 8e6 bit = 5e8 bit
    assert q.to("Mbit").magnitude == 500.0 and q.m_as("Gbit") == 0.5
    assert q.to_base() == 5e8 and q.to_base_units().units == U.parse_unit("bit")
    rate = q / U.parse_quantity("500 ms")  # 500 Mbit in 0.5 s = 1000 Mbit/s
    assert rate.to("Mbit/s").magnitude == pytest.approx(1000, rel=1e-15)
    assert str(rate.units) == "MByte/ms" and rate.dimensionality == U.parse_unit("bit/s").dimensionality
    assert (U.parse_quantity("2 s") * U.parse_quantity("3 Hz")).to("").magnitude == 6.0  # s x 1/s
    assert float(U.parse_quantity("99.9 %")) == pytest.approx(0.999) and 1 / U.parse_quantity("4 s") == \
        U.quantity(0.25, "Hz")


def test_arithmetic_and_comparison_across_units():
    a, b = U.parse_quantity("1 GB"), U.parse_quantity("1000 MB")
    assert a == b and not (a < b) and a <= b and (a + b).to("GB").magnitude == 2.0 and (a - b).magnitude == 0.0
    assert U.parse_quantity("1 s") > U.parse_quantity("999 ms") and abs(-a).magnitude == 1.0
    assert (U.parse_quantity("1 s") == U.parse_quantity("1 bit")) is False  # another dimension: never equal
    with pytest.raises(DimensionalityError, match="cannot convert from 'Mbit/s'"):
        U.parse_quantity("1 Mbit/s").to("Hz")
    with pytest.raises(DimensionalityError):
        U.parse_quantity("1 s") < U.parse_quantity("1 bit")
    with pytest.raises(DimensionalityError):
        float(U.parse_quantity("1 s"))


def test_arrays_formatting_and_lists():
    q = U.quantity(np.array([1.0, 2.5]), "Gbit/s")
    np.testing.assert_array_equal(q.to("Mbit/s").magnitude, [1000.0, 2500.0])
    assert f"{U.quantity(1000.0, 'Mbit/s'):.6g~}" == "1000 Mbit/s" and f"{U.quantity(3, ''):.1f}" == "3.0"
    listed = Quantity.from_list([U.parse_quantity("1 s"), U.parse_quantity("500 ms")])
    assert listed.units == U.parse_unit("s") and listed.magnitude.tolist() == [1.0, 0.5]
    with pytest.raises(TypeError):
        Quantity(1.0, "s")  # text is read by units.quantity / parse_unit
    assert U.quantity(2.0, "dimensionless").units == DIMENSIONLESS == U.parse_unit("")


def test_powers_and_dimension_text():
    area = U.parse_quantity("4 km^2")
    assert (area ** 0.5).to("m").magnitude == pytest.approx(2000.0)
    assert str((area ** 0.5).dimensionality) == "[length]"
    assert str(U.parse_unit("op/s/bit").dimensionality) == "[computation] / [time] / [information]"
    assert str(U.parse_unit("1/km^2").dimensionality) == "1 / [length] ** 2"
    assert str(U.parse_unit("%").dimensionality) == "dimensionless"
