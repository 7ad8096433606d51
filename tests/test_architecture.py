"""The layout of docs/architecture.md holds: imports go one way, with no cycles (function-level
imports included); only cli/ imports typer; the engine imports neither presentation nor rich."""

import ast
import functools
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ammt_calc"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.lru_cache(maxsize=None)
def nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a module, parsed once for all the tests here."""
    return tuple(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


@functools.lru_cache(maxsize=1)
def imports() -> dict[str, set[str]]:
    """Every module's imports (anywhere in it), resolved to full names."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in nodes(path):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}
        graph[name] = found
    modules = set(graph)
    return {name: {m for m in found if m in modules and m != name} for name, found in graph.items()}


def external(name: str) -> set[str]:
    path = PACKAGE.parent / (name.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / name.replace(".", "/") / "__init__.py"
    return {a.name.split(".")[0] for n in nodes(path) if isinstance(n, ast.Import) for a in n.names} | \
           {n.module.split(".")[0] for n in nodes(path) if isinstance(n, ast.ImportFrom) and n.module and not n.level}


def is_engine(name: str) -> bool:
    facade = ("ammt_calc", "ammt_calc.api", "ammt_calc.results", "ammt_calc.exports", "ammt_calc.__main__")
    return not name.startswith(("ammt_calc.cli", "ammt_calc.present")) and name not in facade


def test_no_import_cycles():
    graph = imports()
    state: dict[str, int] = {}

    def visit(name, path):
        state[name] = 1
        for other in graph[name]:
            if other.startswith(name + "."):  # a package importing its own submodules
                continue
            assert state.get(other) != 1, "import cycle: " + " -> ".join(path + [other])
            if other not in state:
                visit(other, path + [other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_engine_imports_no_presentation_cli_typer_or_rich():
    for name, found in imports().items():
        if is_engine(name):
            assert not {m for m in found if m.startswith(("ammt_calc.present", "ammt_calc.cli", "ammt_calc.api"))}, name
            assert not external(name) & {"typer", "rich", "click"}, name


def test_only_cli_imports_typer_and_present_does_not_import_cli():
    for name, found in imports().items():
        if not name.startswith("ammt_calc.cli"):
            assert "typer" not in external(name), name
        if name.startswith("ammt_calc.present"):
            assert not {m for m in found if m.startswith(("ammt_calc.cli", "ammt_calc.api"))}, name


def test_computing_commands_import_no_pint():
    """pint is the authority on unit names, but its answers are in unit_names.json: the
    usual commands (and a --set with units) run without importing it (~400 ms)."""
    code = (
        "import sys, io, contextlib\n"
        "from ammt_calc.cli import main\n"
        "for args in (['list'], ['usecase', 'split-image-recognition', '--set', 'frame_rate=60 fps'],"
        " ['split', 'vgg16'], ['check']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "        code = main(args)\n"
        "    assert code == 0, (args, code)\n"
        "print('pint' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.split() == ["False"], out.stderr


def test_cli_reaches_the_package_only_through_api_present_and_errors():
    allowed = ("ammt_calc.api", "ammt_calc.present", "ammt_calc.errors", "ammt_calc.cli")
    modules = [name for name in imports() if name.startswith("ammt_calc.cli")]
    assert len(modules) >= 8  # every module of cli/ is looked at
    for name in modules:
        reached = {m for m in imports()[name] if m != "ammt_calc" and not m.startswith(allowed)}
        assert not reached, f"{name} imports {sorted(reached)}"


def test_no_module_is_named_as_an_api_function():
    import ammt_calc.api as api

    functions = {n for n, v in vars(api).items() if callable(v) and not n.startswith("_")}
    names = {name.rpartition(".")[2] for name in imports()}
    assert not names & functions, sorted(names & functions)


def test_the_checkout_is_what_pytest_imports():
    """pytest from a checkout tests the checkout (pythonpath in pyproject.toml), not an
    installed copy in site-packages."""
    import ammt_calc

    assert Path(ammt_calc.__file__).resolve().parent == PACKAGE


LAYERS = {"errors": 0, "files": 0, "scratch": 0, "manual": 0, "units": 1, "usecases": 2, "models": 3, "network": 3,
          "engine": 4, "present": 5, "api": 6, "results": 6, "validate": 6, "completing": 6, "exports": 6, "cli": 7,
          "__main__": 7}  # from the bottom (docs/architecture.md)


def test_every_import_points_down_the_layers():
    def layer(name):
        return LAYERS[name.split(".")[1]] if name.count(".") else None

    assert set(LAYERS) >= {m.split(".")[1] for m in imports() if m.count(".")}  # every folder has its layer
    upward = [(m, t) for m, found in imports().items() for t in found
              if layer(m) is not None and layer(t) is not None and layer(t) > layer(m)]
    assert not upward, upward
