"""The one facade: every command of the CLI, and every script, goes through these functions.

    import ammt_calc as ac
    ac.evaluate("model-distribution-image-recognition", latency="500 ms")["dl_data_rate"]
    ac.evaluate("split-image-recognition", model="vgg16", split="pool5").to_dict()

A use case is given by id or as a `UseCase` of `load_catalog(dir)`. Parameter values are
text with units ("102.4 MB", "int4" for bits), quantities of ammt-calc's registry
(`quantity`), zoo names and model files (`model="vgg16"`), or plain numbers for counts and
ratios. Every result has `to_dict()`: exactly the document `--format json` prints, and
`notes`: what the CLI prints as `note:` lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from . import validate
from .engine.settings import resolve
from .errors import UserError, suggest
from .exports import check_sweep_output, sweep_blocks, write_sweep  # noqa: F401  (the facade's)
from .present import documents
from .results import (
    REPORT_POINTS,
    Document,
    Report,
    Result,
    Solution,
    SweepResult,
    displayable,
)
from .usecases.dimensions import check_dimensions
from .usecases.domain import Catalog, UseCase
from .usecases.loading import load_catalog as _load_catalog

_CATALOGS: dict[tuple[str, ...], Catalog] = {}


def load_catalog(*dirs: str | Path) -> Catalog:
    """The built-in use cases plus the YAML files in `dirs`, every formula's units checked
    when the catalog loads (once: the built-in catalog is kept)."""
    if dirs:  # read afresh: a notebook may be editing them
        return _load_catalog([str(d) for d in dirs])
    if () not in _CATALOGS:
        _CATALOGS[()] = _load_catalog()
    return _CATALOGS[()]


def parse_settings(items: Sequence[str]) -> dict[str, str]:
    """`NAME=VALUE` texts (the CLI's `--set`) as {name: value}; a parameter named twice is refused."""
    from .engine.settings import parse_pairs

    return parse_pairs(items)


def use_cache(enabled: bool = True) -> None:
    """Keep (True) or bypass (False, the CLI's `--no-cache`) the compiled catalog cache in this process."""
    from .usecases import cache

    cache.enable() if enabled else cache.disable()


def usecase(usecase: str | UseCase, catalog: Catalog | None = None) -> UseCase:
    """A use case by id (built-in catalog, or `catalog`), or the `UseCase` given; units checked."""
    validate.usecase_ref(usecase, "usecase"), validate.catalog(catalog)
    uc = usecase if isinstance(usecase, UseCase) else (catalog or load_catalog()).get(usecase)
    check_dimensions(uc)  # a no-op for a use case of a loaded catalog (checked when it loaded)
    return uc


def quantity(value: Any, unit: str | None = None):
    """A pint quantity of `ureg` (ammt-calc's units): quantity("102.4 MB"), quantity(500, "ms"),
    quantity(np.array([1, 2]), "Gbit/s"), or a quantity of another pint registry read into ours.
    Unit text follows ammt-calc's rules (`Mb` is refused as ambiguous; `bit` is information)."""
    import numpy as np

    from .units import boundary
    from .units import registry as units

    if boundary.is_pint(value) and unit is None:
        return boundary.to_pint(boundary.from_pint(value))
    if isinstance(value, str) and unit is None:
        return boundary.to_pint(units.parse_quantity(value))
    if unit is not None and not isinstance(unit, str):
        unit = str(unit)  # a pint unit: its long name ("megabit / second")
    return boundary.to_pint(units.quantity(np.asarray(value, dtype=float) if np.ndim(value) else float(value), unit or ""))


def cache_notes() -> tuple[str, ...]:
    """Why the catalog cache was not used, or was replaced, this run (each once): the CLI's notes."""
    from .usecases import cache

    return tuple(cache.take_notes())


# --- list / show -------------------------------------------------------------------------


def list_usecases(family: str | None = None, catalog: Catalog | None = None) -> Document:
    """id, title, family and sources of every use case (of one family, any case)."""
    validate.optional_text(family, "family"), validate.catalog(catalog)
    catalog = catalog or load_catalog()
    if family is not None:
        families = {f.lower(): f for f in catalog.families()}
        if family.lower() not in families:
            raise UserError(f"unknown family '{family}'{suggest(family.lower(), families)}; families:"
                            f" {', '.join(catalog.families())}")
        family = families[family.lower()]
    return Document(documents.list_rows(uc for uc in catalog.summaries() if family in (None, uc.family)))


def show(usecase_or_id: str | UseCase, qos: bool = False, catalog: Catalog | None = None) -> Document:
    """Parameters, KPIs with formulas, sources and published values; with qos, the 5QIs per flow
    at the defaults (which evaluates the use case: numpy)."""
    validate.usecase_ref(usecase_or_id), validate.flag(qos, "qos"), validate.catalog(catalog)
    if not qos:
        uc = usecase_or_id if isinstance(usecase_or_id, UseCase) else (catalog or load_catalog()).get(usecase_or_id)
        return Document(documents.describe(uc))
    from .engine.evaluation import evaluate as _evaluate
    from .network import qos as qos_module

    uc = usecase_or_id if isinstance(usecase_or_id, UseCase) else (catalog or load_catalog()).get(usecase_or_id)
    try:
        flows = qos_module.usecase_flows([_evaluate(usecase(uc))])
    except UserError as exc:
        return Document({**documents.describe(uc), "qos": None}, (f"5QIs not evaluated: {exc}",))
    return Document({**documents.describe(uc), "qos": flows})


# --- evaluate ----------------------------------------------------------------------------


def evaluate(usecases: str | UseCase | Sequence[str | UseCase] | None, settings: Mapping[str, Any] | None = None,
             /, *, cell: str | None = None, qos: bool = False, transport: str | None = None,
             catalog: Catalog | None = None, units: Mapping[str, str] | None = None, **values) -> Result:
    """Every KPI of one use case, several, or (None) all; parameters not given keep their
    defaults. `to_dict()` gives each value in one unit per kind (docs/units.md), or in the
    unit `units` ({KPI: unit}, `--unit`) asks for. `cell` adds each rate's share of an NR cell (its peak, or with profile=... its
    ITU-R M.2410 average) and each flow's burst and sustained load on it; a cell at a site
    ("site=uma,fc=3.5GHz,bandwidth=100MHz[,nlos][,coverage=95%]") also each flow's reach,
    `<dir>_max_distance` (docs/network.md), `qos` the 5QIs per
    flow, `transport` ("tcp,rtt=20ms", docs/network.md) each flow's IP rate, delivery time
    and the rate meeting its deadline."""
    from .engine.evaluation import evaluate as _evaluate

    given = validate.evaluate_args(usecases, settings, values, cell, qos, transport, catalog)
    chosen = _usecases(usecases, catalog)
    validate.evaluation_size(chosen, given)
    spec, notes = _transport(transport)
    parsed_cell = None
    if cell is not None:
        from .network.reach import parse_cell

        cell_notes: list[str] = []
        parsed_cell = parse_cell(cell, cell_notes, profiles=True)
        notes += [f"--cell: {n}" for n in dict.fromkeys(cell_notes)]
    evaluations = []
    for inputs in resolve(chosen, given):
        evaluations.append(_evaluate(inputs.usecase, inputs.values, inputs.notes, inputs.origins, transport=spec,
                                     cell=parsed_cell))
        notes[:0] = [f"{inputs.usecase.id}: {n}" for n in evaluations[-1].notes]  # the inputs', the reach's
        notes += _streaming_notes(spec, inputs.usecase)
        if spec is not None:
            from .network.transport import packet_notes

            notes += packet_notes(spec, evaluations[-1])
    return Result(tuple(evaluations), parsed_cell, qos, tuple(notes), spec, _unit_options(units))


def _unit_options(given) -> dict[str, str]:
    """{name: unit} from a mapping or `--unit NAME=UNIT` texts, each unit checked."""
    from .units.machine import parse_unit_options

    return parse_unit_options(given)


def _streaming_notes(spec, uc) -> list[str]:
    """Which flows of `uc` run warm under `spec` because they stream (none without a transport)."""
    if spec is None:
        return []
    from .network.transport import streaming_notes

    return streaming_notes(spec, uc)


def _transport(text: str | None) -> tuple[Any, list[str]]:
    """The parsed transport spec and a note on the defaults it took (None, [] without one)."""
    if text is None:
        return None, []
    from .network.transport import parse_transport

    spec = parse_transport(text)
    return spec, ([f"--transport: {', '.join(spec.defaults)}"] if spec.defaults else [])


def _usecases(usecases, catalog: Catalog | None) -> list[UseCase]:
    if usecases is None or (not isinstance(usecases, (str, UseCase)) and not usecases):
        return [usecase(uc, catalog) for uc in (catalog or load_catalog())]
    if isinstance(usecases, (str, UseCase)):
        usecases = [usecases]
    unique = list({(u if isinstance(u, str) else u.id): u for u in usecases}.values())  # an id named twice: once
    return [usecase(u, catalog) for u in unique]


# --- sweep -------------------------------------------------------------------------------


def plan_sweep(usecase_or_id: str | UseCase, vary: Mapping[str, Any], settings: Mapping[str, Any] | None = None,
               *, zip: bool = False, transport: str | None = None, cell: str | None = None,
               catalog: Catalog | None = None, units: Mapping[str, str] | None = None):
    """The checked, sized grid of a sweep (nothing evaluated yet but one point): what the CLI
    streams block by block. Zoo references in `settings` are resolved as in `evaluate`; a
    `transport` adds its KPIs as columns, a `cell` at a site ("site=uma,fc=3.5GHz,
    bandwidth=100MHz") each flow's reach, `<dir>_max_distance`. Columns are in one unit per
    kind of quantity (docs/units.md) unless `units` ({name: unit}, `--unit`) asks for another."""
    from .engine import sweeps

    vary, settings = validate.sweep_args(usecase_or_id, vary, settings, zip, transport, catalog)
    uc, inputs, spec, notes = _planning(usecase_or_id, vary, ("varied", "--vary"), settings, transport, catalog)
    site_cell, cell_notes = _site_cell(cell)
    return sweeps.plan(uc, vary, inputs.values, zipped=zip, origins=inputs.origins, notes=notes + cell_notes,
                       transport=spec, cell=site_cell, unit_options=_unit_options(units))


def _planning(usecase_or_id, given: Mapping[str, Any], how: tuple[str, str], settings, transport, catalog):
    """What a sweep or a sample is planned from: (use case, its resolved settings, transport
    spec, notes). A parameter both given (`how`: "varied", "--vary") and set is refused by
    the name written, a zoo name such as model= included, before the zoo resolves it."""
    uc = usecase(usecase_or_id, catalog)
    for name in given:
        if name in (settings or {}):
            raise UserError(f"{name} is both {how[0]} and set; give it with {how[1]} or --set, not both")
    spec, transport_notes = _transport(transport)
    from .engine.evaluation import refuse_presets_across

    refuse_presets_across(uc, given, settings or {})
    inputs = resolve([uc], settings or {})[0]
    return uc, inputs, spec, [f"{uc.id}: {n}" for n in inputs.notes] + transport_notes + _streaming_notes(spec, uc)


def _site_cell(text: str | None) -> tuple[Any, list[str]]:
    """A `--cell` of sweep, solve and sample: a cell at a site (its reach KPIs), and its notes."""
    if text is None:
        return None, []
    from .network.reach import parse_cell

    notes: list[str] = []
    cell = parse_cell(text, notes, profiles=True)
    if cell.site is None:
        raise UserError("--cell here adds each flow's reach: give a site, e.g. site=uma,fc=3.5GHz,bandwidth=100MHz"
                        "[,nlos][,coverage=95%] (a cell's peak or profile shares are shown by `usecase --cell`)")
    return cell, [f"--cell: {n}" for n in dict.fromkeys(notes)]


def sweep(usecase_or_id: str | UseCase, vary: Mapping[str, Any], settings: Mapping[str, Any] | None = None,
          *, zip: bool = False, transport: str | None = None, cell: str | None = None,
          catalog: Catalog | None = None, units: Mapping[str, str] | None = None) -> SweepResult:
    """Every KPI over a grid: `vary` maps parameter names to a spec text ("10MB:1GB:50:log",
    "100ms,1s"), a list of values (texts with units, or numbers for counts and ratios) or a
    quantity array. A full grid of all of them, or with zip=True the i-th values together."""
    import numpy as np

    from .engine import sweeps

    grid = plan_sweep(usecase_or_id, vary, settings, zip=zip, transport=transport, cell=cell, catalog=catalog,
                      units=units)
    columns: dict[str, list] = {c.name: [] for c in grid.columns}
    feasible: dict[str, list] = {c.name: [] for c in grid.columns if c.kind == "kpi"}
    reasons: dict[str, tuple[list, list]] = {name: ([], []) for name in sweeps.reason_columns(grid.usecase)}
    for block in sweeps.blocks(grid):
        for name in columns:
            columns[name].append(block.column(name))
        for name, result in block.evaluation.kpis.items():
            feasible[name].append(np.broadcast_to(result.feasible, block.shape).ravel())
        for name, (indexes, tables) in reasons.items():  # each block's reason tables, appended to the sweep's
            found = sweeps.infeasible_reasons(block, name)
            indexes.append(np.full(block.stop - block.start, -1, np.int64) if found is None else found[0] + len(tables))
            tables += found[1] if found is not None else []
    return SweepResult(grid, {k: np.concatenate(v) for k, v in columns.items()},
                       {k: np.concatenate(v) for k, v in feasible.items()},
                       {name: (np.concatenate(i), tuple(t)) for name, (i, t) in reasons.items()})


def parse_vary(items: Sequence[str]) -> dict[str, str]:
    """`NAME=SPEC` texts (the CLI's `--vary`) as {name: spec}; a parameter named twice is refused."""
    from .engine.sweeps import parse_vary as parse

    return parse(items)


# --- sample ------------------------------------------------------------------------------


def plan_sample(usecase_or_id: str | UseCase, draws: Mapping[str, str], settings: Mapping[str, Any] | None = None,
                *, count: int | None = None, seed: int = 0, transport: str | None = None, cell: str | None = None,
                catalog: Catalog | None = None, units: Mapping[str, str] | None = None):
    """The checked plan of a Monte Carlo sample (nothing evaluated yet but one draw).
    `draws` maps parameter names to distributions ("loguniform:10MB:1GB"); zoo references in
    `settings` are resolved as in `evaluate`; a `transport` adds its KPIs, a `cell` at a site
    each flow's reach, as in a sweep."""
    from .engine import montecarlo as sampling

    draws, settings = validate.sample_args(usecase_or_id, draws, settings, transport, catalog)
    count = sampling.DEFAULT_DRAWS if count is None else _whole(count, "--draws", sampling.MAX_DRAWS)
    seed = _whole(seed, "--seed")
    uc, inputs, spec, notes = _planning(usecase_or_id, draws, ("drawn", "--draw"), settings, transport, catalog)
    site_cell, cell_notes = _site_cell(cell)
    plan = sampling.plan(uc, draws, inputs.values, count=count, seed=seed, transport=spec, cell=site_cell,
                         unit_options=_unit_options(units))
    return plan.__class__(**{**plan.__dict__, "notes": (*notes, *cell_notes, *plan.notes)})


def sample(usecase_or_id: str | UseCase, draws: Mapping[str, str], settings: Mapping[str, Any] | None = None,
           *, count: int | None = None, seed: int = 0, transport: str | None = None, cell: str | None = None,
           engine: str = "local", scheduler: str | None = None, draws_output: str | Path | None = None,
           catalog: Catalog | None = None, units: Mapping[str, str] | None = None,
           connect_timeout: float | str | None = None):
    """Per KPI the mean, 5th, 50th, 95th and 99th percentile over the feasible draws and the
    infeasible share (`SampleResult.to_dict()` = `sample --format json`). `draws_output` also
    writes every draw as Parquet: a file locally, a dataset folder with engine="dask"."""
    from .engine import dask_engine as distributed
    from .engine import montecarlo as sampling

    validate.engine_options(engine, scheduler)
    plan = plan_sample(usecase_or_id, draws, settings, count=count, seed=seed, transport=transport, cell=cell,
                       catalog=catalog, units=units)
    if engine == "dask":
        writer = None
        if draws_output is not None:
            from .present import parquet

            parquet.require("-o FOLDER with --engine dask")
            writer = parquet.write
        timeout = distributed.check_timeout(connect_timeout, scheduler)
        return displayable(distributed.sample(plan, scheduler=scheduler, folder=draws_output, writer=writer,
                                               timeout=timeout))
    if draws_output is None:
        return displayable(sampling.run(plan))
    from .present import parquet
    from .present.atomic import atomic_file

    parquet.require("sample -o FILE.parquet")
    summary = sampling.Summary(0, plan.count, sampling.kpi_summaries(plan))

    def add(block) -> None:  # the summary of the draws as they are written, as sample.summarize makes it
        sampling.add_block(summary.kpis, block)

    with atomic_file(draws_output, binary=True) as handle:
        parquet.write_sample(plan, handle, add)
    return displayable(sampling.SampleResult(plan, summary))


def parse_draws(items: Sequence[str]) -> dict[str, str]:
    """`NAME=DIST` texts (the CLI's `--draw`) as {name: distribution}; a parameter named twice is refused."""
    from .engine.montecarlo import parse_draws as parse

    return parse(items)


def _whole(value: int | str, option: str, most: int | None = None) -> int:
    """A count or seed given as an int or as text (`10000`, `10_000`, `10,000`): the number grammar's whole number."""
    from .units.numbers import whole_number

    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise UserError(f"{option} must be a whole number, got {type(value).__name__}")
    return whole_number(str(value), option, 1 if most else 0, most or 2**63 - 1, separators=True)


# --- solve -------------------------------------------------------------------------------


def solve(usecase_or_id: str | UseCase, parameter: str, target: str | tuple[str, Any],
          settings: Mapping[str, Any] | None = None, /, *, transport: str | None = None, cell: str | None = None,
          catalog: Catalog | None = None, **values) -> Solution:
    """The smallest value of `parameter` at which a KPI reaches a target:
    target "dl_data_rate=500 Mbit/s" or ("dl_data_rate", "500 Mbit/s" | quantity); a plain number
    only for a KPI that is a count or ratio. With a `transport`, its KPIs are targets too
    ("ul_transport_rate=300 Mbit/s"); with a `cell` at a site, each flow's reach
    ("dl_max_distance=500m": the largest model that still downloads in time there)."""
    from .engine.inverse import parse_target
    from .engine.inverse import solve as _solve
    from .units import boundary

    given = validate.solve_args(usecase_or_id, parameter, target, settings, values, transport, catalog)
    uc = usecase(usecase_or_id, catalog)
    spec, transport_notes = _transport(transport)
    site_cell, cell_notes = _site_cell(cell)
    transport_notes += cell_notes
    if isinstance(target, str):
        kpi, goal, target_notes = parse_target(uc, target, spec, site_cell)
    else:
        kpi, goal = target
        target_notes = []
        if boundary.is_pint(goal):
            goal = boundary.from_pint(goal, f"--target {kpi}")
        if not hasattr(goal, "units"):  # text, or a number for a count
            text = f"{kpi}={goal if isinstance(goal, str) else repr(float(goal))}"
            kpi, goal, target_notes = parse_target(uc, text, spec, site_cell)
    inputs = resolve([uc], given)[0]
    solved = _solve(uc, parameter, kpi, goal, inputs.values, transport=spec, cell=site_cell)
    return Solution(uc, solved, tuple([*inputs.notes, *target_notes, *transport_notes]))


# --- check -------------------------------------------------------------------------------


def check(catalog: Catalog | None = None, usecases: Sequence[str] | None = None, *, status: str | None = None,
          family: str | None = None) -> Document:
    """Every published value against the catalog's computation at the defaults; only those of
    `usecases` (ids), of a `family`, or of one `status` (exact, rounded, in-range, differs,
    no-value) when given. Rows in one unit per kind, with the relative deviation."""
    from .engine.published import STATUSES, check_catalog, summary, unpublished

    validate.catalog(catalog)
    catalog = catalog or load_catalog()
    ids = [usecase(u, catalog).id for u in usecases or ()]  # an unknown id: did-you-mean
    if status is not None and status not in STATUSES:
        raise UserError(f"--status: '{status}' is none of {', '.join(STATUSES)}{suggest(status, STATUSES)}")
    if family is not None and family.lower() not in [f.lower() for f in catalog.families()]:
        raise UserError(f"--family: no use case of family '{family}'{suggest(family, catalog.families())}"
                        f" (families: {', '.join(catalog.families())})")

    def keep(summary_) -> bool:
        return (not ids or summary_.id in ids) and (family is None or summary_.family.lower() == family.lower())

    rows = [r for r in check_catalog(catalog, keep) if status is None or r.status == status]
    none = [i for i in unpublished(catalog) if not ids or i in ids]
    notes = (f"no published value to compare for {len(none)} use case(s): {', '.join(none)}",) if none else ()
    return Document({"rows": documents.check_rows(rows, catalog), "summary": summary(rows)}, notes)


# --- split and radio ---------------------------------------------------------------------

ZOO_BITS = "8 bit"  # zoo models: int8 activations and an 8-bit image, as TR 22.874's 0.27 MByte example


def split(model: str, *, bits: str | None = None, ul_rate: str = "100 Mbit/s", latency: str = "50 ms",
          frame_rate: str | None = None, device_speed: str = "1 TOPS", server_speed: str = "100 TOPS",
          inputs: Sequence[str] = (), input_size: str | None = None) -> Document:
    """Every candidate split point of a zoo model or an .onnx file: payload, UL and compute
    times, latency; the best split (the least UL rate that meets the `latency` budget) and the
    fastest at `ul_rate` (texts with their units; a bare number is refused).
    An .onnx file's inputs can be resized first: `inputs` ("images=1x3x640x640", ...) and/or
    `input_size` ("640x640": height and width of its one NCHW input); shapes are inferred again."""
    from .models.input_shapes import parse_inputs
    from .models.splitpoints import analyse, settings_from_text
    from .models.zoo import load_model
    from .units.precision import preset_bits

    if isinstance(inputs, str):
        inputs = (inputs,)
    loaded = load_model(validate.text(model, "model"), parse_inputs(inputs, input_size))
    if bits is None and loaded.transformer is not None:  # hidden states at the compute dtype, bf16
        from .models.facts import COMPUTE_BITS

        bits = f"{COMPUTE_BITS} bit"
    elif bits is None and loaded.kind == "zoo":
        bits = ZOO_BITS
    if bits is not None and preset_bits(bits) is not None:
        bits = f"{preset_bits(bits)} bit"
    settings, notes = settings_from_text(bits=bits, ul_rate=ul_rate, latency=latency, device_speed=device_speed,
                                         server_speed=server_speed, frame_rate=frame_rate)
    notes += list(loaded.notes) if loaded.kind == "onnx" else []
    return Document(documents.split(analyse(loaded, settings)), tuple(notes))


def model(source: str, *, bits: Any = None, lora_rank: Any = 16, lora_targets: str | Sequence[str] | None = None,
          kv_bits: Any = None, act_bits: Any = None, context: Any = None):
    """What a model means for the network (`ammt-calc model SOURCE`): a zoo name, a Hugging Face
    config.json, a model folder, a .safetensors file or index, or an .onnx file. `num_params`, the
    size at the native precision and at each preset (`bits` adds one: "int4", "6 bit", 6), and for
    a transformer its architecture, the hidden state and KV cache per token, and the LoRA adapter of
    `lora_rank` on `lora_targets` ("all", "attention", "q_proj,v_proj"). A `ModelFacts`: `to_dict()`
    is the JSON document, `rows()` the table, `notes` the caveats. Activations and the KV cache are
    at the compute dtype, bf16, unless `act_bits` or `kv_bits` ("fp8", "int8") says otherwise;
    `context` sizes the cache of that many tokens (sliding-window layers keep their window)."""
    from .models.facts import model_facts

    return displayable(model_facts(validate.text(source, "source"), bits=bits, lora_rank=lora_rank,
                                    lora_targets=lora_targets,
                                    kv_bits=kv_bits, act_bits=act_bits, context=context))


RADIO_OPTIONS = ("bandwidth", "scs", "layers", "modulation", "fr", "scaling", "tdd")


def radio(carriers: Sequence[str] = (), direction: str = "DL", **options: str | None) -> Document:
    """NR peak data rate of one or more carriers (TS 38.306 clause 4.1.2). `options` are the
    defaults of every carrier (bandwidth="100MHz", scs="30kHz", layers="4", modulation="256QAM",
    fr, scaling, tdd); each of `carriers` is a spec "bandwidth=...,scs=..." overriding them."""
    from .network import cells as nr

    validate.texts(carriers, "carriers"), validate.text(direction, "direction")
    unknown = set(options) - set(RADIO_OPTIONS)
    if unknown:
        raise UserError(f"radio has no option '{sorted(unknown)[0]}'; options: {', '.join(RADIO_OPTIONS)}")
    direction = nr.parse_direction(direction)
    defaults = {k: str(v) for k, v in options.items() if v is not None}
    nr.require_units(defaults)  # --bandwidth 100 is refused as --bandwidth, not as the spec's bandwidth=100
    missing = [f"--{k}" for k in nr.REQUIRED_KEYS if k not in defaults]
    if not carriers and missing:
        raise UserError(f"radio needs {', '.join(missing)} (e.g. --bandwidth 100MHz --scs 30kHz --layers 4"
                        " --modulation 256QAM), or --carrier SPEC")
    specs = [{**defaults, **nr.parse_spec(c, "--carrier")} for c in carriers] or [defaults]
    notes: list[str] = []
    built = [nr.make_carrier(fields, direction, notes) for fields in specs]
    notes = list(dict.fromkeys(notes))
    return Document(documents.radio(direction, built, nr.total_rate_mbps(built), notes), tuple(notes))


def link(scenario: str, *, fc: str, bandwidth: str, distance: str | Sequence[float] = "50m:2km:40",
         condition: str | None = None, usecase: str | UseCase | None = None,
         settings: Mapping[str, Any] | None = None, transport: str | None = None,
         catalog: Catalog | None = None, **options: Any) -> Document:
    """A single-cell NR link budget (docs/network.md, "Link budget"): TR 38.901 path loss of
    `scenario` (uma, umi, rma, inh; `condition` los, nlos or mixed, default mixed) at carrier
    frequency `fc` ("3.5GHz") over a `bandwidth` channel, at each `distance` ("400m",
    "100m,1km", "50m:2km:40[:log]", or numbers in metres): path loss, SINR, spectral
    efficiency and DL/UL rate. `options` (texts with units) override the ITU-R M.2412
    defaults: scs, layers, ul_layers, tdd, bs_height, ut_height, building_height,
    street_width, coverage ("95%"), extra_loss, bs_power ("46dBm"), ue_power, bs_gain
    ("8dBi"), ue_gain, bs_noise_figure ("5dB"), ue_noise_figure, interference_margin,
    sinr_max, share, dl_alpha, ul_alpha, sinr_min, dl_se_max, ul_se_max. With `usecase`
    (its `settings`, `transport`) each flow's reach is added: the largest distance at which
    its rate is met."""
    import numpy as np

    from .network import sites

    setup = sites.build(scenario, condition, fc, bandwidth, options)
    if isinstance(distance, str):
        distances = sites.parse_distances(distance)
    else:
        distances = np.atleast_1d(np.asarray(distance, dtype=float))
    data = {**sites.describe(setup), "rows": sites.curve_rows(setup, distances)}
    notes = list(dict.fromkeys(setup.notes))
    if usecase is not None:
        result = evaluate(usecase, settings, transport=transport, catalog=catalog)
        data["usecase"] = result.evaluation.usecase.id
        data["transport"] = transport
        data["flows"] = sites.flow_reach(setup, result.evaluation, result.transport)
        notes += list(result.notes)
    data["notes"] = notes
    return Document(data, tuple(notes))


# --- report ------------------------------------------------------------------------------


def report(usecases: str | UseCase | Sequence[str | UseCase] | None = None,
           settings: Mapping[str, Any] | None = None, /, *, vary: Mapping[str, Any] | None = None, zip: bool = False,
           cell: str | None = None, qos: bool = False, transport: str | None = None, command: str | None = None,
           catalog: Catalog | None = None, **values) -> Report:
    """What `evaluate` gives, with what a reader needs beside it: each use case's definition
    (sources, parameter sources), its published values checked at these settings (basis,
    note), with `vary` a sweep of every use case that has those parameters (up to
    REPORT_POINTS each), and the version, catalog digest, command and date."""
    import datetime
    import json

    from . import __version__
    from .engine.published import check_row
    from .files import digest

    catalog = catalog or load_catalog()
    result = evaluate(usecases, settings, cell=cell, qos=qos, transport=transport, catalog=catalog, **values)
    notes = list(result.notes)
    sweeps = _report_sweeps(result, {**(settings or {}), **values}, vary, zip, transport, notes) if vary else []
    doc = {"ammt_calc": __version__,
           "catalog_digest": digest(json.dumps([documents.describe(uc) for uc in catalog], sort_keys=True).encode()),
           "command": command or "ammt_calc.api.report()",
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "evaluation": result.to_dict(),
           "usecases": [documents.describe(ev.usecase) for ev in result.evaluations],
           "checks": [check_row(ev.usecase, ev, p)._asdict() for ev in result.evaluations
                      for p in ev.usecase.published.values()],
           "sweeps": sweeps, "notes": notes}
    return Report(doc, tuple(notes))


def _report_sweeps(result: Result, given: dict, vary, zip: bool, transport, notes: list[str]) -> list[dict]:
    """The sweep of every use case that has all the varied parameters; a note for the others."""
    everyone = {name for ev in result.evaluations for name in ev.usecase.parameters}
    sweeps = []
    for ev in result.evaluations:
        uc = ev.usecase
        missing = [name for name in vary if name not in uc.parameters]
        if missing:
            notes.append(f"{uc.id}: not swept: it has no parameter {', '.join(missing)}")
            continue
        mine = {k: v for k, v in given.items() if k in uc.parameters or k not in everyone}  # model=...: the zoo's
        grid = plan_sweep(uc, vary, mine, zip=zip, transport=transport)
        if grid.size > REPORT_POINTS:
            raise UserError(f"a report plots up to {REPORT_POINTS:,} points per use case; this grid has"
                            f" {grid.size:,}: use fewer points, or `ammt-calc sweep` for the rows")
        sweeps.append(sweep(uc, vary, mine, zip=zip, transport=transport).to_dict())
    if not sweeps:
        raise UserError(f"--vary {', '.join(vary)}: none of the use cases has {'it' if len(vary) == 1 else 'them all'}")
    return sweeps


# --- start one's own: a use case's file, the manual -------------------------------------------


def usecase_yaml(usecase_or_id: str | UseCase, catalog: Catalog | None = None) -> bytes:
    """The YAML file of a use case as shipped (or as the --catalog file holds it): its bytes,
    read through the catalog's bounded reader, to copy and edit into one's own use case."""
    from .files import read_bounded
    from .usecases.loading import MAX_FILE_BYTES

    uc = usecase(usecase_or_id, catalog)
    if not uc.path:
        raise UserError(f"use case '{uc.id}' was not read from a file; it has no YAML to show")
    return read_bounded(uc.path, MAX_FILE_BYTES, "catalog file")


def docs(topic: str | None = None) -> Document:
    """The manual (the docs/ pages shipped with the package): with no topic, the topics and
    their titles ({"topics": [{"topic", "title"}]}); with one, its text ({"topic", "text"})."""
    from . import manual as pages

    validate.optional_text(topic, "topic")
    if topic is None:
        return Document({"topics": [{"topic": t, "title": pages.first_line(t)} for t in pages.topics()]})
    return Document({"topic": topic, "text": pages.page(topic)})


# --- shell completion ------------------------------------------------------------------------

COMPLETION_KINDS = ("usecase", "parameter", "model", "cell", "topic", "family")


def completions(kind: str, prefix: str = "", usecases: str | Sequence[str] | None = None,
                catalog: Catalog | None = None) -> list[str]:
    """The words that complete `prefix`, for the shell: use-case ids (`usecase`); `NAME=` of
    the parameters of `usecases` (all use cases when none; a choice or `model=` completes its
    value too) (`parameter`); zoo models (`model`); `profile=NAME` and `site=NAME` of --cell
    (`cell`); manual pages (`topic`); families (`family`). Never raises for a word being typed:
    an unknown use case gives no parameters."""
    if kind not in COMPLETION_KINDS:
        raise UserError(f"no completion of '{kind}'; kinds: {', '.join(COMPLETION_KINDS)}")
    prefix = prefix or ""
    from .completing import words as completion_words

    words = completion_words(kind, prefix, usecases, lambda: catalog or load_catalog())
    return sorted(w for w in dict.fromkeys(words) if w.startswith(prefix))
