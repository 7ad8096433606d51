"""Scratch folders of ours for libraries that want one: Dask's workers (their spill and lock
files) and matplotlib when its configuration folder cannot be written (a read-only HOME).

Each is a fresh `tempfile.mkdtemp` folder (private, an unpredictable name), removed when the
work ends, and at exit whatever the exit path: `atexit` for a normal exit, and the CLI's
fast exit (`os._exit`, which skips atexit) calls `remove_all` first.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

_made: list[str] = []


def folder(purpose: str) -> str:
    """A new private folder for `purpose` ("dask", "matplotlib"), removed at exit at the latest."""
    if not _made:
        atexit.register(remove_all)
    path = tempfile.mkdtemp(prefix=f"ammt-calc-{purpose}-")
    _made.append(path)
    return path


def remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    if path in _made:
        _made.remove(path)


def remove_all() -> None:
    for path in list(_made):
        remove(path)


def matplotlib_config() -> None:
    """Before matplotlib is imported: give it a folder of ours when its own cannot be written
    (else it warns twice and leaves a matplotlib-* folder in the temporary directory)."""
    if os.environ.get("MPLCONFIGDIR"):
        return
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):
        home = None
    wanted = [Path(os.environ.get(var) or (home / dot if home else "")) / "matplotlib"
              for var, dot in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"))]
    if home is None or not all(_writable(p) for p in wanted):
        os.environ["MPLCONFIGDIR"] = folder("matplotlib")


def _writable(path: Path) -> bool:
    """`path` can be written, or made where its nearest existing parent can be written."""
    if not path.is_absolute():
        return False
    while not path.exists():
        if path.parent == path:
            return False
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)
