"""`--engine dask`: sweeps and samples evaluated on a Dask cluster (the `dask` extra).

    ammt-calc sweep ID --vary ... --engine dask [--scheduler tcp://host:8786] -o FOLDER
    ammt-calc sample ID --draw ... --engine dask [--scheduler tcp://host:8786]

With `--scheduler` the work goes to that existing cluster (`dask scheduler` and `dask
worker` processes; see docs/scaling.md); without it, to a LocalCluster of one worker
process per core, started for the run and closed after it.

What is sent: the use case's YAML text (workers parse and check it again, so the file
need not exist on their machines), the fixed values as exact text (repr of the float and
the unit), and the varied values or the distributions. Each task evaluates a range of the
grid's blocks (or of the draws), with the same block edges as the local engine, so every
number is the same:

- a sweep: each task writes its rows as one Parquet file `part-NNNNN.parquet` of the
  dataset folder (row order = part order, then row order within a part). The workers
  write into a temporary folder beside FOLDER, renamed to FOLDER when every part is
  written; on a multi-machine cluster that folder must be on a filesystem every worker
  and the client see at the same path (NFS, a mounted share);
- a sample: each task returns its summary (the feasible values when the draws are few
  enough for exact percentiles, else log-bucket counts, see montecarlo.py); the client merges
  them in draw order, so the percentiles are the local engine's (exactly, or with the
  same 1e-4 relative bound).

A scheduler address is checked before anything connects, and connecting, Dask's
handshake and the first answer share one deadline, CONNECT_TIMEOUT seconds by default
(scheduler.py). Every failure before the run is one line and exit code 2; a cluster that
fails during the run (a worker or the scheduler gone) is one line and exit code 3
(errors.ClusterFailed). SIGINT, SIGTERM and SIGHUP cancel the tasks and remove the partial
dataset folder, as the local engine removes its temporary file. A local cluster's scratch
folder is a folder of ours (scratch.py), removed when the cluster closes.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import (
    ClusterFailed,
    Interrupted,
    UserError,
    os_error,
    short_path,
    signals_interrupt,
)
from ..units import registry as units
from . import montecarlo as sampling
from . import sweeps

ENGINES = ("local", "dask")
CONNECT_TIMEOUT = 10.0  # seconds to reach a named scheduler, shake hands and hear its answer
MAX_CONNECT_TIMEOUT = 600.0  # a deadline longer than ten minutes is a typo
INSTALL = "pip install 'ammt-calc[dask]'"
TASKS_PER_WORKER = 4  # tasks per worker thread: keeps every worker busy to the end
PART = "part-{:05d}.parquet"


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise UserError(f"unknown engine '{name}'; use one of: {', '.join(ENGINES)}")
    return name


def require() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise UserError(f"--engine dask needs {exc.name}, which is not installed: {INSTALL}") from None


def check_timeout(seconds, scheduler: str | None = "") -> float:
    """The connect deadline in seconds: a number (or its text, `--connect-timeout`) above 0 and at
    most MAX_CONNECT_TIMEOUT; None is the default. Only a named scheduler has one."""
    if seconds is None:
        return CONNECT_TIMEOUT
    if scheduler is None:
        raise UserError("--connect-timeout is the deadline of --scheduler; give --scheduler too")
    if isinstance(seconds, str):
        from ..units.numbers import bounded_number

        return bounded_number(seconds, "--connect-timeout", MAX_CONNECT_TIMEOUT, " s")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= MAX_CONNECT_TIMEOUT:
        raise UserError(f"the connect timeout must be a number of seconds above 0 and at most {MAX_CONNECT_TIMEOUT:g},"
                        f" got {str(seconds)[:40]!r}")
    return float(seconds)


@contextmanager
def client(scheduler: str | None = None, workers: int | None = None,
           timeout: float = CONNECT_TIMEOUT) -> Iterator[Any]:
    """A distributed.Client: to `scheduler` (reached within `timeout` seconds, handshake and
    first answer included), or to a LocalCluster of `workers` processes (default: one per
    core, one thread each) made for the block and closed after it."""
    require()
    import distributed

    from .. import scratch
    from . import scheduler as addresses

    for name in ("distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny",
                 "distributed.client", "distributed.core", "distributed.comm"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # their warnings are not ours to print
    if scheduler is not None:
        timeout = check_timeout(timeout)
        address = addresses.parse_address(scheduler)
        left = addresses.reach(address, timeout)
        try:
            connected = distributed.Client(str(address), timeout=f"{left}s", set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - the first answer came: whatever fails now is the cluster's
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UserError(f"cannot reach the Dask scheduler at '{address}' within {timeout:g} s ({why[:160]});"
                            " start it with `dask scheduler`, or leave out --scheduler for a local cluster") from None
        with connected:
            yield connected
        return
    folder = scratch.folder("dask")
    try:
        import dask

        # ":0": its HTTP server on a free port (None still asks for 8787, and warns when that is taken)
        with dask.config.set({"temporary-directory": folder}), _quiet_workers():
            cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                               processes=True, dashboard_address=":0", local_directory=folder)
            with cluster, distributed.Client(cluster, set_as_default=False) as connected:
                yield connected
    finally:
        scratch.remove(folder)


@contextmanager
def _quiet_workers():
    """Worker processes started inside log only what is critical: a cancelled task (Ctrl-C) is
    not a warning for the user (the variable is read when distributed is imported there)."""
    name = "DASK_LOGGING__DISTRIBUTED"
    old = os.environ.get(name)
    os.environ[name] = "critical"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


@contextmanager
def _running(connected, futures: list, staging: Path | None, shown: str):
    """Around a gather: a signal cancels the tasks and removes the partial folder (Interrupted),
    and a cluster that fails mid-run is one line (ClusterFailed, exit 3)."""
    from distributed.comm.core import CommClosedError

    try:
        with signals_interrupt(shown):
            yield
    except (Interrupted, KeyboardInterrupt):
        _hold_signals()  # a second Ctrl-C must not stop the clean-up half-way
        _clean(connected, futures, staging)
        raise
    except UserError:  # bad input found on a worker: exit 2, as locally
        _clean(connected, futures, staging)
        raise
    except (CommClosedError, OSError, TimeoutError, Exception) as exc:  # noqa: BLE001 - KilledWorker, a lost scheduler
        _clean(connected, futures, staging)
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClusterFailed(f"the Dask cluster failed during the run ({type(exc).__name__}: {why[:160]});"
                            " nothing was written") from None


def _hold_signals() -> None:
    import signal

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def _clean(connected, futures: list, staging: Path | None) -> None:
    try:
        connected.cancel(futures)
    except Exception:  # noqa: BLE001 - a cluster already gone cancels nothing
        pass
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)


def _staging(target: Path) -> Path:
    """The temporary dataset folder beside `target` (renamed to it when every part is written)."""
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        staging.mkdir(mode=0o700)
    except OSError as exc:
        raise os_error(target, exc, "write the dataset") from None
    return staging


def _threads(connected) -> int:
    return max(1, sum(w.get("nthreads", 1) for w in connected.scheduler_info()["workers"].values()))


# --- what is sent to the workers ---------------------------------------------------------


def _usecase_source(uc) -> dict:
    try:
        text = Path(uc.path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read '{uc.path}' to send it to the workers: {exc.strerror or exc}") from None
    return {"id": uc.id, "path": uc.path, "text": text}


def _fixed_texts(fixed: dict) -> dict[str, str]:
    """Fixed quantities as exact text: repr of the float keeps every bit."""
    return {name: f"{float(q.magnitude)!r} {units.format_unit(q.units)}".strip() for name, q in fixed.items()}


_USECASES: dict[tuple[str, str], Any] = {}  # per worker process: each use case parsed once


def _usecase(source: dict):
    from ..usecases.loading import load_text

    key = (source["path"], source["text"])
    if key not in _USECASES:
        uc = load_text(source["text"], source["path"], check_units=True)
        if uc.id != source["id"]:
            raise UserError(f"{source['path']}: the file sent holds '{uc.id}', not '{source['id']}'")
        _USECASES[key] = uc
    return _USECASES[key]


def _fixed(uc, texts: dict[str, str]) -> dict:
    from .evaluation import resolve_inputs

    return resolve_inputs(uc, texts)[0]


# --- sweep -------------------------------------------------------------------------------


def grid_job(grid: sweeps.Grid) -> dict:
    """A grid as plain data a worker can rebuild it from."""
    return {"usecase": _usecase_source(grid.usecase), "fixed": _fixed_texts(grid.fixed), "zipped": grid.zipped,
            "origins": dict(grid.origins), "transport": grid.transport, "cell": grid.cell, "columns": grid.columns,
            "axes": [(a.name, a.values, a.unit, a.log, a.spec) for a in grid.axes]}


def rebuild_grid(job: dict) -> sweeps.Grid:
    uc = _usecase(job["usecase"])
    axes = tuple(sweeps.Axis(*axis) for axis in job["axes"])
    return sweeps.Grid(uc, axes, _fixed(uc, job["fixed"]), origins=job["origins"], zipped=job["zipped"],
                       columns=job["columns"], transport=job["transport"], cell=job["cell"])


def block_count(grid: sweeps.Grid, chunk: int | None = None) -> int:
    return sum(1 for _ in sweeps.block_values(grid, chunk))


def grid_blocks(grid: sweeps.Grid, first: int, last: int, chunk: int | None = None):
    """Blocks first..last of sweeps.blocks(grid), the same blocks (of the memory budget's size,
    by default), without evaluating the others."""
    for start, stop, shape, quantities in islice(sweeps.block_values(grid, chunk), first, last):
        yield sweeps.evaluate_block(grid.usecase, grid.fixed, grid.columns, start, stop, shape, quantities,
                                    grid.transport, grid.cell)


def _sweep_part(job: dict, first: int, last: int, folder: str, part: int, writer: Callable) -> int:
    """On a worker: blocks first..last written as one file by `writer`; returns its rows."""
    grid = rebuild_grid(job)
    return writer(os.path.join(folder, PART.format(part)), grid.columns, grid_blocks(grid, first, last),
                  sweeps.describe(grid), reasons=sweeps.reason_columns(grid.usecase))


def sweep(grid: sweeps.Grid, folder: str | Path, writer: Callable, scheduler: str | None = None,
          workers: int | None = None, parts: int | None = None, timeout: float = CONNECT_TIMEOUT) -> int:
    """The grid as a dataset (a folder of parts, each written on a worker by
    `writer(path, columns, blocks, about, reasons=...) -> rows`, e.g. present.parquet.write); returns the rows."""
    require()
    target = _dataset_target(folder)
    job = grid_job(grid)
    blocks = block_count(grid)
    with client(scheduler, workers, timeout) as connected:
        count = max(1, min(blocks, parts or TASKS_PER_WORKER * _threads(connected)))
        edges = [blocks * i // count for i in range(count + 1)]
        staging = _staging(target)
        futures: list = []
        try:
            with _running(connected, futures, staging, short_path(folder)):
                futures += [connected.submit(_sweep_part, job, a, b, str(staging), i, writer, pure=False)
                            for i, (a, b) in enumerate(zip(edges, edges[1:]))]
                rows = sum(connected.gather(futures))
                _replace_folder(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return rows


def _dataset_target(folder: str | Path) -> Path:
    """The dataset folder: new, empty, or an earlier dataset (only part files), which is replaced."""
    text = str(folder)
    if not text.strip() or text == "-":
        raise UserError("--engine dask writes a Parquet dataset: give -o FOLDER")
    path = Path(os.path.realpath(text))
    if path.exists():
        if not path.is_dir():
            raise UserError(f"cannot write the dataset '{text}': it exists and is not a folder")
        strangers = [p.name for p in path.iterdir() if not (p.name.startswith("part-") and p.suffix == ".parquet")]
        if strangers:
            raise UserError(f"cannot write the dataset '{text}': the folder holds other files ({strangers[0]}, ...);"
                            " give a new or empty folder")
    if not path.parent.is_dir():
        raise UserError(f"cannot write the dataset '{text}': folder '{path.parent}' does not exist")
    return path


def _replace_folder(staging: Path, target: Path) -> None:
    try:
        _swap_folder(staging, target)
    except OSError as exc:
        raise os_error(target, exc, "write the dataset") from None


def _swap_folder(staging: Path, target: Path) -> None:
    if target.exists():
        old = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.old"
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)


# --- sample ------------------------------------------------------------------------------


def plan_job(plan: sampling.Plan) -> dict:
    return {"usecase": _usecase_source(plan.usecase), "fixed": _fixed_texts(plan.fixed), "draws": plan.draws,
            "count": plan.count, "seed": plan.seed, "exact": plan.exact, "transport": plan.transport,
            "cell": plan.cell, "columns": plan.columns}  # in the units asked for (--unit), as the client planned them


def rebuild_plan(job: dict) -> sampling.Plan:
    uc = _usecase(job["usecase"])
    draws = tuple(job["draws"])
    return sampling.Plan(uc, draws, _fixed(uc, job["fixed"]), job["count"], job["seed"],
                         job["columns"], exact=job["exact"], transport=job["transport"], cell=job["cell"])


def _sample_part(job: dict, start: int, stop: int, folder: str | None, part: int,
                 writer: Callable | None) -> sampling.Summary:
    """On a worker: draws start..stop summarised (and written as one file by `writer` if asked)."""
    plan = rebuild_plan(job)
    if folder is None:
        return sampling.summarize(plan, start, stop)
    kpis = sampling.kpi_summaries(plan)

    def summarised(blocks):
        for block in blocks:
            sampling.add_block(kpis, block)
            yield block

    writer(os.path.join(folder, PART.format(part)), plan.columns, summarised(sampling.blocks(plan, start, stop)),
           sampling.describe(plan), reasons=sweeps.reason_columns(plan.usecase))
    return sampling.Summary(start, stop, kpis)


def sample(plan: sampling.Plan, scheduler: str | None = None, workers: int | None = None,
           parts: int | None = None, folder: str | Path | None = None, writer: Callable | None = None,
           timeout: float = CONNECT_TIMEOUT) -> sampling.SampleResult:
    """The sample's summary computed on the cluster; with `folder` and `writer` (e.g.
    present.parquet.write) every draw too, as a dataset of parts written by the workers."""
    if (folder is None) != (writer is None):
        raise ValueError("give both folder and writer, or neither")
    require()
    target = _dataset_target(folder) if folder is not None else None
    job = plan_job(plan)
    with client(scheduler, workers, timeout) as connected:
        ranges = sampling.partitions(plan.count, parts or TASKS_PER_WORKER * _threads(connected))
        staging = _staging(target) if target is not None else None
        futures: list = []
        try:
            with _running(connected, futures, staging, short_path(folder) if folder is not None else "stdout"):
                futures += [connected.submit(_sample_part, job, a, b, staging and str(staging), i, writer, pure=False)
                            for i, (a, b) in enumerate(ranges)]
                summaries = connected.gather(futures)
                if staging is not None:
                    _replace_folder(staging, target)
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    total = summaries[0]
    for later in summaries[1:]:
        total.merge(later)
    return sampling.SampleResult(plan, total)

