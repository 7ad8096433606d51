"""Load and validate use-case YAML files into `UseCase` objects.

Loading parses and validates the structure, compiles every formula, and then, in one
call (`check_catalog_dimensions`, which a cache of the loaded catalog can record), evaluates
every formula of every use case on units alone and refuses one whose dimension differs
from its declared unit, so `list` and `show` refuse a broken file as `usecase` does.
"""

from __future__ import annotations

import errno
import re
from dataclasses import replace
from pathlib import Path

from ..errors import UserError, os_error, short_path, suggest
from ..files import builtin_dir
from .dimensions import check_dimensions
from .domain import (
    DIRECTIONS,
    FAMILY_ORDER,
    ID_PATTERN,
    NAME_PATTERN,
    Catalog,
    CatalogError,
    Condition,
    Kpi,
    Parameter,
    Published,
    UseCase,
)
from .formula import Formula, compile_formula

MAX_FILE_BYTES = 256 * 1024  # a use case is a page of YAML; more is a mistake or an attack
MAX_YAML_NODES = 20_000  # bounds alias expansion ("billion laughs")
# C0/C1 controls (not \t and \n), line/paragraph separators, and the bidirectional marks,
# embeddings, overrides and isolates that would make a title read differently than it is stored
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_REASON_CHARS = 200  # an infeasible_if reason is a sentence; a sweep repeats it on every row it applies to


class _Deferred:
    """A use case from a file the cache knows as checked: its summary now, the rest on demand."""

    def __init__(self, entry: dict, raw: tuple, path: Path):
        where, data = str(path), entry["data"]
        self.entry, self.raw, self.data, self.path = entry, raw, data, path  # raw: the file's (bytes, stat)
        self.id = _text(data, "id", where, required=True)
        self.title = _text(data, "title", where, required=True)
        self.family = _text(data, "family", where, required=True)
        self.sources = _text_list(data, "sources", where)
        self.published = bool(data.get("published"))  # whether it has any: check skips those without

    def build(self) -> UseCase:
        from . import cache

        if not cache.verified(self.entry, self.raw[0], self.path):  # the file parsed and checked again
            data = read_yaml(self.path)
            uc = _build_usecase(data, self.path)
            check_dimensions(uc)
            cache.store(self.path, *self.raw, data, checked=True)
            cache.save()
            return uc
        uc = _build_usecase(self.data, self.path)  # validated as ever: a cache entry is never trusted blindly
        object.__setattr__(uc, "units_checked", True)
        return uc


def snippet(value, limit: int = 24) -> str:
    """What a message quotes of text read from a file: its first `limit` characters at most,
    and only up to the first one outside letters, digits and `_ .-` (then "..."), so that
    a file that is not a catalog (a symlink to a password file) gives away next to nothing."""
    text = str(value)
    shown = re.match(r"[A-Za-z0-9_ .-]*", text[:limit])[0]
    return shown + "..." if len(shown) < len(text) else shown


def load_catalog(extra_dirs=(), *, check_units: bool = True) -> Catalog:
    """The built-in use cases plus those in `extra_dirs`; ids must be unique.

    Every use case's dimensions are checked once, after the files are read, whatever
    `check_units` says (kept for callers; a catalog that loads is a checked one).
    """
    usecases: list[UseCase] = []
    seen: dict[str, str] = {}
    if any(not str(d).strip() for d in extra_dirs):  # Path("") is ".": an empty $VAR would read the working folder
        raise CatalogError("--catalog needs a directory, got an empty name")
    directories = dict.fromkeys(_resolved(Path(d)) for d in (builtin_dir(), *extra_dirs))  # a folder named twice: once
    for directory in directories:
        for path in _yaml_files(directory):
            uc = _load(path, check_units=False, defer=True, root=directory)
            if uc.id in seen:
                raise CatalogError(f"{path}: id '{uc.id}' is already defined in {seen[uc.id]}")
            seen[uc.id] = str(path)
            usecases.append(uc)
    catalog = Catalog(sorted(usecases, key=_family_rank))
    check_catalog_dimensions(catalog)
    return catalog


def check_catalog_dimensions(catalog: Catalog) -> None:
    """Every use case's formulas on units alone (see check_dimensions): once per load; the
    cache remembers each file that passed, so the next run need not check it again."""
    from . import cache

    for uc in catalog.summaries():  # a deferred one was checked when the cache stored it
        if not isinstance(uc, _Deferred) and not getattr(uc, "units_checked", False):
            check_dimensions(uc)
            cache.mark_checked(Path(uc.path))
    cache.save()


def _resolved(directory: Path) -> Path:
    try:
        return directory.resolve()
    except (OSError, RuntimeError) as exc:  # a name too long, a symlink loop
        error = os_error(directory, exc if isinstance(exc, OSError) else OSError(errno.ELOOP, str(exc)),
                         "read the catalog directory")
        raise CatalogError(str(error)) from None


def _family_rank(uc: UseCase) -> int:
    """Built-in families in the order of TS 22.261 clause 7.10; users' own after them (stable sort)."""
    return FAMILY_ORDER.index(uc.family) if uc.family in FAMILY_ORDER else len(FAMILY_ORDER)


def _yaml_files(directory: Path) -> list[Path]:
    # files and folders whose name starts with "_" hold reference data, not use cases
    from ..files import walk_yaml

    try:
        return walk_yaml(directory)
    except CatalogError:
        raise
    except UserError as exc:
        raise CatalogError(str(exc)) from None


def load_file(path: Path, *, check_units: bool = False) -> UseCase:
    """One use case; its parsed YAML and dimension check come from the cache (cache.py)
    when the file is unchanged. The structure is validated and formulas compiled anyway."""
    return _load(path, check_units=check_units, defer=False)


def _load(path: Path, *, check_units: bool, defer: bool, root: Path | None = None) -> UseCase | _Deferred:
    """load_file; with `defer`, a file the cache knows as unchanged and checked is built later.
    `root`: the catalog folder the file was found in (whose cache document holds it)."""
    from . import cache

    raw = _raw(path) if cache.enabled() else None
    entry = cache.lookup(path, *raw, root) if raw else None
    if entry and entry["checked"] and defer:
        if cache.summary(entry, raw[0], path):
            return _Deferred(entry, raw, path)  # verified whole when it is built
        entry = None
    elif entry and not cache.verified(entry, raw[0], path):
        entry = None
    data = entry["data"] if entry else read_yaml(path)
    uc = _build_usecase(data, path)
    if raw and not entry:
        cache.store(path, *raw, data, checked=False)
    if entry and entry["checked"]:
        object.__setattr__(uc, "units_checked", True)  # as check_dimensions marks it: checked when it was stored
    elif check_units:
        check_dimensions(uc)
        if raw:
            cache.mark_checked(path)
    return uc


def _raw(path: Path):
    """(bytes, stat) of a file for the cache, or None (read_yaml then reports the problem).
    Only a regular file is read: opening a FIFO named like a use case would wait forever."""
    import stat as kinds

    from ..files import read_bounded

    try:
        stat = path.stat()
        if not kinds.S_ISREG(stat.st_mode) or stat.st_size > MAX_FILE_BYTES:
            return None
        return read_bounded(path, MAX_FILE_BYTES, "catalog file"), stat
    except (OSError, UserError):
        return None


def read_yaml(path: Path) -> dict:
    """One catalog file (a use case or reference data) as a mapping: safe, bounded, parsed once."""
    import yaml

    from ..files import read_bounded

    try:
        data = read_bounded(path, MAX_FILE_BYTES, "catalog file", lambda shown, size: (
            f"{shown}: file is {size} bytes; a use case may have at most {MAX_FILE_BYTES}"))
    except UserError as exc:
        raise CatalogError(str(exc)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{short_path(path)}: cannot read: not UTF-8 text (byte {exc.start})") from None
    try:
        data = _compose_checked(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(f"{path}:{where} invalid YAML: {problem}") from None
    except RecursionError:  # the pure-Python composer recurses once per nesting level
        raise CatalogError(f"{path}: invalid YAML: nested too deeply") from None
    except ValueError as exc:  # a constructor's own check: an int of >4300 digits, a date 2020-13-45
        problem = str(exc).splitlines()[0].split(";")[0]  # not Python's advice on sys.set_int_max_str_digits
        raise CatalogError(f"{path}: invalid YAML value: {problem}") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: a catalog file must be a mapping of keys (id, title, ...)")
    return data


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_checked(text: str, path: Path):
    """Parse once: compose the node graph (aliases stay shared, nothing expands), check
    it, then construct data from it with the safe constructor (never objects)."""
    loader = _loader()(text)
    try:
        root = loader.get_single_node()
        if root is None:  # an empty document
            return None
        _check_node_count(root, path)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _check_node_count(root, path: Path) -> None:
    """Refuse documents whose aliases would expand past MAX_YAML_NODES nodes, and duplicate keys."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_YAML_NODES:
            raise CatalogError(f"{path}: YAML expands to more than {MAX_YAML_NODES} nodes (alias bomb?)")
        if node.id == "mapping":
            _check_unique_keys(node, path)
        if isinstance(node.value, list):
            for item in node.value:
                stack.extend(item if isinstance(item, tuple) else (item,))


def _check_unique_keys(mapping, path: Path) -> None:
    """PyYAML keeps the last of two equal keys without a word; a block pasted twice must not win unseen."""
    seen = set()
    for key, _ in mapping.value:
        if key.id != "scalar" or key.tag == "tag:yaml.org,2002:merge":  # `<<: *base` may be overridden
            continue
        if (key.tag, key.value) in seen:
            raise CatalogError(f"{path}: line {key.start_mark.line + 1}: duplicate key '{snippet(key.value)}'"
                               " (YAML would silently keep only the last)")
        seen.add((key.tag, key.value))


# --- structure -------------------------------------------------------------------------


USECASE_KEYS = {"id", "title", "family", "description", "sources", "parameters", "kpis", "published", "notes"}


def _build_usecase(data: dict, path: Path) -> UseCase:
    where = str(path)
    if not any(isinstance(key, str) and key in USECASE_KEYS for key in data):
        # not a use case at all (a symlink to some other file): quote nothing of it
        raise CatalogError(f"{where}: not a use case: none of its top-level keys is one of"
                           f" {', '.join(sorted(USECASE_KEYS))}")
    _only_keys(data, USECASE_KEYS, where)
    uc_id = _text(data, "id", where, required=True)
    if not ID_PATTERN.match(uc_id):
        raise CatalogError(f"{where}: id '{uc_id}' must be lowercase letters, digits and dashes")
    where = f"{path} ({uc_id})"
    parameters = _parameters(_mapping(data, "parameters", where), where)
    kpis = _kpis(_mapping(data, "kpis", where, required=True), parameters, where)
    published = _published(_mapping(data, "published", where), kpis, where)
    for p in parameters.values():
        for kpi in p.fitted_to:
            if kpi not in published:
                raise CatalogError(f"{where}: parameters.{p.name}.fitted_to names '{kpi}', which has no published"
                                   f" value{suggest(kpi, published)}")
    return UseCase(
        id=uc_id,
        title=_text(data, "title", where, required=True),
        family=_text(data, "family", where, required=True),
        description=_text(data, "description", where),
        sources=_text_list(data, "sources", where),
        parameters=parameters,
        kpis=kpis,
        published=published,
        path=str(path),
        notes=_text_list(data, "notes", where),
    )


def _parameters(raw: dict, where: str) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for name, spec in raw.items():
        here = f"{where}: parameters.{name}"
        _check_name(name, here)
        if not isinstance(spec, dict):
            spec = {"default": spec}
        _only_keys(spec, {"default", "description", "source", "min", "max", "derive", "follows", "choices",
                          "fitted_to"}, here)
        params[name] = _choice_parameter(name, spec, here) if "choices" in spec else Parameter(
            name=name,
            default=_quantity_text(spec, "default", here, required=True),
            description=_text(spec, "description", here),
            source=_text(spec, "source", here),
            minimum=_quantity_text(spec, "min", here),
            maximum=_quantity_text(spec, "max", here),
            fitted_to=_text_list(spec, "fitted_to", here),
        )
    choices = {p.name: p.choices for p in params.values() if p.choices}
    for name, spec in raw.items():  # formulas last: they may compare a choice parameter defined later
        here = f"{where}: parameters.{name}"
        formulas = {key: _formula(spec[key], f"{here}.{key}", choices) for key in ("derive", "follows")
                    if isinstance(spec, dict) and key in spec}
        if len(formulas) == 2:
            raise CatalogError(f"{here}: give derive or follows, not both")
        if formulas and params[name].choices:
            raise CatalogError(f"{here}: a parameter with choices cannot be derived")
        for key, formula in formulas.items():
            unknown = formula.names - params.keys()
            if unknown or name in formula.names:
                bad = ", ".join(sorted(unknown)) or name
                raise CatalogError(f"{here}.{key} reads '{bad}', which is not another parameter")
        params[name] = replace(params[name], derive=formulas.get("derive"), follows=formulas.get("follows"))
    _no_follow_cycles(params, where)
    _check_derive_cycles(params, where)
    return params


def _choice_parameter(name: str, spec: dict, here: str) -> Parameter:
    """A categorical parameter: `choices: [a, b, c]`, `default: a`."""
    raw = spec["choices"]
    if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(c, str) and NAME_PATTERN.match(c) for c in raw):
        raise CatalogError(f"{here}.choices: expected a list of two or more names (lowercase letters, digits,"
                           " underscores), e.g. [unicast, multicast]")
    if len(set(raw)) != len(raw):
        raise CatalogError(f"{here}.choices: a choice is named twice")
    for key in ("min", "max"):
        if key in spec:
            raise CatalogError(f"{here}: a parameter with choices has no {key}")
    default = _text(spec, "default", here, required=True)
    if default not in raw:
        raise CatalogError(f"{here}.default: '{default}' is not one of its choices: {', '.join(raw)}")
    return Parameter(name=name, default=str(raw.index(default)), description=_text(spec, "description", here),
                     source=_text(spec, "source", here), minimum="0", maximum=str(len(raw) - 1),
                     choices=tuple(raw), fitted_to=_text_list(spec, "fitted_to", here))


def _no_follow_cycles(params: dict[str, Parameter], where: str) -> None:
    """A default that follows another parameter's default must not come back to itself."""
    for start in params.values():
        todo, seen = [start.name], set()
        while todo:
            name = todo.pop()
            follows = params[name].follows
            for other in sorted(follows.names if follows is not None else ()):
                if other == start.name:
                    raise CatalogError(f"{where}: parameters.{start.name}.follows comes back to itself through"
                                       f" '{name}'")
                if other not in seen:
                    seen.add(other)
                    todo.append(other)


def _check_derive_cycles(params: dict[str, Parameter], where: str) -> None:
    """Refuse derivations that go round (p from q, q from p): each would undo the other."""
    reads = {p.name: sorted(p.derive.names) for p in params.values() if p.derive is not None}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in reads:
        if state.get(start):
            continue
        path, stack = [start], [iter(reads[start])]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                steps = ", ".join(f"{a} from {b}" for a, b in zip(cycle, cycle[1:]))
                raise CatalogError(f"{where}: parameters.{cycle[0]}.derive: the derivations go round ({steps});"
                                   " derive each parameter from values that are not derived from it")
            elif nxt in reads and not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(reads[nxt]))


def _kpis(raw: dict, parameters: dict, where: str) -> dict[str, Kpi]:
    kpis: dict[str, Kpi] = {}
    choices = {p.name: p.choices for p in parameters.values() if p.choices}
    for name, spec in raw.items():
        here = f"{where}: kpis.{name}"
        _check_name(name, here)
        if name in parameters:
            raise CatalogError(f"{here}: '{name}' is already a parameter; give the KPI another name")
        if not isinstance(spec, dict):
            raise CatalogError(f"{here}: expected a mapping with formula and unit")
        _only_keys(spec, {"formula", "unit", "label", "direction", "description", "source",
                          "infeasible_if", "allow_negative", "not_applicable_if", "choices"}, here)
        result_choices = _kpi_choices(spec, here)
        formula = _formula(spec.get("formula"), f"{here}.formula", choices, result_choices)
        known = parameters.keys() | kpis.keys()
        unknown = formula.names - known
        if unknown:
            bad = sorted(unknown)[0]
            raise CatalogError(
                f"{here}.formula reads '{bad}', which is neither a parameter nor an earlier KPI"
                f"{suggest(bad, known)}"
            )
        direction = _text(spec, "direction", here)
        if direction not in DIRECTIONS:
            raise CatalogError(f"{here}.direction is '{direction}'; use one of UL, DL, UL+DL")
        kpis[name] = Kpi(
            name=name,
            formula=formula,
            unit=_text(spec, "unit", here, required=True),
            label=_text(spec, "label", here) or name.replace("_", " "),
            direction=direction,
            description=_text(spec, "description", here),
            source=_text(spec, "source", here),
            infeasible_if=_conditions(spec.get("infeasible_if", []), known | {name}, f"{here}.infeasible_if", choices),
            allow_negative=_flag(spec, "allow_negative", here),
            not_applicable_if=_conditions(spec.get("not_applicable_if", []), known, f"{here}.not_applicable_if",
                                          choices),
            choices=result_choices,
        )
    for kpi in kpis.values():
        if any(k.choices for n, k in kpis.items() if n in kpi.formula.names):
            raise CatalogError(f"{where}: kpis.{kpi.name}.formula reads a KPI with choices")
    return kpis


def _kpi_choices(spec: dict, here: str) -> tuple[str, ...]:
    raw = spec.get("choices")
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(c, str) and c.strip() for c in raw):
        raise CatalogError(f"{here}.choices: expected a list of two or more names")
    for item in raw:
        _no_control_characters(item, f"{here}.choices")
    if str(spec.get("unit", "")).strip():
        raise CatalogError(f"{here}: a KPI with choices has no unit (unit: \"\")")
    return tuple(raw)


def _conditions(raw, known, where: str, choices=None) -> tuple[Condition, ...]:
    items = raw if isinstance(raw, list) else [raw]
    conditions = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if not isinstance(item, dict) or set(item) != {"condition", "reason"}:
            raise CatalogError(f"{here}: expected {{condition: <formula>, reason: <text>}}")
        formula = _formula(item["condition"], f"{here}.condition", choices)
        unknown = formula.names - known
        if unknown:
            raise CatalogError(f"{here}.condition reads unknown name '{sorted(unknown)[0]}'")
        reason = _text(item, "reason", here, required=True)
        if len(reason) > MAX_REASON_CHARS:
            raise CatalogError(f"{here}.reason is {len(reason):,} characters; a reason may have at most"
                               f" {MAX_REASON_CHARS} (it is repeated on every sweep row it applies to)")
        conditions.append(Condition(formula, reason))
    return tuple(conditions)


def _published(raw: dict, kpis: dict, where: str) -> dict[str, Published]:
    published = {}
    for name, spec in raw.items():
        here = f"{where}: published.{name}"
        if name not in kpis:
            raise CatalogError(f"{here}: '{name}' is not a KPI of this use case{suggest(name, kpis)}")
        if not isinstance(spec, dict):
            spec = {"value": spec}
        _only_keys(spec, {"value", "text", "min", "max", "note", "source"}, here)
        entry = Published(
            kpi=name,
            value=_quantity_text(spec, "value", here),
            text=_text(spec, "text", here) or None,
            minimum=_quantity_text(spec, "min", here),
            maximum=_quantity_text(spec, "max", here),
            note=_text(spec, "note", here),
            source=_text(spec, "source", here),
        )
        forms = [entry.value is not None, entry.text is not None, entry.minimum is not None or entry.maximum is not None]
        if sum(forms) != 1:
            raise CatalogError(f"{here}: give exactly one of value, text, or min/max")
        published[name] = entry
    return published


def _formula(text, where: str, choices=None, result_choices=None) -> Formula:
    if not isinstance(text, str) or not text.strip():
        raise CatalogError(f"{where}: expected a formula as text")
    try:
        return compile_formula(text, choices, result_choices)
    except UserError as exc:
        raise CatalogError(f"{where}: {exc}") from None


# --- small validators -------------------------------------------------------------------


def _only_keys(data: dict, allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise CatalogError(f"{where}: unknown key '{snippet(key)}'{suggest(str(key), allowed)}")


def _mapping(data: dict, key: str, where: str, required: bool = False) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            raise CatalogError(f"{where}: missing '{key}'")
        return {}
    if not isinstance(value, dict) or not value:
        raise CatalogError(f"{where}: '{key}' must be a non-empty mapping")
    return value


def _text(data: dict, key: str, where: str, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise CatalogError(f"{where}: missing '{key}'")
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise CatalogError(f"{where}: '{key}' must be text")
    return _scalar_text(value, f"{where}: '{key}'")


def _flag(data: dict, key: str, where: str) -> bool:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):  # bool('no') would be True
        raise CatalogError(f"{where}: '{key}' must be true or false (unquoted)")
    return bool(value)


def _scalar_text(value, where: str) -> str:
    try:
        text = str(value).strip()
    except ValueError:  # Python refuses to print an int of more than 4300 digits
        raise CatalogError(f"{where}: a number with too many digits") from None
    _no_control_characters(text, where)
    return text


def _no_control_characters(text: str, where: str) -> None:
    r"""YAML's "\e[2J" or "\r" would reach a terminal (or end a CSV row) as they are; tab and newline are text."""
    if found := CONTROL_CHARACTERS.search(text):
        raise CatalogError(f"{where}: control character {found[0]!r} is not allowed in text")


def _text_list(data: dict, key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: '{key}' must be a list of text")
    for item in value:
        _no_control_characters(item, f"{where}: '{key}'")
    return tuple(value)


def _quantity_text(data: dict, key: str, where: str, required: bool = False) -> str | None:
    if key not in data or data[key] is None:
        if required:
            raise CatalogError(f"{where}: missing '{key}'")
        return None
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CatalogError(f"{where}.{key}: expected a quantity such as '10 MByte', got {value!r}")
    return _scalar_text(value, f"{where}.{key}")


def _check_name(name, where: str) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise CatalogError(f"{where}: name must be lowercase letters, digits and underscores, starting with a letter")


def load_text(text: str, path: str, *, check_units: bool = False) -> UseCase:
    """A use case from its YAML text (as read from `path`), parsed and checked as load_file
    does: how Dask workers rebuild the use case they were sent, wherever its file lives."""
    import yaml

    try:
        data = _compose_checked(text, Path(path))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: a catalog file must be a mapping of keys (id, title, ...)")
    uc = _build_usecase(data, Path(path))
    if check_units:
        check_dimensions(uc)
    return uc
