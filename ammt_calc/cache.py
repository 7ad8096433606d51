"""The compiled catalog cache: parsed and checked catalog files, kept between runs.

Reading a catalog costs every run the same work: parse each YAML file safely (bounded,
node-checked) and, for every command that computes, check every formula's dimension
with pint. The result depends only on the file and on units.txt, so it is kept per user:

    $AMMT_CALC_CACHE/catalog-1.json       when AMMT_CALC_CACHE is set, else
    $XDG_CACHE_HOME/ammt-calc/...         (Linux and other Unix; default ~/.cache)
    ~/Library/Caches/ammt-calc/...        (macOS)
    %LOCALAPPDATA%\\ammt-calc\\Cache\\...    (Windows)

One JSON document (data only: no pickle, nothing executable). Each catalog file's entry
holds its path, size, mtime (ns) and a BLAKE2b digest of its bytes, the mapping its YAML
parsed to, and whether its dimensions were checked. The document as a whole carries the
package version and the digest of units.txt. An entry is used only when all of these
match the file as it is now; the file is read and hashed on every run (cheap: parsing is
the cost), so an edit is seen even within one mtime tick. The cached mapping still goes
through the full structural validation and the formula whitelist (`catalog._build_usecase`);
only YAML parsing and the pint dimension check are skipped. A corrupt, foreign or stale
cache file is ignored and rewritten; one that cannot be written (a read-only home) is
left alone and the catalog is read as without a cache.

`--no-cache` (or AMMT_CALC_NO_CACHE=1, or `disable()`) reads and writes no cache.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

try:  # importing hashlib loads OpenSSL (~5 ms a run); BLAKE2 is CPython's own module
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

FORMAT = 1
FILE_NAME = f"catalog-{FORMAT}.json"
MAX_ENTRIES = 512  # files of every --catalog folder seen; the oldest entries go beyond it

_enabled = True
_state: dict[str, Any] | None = None  # the document read this run
_dirty = False


def disable() -> None:
    """No cache for this process (`--no-cache`)."""
    global _enabled, _state
    _enabled, _state = False, None


def enable() -> None:
    global _enabled
    _enabled = True


def enabled() -> bool:
    return (_enabled and os.environ.get("AMMT_CALC_NO_CACHE", "").strip() not in ("1", "true", "yes")
            and folder() is not None)


def folder() -> Path | None:
    """The cache folder (see the module docstring); None where there is no home to put it in."""
    override = os.environ.get("AMMT_CALC_CACHE", "").strip()
    if override:
        return Path(override)
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no HOME and no password entry (some containers)
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "ammt-calc"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA", "").strip()
        return (Path(base) if base else home / "AppData" / "Local") / "ammt-calc" / "Cache"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache") / "ammt-calc"


def _digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def _stamp() -> dict:
    from . import __version__
    from .units import DEFINITIONS

    try:
        units = _digest(DEFINITIONS.read_bytes())
    except OSError:
        units = ""
    return {"format": FORMAT, "version": __version__, "units": units}


def _document() -> dict:
    """The cache read once per process; an empty one if missing, corrupt, foreign or stale."""
    global _state
    if _state is None:
        stamp = _stamp()
        _state = {**stamp, "files": {}}
        try:
            data = json.loads((folder() / FILE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return _state
        if (isinstance(data, dict) and all(data.get(k) == v for k, v in stamp.items())
                and isinstance(data.get("files"), dict)):
            _state["files"] = data["files"]
    return _state


def lookup(path: Path, raw: bytes, stat: os.stat_result) -> dict | None:
    """The entry for a catalog file as it is now ({"data": mapping, "checked": bool}), or None."""
    if not enabled():
        return None
    entry = _document()["files"].get(str(path))
    if (isinstance(entry, dict) and entry.get("size") == stat.st_size and entry.get("mtime") == stat.st_mtime_ns
            and entry.get("digest") == _digest(raw) and isinstance(entry.get("data"), dict)
            and isinstance(entry.get("checked"), bool)):
        return entry
    return None


def store(path: Path, raw: bytes, stat: os.stat_result, data: dict, checked: bool) -> None:
    """Remember a file's parsed mapping (written by `save`)."""
    global _dirty
    if not enabled() or not _plain(data):
        return
    files = _document()["files"]
    files.pop(str(path), None)  # re-inserted last: the newest entries are kept
    files[str(path)] = {"size": stat.st_size, "mtime": stat.st_mtime_ns, "digest": _digest(raw),
                        "checked": checked, "data": data}
    while len(files) > MAX_ENTRIES:
        files.pop(next(iter(files)))
    _dirty = True


def _plain(data: dict) -> bool:
    """Only what JSON gives back unchanged is cached (not int keys, dates, sets, NaN)."""
    try:
        return json.loads(json.dumps(data, ensure_ascii=False)) == data
    except (TypeError, ValueError):
        return False


def mark_checked(path: Path) -> None:
    global _dirty
    entry = _document()["files"].get(str(path)) if enabled() else None
    if entry is not None and not entry["checked"]:
        entry["checked"] = True
        _dirty = True


def save() -> None:
    """Write the cache if this run changed it: atomically, in a folder only the user reads."""
    global _dirty
    if not (_dirty and enabled() and _state is not None):
        return
    _dirty = False
    target = folder()
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps(_state, ensure_ascii=False, separators=(",", ":"))
        tmp = target / f".{FILE_NAME}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target / FILE_NAME)
    except (OSError, TypeError, ValueError):  # a read-only home, or data JSON cannot hold: run without
        try:
            tmp.unlink()  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass


def clear_memory() -> None:
    """Forget the document read this run (tests)."""
    global _state, _dirty, _enabled
    _state, _dirty, _enabled = None, False, True
