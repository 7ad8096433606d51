"""Dimensions are checked when the catalog loads, for `list` and `show` as well."""

import pytest

from ammt_calc.cli import main
from ammt_calc.errors import UserError
from ammt_calc.usecases.loading import load_catalog

BROKEN = ("id: my-broken\ntitle: t\nfamily: distribution\n"
          "parameters:\n  model_size: {default: 10 MByte}\n  latency: {default: 1 s}\n"
          "kpis:\n  dl_data_rate: {formula: model_size * latency, unit: Mbit/s}\n")


@pytest.mark.parametrize("command", [["list"], ["show", "my-broken"], ["show", "split-image-recognition"]])
def test_list_and_show_refuse_a_formula_of_the_wrong_dimension(tmp_path, capsys, command):
    (tmp_path / "broken.yaml").write_text(BROKEN)
    assert main(["--catalog", str(tmp_path), *command]) == 2
    err = capsys.readouterr().err
    # MByte x s is [information] x [time], not the [information] / [time] of Mbit/s
    assert "kpis.dl_data_rate: formula 'model_size * latency' gives" in err
    assert "Traceback" not in err


def test_loading_checks_every_use_case(tmp_path):
    (tmp_path / "broken.yaml").write_text(BROKEN)
    with pytest.raises(UserError, match="model_size \\* latency"):
        load_catalog([tmp_path], check_units=False)  # the flag no longer skips the check
