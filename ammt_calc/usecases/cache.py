"""The compiled catalog cache: parsed and checked catalog files, kept between runs.

Reading a catalog costs every run the same work: parse each YAML file safely (bounded,
node-checked) and check every formula's dimension. The result depends only on the file and on units.txt, so it is kept per user:

    $AMMT_CALC_CACHE/catalog-2-*.json     when AMMT_CALC_CACHE is set, else
    $XDG_CACHE_HOME/ammt-calc/...         (Linux and other Unix; default ~/.cache)
    ~/Library/Caches/ammt-calc/...        (macOS)
    %LOCALAPPDATA%\\ammt-calc\\Cache\\...    (Windows)

One JSON document per catalog folder (data only: no pickle, nothing executable), named
by a digest of the folder's path, so a run reads the entries of its own folders only; the
MAX_DOCUMENTS most recently written are kept. Each catalog file's entry
holds its path, size, mtime (ns) and a BLAKE2b digest of its bytes, the mapping its YAML
parsed to, and whether its dimensions were checked. The document as a whole carries the
package version and the digest of units.txt. An entry is used only when all of these
match the file as it is now; the file is read and hashed on every run (cheap: parsing is
the cost), so an edit is seen even within one mtime tick. The cached mapping still goes
through the full structural validation and the formula whitelist (`catalog._build_usecase`,
when a command first uses the use case); only YAML parsing and the dimension check are
skipped. A corrupt, foreign or stale
cache file is ignored and rewritten; one that cannot be written (a read-only home) is
left alone and the catalog is read as without a cache.

`--no-cache` (or AMMT_CALC_NO_CACHE=1, or `disable()`) reads and writes no cache.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..files import digest

FORMAT = 2
MAX_ENTRIES = 512  # files of one catalog folder; the oldest entries go beyond it
MAX_DOCUMENTS = 64  # catalog folders remembered; the least recently written go beyond it

_enabled = True
_documents: dict[str, dict[str, Any]] = {}  # file name -> the document read this run
_folder_of: dict[str, str] = {}  # catalog file -> the file name of its folder's document
_dirty: set[str] = set()


def disable() -> None:
    """No cache for this process (`--no-cache`)."""
    global _enabled
    _enabled = False
    _documents.clear()
    _folder_of.clear()


def enable() -> None:
    global _enabled
    _enabled = True


def enabled() -> bool:
    return (_enabled and os.environ.get("AMMT_CALC_NO_CACHE", "").strip() not in ("1", "true", "yes")
            and folder() is not None)


def folder() -> Path | None:
    """The cache folder (see the module docstring); None where there is no home to put it in."""
    names = ("AMMT_CALC_CACHE", "XDG_CACHE_HOME", "LOCALAPPDATA", "HOME", "USERPROFILE")
    return _folder(tuple(os.environ.get(name, "").strip() for name in names))


@functools.lru_cache(maxsize=8)  # asked for each catalog file: worked out once per environment
def _folder(environment: tuple[str, ...]) -> Path | None:
    override, xdg, local, _, _ = environment
    if override:
        return Path(override)
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no HOME and no password entry (some containers)
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "ammt-calc"
    if os.name == "nt":
        return (Path(local) if local else home / "AppData" / "Local") / "ammt-calc" / "Cache"
    return (Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache") / "ammt-calc"


@functools.lru_cache(maxsize=1)
def _stamp() -> dict:
    from .. import __version__
    from ..units.registry import DEFINITIONS

    try:
        units = digest(DEFINITIONS.read_bytes())
    except OSError:
        units = ""
    return {"format": FORMAT, "version": __version__, "units": units}


def document_name(folder: Path) -> str:
    """The cache file of a catalog folder (one per folder given, so a run reads only its own)."""
    return f"catalog-{FORMAT}-{digest(str(folder).encode())[:16]}.json"


def _document(path: Path, root: Path | None = None) -> dict:
    """The document of the catalog folder `root` that `path` was read from (its own folder if
    not given; remembered for the file), read once per process; an empty one if missing,
    corrupt, foreign or stale."""
    name = _folder_of.setdefault(str(path), document_name(root or path.parent))
    if name not in _documents:
        stamp = _stamp()
        _documents[name] = state = {**stamp, "files": {}}
        try:
            data = json.loads((folder() / name).read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return state
        if (isinstance(data, dict) and all(data.get(k) == v for k, v in stamp.items())
                and isinstance(data.get("files"), dict)):
            state["files"] = data["files"]
    return _documents[name]


def lookup(path: Path, raw: bytes, stat: os.stat_result, root: Path | None = None) -> dict | None:
    """The entry for a catalog file as it is now ({"data": mapping, "checked": bool}), or None;
    `root` is the catalog folder it was found in (the file's own folder if not given)."""
    if not enabled():
        return None
    entry = _document(path, root)["files"].get(str(path))
    if (isinstance(entry, dict) and entry.get("size") == stat.st_size and entry.get("mtime") == stat.st_mtime_ns
            and entry.get("digest") == digest(raw) and isinstance(entry.get("data"), dict)
            and isinstance(entry.get("checked"), bool)):
        return entry
    return None


def store(path: Path, raw: bytes, stat: os.stat_result, data: dict, checked: bool) -> None:
    """Remember a file's parsed mapping (written by `save`)."""
    if not enabled() or not _plain(data):
        return
    files = _document(path)["files"]
    files.pop(str(path), None)  # re-inserted last: the newest entries are kept
    files[str(path)] = {"size": stat.st_size, "mtime": stat.st_mtime_ns, "digest": digest(raw),
                        "checked": checked, "data": data}
    while len(files) > MAX_ENTRIES:
        files.pop(next(iter(files)))
    _dirty.add(_folder_of[str(path)])


def _plain(data: dict) -> bool:
    """Only what JSON gives back unchanged is cached (not int keys, dates, sets, NaN)."""
    try:
        return json.loads(json.dumps(data, ensure_ascii=False)) == data
    except (TypeError, ValueError):
        return False


def mark_checked(path: Path) -> None:
    entry = _document(path)["files"].get(str(path)) if enabled() else None
    if entry is not None and not entry["checked"]:
        entry["checked"] = True
        _dirty.add(_folder_of[str(path)])


def save() -> None:
    """Write the documents this run changed: atomically, in a folder only the user reads."""
    if not (_dirty and enabled()):
        return
    target = folder()
    written = sorted(_dirty)
    for name in written:
        _write(target, name, _documents[name])
    _dirty.clear()
    _prune(target, keep=set(written))


def _write(target: Path, name: str, document: dict) -> None:
    tmp = target / f".{name}.{os.getpid()}.tmp"
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target / name)
    except (OSError, TypeError, ValueError):  # a read-only home, or data JSON cannot hold: run without
        try:
            tmp.unlink()
        except OSError:
            pass


def _prune(target: Path, keep: set[str]) -> None:
    """Beyond MAX_DOCUMENTS folders, forget the least recently written (temporary folders come
    and go), never one this run wrote (file times may be too coarse to order them)."""
    try:
        documents = sorted(target.glob("catalog-*.json"), key=lambda p: (p.name in keep, p.stat().st_mtime_ns))
        for stale in documents[:-MAX_DOCUMENTS]:
            stale.unlink()
    except OSError:  # another run pruned it first, or a read-only folder
        pass


def clear_memory() -> None:
    """Forget the documents read this run (tests)."""
    global _enabled
    _documents.clear()
    _folder_of.clear()
    _dirty.clear()
    _folder.cache_clear()
    _enabled = True
