"""Catalog files are data, not code: hostile YAML and hostile formulas are refused at load.

Users share use-case files; a file may be a mistake or an attack. Every case below must end
in a CatalogError (CLI: one `error:` line, exit 2), never in a traceback, a hang, a memory
blow-up or code that runs. The bombs run in a subprocess with an address-space limit and a
timeout, so a regression fails the test instead of taking the machine down (the timeout is
a guard against a hang, not a timing assertion).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from hardening_helpers import assert_refused, examples, run, usecase_text, write_usecase
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ammt_calc.errors import UserError
from ammt_calc.usecases import loading as catalog
from ammt_calc.usecases.domain import CatalogError
from ammt_calc.usecases.loading import load_file

MEMORY_LIMIT = 1 << 30  # 1 GiB of address space: plenty for the CLI, far too little for an expanded bomb


def run_limited(*argv, cwd) -> subprocess.CompletedProcess:
    """`python -m ammt_calc ARGV` with an address-space limit; a guard timeout, not a timing test."""
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run([sys.executable, "-m", "ammt_calc", *map(str, argv)], capture_output=True, text=True,
                          cwd=cwd, preexec_fn=limit, timeout=120)


def refused_load(path, *fragments) -> str:
    with pytest.raises(CatalogError) as info:
        load_file(path, check_units=True)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- formulas ---------------------------------------------------------------------------------

HOSTILE_FORMULAS = [
    ("__import__('os').system('true')", "calling anything but a function name"),
    ("__import__('os')", "calling '__import__' is not allowed"),
    ("open(model_size)", "calling 'open' is not allowed"),
    ("eval('1')", "calling 'eval' is not allowed"),
    ("model_size.__class__", "attribute access"),
    ("model_size.real / latency", "attribute access"),
    ("__builtins__", "names starting with '_' are not allowed"),
    ("_x / latency", "names starting with '_' are not allowed"),
    ("[x for x in model_size]", "comprehension"),
    ("sum(x for x in (model_size,))", "calling 'sum' is not allowed"),
    ("{x: 1 for x in model_size}", "comprehension"),
    ("(lambda: model_size)()", "not allowed"),
    ("lambda: model_size", "lambda is not allowed"),
    ("model_size ** 9 ** 9 ** 9 / latency", "constant exponent"),
    ("(model_size / latency) ** (2 ** 7)", "constant exponent"),
    ("model_size / latency * 2 ** 9999", "constant exponent"),
    ("model_size / latency * 1e400", "numbers larger than"),
    ("model_size / latency * " + "9" * 900, "numbers larger than"),
    ("model_size / latency * 1" + "0" * 5000, "longer than 1000 characters"),
    ("model_size[0] / latency", "subscript"),
    ("(y := model_size) / latency", "assignment expression"),
    ("f'{model_size}'", "f-string"),
    ("'a' * 9", "text literal"),
    ("model_size / latency if latency else 0", "conditional expression"),
    ("model_size / latency # comment", "comments (#) are not allowed"),
    ("model_size / latency; import os", "not a valid expression"),
    ("model_size << 1", "operator '<<' is not allowed"),
    ("-" * 500 + "model_size / latency", "too long"),
    ("(" * 300 + "model_size" + ")" * 300 + " / latency", "not a valid expression"),
    ("max(model_size / latency, key=1)", "keyword arguments"),
    ("model_size * latency", "[information] * [time]"),  # the wrong dimension, named with both dimensions
]


@pytest.mark.parametrize("formula, fragment", HOSTILE_FORMULAS)
def test_hostile_formula_is_refused_naming_the_formula(tmp_path, formula, fragment):
    path = write_usecase(tmp_path, formula=_yaml_quoted(formula))
    message = refused_load(path, "kpis.dl_data_rate", fragment)
    assert "uc.yaml" in message


def test_formula_bombs_are_refused_quickly_in_a_limited_process(tmp_path):
    # Each bomb in a folder of its own; the CLI must refuse every one without exhausting
    # the 1 GiB address space (9 ** 9 ** 9 computed exactly would need ~150 MB of digits
    # and minutes; a nested power on units could build huge exponents).
    bombs = ["model_size ** 9 ** 9 ** 9 / latency", "model_size / latency * 9 ** 9 ** 9",
             "((model_size / latency) ** 64) ** 64 ** 64", "model_size / latency * 10 ** 10 ** 10",
             "model_size / latency * 1e30 ** 64 ** 64"]
    for i, bomb in enumerate(bombs):
        write_usecase(tmp_path / f"b{i}", formula=_yaml_quoted(bomb))
        result = run_limited("--catalog", tmp_path / f"b{i}", "list", cwd=tmp_path)
        assert result.returncode == 2, (bomb, result.stderr[-2000:])
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr


def test_nested_powers_of_a_unit_are_refused_by_dimension_not_by_overflow(tmp_path):
    # Every exponent is within bounds, but the unit becomes (information/time)^(64*64):
    # refused as the wrong dimension, not with an OverflowError from converting to base units.
    path = write_usecase(tmp_path, formula=_yaml_quoted("((model_size / latency) ** 64) ** 64"))
    refused_load(path, "kpis.dl_data_rate", "but its unit 'Mbit/s'")


# --- YAML: bombs, tags, sizes -----------------------------------------------------------------


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def merge_key_bomb(levels: int = 9, width: int = 9) -> str:
    # Merge keys (<<) flatten by copying: without a bound on expansion, 9 levels of 9 merges
    # build 9^9 key/value pairs in the constructor.
    lines = ["m0: &m0 {k: 1}"]
    lines += [f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * width)}]}}" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("bomb", [billion_laughs, merge_key_bomb])
@pytest.mark.parametrize("where", ["before", "inside"])
def test_alias_bombs_are_refused_within_a_memory_limit(tmp_path, bomb, where):
    folder = tmp_path / "cat"
    if where == "before":
        text = bomb() + usecase_text()
    else:  # the bomb hidden in a description, where the loader reads a value
        text = bomb() + usecase_text(label="*a9" if bomb is billion_laughs else "*m9")
    write_usecase(folder, text=text)
    result = run_limited("--catalog", folder, "list", cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "alias bomb" in result.stderr


def test_alias_bomb_in_process_is_refused_by_counting(tmp_path):
    path = write_usecase(tmp_path, text=billion_laughs() + usecase_text())
    refused_load(path, "expands to more than", "alias bomb")


def test_a_few_aliases_are_fine(tmp_path):
    text = usecase_text().replace("title: My model download", "title: &t My model download") + "notes: [*t, *t]\n"
    uc = load_file(write_usecase(tmp_path, text=text), check_units=True)
    assert uc.notes == ("My model download", "My model download")


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = write_usecase(tmp_path, text=usecase_text() + "# " + "x" * catalog.MAX_FILE_BYTES + "\n")
    refused_load(path, "bytes; a use case may have at most")


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.call [['touch', '{marker}']]",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/tuple [1, 2]",
])
def test_python_tags_are_refused_and_nothing_runs(tmp_path, tag):
    marker = tmp_path / "PWNED"
    text = usecase_text(title=tag.format(marker=marker))
    path = write_usecase(tmp_path / "cat", text=text)
    refused_load(path, "invalid YAML")
    code, _, err = run("--catalog", path.parent, "list")
    assert_refused(code, err, "invalid YAML", "uc.yaml")
    assert not marker.exists()


@pytest.mark.parametrize("nesting", ["[" * 20000 + "]" * 20000, "{a: " * 20000 + "1" + "}" * 20000])
def test_deep_nesting_is_refused_with_libyaml_and_pure_python(tmp_path, monkeypatch, nesting):
    import yaml

    path = write_usecase(tmp_path, text=f"deep: {nesting}\n" + usecase_text())
    refused_load(path, "invalid YAML")
    monkeypatch.setattr(catalog, "_loader", lambda: yaml.SafeLoader)  # no libyaml: a recursive composer
    refused_load(path, "invalid YAML")


# --- YAML that is valid but is not a use case -------------------------------------------------


@pytest.mark.parametrize("text, fragment", [
    ("", "must be a mapping"),
    ("# only a comment\n", "must be a mapping"),
    ("- a\n- b\n", "must be a mapping"),
    ("just text\n", "must be a mapping"),
    ("~\n", "must be a mapping"),
    (usecase_text() + "---\nid: other\n", "invalid YAML"),
    ("\tid: x\n", "invalid YAML"),
    ("id: [unclosed\n", "invalid YAML"),
    ("title: 'x\0y'\n", "invalid YAML"),
    ("? [a, b]\n: 1\n" + usecase_text(), "invalid YAML"),
])
def test_documents_that_are_not_a_use_case(tmp_path, text, fragment):
    refused_load(write_usecase(tmp_path, text=text), fragment)


def test_invalid_yaml_message_has_no_empty_location(tmp_path):
    message = refused_load(write_usecase(tmp_path, text="title: 'x\0y'\n"), "invalid YAML")
    assert "::" not in message


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "uc.yaml"
    path.write_bytes(usecase_text(title="Modèle").encode("latin-1"))
    refused_load(path, "cannot read")


@pytest.mark.parametrize("fields, fragment", [
    ({"model_size": "1" + "0" * 5000}, "invalid YAML value"),  # Python refuses int() of >4300 digits
    ({"model_size": "0x" + "f" * 5000}, "model_size.default"),  # parses (hex) but cannot be printed
    ({"title": "0x1" + "0" * 5000}, "'title': a number with too many digits"),
    ({"published": "0b1" + "0" * 15000}, "published.dl_data_rate.value: a number with too many digits"),
    ({"model_size": "2020-13-45"}, "invalid YAML value: month must be in 1..12"),
    ({"model_size": "1e400"}, "model_size"),  # YAML float: inf
    ({"model_size": ".nan"}, "model_size"),
    ({"model_size": "-.inf"}, "model_size"),
    ({"model_size": "1e308 GB"}, "too large"),
    ({"model_size": "2020-01-01"}, "expected a quantity"),
    ({"model_size": "true"}, "expected a quantity"),
    ({"model_size": "[1, 2]"}, "expected a quantity"),
    ({"title": "!!binary aGVsbG8="}, "'title' must be text"),
    ({"title": "!!set {a, b}"}, "'title' must be text"),
    ({"title": "[a, b]"}, "'title' must be text"),
    ({"unit": "furlong/fortnight"}, "unknown unit"),
    ({"unit": "Mb/s"}, "ambiguous unit"),
    ({"unit": "MB"}, "but its unit 'MByte' is [information]"),
    ({"published": "1.2 GB"}, "published.dl_data_rate"),
    ({"id": "Not_An_Id"}, "must be lowercase"),
])
def test_bad_values_are_refused_naming_the_key(tmp_path, fields, fragment):
    refused_load(write_usecase(tmp_path, **fields), fragment)


@pytest.mark.parametrize("extra, fragment", [
    ("title: Another title\n", "duplicate key 'title'"),
    ("kpis:\n  dl_data_rate: {formula: model_size, unit: MByte}\n", "duplicate key 'kpis'"),
])
def test_duplicate_keys_are_refused(tmp_path, extra, fragment):
    # PyYAML silently keeps the last of two equal keys; a user who pasted a block twice
    # would get numbers from the wrong one without noticing.
    refused_load(write_usecase(tmp_path, text=usecase_text() + extra), fragment)


def test_duplicate_nested_key_is_refused_with_its_line(tmp_path):
    text = usecase_text().replace("  latency: {default: 2 s, description: download deadline}\n",
                                  "  latency: {default: 2 s}\n  latency: {default: 5 s}\n")
    message = refused_load(write_usecase(tmp_path, text=text), "duplicate key 'latency'", "line 7")
    assert "uc.yaml" in message


def test_merge_key_overrides_are_not_duplicates(tmp_path):
    text = usecase_text().replace(
        "  latency: {default: 2 s, description: download deadline}\n",
        "  latency: &deadline {default: 2 s, description: download deadline}\n"
        "  other_latency: {<<: *deadline, default: 3 s}\n")
    uc = load_file(write_usecase(tmp_path, text=text), check_units=True)
    assert uc.parameters["other_latency"].default == "3 s"
    assert uc.parameters["other_latency"].description == "download deadline"


@pytest.mark.parametrize("value", ["'no'", "'false'", "0", "1", "yes please", "[true]"])
def test_allow_negative_must_be_true_or_false(tmp_path, value):
    # bool('no') is True: a quoted 'no' must not silently allow negative budgets.
    text = usecase_text().replace("direction: DL,", f"direction: DL, allow_negative: {value},")
    refused_load(write_usecase(tmp_path, text=text), "allow_negative")


def test_allow_negative_true_is_accepted(tmp_path):
    text = usecase_text().replace("direction: DL,", "direction: DL, allow_negative: true,")
    assert load_file(write_usecase(tmp_path, text=text)).kpis["dl_data_rate"].allow_negative is True


@pytest.mark.parametrize("spec, fragment", [
    ("{default: -300 MByte}", "below its minimum"),
    ("{default: 300 MByte, min: 1 GB}", "below its minimum"),
    ("{default: 300 MByte, max: 100 MB}", "above its maximum"),
])
def test_a_default_outside_its_own_range_is_refused(tmp_path, spec, fragment):
    # Otherwise the use case loads and its defaults give an "infeasible" row that blames the budget.
    text = usecase_text().replace("{default: 300 MByte, description: size of the model}", spec)
    refused_load(write_usecase(tmp_path, text=text), "parameters.model_size", fragment)


def test_unknown_keys_and_wrong_shapes(tmp_path):
    refused_load(write_usecase(tmp_path, text=usecase_text() + "formula: x\n"), "unknown key 'formula'")
    refused_load(write_usecase(tmp_path, text=usecase_text().split("kpis:")[0] + "kpis: 3\n"),
                 "'kpis' must be a non-empty mapping")


def test_two_files_with_one_id_are_refused(tmp_path):
    write_usecase(tmp_path, "a.yaml")
    write_usecase(tmp_path, "b.yaml")
    code, _, err = run("--catalog", tmp_path, "list")
    assert_refused(code, err, "is already defined")


def test_a_user_file_cannot_replace_a_builtin_use_case(tmp_path):
    write_usecase(tmp_path, id="split-image-recognition")
    code, _, err = run("--catalog", tmp_path, "usecase", "split-image-recognition")
    assert_refused(code, err, "split-image-recognition", "already defined")


# --- generated documents ----------------------------------------------------------------------

PLAUSIBLE = st.sampled_from([
    "300 MByte", "2 s", "0 s", "-1 s", "1e-300 s", "1e300 s", "1e308 GB", "1e999 s", "nan", "5", "0", "1e-6",
    "150 %", "Mbit/s", "MByte", "s", "", "%", "bit/s/Hz", "Mb", "DL", "UL", "UL+DL", "dl", "TBD", "=cmd", "-x",
    "model_size / latency", "model_size / (latency - 2 s)", "latency - deadline", "model_size * latency",
    "ceil(model_size / packet)", "log(0)", "exp(1000)", "sqrt(model_size / latency * rate)", "where(latency > 0, 1, 0)",
    "latency > model_size", "latency > deadline", "model_size > 0", "x ** 99", "__import__", "num * bits",
    "1e-300 bit/s", "1E3 Mbit/s", "0 Mbit/s", "5 Gbit/s", True, False, None, 0, -1, 1e308, 2**70])
yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                         st.text(max_size=30), PLAUSIBLE)
yaml_values = PLAUSIBLE | PLAUSIBLE | st.recursive(yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=20)
KEYS = ["id", "title", "family", "description", "sources", "parameters", "kpis", "published", "notes",
        "default", "formula", "unit", "direction", "label", "min", "max", "derive", "infeasible_if",
        "allow_negative", "condition", "reason", "value", "text", "note", "source", "x"]
RICH_USECASE = {  # every optional key once, so that mutations reach them
    "id": "my-model-download", "title": "My model download", "family": "distribution", "description": "d",
    "sources": ["TR 22.874"], "notes": ["n"],
    "parameters": {
        "model_size": {"default": "300 MByte", "min": "0 MByte", "max": "1e6 MByte",
                       "derive": "num * bits", "description": "size"},
        "num": {"default": "1e6"}, "bits": {"default": "8 bit", "min": "1 bit"},
        "latency": {"default": "2 s"}, "deadline": {"default": "1 s"}, "packet": {"default": "1500 byte"},
        "rate": {"default": "100 Mbit/s"},
    },
    "kpis": {
        "dl_data_rate": {"formula": "model_size / latency", "unit": "Mbit/s", "direction": "DL", "label": "rate",
                         "infeasible_if": [{"condition": "latency > deadline", "reason": "late"}]},
        "margin": {"formula": "latency - deadline", "unit": "s", "allow_negative": True},
        "packets": {"formula": "ceil(model_size / packet)", "unit": ""},
    },
    "published": {"dl_data_rate": {"value": "1.2 Gbit/s", "note": "n", "source": "s"},
                  "margin": {"min": "0 s", "max": "10 s"}, "packets": {"text": "TBD"}},
}


def _slots(data: dict):
    """(mapping, key) for every key of every mapping in `data`, depth first."""
    for key, value in data.items():
        yield data, key
        if isinstance(value, dict):
            yield from _slots(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from _slots(item)


NUMBER_TEXT = st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(repr),
                        st.sampled_from(["0", "1", "-1", "1e-300", "1e300", "2.5", "1e6", "1E3"]))
UNIT_TEXT = st.sampled_from(["", "s", "ms", "MByte", "Mbit/s", "Gbit/s", "bit", "byte", "%", "1/s", "km^2", "op"])
QUANTITY = st.tuples(NUMBER_TEXT, UNIT_TEXT).map(" ".join).map(str.strip)
FORMULA = st.lists(st.sampled_from(["model_size", "latency", "deadline", "num", "bits", "packet", "rate", "1", "2",
                                    "0", "1e30", "+", "-", "*", "/", "**", "(", ")", "min(", "max(", ",", "ceil(",
                                    "log(", "exp(", "sqrt(", ">", "<=", " and ", "where("]),
                   min_size=1, max_size=9).map(" ".join)
TYPED = {"default": QUANTITY, "min": QUANTITY, "max": QUANTITY, "value": QUANTITY, "unit": UNIT_TEXT,
         "formula": FORMULA, "derive": FORMULA, "condition": FORMULA}


@st.composite
def mutated_usecases(draw):
    """A valid use case with one to three values replaced (or keys added), as a Python structure.
    Values of quantity, unit and formula keys are mostly of their own kind, so a good share loads."""
    import copy

    data = copy.deepcopy(RICH_USECASE)
    for _ in range(draw(st.integers(1, 3))):
        mapping, key = draw(st.sampled_from(list(_slots(data))))
        if draw(st.integers(0, 4)) == 0:
            key = draw(st.sampled_from(KEYS))  # a new or different key in that mapping
        typed = TYPED.get(key)
        mapping[key] = draw(typed if typed is not None and draw(st.integers(0, 3)) else yaml_values)
    return data


def test_the_rich_use_case_loads_as_it_is(tmp_path):
    import yaml

    path = tmp_path / "uc.yaml"
    path.write_text(yaml.safe_dump(RICH_USECASE), encoding="utf-8")
    uc = load_file(path, check_units=True)
    assert set(uc.kpis) == {"dl_data_rate", "margin", "packets"}


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_usecases())
def test_generated_documents_load_or_are_refused_cleanly(tmp_path_factory, data):
    import yaml
    from helpers import evaluate_many

    from ammt_calc.engine.published import check_catalog
    from ammt_calc.present.documents import usecase_rows
    from ammt_calc.present.formats import to_json
    from ammt_calc.usecases.domain import Catalog

    path = tmp_path_factory.mktemp("gen") / "uc.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    uc = _load_or_refuse(path)
    if uc is not None:  # what loads must compute, check and export
        to_json({"rows": usecase_rows(evaluate_many([uc], {}))})
        check_catalog(Catalog([uc]))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300))
def test_generated_text_loads_or_is_refused_cleanly(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("gen") / "uc.yaml"
    path.write_text(text, encoding="utf-8")
    _load_or_refuse(path)


formula_atoms = st.sampled_from(["model_size", "latency", "1", "0", "2.5", "1e30", "1e-30", "(", ")", "+", "-",
                                 "*", "/", "**", "//", "%", "<", ">=", "==", " and ", " or ", "not ", ",",
                                 "min(", "max(", "log(", "sqrt(", "where(", "exp(", "ceil(", "abs(", "9", "64",
                                 ".", "_", "x", "[", "]", "lambda ", ":", "'", "__class__", "open(", "@", "~"])


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=st.one_of(st.lists(formula_atoms, min_size=1, max_size=25).map("".join), st.text(max_size=60)))
def test_generated_formulas_in_a_valid_file(tmp_path_factory, formula):
    """Random formula text in an otherwise valid file: it loads (and computes something the
    solver judges), or it is refused with a one-line CatalogError."""
    from ammt_calc.engine.evaluation import evaluate

    path = tmp_path_factory.mktemp("gen") / "uc.yaml"
    path.write_text(usecase_text(formula=_yaml_quoted(formula)), encoding="utf-8")
    uc = _load_or_refuse(path)
    if uc is not None:  # it loaded: the result is a number of the declared dimension, or infeasible
        result = evaluate(uc).kpis["dl_data_rate"]
        value = float(result.value)
        assert bool(result.feasible) == (value == value)
        if result.feasible:
            assert value >= 0 and value != float("inf")


def _load_or_refuse(path):
    try:
        uc = load_file(path, check_units=True)
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc), repr(exc)
        event("refused")
        return None
    event("loaded")
    return uc


def _yaml_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    import json

    return json.dumps(text)


def test_yaml_quoting_helper_round_trips():
    import yaml

    for text in ["a: b", "x ** 9", "'q'", 'say "hi"', "\\n", "#"]:
        assert yaml.safe_load(textwrap.dedent(f"k: {_yaml_quoted(text)}"))["k"] == text


@pytest.mark.parametrize("published, fragment", [
    ("{min: 5 Gbit/s, max: 1 Gbit/s}", "min '5 Gbit/s' is above max '1 Gbit/s'"),
    ("{min: 5 Gbit/s, max: 1 s}", "'1 s' is [time]"),
    ("{value: 1 Gbit/s, text: TBD}", "exactly one of"),
    ("1e-320 bit/s", "too small"),
])
def test_bad_published_values_are_refused(tmp_path, published, fragment):
    refused_load(write_usecase(tmp_path, published=published), "published.dl_data_rate", fragment)


@pytest.mark.parametrize("published, status, computed", [
    ("1e-300 bit/s", "differs", 1200.0),  # a precision step of 1e-300 overflowed round() in the comparison
    ("1E3 Mbit/s", "differs", 1200.0),  # at least two significant figures: 1200 is no rounding of 1.0E3
    ("1.2E3 Mbit/s", "exact", 1200.0),
    ("{min: 500 Mbit/s, max: 1 Gbit/s}", "differs", 1200.0),
    ("{min: 1 Gbit/s}", "in-range", 1200.0),  # in Mbit/s, the one unit of rates in JSON
])
def test_check_of_extreme_published_values(tmp_path, published, status, computed):
    write_usecase(tmp_path, published=published)
    code, out, err = run("--catalog", tmp_path, "check", "--format", "json")
    assert code == 0, err
    row = next(r for r in json.loads(out)["rows"] if r["usecase"] == "my-model-download")
    assert row["status"] == status and row["computed_value"] == pytest.approx(computed)


@pytest.mark.parametrize("text", ['"\\e[2J\\e]0;pwned\\a"', '"x\\ry"', '"\\x00"', '"\\x9b31m"'])
@pytest.mark.parametrize("key", ["title", "label", "published"])
def test_control_characters_in_text_are_refused(tmp_path, key, text):
    # "\e[2J" clears the terminal, "\e]0;...\a" sets its title, a lone CR ends a CSV row
    value = "{text: " + text + "}" if key == "published" else text
    refused_load(write_usecase(tmp_path, **{key: value}), "control character")


def test_tabs_and_newlines_in_text_are_fine(tmp_path):
    uc = load_file(write_usecase(tmp_path, title='"My\\tmodel\\ndownload"'), check_units=True)
    assert uc.title == "My\tmodel\ndownload"
