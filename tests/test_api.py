"""The Python API (ammt_calc.evaluate / sweep / solve), its README example, and what
`import ammt_calc` and the non-computing commands cost (no numpy, pint or pydantic)."""

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import entry_point
from test_sweep import DOWNLOAD

import ammt_calc as ac
from ammt_calc.errors import UserError
from ammt_calc.usecases.loading import load_catalog

README = Path(__file__).resolve().parent.parent / "README.md"
MODEL = "model-distribution-image-recognition"


@pytest.fixture
def uc(tmp_path):
    (tmp_path / "download.yaml").write_text(DOWNLOAD)
    return ac.load_catalog(tmp_path).get("test-download")


def test_readme_example_prints_what_the_readme_shows():
    section = (README.parent / "docs" / "api.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "docs/api.md", "exec"), {})
    assert printed.getvalue() == shown


def test_evaluate_takes_text_and_quantities_and_refuses_numbers_without_units(uc):
    """62.5 MByte (500 Mbit) in 500 ms is 1000 Mbit/s, however the values are given."""
    with pytest.raises(UserError, match="latency: plain numbers have no unit; give text such as '1 s'"):
        ac.evaluate(uc, model_size="62.5 MB", latency=0.5)
    for settings in ({"model_size": "62.5 MB", "latency": "500 ms"},
                     {"model_size": ac.quantity(500, "Mbit"), "latency": ac.quantity(0.5, "s")}):
        result = ac.evaluate(uc, **settings)
        assert result["dl_data_rate"].to("Mbit/s").magnitude == pytest.approx(1000, rel=1e-12)
        assert result.feasible("dl_data_rate") is True and result.reason("dl_data_rate") == ""
    rows = ac.evaluate(uc, latency="2 s").rows()
    assert {r["kpi"]: r["value"] for r in rows}["dl_data_rate"] == 552  # 1104 Mbit in 2 s


def test_evaluate_broadcasts_arrays_and_reports_infeasible_points(uc):
    result = ac.evaluate(uc, latency=ac.quantity(np.array([0.5, 1.0, 2.0]), "s"), setup_time="1 s")
    rate = result["dl_data_rate"].to("Mbit/s").magnitude
    assert np.isnan(rate[:2]).all() and rate[2] == pytest.approx(1104, rel=1e-12)  # 1104 Mbit in 2 s - 1 s
    assert result.feasible("dl_data_rate").tolist() == [False, False, True]
    assert result.reason("dl_data_rate") == "the setup takes the whole deadline"


def test_sweep_to_arrays(uc):
    result = ac.sweep(uc, {"model_size": ["10 MB", "20 MB"], "latency": "1s:2s:3"})
    assert len(result) == 6 and result.shape == (2, 3)
    assert result.units == {"model_size": "MByte", "latency": "s", "transfer_window": "s", "dl_data_rate": "Mbit/s",
                            "dl_payload": "MByte", "cell_share_rate": "Mbit/s"}
    expected = [[80, 80 / 1.5, 40], [160, 160 / 1.5, 80]]  # MByte x 8 / s
    assert np.allclose(result["dl_data_rate"].reshape(result.shape), expected, rtol=1e-12)
    assert result.quantity("latency").to("ms").magnitude.tolist() == [1000, 1500, 2000] * 2
    assert (result.infeasible == "").all() and result.feasible["dl_data_rate"].all()


def test_sweep_zip_and_infeasible_text(uc):
    result = ac.sweep(uc, {"latency": ac.quantity([100, 2000], "ms"), "setup_time": ["500 ms", "1 s"]}, zip=True)
    assert np.isnan(result["dl_data_rate"][0]) and result["dl_data_rate"][1] == pytest.approx(1104)
    assert result.infeasible.tolist() == [
        "transfer_window, dl_data_rate, cell_share_rate: the setup takes the whole deadline", ""]


def test_sweep_to_pandas(uc):
    pytest.importorskip("pandas")
    frame = ac.sweep(uc, {"latency": ["1 s", "2 s"]}).to_pandas()
    rates = frame["dl_data_rate"]
    assert list(rates.pint.magnitude if hasattr(rates, "pint") else rates) == [1104, 552]
    assert frame.attrs["units"]["latency"] == "s" and frame.attrs["units"]["dl_data_rate"] == "Mbit/s"
    assert list(frame.columns)[-1] == "infeasible" and frame["infeasible"].tolist() == ["", ""]


def test_sweep_plot_writes_a_png(uc, tmp_path):
    pytest.importorskip("matplotlib")
    assert ac.sweep(uc, {"latency": "1s:10s:5:log", "model_size": ["10 MB", "100 MB"]}).plot(tmp_path / "x.png") == "dl_data_rate"
    assert (tmp_path / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_solve_forms_of_target(uc):
    for target in ("dl_data_rate=500 Mbit/s", ("dl_data_rate", "0.5 Gbit/s"),
                   ("dl_data_rate", ac.quantity(500, "Mbit/s"))):
        solution = ac.solve(uc, "model_size", target, latency="1 s")
        assert solution.quantity.to("MByte").magnitude == pytest.approx(62.5, rel=1e-12)
    assert ac.solve(uc, "share", "cell_share_rate=5 Gbit/s").quantity is None


def test_bad_input_raises_user_error(uc):
    with pytest.raises(ac.UserError, match="no KPI 'dl_rate'"):
        ac.evaluate(uc)["dl_rate"]
    with pytest.raises(ac.UserError, match="no parameter 'latncy'"):
        ac.evaluate(uc, latncy="1 s")
    with pytest.raises(ac.UserError, match="unknown use case"):
        ac.evaluate("no-such-use-case")
    with pytest.raises(AttributeError):
        ac.no_such_function


def test_builtin_catalog_is_loaded_once():
    assert ac.load_catalog() is ac.load_catalog() and ac.usecase(MODEL).id == MODEL
    assert len(ac.load_catalog()) == len(load_catalog())


# --- what importing and the non-computing commands cost ------------------------------------

HEAVY = ("numpy", "pint", "pydantic")


def _loaded_after(code: str) -> dict:
    probe = f"{code}\nimport sys, json\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_ammt_calc_is_cheap():
    assert _loaded_after("import ammt_calc; ammt_calc.__version__") == {m: False for m in HEAVY}


@pytest.mark.parametrize("args", [["--help"], ["sweep", "--help"]])
def test_commands_that_do_not_compute_import_no_numpy_pint_or_pydantic(args):
    code = ("import io, contextlib\nfrom ammt_calc.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): assert main({args!r}) == 0")
    assert _loaded_after(code) == {m: False for m in HEAVY}


@pytest.mark.parametrize("args", [["list"], ["list", "--format", "json"], ["show", MODEL]])
def test_list_and_show_import_no_pydantic(args):
    # they load the catalog, which checks every formula's dimensions with pint (issue 10):
    # a catalog cache is what spares them that, not skipping the check
    code = ("import io, contextlib\nfrom ammt_calc.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): assert main({args!r}) == 0")
    assert _loaded_after(code)["pydantic"] is False


def test_entry_point_runs(cli):
    """The installed script, not only main(): same answer as the library."""
    result = cli("solve", MODEL, "--for", "model_size", "--target", "dl_data_rate=500Mbit/s", "--set", "latency=1s",
                 "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout)["value"] == 62.5, (entry_point(), result.stderr)


def test_lists_of_quantities_and_foreign_quantities():
    import pint

    import ammt_calc as ac

    usecase = "model-distribution-image-recognition"  # 138,357,544 byte
    swept = ac.sweep(usecase, {"latency": [ac.quantity(1, "s"), ac.quantity(2000, "ms")]})
    assert list(swept["dl_data_rate"]) == pytest.approx([1106.860352, 553.430176])
    theirs = pint.UnitRegistry()  # the user's own registry: read into ours by its unit's name
    assert ac.evaluate(usecase, {"latency": theirs.Quantity(1, "s")})["dl_data_rate"].m == pytest.approx(1106.860352)
    with pytest.raises(UserError, match="a quantity of another library"):
        ac.evaluate(usecase, {"latency": type("Fake", (), {"units": "s", "magnitude": 1})()})
    with pytest.raises(UserError, match=r"latency: '-2 s \(one of 3 values\)' is below its minimum"):
        ac.sweep(usecase, {"latency": ac.quantity([1, -2, 3], "s")})


def test_a_list_axis_is_recorded_as_a_spec_that_sweeps_the_same(uc):
    swept = ac.sweep(uc, {"latency": ["1 s", "2000 ms", ac.quantity(4, "s")]})
    (varied,) = swept.to_dict()["varied"]
    assert varied["spec"] == "1 s,2 s,4 s"
    assert ac.sweep(uc, {"latency": varied["spec"]}).to_dict()["rows"] == swept.to_dict()["rows"]


@pytest.mark.parametrize("usecase, vary", [
    ("model-distribution-image-recognition", {"model_size": "1kB:1TB:40:log", "latency": "1ms,0s,3.3s"}),
    ("split-image-recognition", {"frame_rate": "0fps,30fps", "latency": "0ms,15ms"}),  # n/a rows too
])
def test_sweep_to_dict_from_arrays_equals_the_streamed_json(usecase, vary):
    import io

    from ammt_calc.present.sweepio import write_json

    swept = ac.sweep(usecase, vary)
    streamed = io.BytesIO()
    write_json(swept.grid, streamed)
    document = swept.to_dict()
    assert document == json.loads(streamed.getvalue())
    assert any(row["infeasible"] for row in document["rows"])
    frame = swept.to_pandas() if usecase.startswith("split") else None
    if frame is not None:  # the reason columns of the JSON, as text
        assert list(frame.columns)[-2:] == ["infeasible", "not_applicable"]
        assert frame["not_applicable"].tolist()[0] == "ul_sustained_rate: single image: no frame rate"
