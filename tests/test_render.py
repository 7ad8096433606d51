"""Number formatting and cell safety of the renderers."""

import pytest

from ammt_calc.present.formats import safe_cell, to_csv
from ammt_calc.units.numbers import clean_number, human_number


@pytest.mark.parametrize("value, text", [
    (1104.0, "1104"),
    (453.3333333, "453.333"),
    (0.27, "0.27"),
    (99.999, "99.999"),
    (99.99999891, "99.999999"),  # never "100" for a probability short of 100 %
    (3520.0000001, "3520"),  # float noise is not shown
    (2337.00012, "2337"),
    (0.99999999, "0.99999999"),  # not "1"
    (999999.7, "999999.7"),  # not "1e+06"
    (123456789.0, "1.23457e+08"),
    (1e-198, "1e-198"),
    (None, ""),
    (float("nan"), ""),
])
def test_human_number(value, text):
    assert human_number(value) == text


@pytest.mark.parametrize("value, clean", [(144.00000000000003, 144.0), (0.1 + 0.2, 0.3), (None, None),
                                          (float("nan"), None), (1.0875e-08, 1.0875e-08)])
def test_clean_number(value, clean):
    assert clean_number(value) == clean


def test_spreadsheet_formulas_are_neutralised_but_numbers_are_not():
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("@SUM") == "'@SUM" and safe_cell("-x") == "'-x"
    assert safe_cell(-1.5) == -1.5
    assert to_csv(["a", "b"], [["+1", -2.0], ["x", 0.1 + 0.2]]) == "a,b\n'+1,-2\nx,0.3\n"  # '%.12g', as a sweep
