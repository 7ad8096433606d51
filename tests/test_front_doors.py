"""One API under every front door: each command's `--format json` is its API result's
`to_dict()`; help tells the truth; -o picks the format; --catalog goes anywhere; the
typer start-up shortcut can be turned off without changing any output."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ok, refused

import ammt_calc as ac

SPLIT = "split-image-recognition"
DL = "model-distribution-image-recognition"

CASES = [
    (["list", "--family", "SPLIT"], lambda: ac.api.list_usecases("SPLIT")),
    (["show", SPLIT], lambda: ac.api.show(SPLIT)),
    (["show", SPLIT, "--qos"], lambda: ac.api.show(SPLIT, qos=True)),
    (["usecase", SPLIT, "--set", "model=vgg16", "--set", "split=pool5"],
     lambda: ac.evaluate(SPLIT, model="vgg16", split="pool5")),
    (["usecase", DL, SPLIT, "--set", "latency=500ms", "--qos", "--cell",
      "bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM"],
     lambda: ac.evaluate([DL, SPLIT], latency="500ms", qos=True, cell="bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM")),
    (["check"], lambda: ac.api.check()),
    (["solve", DL, "--for", "model_size", "--target", "dl_data_rate=500Mbit/s", "--set", "latency=1s"],
     lambda: ac.solve(DL, "model_size", "dl_data_rate=500Mbit/s", latency="1s")),
    (["split", "vgg16", "--ul-rate", "50Mbit/s"], lambda: ac.api.split("vgg16", ul_rate="50Mbit/s")),
    (["radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "4", "--modulation", "256QAM"],
     lambda: ac.api.radio(bandwidth="100MHz", scs="30kHz", layers="4", modulation="256QAM")),
    (["sweep", DL, "--vary", "latency=1s:2s:3", "--set", "model=vgg16"],
     lambda: ac.sweep(DL, {"latency": "1s:2s:3"}, {"model": "vgg16"})),
]


@pytest.mark.parametrize("argv, api", CASES, ids=[" ".join(a[:2]) for a, _ in CASES])
def test_cli_json_is_the_api_document(cli, argv, api):
    assert json.loads(ok(cli(*argv, "--format", "json"))) == json.loads(json.dumps(api().to_dict()))


def test_zoo_origin_is_the_same_in_usecase_and_sweep(cli):
    usecase = json.loads(ok(cli("usecase", DL, "--set", "model=vgg16", "--format", "json")))
    sweep = json.loads(ok(cli("sweep", DL, "--vary", "latency=1s,2s", "--set", "model=vgg16", "--format", "json")))
    origin = {p["name"]: p["origin"] for p in usecase["parameters"]}["num_params"]
    assert origin == "zoo: vgg16"
    assert {p["name"]: p["origin"] for p in sweep["fixed"]}["num_params"] == origin


@pytest.mark.parametrize("command, offered", [
    ("list", "table|csv|json|markdown"), ("show", "table|json|markdown"), ("usecase", "table|csv|json|markdown"),
    ("check", "table|csv|json|markdown"), ("solve", "table|json|markdown"), ("split", "table|csv|json|markdown"),
    ("radio", "table|csv|json|markdown"), ("sweep", "csv|json")])
def test_help_offers_exactly_the_formats_accepted(cli, command, offered):
    text = ok(cli(command, "-h"))
    assert f"--format {offered}" in " ".join(text.split()), text
    assert "<list[str]>" not in text and "[[" not in text
    accepted = {"table", "csv", "json", "markdown"} - set(offered.split("|"))
    for fmt in accepted:  # what help does not offer is refused, naming what is
        args = {"show": ["show", SPLIT], "solve": ["solve", DL, "--for", "model_size", "--target", "dl_data_rate=1Gbit/s"],
                "sweep": ["sweep", DL, "--vary", "latency=1s,2s"]}.get(command, [command])
        refused(cli(*args, "--format", fmt), f"--format {fmt} is not available here; use one of {offered.replace('|', ', ')}")


def test_version_short_and_long(cli):
    assert ok(cli("-V")) == ok(cli("--version")) == f"ammt-calc {ac.__version__}\n"


@pytest.mark.parametrize("name, first", [("out.csv", "usecase,kpi,"), ("out.json", "{"), ("out.md", "### ")])
def test_output_format_follows_the_extension(cli, tmp_path, name, first):
    ok(cli("usecase", SPLIT, "-o", name))
    assert (tmp_path / name).read_text().startswith(first)


def test_output_extension_unknown_is_refused_and_format_wins(cli, tmp_path):
    refused(cli("usecase", SPLIT, "-o", "out.pdf"), "cannot tell the format from the extension '.pdf'", ".csv")
    assert not (tmp_path / "out.pdf").exists()
    ok(cli("usecase", SPLIT, "-o", "out.pdf", "--format", "csv"))
    assert (tmp_path / "out.pdf").read_text().startswith("usecase,kpi,")


def test_catalog_before_or_after_the_command(cli, tmp_path):
    from hardening_helpers import write_usecase

    write_usecase(tmp_path / "mine")
    before = ok(cli("--catalog", "mine", "usecase", "my-model-download", "--format", "json"))
    after = ok(cli("usecase", "my-model-download", "--catalog", "mine", "--format", "json"))
    assert before == after and json.loads(after)["rows"][0]["value"] == 1200.0  # 300 MByte / 2 s


@pytest.mark.parametrize("argv, fragments", [
    (["--set", "payload=270000"], ["payload=270000 has no unit", "write 270000 Byte or 0.27 MByte"]),
    (["--set", "ul_reliability_target=0.9999"], ["has no unit", "write 99.99 %"]),
    (["--set", "latency", "5ms"], ["--set expects NAME=VALUE, one --set per parameter", "got 'latency'"]),
    (["--set", "latency=5ms,frame_rate=30fps"], ["one --set per parameter: write --set latency=5ms --set frame_rate=30fps"]),
])
def test_units_are_written_not_guessed(cli, argv, fragments):
    refused(cli("usecase", SPLIT, *argv), *fragments)


def test_counts_take_bare_numbers(cli):
    doc = json.loads(ok(cli("usecase", DL, "--set", "num_params=1000000", "--format", "json")))
    assert {p["name"]: p["value"] for p in doc["parameters"]}["model_size"] == 1.0  # 1e6 parameters x 8 bit = 1 MByte


def test_precision_presets_for_bits(cli):
    plain = json.loads(ok(cli("usecase", DL, "--set", "bits_per_param=4bit", "--format", "json")))
    preset = json.loads(ok(cli("usecase", DL, "--set", "bits_per_param=int4", "--format", "json")))
    assert plain["rows"] == preset["rows"]


SHORTCUT_CASES = [["list"], ["usecase", SPLIT, "--format", "csv"], ["check", "--format", "json"],
                  ["sweep", DL, "--vary", "latency=1s,2s"], ["split", "alexnet"],
                  ["solve", DL, "--for", "latency", "--target", "dl_data_rate=1Gbit/s"],
                  ["radio", "--bandwidth", "20MHz", "--scs", "15kHz", "--layers", "2", "--modulation", "64QAM"],
                  ["show", SPLIT], ["model", "llama-3.2-1b", "--format", "json"]]
RUN_ALL = """
import contextlib, io, json, sys
from hardening_helpers import run
print(json.dumps([run(*argv)[:2] for argv in json.loads(sys.argv[1])]))
"""


def test_every_command_runs_without_the_typer_shortcut(cli):
    """One interpreter without the shortcut (it is installed at import) runs every command;
    each prints exactly what it prints with the shortcut."""
    tests = str(Path(__file__).resolve().parent)
    env = {**os.environ, "AMMT_CALC_NO_FASTPARAMS": "1", "NO_COLOR": "1", "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")]))}
    env.pop("FORCE_COLOR", None)
    slow = subprocess.run([sys.executable, "-c", RUN_ALL, json.dumps(SHORTCUT_CASES)], capture_output=True,
                          text=True, env=env, check=True)
    for argv, (code, out) in zip(SHORTCUT_CASES, json.loads(slow.stdout)):
        fast = cli(*argv)
        assert (code, out) == (fast.returncode, fast.stdout) and code == 0, argv
