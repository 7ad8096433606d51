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
the cost), so an edit is seen even within one mtime tick.

A cache cannot change an answer. An entry is used only when it also verifies against
itself and the file's bytes: its `seal` (a BLAKE2b digest of the file's digest, the
`checked` flag and the mapping, keyed by the package stamp) matches, and every text in the
mapping (keys, formulas, values) occurs in the file as read now, so a formula's text comes
from the file, never from the cache alone. The cached mapping still goes through the full
structural validation and the formula whitelist (`catalog._build_usecase`, when a command
first uses the use case); only YAML parsing and the dimension check are skipped. A
document or entry that does not verify (edited, truncated, nested too deep, too large, a
FIFO or a symlink) is ignored, replaced, and named in one `note:`; a stale or foreign one
(another version) silently. The document is read through `files.read_json` (regular
file, no final symlink, size, depth and value bounds).

The folder must be the user's own and writable by no one else; otherwise (or when HOME
is relative) no cache is used and a note says why. Documents are written to a temporary
file made with `tempfile.mkstemp` (O_CREAT | O_EXCL | O_NOFOLLOW, an unpredictable name,
mode 0600) and renamed into place. One that cannot be written (a read-only home) is left
alone and the catalog is read as without a cache.

`--no-cache` (or AMMT_CALC_NO_CACHE=1, or `disable()`) reads and writes no cache.
"""

from __future__ import annotations

import functools
import json
import os
import stat as kinds
import sys
from pathlib import Path
from typing import Any

from ..errors import UserError, short_path
from ..files import MAX_JSON_DEPTH, digest, read_json

FORMAT = 2
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024  # 512 entries of a few kByte each: about 3 MB in practice
MAX_DOCUMENT_VALUES = 1_000_000  # JSON values of one document (each `{`, `[` and `,`)
ENTRY_DEPTH = 4  # document -> files -> entry -> data: levels above a use case's own mapping
MAX_ENTRIES = 512  # files of one catalog folder; the oldest entries go beyond it
MAX_DOCUMENTS = 64  # catalog folders remembered; the least recently written go beyond it

_enabled = True
_documents: dict[str, dict[str, Any]] = {}  # file name -> the document read this run
_folder_of: dict[str, str] = {}  # catalog file -> the file name of its folder's document
_dirty: set[str] = set()
_notes: list[str] = []  # why a document, entry or folder was not used (the CLI prints them as notes)
_unverified: dict[str, list[str]] = {}  # document name -> catalog files whose entries did not verify
SUMMARY = ("id", "title", "family", "sources")  # what a listing shows of a use case (sealed apart)


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


def take_notes() -> list[str]:
    """The notes of this run so far (each once), forgotten once taken."""
    for name, paths in _unverified.items():  # one note per document, however many entries
        more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
        _note(f"the entry for '{short_path(paths[0], 60)}'{more} in '{short_path(folder() / name, 70)}' did not verify"
              " (edited or damaged); ignored and replaced")
    _unverified.clear()
    taken = list(dict.fromkeys(_notes))
    _notes.clear()
    return taken


def _note(text: str) -> None:
    _notes.append(f"catalog cache: {text}")


def folder() -> Path | None:
    """The cache folder (see the module docstring); None where there is none to use."""
    names = ("AMMT_CALC_CACHE", "XDG_CACHE_HOME", "LOCALAPPDATA", "HOME", "USERPROFILE")
    found, why = _folder(tuple(os.environ.get(name, "").strip() for name in names))
    if why:
        _note(why)
    return found


@functools.lru_cache(maxsize=8)  # asked for each catalog file: worked out once per environment
def _folder(environment: tuple[str, ...]) -> tuple[Path | None, str]:
    """(the folder, or None; why it is not used, or ""), the why said once per environment."""
    chosen = _location(environment)
    if isinstance(chosen, str):
        return None, chosen
    if chosen is None:
        return None, ""
    why = _not_private(chosen)
    return (None, why) if why else (chosen, "")


def _location(environment: tuple[str, ...]) -> Path | str | None:
    override, xdg, local, _, _ = environment
    if override:
        if not os.path.isabs(override):
            return f"AMMT_CALC_CACHE='{short_path(override, 60)}' is not an absolute path; no cache is used"
        return Path(override)
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no HOME and no password entry (some containers)
        return None
    if not home.is_absolute():  # a relative HOME would put the cache under the working folder
        return f"HOME='{short_path(home, 60)}' is not an absolute path; no cache is used"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "ammt-calc"
    if os.name == "nt":
        return (Path(local) if local else home / "AppData" / "Local") / "ammt-calc" / "Cache"
    return (Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache") / "ammt-calc"


def _not_private(target: Path) -> str:
    """Why `target` may not hold the cache ("" if it may, or if it does not exist yet: it is
    made 0700): it must be a folder of this user that no one else can write to, or another
    user could plant the documents (and links where the temporary files go)."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"folder '{short_path(target, 60)}' cannot be read ({exc.strerror}); no cache is used"
    shown = short_path(target, 60)
    if not kinds.S_ISDIR(info.st_mode):
        return f"'{shown}' is not a folder; no cache is used"
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return f"folder '{shown}' belongs to another user; no cache is used (give AMMT_CALC_CACHE a folder of yours)"
    if os.name == "posix" and info.st_mode & 0o022:
        return (f"folder '{shown}' is writable by group or others; no cache is used (chmod go-w it, or give"
                " AMMT_CALC_CACHE a private folder)")
    return ""


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
    damaged (with a note), foreign or stale."""
    name = _folder_of.setdefault(str(path), document_name(root or path.parent))
    if name not in _documents:
        stamp = _stamp()
        _documents[name] = state = {**stamp, "files": {}}
        location = folder() / name
        if not os.path.lexists(location):
            return state
        try:
            data = read_json(location, MAX_DOCUMENT_BYTES, "document", max_values=MAX_DOCUMENT_VALUES,
                             max_depth=MAX_JSON_DEPTH, nofollow=True)
        except UserError as exc:  # damaged: the next save replaces it
            _note(f"{exc}; it is ignored and replaced")
            _dirty.add(name)
            return state
        if (isinstance(data, dict) and all(data.get(k) == v for k, v in stamp.items())
                and isinstance(data.get("files"), dict)):
            state["files"] = data["files"]
    return _documents[name]


def lookup(path: Path, raw: bytes, stat: os.stat_result, root: Path | None = None) -> dict | None:
    """The entry made from the catalog file as it is now ({"data": mapping, "checked": bool}),
    or None; `root` is the catalog folder it was found in (the file's own folder if not given).
    Not yet verified: `summary` and `verified` say whether what is used of it may be."""
    if not enabled():
        return None
    document = _document(path, root)
    entry = document["files"].get(str(path))
    if not (isinstance(entry, dict) and entry.get("size") == stat.st_size and entry.get("mtime") == stat.st_mtime_ns
            and entry.get("digest") == digest(raw)):
        return None  # made from another version of the file: silently rebuilt
    if isinstance(entry.get("data"), dict) and isinstance(entry.get("checked"), bool):
        return entry
    return _unverifiable(path)


def summary(entry: dict, raw: bytes, path: Path) -> bool:
    """Whether an entry is as it was stored (its seal) and the texts a listing shows of it
    (id, title, family, sources) are the file's: so `list` need not look for every formula
    in the file. A use case built from the entry is `verified` whole first."""
    shown = {k: v for k, v in entry["data"].items() if k in SUMMARY}
    return (entry.get("summary_seal") == _seal(entry, shown) and _texts_in(shown, raw)) or _unverifiable(path) is not None


def verified(entry: dict, raw: bytes, path: Path) -> bool:
    """Whether an entry may be used whole: its seal matches what it claims, and every text of
    it (formulas included) is in the file as read now. One that is not is named in a note."""
    return (entry.get("seal") == _seal(entry) and _texts_in(entry["data"], raw)) or _unverifiable(path) is not None


def _unverifiable(path: Path) -> None:
    _unverified.setdefault(_folder_of[str(path)], []).append(str(path))  # its note; store() replaces the entry
    return None


def _seal(entry: dict, data: Any = None) -> str:
    """A digest of what an entry claims (the file's digest, checked, the mapping, or the part
    `data` of it a listing reads), keyed by the package stamp: an edit of any of them, or an
    entry from another version, does not match."""
    try:
        claim = json.dumps([_stamp(), entry.get("digest"), entry.get("checked"), entry.get("data") if data is None else data],
                           ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return ""
    return digest(claim.encode("utf-8", "surrogatepass"))


def _texts_in(data: Any, raw: bytes) -> bool:
    """Every text of the cached mapping (keys and values) occurs in the file as read now: the
    cache can hold only what the file says (a text YAML quotes or folds is a miss: the file is
    parsed again, no harm done). Each distinct text is looked for once."""
    try:
        text = " ".join(raw.decode("utf-8").split())  # YAML folds lines: compare with runs of spaces as one
    except UnicodeDecodeError:
        return False
    texts: set[str] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                return False
            texts.update(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            texts.add(value)
    return all(" ".join(t.split()) in text for t in texts)


def store(path: Path, raw: bytes, stat: os.stat_result, data: dict, checked: bool) -> None:
    """Remember a file's parsed mapping (written by `save`)."""
    if not enabled() or not _plain(data):
        return
    files = _document(path)["files"]
    files.pop(str(path), None)  # re-inserted last: the newest entries are kept
    entry = {"size": stat.st_size, "mtime": stat.st_mtime_ns, "digest": digest(raw), "checked": checked, "data": data}
    files[str(path)] = _sealed(entry)
    while len(files) > MAX_ENTRIES:
        files.pop(next(iter(files)))
    _dirty.add(_folder_of[str(path)])


def _plain(data: dict) -> bool:
    """Only what JSON gives back unchanged is cached (not int keys, dates, sets, NaN), and only
    what the reader accepts again (not nested deeper than its bound)."""
    from ..files import _depth

    try:
        return (json.loads(json.dumps(data, ensure_ascii=False)) == data
                and _depth(data) <= MAX_JSON_DEPTH - ENTRY_DEPTH)
    except (TypeError, ValueError, RecursionError):
        return False


def _sealed(entry: dict) -> dict:
    shown = {k: v for k, v in entry["data"].items() if k in SUMMARY}
    return {**entry, "seal": _seal(entry), "summary_seal": _seal(entry, shown)}


def mark_checked(path: Path) -> None:
    entry = _document(path)["files"].get(str(path)) if enabled() else None
    if entry is not None and not entry["checked"]:
        entry["checked"] = True
        entry.update(_sealed(entry))
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
    """`document` as target/name: written to a new temporary file (mkstemp: O_EXCL, never through
    a link, a name no one can guess), renamed into place (a rename replaces a link, never follows it)."""
    import tempfile

    tmp = None
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        if _not_private(target):  # made by someone else between the check and now
            return
        data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        if len(data) > MAX_DOCUMENT_BYTES:  # never write what the reader would refuse
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=target)
        with open(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target / name)
        tmp = None
    except (OSError, TypeError, ValueError):  # a read-only home, or data JSON cannot hold: run without
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
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
    _notes.clear()
    _unverified.clear()
    _folder.cache_clear()
    _enabled = True
