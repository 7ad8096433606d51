"""Issue 19, "help that holds": each command's help names exactly the formats it accepts;
`show --format yaml` gives a use case's file as shipped; `docs` prints the manual pages."""

import re
from pathlib import Path

import pytest

from ammt_calc.cli.app import app
from ammt_calc.present.views import EXTENSIONS

ROOT = Path(__file__).resolve().parents[1]
EVERY_FORMAT = sorted(set(EXTENSIONS.values()))  # every format any command writes

# Each command with arguments that make it run quickly.
COMMANDS = {
    "list": [],
    "show": ["split-image-recognition"],
    "usecase": ["split-image-recognition"],
    "check": ["model-distribution-image-recognition"],
    "solve": ["model-distribution-image-recognition", "--for", "model_size", "--target", "dl_data_rate=500Mbit/s",
              "--set", "latency=1s"],
    "sweep": ["model-distribution-image-recognition", "--vary", "model_size=10MB:20MB:3"],
    "sample": ["model-distribution-image-recognition", "--draw", "model_size=uniform:50MB:500MB", "--draws", "50"],
    "split": ["alexnet"],
    "model": ["alexnet"],
    "radio": ["--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "4", "--modulation", "256QAM"],
    "link": ["uma", "--fc", "3.5GHz", "--bandwidth", "100MHz", "--distance", "100m"],
    "report": ["split-image-recognition"],
    "docs": [],
}


def test_every_command_is_looked_at():
    assert {c.name for c in app.registered_commands} == set(COMMANDS)


def named_formats(help_text: str) -> set[str]:
    """The formats the help names: --format's choices and the formats of -o's extensions."""
    flat = " ".join(help_text.split())
    named = set()
    choice = re.search(r"--format ([a-z|]+)", flat)
    if choice:
        named |= set(choice.group(1).split("|"))
    output = re.search(r"-o, --output FILE (.*?)(?= -[-a-zA-Z]|$)", flat)
    if output:
        named |= {EXTENSIONS[e] for e in re.findall(r"\.[a-z]+\b", output.group(1)) if e in EXTENSIONS}
    return named


def out_file(fmt: str) -> str:
    return "out" + next(e for e, f in EXTENSIONS.items() if f == fmt)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_names_exactly_the_formats_accepted(cli, tmp_path, command):
    shown = cli(command, "--help")
    assert shown.returncode == 0, shown.stderr
    named = named_formats(shown.stdout)
    for fmt in EVERY_FORMAT:
        target = out_file(fmt)
        ran = cli(command, *COMMANDS[command], "--format", fmt, "-o", target)
        if fmt in named:  # promised: written
            assert ran.returncode == 0, (command, fmt, ran.stderr)
            assert (tmp_path / target).exists(), (command, fmt)
        else:  # not promised: refused in one line
            assert ran.returncode == 2, (command, fmt, ran.stdout[:200])
            assert ran.stderr.startswith("error: ") and ran.stderr.count("\n") == 1, (command, fmt, ran.stderr)
            assert not (tmp_path / target).exists()


def test_the_formats_named_are_the_commands_own():
    """A sanity check of the parser above on known help texts."""
    assert named_formats("--format table|json|markdown  x\n -o, --output FILE  to FILE (.txt, .json, .md).\n"
                         " -h, --help") == {"table", "json", "markdown"}
    assert named_formats("-o, --output FILE  (.csv) -h") == {"csv"}


def test_list_help_promises_only_what_the_table_shows(cli):
    helped = " ".join(cli("list", "--help").stdout.split())
    table_columns = cli("list", "--width", "200").stdout.splitlines()[0].split()
    assert table_columns == ["id", "family", "title"]
    assert "id, family and title" in helped and "(CSV and JSON add its sources)" in helped
    assert cli("list", "--format", "csv").stdout.splitlines()[0] == "id,title,family,sources"


def test_no_help_points_at_a_file_a_pip_user_lacks(cli):
    for command in COMMANDS:
        assert "docs/" not in cli(command, "--help").stdout, command
    assert "docs/" not in cli("--help").stdout


# --- show --format yaml: start your own use case from a built-in one ---------------------


def test_show_yaml_is_the_file_as_shipped(cli, tmp_path):
    shipped = (ROOT / "catalog" / "llm" / "llm-split-inference.yaml").read_bytes()
    printed = cli("show", "llm-split-inference", "--format", "yaml")
    assert printed.returncode == 0 and printed.stdout.encode() == shipped
    assert cli("show", "llm-split-inference", "-o", "mine.yml").returncode == 0
    assert (tmp_path / "mine.yml").read_bytes() == shipped


def test_a_copied_yaml_with_a_new_id_loads_as_a_use_case_of_ones_own(cli, tmp_path):
    shipped = cli("show", "model-distribution-image-recognition", "--format", "yaml").stdout
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "mine.yaml").write_text(
        shipped.replace("id: model-distribution-image-recognition", "id: my-download", 1))
    ran = cli("--catalog", "mine", "usecase", "my-download", "--format", "json")
    theirs = cli("usecase", "model-distribution-image-recognition", "--format", "json")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.replace("my-download", "X") == theirs.stdout.replace("model-distribution-image-recognition", "X")


def test_show_yaml_refuses_qos_and_an_unknown_id(cli):
    assert cli("show", "split-image-recognition", "--format", "yaml", "--qos").returncode == 2
    unknown = cli("show", "split-image-recognitio", "--format", "yaml")
    assert unknown.returncode == 2 and "did you mean 'split-image-recognition'" in unknown.stderr


# --- docs: the manual ----------------------------------------------------------------------


def test_docs_lists_every_page_and_prints_one(cli):
    listed = cli("docs", "--width", "120").stdout
    pages = sorted(p.stem for p in (ROOT / "docs").glob("*.md"))
    assert [line.split()[0] for line in listed.splitlines()[2:2 + len(pages)]] == pages
    assert cli("docs", "network").stdout == (ROOT / "docs" / "network.md").read_text()
    assert cli("docs", "docs/units.md").stdout == (ROOT / "docs" / "units.md").read_text()


def test_docs_suggests_a_topic(cli):
    wrong = cli("docs", "netwrk")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
    assert "no manual page 'netwrk'; did you mean 'network'?" in wrong.stderr


def test_the_wheel_ships_the_docs_where_the_lookup_finds_them(tmp_path, monkeypatch):
    """pyproject puts docs/ in the wheel as ammt_calc/docs; manual.docs_dir() looks there
    first (an installed package), then beside the package (a checkout)."""
    import tomllib

    from ammt_calc import manual

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]["docs"] == "ammt_calc/docs"
    assert manual.docs_dir() == ROOT / "docs"  # a checkout
    package = tmp_path / "ammt_calc"
    (package / "docs").mkdir(parents=True)
    (package / "docs" / "units.md").write_text("# Units\n")
    monkeypatch.setattr(manual, "__file__", str(package / "manual.py"))
    assert manual.docs_dir() == package / "docs" and manual.topics() == ["units"]  # installed
