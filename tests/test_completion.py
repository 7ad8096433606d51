"""Issue 19: shell completion of the words users type, through typer's completion protocol
(_AMMT_CALC_COMPLETE=complete_bash, COMP_WORDS, COMP_CWORD) in process."""

import shlex

import pytest

from ammt_calc import api
from ammt_calc.cli import main


@pytest.fixture
def complete(monkeypatch, capsys):
    def run(line: str) -> list[str]:
        """The completions bash would get for `line` (the word being typed is its last; a
        line ending in a space completes a new, empty word)."""
        words = shlex.split(line) + ([""] if line.endswith(" ") else [])
        monkeypatch.setenv("_AMMT_CALC_COMPLETE", "complete_bash")
        monkeypatch.setenv("COMP_WORDS", line)
        monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main(words[1:])
        assert done.value.code == 0
        out = capsys.readouterr()
        assert out.err == ""
        return out.out.split()

    return run


def test_use_case_ids(complete):
    assert complete("ammt-calc show split-") == ["split-control-robotics", "split-image-recognition"]
    for command in ("usecase", "check", "sweep", "solve", "sample", "report"):
        assert "model-distribution-image-recognition" in complete(f"ammt-calc {command} model-d"), command
    assert complete("ammt-calc link uma --usecase model-distribution-s") == ["model-distribution-speech-recognition"]
    assert complete("ammt-calc show zzz") == []


def test_parameter_names_of_the_use_case_named(complete):
    params = set(api.usecase("model-distribution-image-recognition").parameters)
    got = complete("ammt-calc sweep model-distribution-image-recognition --vary ")
    assert {g[:-1] for g in got if g.endswith("=")} >= params and all(g.endswith("=") for g in got)
    assert "model=" in got  # the zoo fills model_size from a model's name
    assert complete("ammt-calc usecase llm-adapter-delivery --set deli") == ["delivery="]
    assert complete("ammt-calc usecase llm-adapter-delivery --set delivery=") == ["delivery=multicast",
                                                                                 "delivery=unicast"]
    assert complete("ammt-calc usecase --set model=vgg") == ["model=vgg16"]
    assert complete("ammt-calc sample model-distribution-image-recognition --draw model_s") == ["model_size="]
    assert complete("ammt-calc solve model-distribution-image-recognition --for model_s") == ["model_size"]
    # no use case named: the parameters of every use case
    assert "time_to_first_token=" in complete("ammt-calc usecase --set time_to")
    # a use case's parameters only: model_size is not one of the llm adapter's
    assert "model_size=" not in complete("ammt-calc usecase llm-adapter-delivery --set ")


def test_formats_are_the_commands_own(complete):
    assert complete("ammt-calc show x --format ") == ["table", "json", "markdown", "yaml"]
    assert complete("ammt-calc sweep x --format p") == ["parquet"]
    assert complete("ammt-calc report --format ") == ["html", "json"]
    assert complete("ammt-calc sample x --format ") == ["table", "csv", "json", "markdown", "xlsx", "parquet"]


def test_models_profiles_topics_families_statuses(complete):
    assert complete("ammt-calc split vgg") == ["vgg16"]
    assert "llama-3.2-1b" in complete("ammt-calc model llama")
    assert complete("ammt-calc usecase --cell prof") == ["profile=dense-urban", "profile=indoor-hotspot",
                                                        "profile=rural"]
    assert complete("ammt-calc solve x --cell site=u") == ["site=uma", "site=umi"]
    assert complete("ammt-calc docs net") == ["network"]
    assert complete("ammt-calc list --family fed") == ["federated"]
    assert complete("ammt-calc check --status in") == ["in-range"]
    assert complete("ammt-calc link u") == ["uma", "umi"]


def test_a_catalog_given_before_the_command_is_completed(complete, tmp_path):
    from hardening_helpers import write_usecase

    write_usecase(tmp_path / "mine", id="my-own-download")
    assert complete(f"ammt-calc --catalog {tmp_path / 'mine'} show my-") == ["my-own-download"]
    assert complete(f"ammt-calc --catalog {tmp_path / 'missing'} show my-") == []  # never a traceback


def test_the_api_completes_and_refuses_an_unknown_kind():
    assert api.completions("model", "alex") == ["alexnet"]
    assert api.completions("parameter", "num_u", "llm-adapter-delivery") == ["num_ues="]
    assert api.completions("parameter", "x", "no-such-usecase") == []  # all use cases: none starts with x
    with pytest.raises(api.UserError, match="kinds: usecase, parameter"):
        api.completions("colour")
