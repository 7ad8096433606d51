"""The public API's arguments checked as the CLI checks its options.

The CLI's options are text, parsed one way; the API takes Python values, so each public
function first checks its arguments here, in one line: a wrong type is a UserError naming
the argument (never a TypeError or AttributeError from deep inside), lists are measured
before anything is made from them (a sweep's values, an evaluation's arrays), and an
evaluation's arrays are held to a memory budget, as a sweep's blocks are. A path given as
a `pathlib.Path` (model=Path("config.json")) is taken as its text.
"""

from __future__ import annotations

import math
import os
from typing import Any, Mapping

from .errors import UserError

# An evaluation holds every parameter and KPI of every point at once (a sweep streams them in
# blocks): points x columns x CELL_BYTES (72 bytes a number cell, measured) must fit this.
EVALUATE_MEMORY = 512 << 20
MAX_USECASES = 10_000  # ids in one evaluate() call (the catalog holds tens)
MAX_SETTINGS = 10_000  # names in one settings mapping (a use case has tens of parameters)


def _type_name(value: Any) -> str:
    return type(value).__name__


def usecase_ref(value: Any, name: str = "usecase_or_id"):
    """A use-case id (text) or a UseCase."""
    from .usecases.domain import UseCase

    if isinstance(value, UseCase):
        return value
    if isinstance(value, str):
        return value
    raise UserError(f"{name} must be a use-case id (text) or a UseCase, not {_type_name(value)}"
                    " (see list_usecases())")


def usecases(value: Any):
    """evaluate()'s first argument: None (all), an id, a UseCase, or a list of them (not empty)."""
    from .usecases.domain import UseCase

    if value is None or isinstance(value, (str, UseCase)):
        return value if value is None else usecase_ref(value, "usecases")
    if not isinstance(value, (list, tuple)):
        raise UserError(f"usecases must be None (all), an id, a UseCase or a list of them, not {_type_name(value)}")
    if not value:
        raise UserError("usecases is an empty list: name at least one use case, or give None for all of them")
    if len(value) > MAX_USECASES:
        raise UserError(f"usecases lists {len(value):,} use cases; at most {MAX_USECASES:,}")
    for item in value:
        usecase_ref(item, "usecases")
    return value


def optional_text(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise UserError(f"{name} must be text or None, not {_type_name(value)}")


def text(value: Any, name: str) -> str:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, str):
        return value
    raise UserError(f"{name} must be text, not {_type_name(value)}")


def texts(values: Any, name: str) -> list[str]:
    """A list (or tuple) of texts."""
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise UserError(f"{name} must be a list of texts, not {_type_name(values)}")
    return [text(v, name) for v in values]


def flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise UserError(f"{name} must be True or False, not {_type_name(value)}")


def catalog(value: Any):
    from .usecases.domain import Catalog

    if value is None or isinstance(value, Catalog):
        return value
    raise UserError(f"catalog must be a Catalog (load_catalog(dir)) or None, not {_type_name(value)}")


def transport(value: Any):
    if value is None or isinstance(value, str):  # the usual case, without importing the transport
        return value
    from .network.transport import TransportSpec

    if isinstance(value, TransportSpec):
        return value
    raise UserError(f"transport must be a spec text ('tcp,rtt=20ms') or a TransportSpec, not {_type_name(value)}")


def settings(values: Mapping[str, Any] | None, name: str = "settings", max_length: int | None = None) -> dict:
    """A mapping of parameter names to values: text, numbers, quantities, arrays or lists of them
    (each list at most `max_length` long, measured before it is read); a Path becomes its text."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise UserError(f"{name} must be a mapping of parameter names to values, not {_type_name(values)}")
    if len(values) > MAX_SETTINGS:
        raise UserError(f"{name} holds {len(values):,} names; at most {MAX_SETTINGS:,}")
    out = {}
    for key, value in values.items():
        if not isinstance(key, str):
            raise UserError(f"{name}: parameter names are text, not {_type_name(key)} ({str(key)[:40]!r})")
        out[key] = value if isinstance(value, str) else _value(value, f"{name}[{key[:40]!r}]", _limit(max_length))
    return out


def _limit(max_length: int | None) -> int:
    if max_length is not None:
        return max_length
    from .engine.sweeps import MAX_POINTS  # where values are arrays or lists, not text

    return MAX_POINTS


def _value(value: Any, where: str, limit: int) -> Any:
    import numpy as np

    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, bool):
        raise UserError(f"{where} is True or False; give a value with its unit (e.g. '500 ms'), or a number")
    if isinstance(value, (str, int, float, np.number)) or hasattr(value, "units"):  # a pint quantity
        if hasattr(value, "units") and np.size(value.magnitude) > limit:
            raise UserError(f"{where} holds {np.size(value.magnitude):,} values; at most {limit:,}")
        return value
    if isinstance(value, np.ndarray):
        if value.size > limit:
            raise UserError(f"{where} holds {value.size:,} values; at most {limit:,}")
        return value
    if isinstance(value, (list, tuple)):
        if len(value) > limit:
            raise UserError(f"{where} holds {len(value):,} values; at most {limit:,} (checked before they are read)")
        for item in value:
            if isinstance(item, bool) or not (isinstance(item, (str, int, float, np.number)) or hasattr(item, "units")):
                raise UserError(f"{where}: a list holds text, numbers or quantities, got {_type_name(item)}")
        return value
    raise UserError(f"{where} must be text with a unit, a number, a quantity or a list of them,"
                    f" got {_type_name(value)}")


def evaluation_size(chosen, values: Mapping[str, Any]) -> None:
    """Refuse an evaluation whose arrays would not fit EVALUATE_MEMORY (a sweep streams them)."""
    if all(isinstance(v, str) for v in values.values()):  # single values: nothing to measure
        return
    import numpy as np

    from .engine.sweeps import CELL_BYTES

    shapes = [(len(v),) if isinstance(v, (list, tuple)) else np.shape(getattr(v, "magnitude", v))
              for v in values.values() if not isinstance(v, str)]
    try:
        points = math.prod(np.broadcast_shapes(*shapes)) if shapes else 1
    except ValueError:  # shapes that do not broadcast: the evaluation says so by name
        return
    columns = sum(len(uc.parameters) + len(uc.kpis) for uc in chosen)
    need = points * columns * CELL_BYTES
    if need > EVALUATE_MEMORY:
        raise UserError(f"evaluating {points:,} points of {columns:,} parameters and KPIs would take about"
                        f" {need / 2**20:,.0f} MiB; at most {EVALUATE_MEMORY >> 20} MiB at once: use sweep() or"
                        " write_sweep(), which evaluate block by block")


def engine_options(engine: Any, scheduler: Any) -> None:
    """engine and scheduler as `sample`/`write_sweep` take them: a known engine, a scheduler
    only with engine="dask"."""
    from .engine.dask_engine import check_engine

    check_engine(text(engine, "engine"))
    optional_text(scheduler, "scheduler")
    if scheduler is not None and engine != "dask":
        raise UserError("--scheduler names a Dask cluster; give --engine dask too")


# --- one call per public function --------------------------------------------------------


def evaluate_args(usecases_, settings_, values, cell, qos, transport_, catalog_) -> dict:
    """evaluate()'s arguments; returns the settings and keyword values merged."""
    usecases(usecases_)
    optional_text(cell, "cell"), flag(qos, "qos"), transport(transport_), catalog(catalog_)
    return {**settings(settings_), **settings(values, "values")}


def sweep_args(usecase_or_id, vary, settings_, zip_, transport_, catalog_) -> tuple[dict, dict]:
    """plan_sweep()'s arguments; returns (vary, settings) with every list measured before it is read."""
    usecase_ref(usecase_or_id), flag(zip_, "zip"), transport(transport_), catalog(catalog_)
    if not isinstance(vary, Mapping):
        raise UserError(f"vary must be a mapping of parameter names to values, not {_type_name(vary)}")
    return settings(vary, "vary"), settings(settings_)


def sample_args(usecase_or_id, draws, settings_, transport_, catalog_) -> tuple[dict, dict]:
    """plan_sample()'s arguments (count and seed: api._whole, as the CLI's text); returns (draws, settings)."""
    usecase_ref(usecase_or_id), transport(transport_), catalog(catalog_)
    if not isinstance(draws, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in draws.items()):
        raise UserError("draws must map parameter names to distribution texts (e.g. {'model_size':"
                        " 'loguniform:10MB:1GB'})")
    return dict(draws), settings(settings_)


def solve_args(usecase_or_id, parameter, target, settings_, values, transport_, catalog_) -> dict:
    usecase_ref(usecase_or_id), text(parameter, "parameter"), transport(transport_), catalog(catalog_)
    if not isinstance(target, str) and not (isinstance(target, tuple) and len(target) == 2 and isinstance(target[0], str)):
        raise UserError(f"target must be 'KPI=VALUE' text or a (KPI, value) pair, not {_type_name(target)}")
    return {**settings(settings_), **settings(values, "values")}
