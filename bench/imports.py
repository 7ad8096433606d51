"""The import graph of ammt_calc: modules per folder, import arrows, the longest chain.

    python bench/imports.py [PACKAGE_DIR]

Counts every `import`/`from ... import` of a module of the package (function-level
imports included), as the architecture test does.
"""
import ast
import sys
from collections import Counter
from functools import cache
from pathlib import Path


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
            targets = submodules or [base]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def graph(root: Path) -> dict[str, set[str]]:
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    modules = set(paths)
    return {m: imports_of(p, m, modules) for m, p in paths.items()}


# layers from the bottom: an import should point down (or sideways within a layer)
LAYERS = {"errors": 0, "files": 0, "scratch": 0, "units": 1, "usecases": 2, "models": 3, "network": 3, "engine": 4,
          "present": 5, "api": 6, "results": 6, "validate": 6, "completing": 6, "exports": 6, "cli": 7, "__main__": 7}
OLD_FOLDERS = {  # 0.3.0's flat modules, by the folder they moved to
    "units": "units", "quantities": "units", "numbers": "units", "precision": "units", "userfiles": "files",
    "catalog": "usecases", "formula": "usecases", "cache": "usecases", "inputs": "engine", "solver": "engine",
    "inverse": "engine", "sweeps": "engine", "sample": "engine", "distributed": "engine", "check": "engine",
    "zoo": "models", "onnx_import": "models", "safetensors": "models", "hfconfig": "models", "modelfacts": "models",
    "modeltypes": "models", "splitpoint": "models", "flows": "network", "transport": "network", "qos": "network",
    "radio": "network", "refdata": "network", "documents": "present"}


def layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return LAYERS.get(OLD_FOLDERS.get(parts[1], parts[1]))


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "ammt_calc").resolve()
    edges = graph(root)

    @cache  # the graph has no cycles (tests/test_architecture.py holds that)
    def longest(m: str) -> tuple[str, ...]:
        return (m, *max((longest(t) for t in edges[m]), key=len, default=()))

    folders = Counter(m.split(".")[1] if (root / m.split(".")[1]).is_dir() else "(top)"
                      for m in edges if m != root.name)
    arrows = sum(len(v) for v in edges.values())
    chain = max((longest(m) for m in edges), key=len)
    print("modules per folder:", dict(sorted(folders.items())))
    print("modules:", len(edges), " import arrows:", arrows)
    upward = [(m, t) for m, ts in edges.items() for t in ts
              if layer(m) is not None and layer(t) is not None and layer(t) > layer(m)]
    print(f"longest chain ({len(chain)} modules):", " -> ".join(chain))
    print(f"imports pointing up a layer: {len(upward)}", *(f"{m} -> {t}" for m, t in upward), sep="\n  ")


if __name__ == "__main__":
    main()
