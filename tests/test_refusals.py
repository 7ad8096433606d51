"""Issue 14: formulas, catalog text and structure, -0, and OS errors on user paths.

Each test failed on main before the change (the comment says how) and is one clean
UserError (one line) or an honest number now.
"""

from __future__ import annotations

import errno
import math
import os
from pathlib import Path

import pytest
from hardening_helpers import usecase_text, write_usecase

from ammt_calc import files as userfiles
from ammt_calc.engine import evaluation as solver
from ammt_calc.errors import UserError, os_error, short_path
from ammt_calc.models import zoo
from ammt_calc.usecases.domain import CatalogError
from ammt_calc.usecases.formula import FormulaError, compile_formula
from ammt_calc.usecases.loading import load_catalog, load_file

# --- formulas -------------------------------------------------------------------------------


def test_a_flat_sum_of_41_terms_is_one_level():
    # main: "nested more than 40 levels deep" (a + b + c parses as ((a + b) + c))
    names = [f"a{i}" for i in range(41)]
    total = compile_formula(" + ".join(names))
    assert total.evaluate({n: 1.0 for n in names}) == 41.0  # 41 x 1
    product = compile_formula(" * ".join(names) + " / a0")
    assert product.evaluate({n: 2.0 for n in names}) == 2.0**40  # 2^41 / 2


@pytest.mark.parametrize("text", [
    "a" + " + (b" * 41 + ")" * 41,  # a + (b + (b + ...)): 41 real levels
    "-" * 41 + "a",
    "sqrt(" * 41 + "a" + ")" * 41,
])
def test_a_deep_tree_is_still_refused(text):
    with pytest.raises(FormulaError, match="nested more than 40 levels deep"):
        compile_formula(text)


@pytest.mark.parametrize("text, shown", [("ａ + 1", "U+FF41"), ("model_size / latеncy", "U+0435"), ("a × b", "U+00D7"),
                                         ("ｍｏｄｅｌ_size", "U+FF4D")])
def test_non_ascii_in_a_formula_is_refused(text, shown):
    # main: Python's parser NFKC-normalises 'ａ' to 'a', so the formula silently read another name
    with pytest.raises(FormulaError, match=f"only ASCII is allowed in a formula.*U\\+{shown[2:]}"):
        compile_formula(text)


# --- catalog text and structure ---------------------------------------------------------------


def refused(tmp_path, text, *fragments) -> str:
    with pytest.raises(CatalogError) as info:
        load_file(write_usecase(tmp_path, text=text), check_units=True)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069", "\u200e", "\u200f", "\u061c"])
def test_bidirectional_controls_are_refused_in_catalog_text(tmp_path, char):
    # main accepted "My \u202eledom" in a title: a terminal shows it reversed
    refused(tmp_path, usecase_text(title=f"My {char}ledom download"), "control character", "is not allowed in text")


def test_plain_unicode_text_is_still_fine(tmp_path):
    uc = load_file(write_usecase(tmp_path, text=usecase_text(title="Modèle — 模型 download")), check_units=True)
    assert uc.title == "Modèle — 模型 download"


@pytest.mark.parametrize("derived, message", [
    # main accepted p from q and q from p, and printed contradictory values
    ({"p": "q * 2", "q": "p / 2"}, "parameters.p.derive: the derivations go round (p from q, q from p)"),
    ({"p": "q + model_size", "q": "r", "r": "p"}, "the derivations go round (p from q, q from r, r from p)"),
])
def test_a_derive_cycle_is_refused_and_named(tmp_path, derived, message):
    lines = "".join(f"  {name}: {{default: 1 MByte, derive: {formula}}}\n" for name, formula in derived.items())
    refused(tmp_path, usecase_text().replace("parameters:\n", "parameters:\n" + lines, 1), message)


def test_a_derive_chain_without_a_cycle_is_fine(tmp_path):
    text = usecase_text().replace("parameters:\n", "parameters:\n"
                                  "  p: {default: 1 MByte, derive: q * 2}\n"
                                  "  q: {default: 1 MByte, derive: model_size / 2}\n", 1)
    uc = load_file(write_usecase(tmp_path, text=text), check_units=True)
    assert uc.parameters["p"].derive.text == "q * 2"


def _with_reason(reason: str) -> str:
    return usecase_text().replace("label: DL experienced data rate}",
                                  "label: DL experienced data rate, infeasible_if: {condition: latency > latency,"
                                  f" reason: {reason}}}}}")


def test_a_reason_over_200_characters_is_refused_at_load(tmp_path):
    # main accepted a 200 KB reason, which a sweep repeated on every row (23 GB at 3e4 points)
    message = refused(tmp_path, _with_reason("x" * 201), "reason is 201 characters; a reason may have at most 200")
    assert "xxxxxxxxxx" not in message
    uc = load_file(write_usecase(tmp_path / "ok", text=_with_reason("y" * 200)), check_units=True)
    assert uc.kpis["dl_data_rate"].infeasible_if[0].reason == "y" * 200


SHADOW = "root:$6$saltsalt$c2VjcmV0aGFzaA:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"


@pytest.mark.parametrize("content", [SHADOW, "root: $6$saltsalt$c2VjcmV0aGFzaA\nbin: x\n",
                                     "root:$6$saltsalt$c2VjcmV0aGFzaA: 1\nroot:$6$saltsalt$c2VjcmV0aGFzaA: 2\n"])
def test_a_symlink_to_a_file_that_is_not_a_catalog_is_not_quoted(tmp_path, content):
    # main: "unknown key 'root:$6$saltsalt$...'": the first line of /etc/shadow, when run as root
    secret = tmp_path / "shadow"
    secret.write_text(content)
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "evil.yaml").symlink_to(secret)
    with pytest.raises(CatalogError) as info:
        load_catalog([folder])
    message = str(info.value)
    assert "c2Vj" not in message and "$6$" not in message and "saltsalt" not in message, message


def test_a_catalog_file_with_a_typo_still_names_the_key(tmp_path):
    refused(tmp_path, usecase_text() + "titel: x\n", "unknown key 'titel'; did you mean 'title'?")


# --- numbers ----------------------------------------------------------------------------------


def _kpis(uc, settings):
    values, _ = solver.resolve_inputs(uc, settings)
    ev = solver.evaluate(uc, values)
    return {k: (bool(np_all(r.feasible)), [float(v) for v in list(_flat(r.value))]) for k, r in ev.kpis.items()}


def np_all(x):
    import numpy as np

    return np.all(x)


def _flat(x):
    import numpy as np

    return np.ravel(x)


def _same(a, b) -> bool:
    return a.keys() == b.keys() and all(
        a[k][0] == b[k][0] and all((x == y) or (math.isnan(x) and math.isnan(y)) for x, y in zip(a[k][1], b[k][1]))
        for k in a)


def _mbyte(values):
    import numpy as np

    from ammt_calc.units import registry as units

    return units.quantity(np.array(values), "MByte")


def test_minus_zero_gives_the_kpis_of_zero(catalog):
    # main: model_size=-0MB made six KPIs infeasible (x ** (1 / -0.0) is -inf) that 0MB computes
    checked = 0
    for uc in catalog:
        if "model_size" in uc.parameters:
            assert _same(_kpis(uc, {"model_size": "-0MB"}), _kpis(uc, {"model_size": "0MB"})), uc.id
            assert _same(_kpis(uc, {"model_size": _mbyte([-0.0, 0.0])}), _kpis(uc, {"model_size": _mbyte([0.0, 0.0])})), uc.id
            checked += 1
    assert checked >= 5


def test_minus_zero_is_stored_as_zero(catalog):
    import numpy as np

    uc = next(uc for uc in catalog if "model_size" in uc.parameters)
    values, _ = solver.resolve_inputs(uc, {"model_size": "-0 MB"})
    assert not np.signbit(values["model_size"].magnitude)
    values, _ = solver.resolve_inputs(uc, {"model_size": _mbyte([-0.0, 1.0])})
    assert not np.signbit(values["model_size"].magnitude).any()


# --- OS errors on user paths ------------------------------------------------------------------


def test_os_error_shortens_the_path_and_names_the_reason():
    path = "/data/" + "m" * 300 + ".onnx"
    message = str(os_error(path, OSError(errno.ENAMETOOLONG, "File name too long")))
    # 80 characters at most: 25 of the start, "...", 52 of the end
    assert message == f"cannot read '{path[:25]}...{path[-52:]}': the name is too long"
    assert len(short_path(path)) == 80
    assert short_path("a\nb") == "a\\nb"


def test_a_300_character_model_file_name_in_a_setting_is_one_line(catalog):
    # main: OSError File name too long from Path.is_file()
    uc = next(uc for uc in catalog if "model_size" in uc.parameters)
    with pytest.raises(UserError, match="the name is too long"):
        zoo.resolve_model_settings([uc], {"model_size": "x" * 300 + ".onnx"})
    with pytest.raises(UserError, match="is neither a quantity") as info:
        zoo.resolve_model_settings([uc], {"model_size": "x" * 300})
    assert len(str(info.value)) < 400


def test_a_catalog_folder_name_too_long_is_one_line(tmp_path):
    with pytest.raises(CatalogError, match="cannot read the catalog directory '.*': the name is too long"):
        load_catalog([tmp_path / ("d" * 300)])


def test_proc_as_a_catalog_is_refused_by_its_size():
    # main walked /proc with rglob and died on an entry that vanished mid-walk (or ran for minutes)
    with pytest.raises(CatalogError, match="'/proc' holds more than 10,000 files and folders"):
        load_catalog(["/proc"])


def test_entries_that_vanish_mid_walk_are_skipped(tmp_path, monkeypatch):
    folder = tmp_path / "cat"
    write_usecase(folder, "uc.yaml")
    (folder / "gone").mkdir()
    write_usecase(folder / "gone", "other.yaml", id="other-one")
    real = os.scandir

    def scandir(path):  # list a folder, then its sub-folder disappears (as /proc/<pid> does)
        listing = list(real(path))
        if Path(path) == folder:
            for p in (folder / "gone").iterdir():
                p.unlink()
            (folder / "gone").rmdir()
        return _Listing(listing)

    monkeypatch.setattr(userfiles.os, "scandir", scandir)
    assert [p.name for p in userfiles.walk_yaml(folder)] == ["uc.yaml"]


class _Listing(list):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_an_unreadable_catalog_folder_is_one_line(tmp_path, monkeypatch):
    # main: rglob skipped it silently (its use cases were missing without a word)
    folder = tmp_path / "cat"
    write_usecase(folder, "uc.yaml")
    (folder / "locked").mkdir()
    real = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(userfiles.os, "scandir", scandir)
    with pytest.raises(CatalogError, match="cannot read the catalog directory '.*locked': permission denied"):
        load_catalog([folder])


def test_a_fifo_named_like_a_catalog_file_is_not_waited_on(tmp_path):
    fifo = tmp_path / "uc.yaml"
    os.mkfifo(fifo)
    with pytest.raises(CatalogError, match="is not a file \\(it is a FIFO\\)"):
        load_file(fifo)


# --- through the command line --------------------------------------------------------------------

DL = "model-distribution-image-recognition"


def test_cli_minus_zero_gives_the_numbers_of_zero():
    from hardening_helpers import run

    zero = run("usecase", DL, "--set", "model_size=0MB", "--format", "json")
    minus = run("usecase", DL, "--set", "model_size=-0MB", "--format", "json")
    assert zero[0] == minus[0] == 0, minus[2]
    assert minus[1].replace("-0MB", "0MB").replace("-0 MB", "0 MB") == zero[1]


@pytest.mark.parametrize("argv", [
    ("usecase", DL, "--set", "model_size=" + "x" * 300 + ".onnx"),
    ("split", "y" * 300 + ".onnx"),
    ("--catalog", "/tmp/" + "d" * 300, "list"),
    ("model", "m" * 300 + ".json"),  # transformer configs and checkpoints (issue 12's files) too
    ("model", "m" * 300 + ".safetensors"),
])
def test_cli_names_too_long_are_one_line(argv):
    from hardening_helpers import assert_refused, run

    code, _, err = run(*argv)
    assert_refused(code, err, "the name is too long")
    assert len(err) < 300


def test_cli_sweep_output_cap_and_force(monkeypatch, tmp_path):
    from hardening_helpers import assert_refused, run

    from ammt_calc.engine import sweeps

    monkeypatch.setattr(sweeps, "MAX_OUTPUT_BYTES", 10_000)  # 1,000 rows of ~60 bytes pass it
    target = tmp_path / "out.csv"
    code, _, err = run("sweep", DL, "--vary", "latency=1s:2s:1000", "-o", target)
    assert_refused(code, err, "more than the limit of", "--force", "nothing was written",
                   "-o FILE.parquet (at most about 156,000 bytes")  # 1,000 rows x (19 numbers x 8 bytes + 4)
    assert not target.exists()
    code, _, err = run("sweep", DL, "--vary", "latency=1s:2s:1000", "-o", target, "--force")
    assert code == 0, err
    assert target.read_text().count("\n") == 1001
