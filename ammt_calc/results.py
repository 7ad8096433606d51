"""What the API returns: results that are their documents (`to_dict()` is the command's
`--format json`), with pint quantities where a value has a unit, a short `repr` and a
notebook display (`_repr_html_`, the report's tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from .errors import UserError, suggest
from .present import documents
from .usecases.domain import UseCase

REPORT_POINTS = 10_000  # per swept use case: a report plots its sweep; more points are the `sweep` command's job


class Document(NamedTuple):
    """A result that is its document: `to_dict()` is what `--format json` prints."""

    data: dict
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return self.data


class Result:
    """Every KPI of one or more use cases for one set of values (arrays broadcast)."""

    __slots__ = ("evaluations", "cell", "qos", "notes", "transport", "units")

    def __init__(self, evaluations: tuple, cell: Any = None, qos: bool = False, notes: tuple[str, ...] = (),
                 transport: Any = None, units: Any = None):
        self.evaluations, self.cell, self.qos, self.notes = evaluations, cell, qos, notes
        self.transport = transport  # a transport.TransportSpec
        self.units = units  # {name: unit} of `--unit`: the document's units where not the machine ones

    @property
    def evaluation(self):
        if len(self.evaluations) != 1:
            raise UserError(f"this result holds {len(self.evaluations)} use cases; pick one with result.of(ID)")
        return self.evaluations[0]

    def of(self, usecase_id: str) -> Result:
        """The result of one of the use cases evaluated together."""
        for ev in self.evaluations:
            if ev.usecase.id == usecase_id:
                return Result((ev,), self.cell, self.qos, transport=self.transport, units=self.units)
        raise UserError(f"no use case '{usecase_id}' in this result")

    @property
    def usecase(self) -> UseCase:
        return self.evaluation.usecase

    @property
    def kpis(self) -> list[str]:
        return list(self.evaluation.kpis)

    def __getitem__(self, kpi: str):
        """The KPI as a pint quantity (of `ammt_calc.ureg`) in its display unit; NaN where
        infeasible or not applicable. A KPI with choices gives the chosen name (None where
        infeasible; an array of names)."""
        import numpy as np

        from .units import boundary
        from .units import registry as units

        result = self._kpi(kpi)
        if result.choices:
            if not result.value.ndim:
                return result.choice_at()
            return np.vectorize(lambda code: result.choices[int(code)] if np.isfinite(code) else None,
                                otypes=[object])(result.value)
        value = result.value if result.value.ndim else float(result.value)
        return boundary.to_pint(units.quantity(value, units.parse_unit(result.unit)))

    def feasible(self, kpi: str):
        result = self._kpi(kpi)
        return result.feasible if result.feasible.ndim else bool(result.feasible)

    def applicable(self, kpi: str):
        """False where the KPI does not apply (its reason says why); True elsewhere."""
        import numpy as np

        result = self._kpi(kpi)
        applies = np.ones(np.shape(result.value), bool) if result.applicable is None else result.applicable
        return applies if np.ndim(applies) else bool(applies)

    def reason(self, kpi: str) -> str:
        """Why the KPI is infeasible (at the first infeasible point), or ""."""
        import numpy as np

        result = self._kpi(kpi)
        failing = np.flatnonzero(~np.asarray(result.feasible).ravel())
        return result.reason_at(np.unravel_index(failing[0], result.feasible.shape)) if failing.size else ""

    @property
    def parameters(self) -> dict[str, Any]:
        """Every parameter's value (a pint quantity) as used: set, default or derived."""
        from .units.boundary import to_pint

        return {p.name: to_pint(p.quantity) for p in self.evaluation.parameters.values()}

    def rows(self) -> list[dict]:
        """The rows of `ammt-calc usecase --format json`."""
        return self.to_dict()["rows"]

    def to_dict(self) -> dict:
        """Exactly `ammt-calc usecase ... --format json` (single values only)."""
        import numpy as np

        if any(np.ndim(r.value) for ev in self.evaluations for r in ev.kpis.values()):
            raise UserError("to_dict() needs single values; index the result by KPI for arrays")
        doc = {"usecases": [{"id": ev.usecase.id, "title": ev.usecase.title, "family": ev.usecase.family}
                            for ev in self.evaluations],
               "rows": documents.usecase_rows(self.evaluations, self.units),
               "parameters": documents.parameter_rows(self.evaluations)}
        if self.transport is not None:
            doc["transport"] = self.transport.document()
        if self.cell is not None:
            documents.add_cell(doc["rows"], self.cell)
            doc["cell"] = documents.cell_json(self.cell)
            doc["cell_flows"] = documents.cell_flows(self.evaluations, self.cell, self.transport)
        if self.qos:
            from .network import qos as qos_module

            doc["qos"] = qos_module.usecase_flows(self.evaluations)
        return doc

    def _kpi(self, kpi: str):
        try:
            return self.evaluation.kpis[kpi]
        except KeyError:
            raise UserError(f"use case '{self.usecase.id}' has no KPI '{kpi}'{suggest(kpi, self.evaluation.kpis)}") from None

    def __repr__(self) -> str:
        from .units.numbers import human_number

        def shown(result) -> str:
            if result.value.ndim:
                return f"array{result.value.shape} {result.unit}"
            if not result.feasible:
                return "infeasible"
            return f"{human_number(float(result.value))} {result.unit}".strip()

        parts = []
        for ev in self.evaluations:
            kpis = list(ev.kpis.values())
            text = ", ".join(f"{k.name}={shown(k)}" for k in kpis[:4])
            parts.append(f"{ev.usecase.id}: {text}{', ...' if len(kpis) > 4 else ''}")
        return f"<Result {'; '.join(parts)}>"

    def _repr_html_(self) -> str:
        from .present import html

        return html.usecase_blocks({"evaluation": self.to_dict(),
                                    "usecases": [documents.describe(ev.usecase) for ev in self.evaluations]}, headings=3)


class SweepResult:
    """A sweep as flat numpy arrays, one value per grid point, in the CSV's row order."""

    __slots__ = ("grid", "columns", "feasible", "reasons")

    def __init__(self, grid: Any, columns: dict, feasible: dict, reasons: dict):
        self.grid = grid
        self.columns = columns  # in units[name]; NaN where a KPI is infeasible (a choice column: its codes)
        self.feasible = feasible  # per KPI
        # per reason column (`infeasible`, and `not_applicable` where a KPI may not apply): per
        # point an index into a tuple of {kpi: reason}, -1 where there is none
        self.reasons = reasons

    @property
    def notes(self) -> tuple[str, ...]:
        return self.grid.notes

    @property
    def units(self) -> dict[str, str]:
        return {c.name: c.unit for c in self.grid.columns}

    @property
    def shape(self) -> tuple[int, ...]:
        """The grid's shape: `result["dl_data_rate"].reshape(result.shape)` is a matrix."""
        return self.grid.shape

    @property
    def infeasible(self):
        """Per point, the CSV's `infeasible` text ("" when every KPI is feasible)."""
        from .engine.sweeps import INFEASIBLE_COLUMN

        return self.reason_text(INFEASIBLE_COLUMN)

    def reason_text(self, column: str):
        """Per point, the CSV's text of a reason column (`infeasible`, `not_applicable`)."""
        import numpy as np

        from .engine.sweeps import reason_text

        index, tables = self.reasons[column]
        return np.array(["", *(reason_text(t) for t in tables)], dtype=object)[index + 1]

    def __len__(self) -> int:
        return self.grid.size

    def __getitem__(self, name: str):
        try:
            return self.columns[name]
        except KeyError:
            raise UserError(f"no column '{name}' (columns: {', '.join(self.columns)})") from None

    def quantity(self, name: str):
        """A column as a pint quantity array of `ammt_calc.ureg` (NaN where infeasible)."""
        from .units import boundary
        from .units import registry as units

        if self._column(name).choices:
            raise UserError(f"{name} is a choice: its values are names, not a quantity (result['{name}'] has its codes)")
        return boundary.to_pint(units.quantity(self[name], units.parse_unit(self.units[name])))

    def to_dict(self) -> dict:
        """Exactly `ammt-calc sweep ... --format json`, built from the arrays."""
        import numpy as np

        from .engine.sweeps import describe
        from .present.numtext import rounded

        values = []
        for column in self.grid.columns:
            data = self.columns[column.name]
            finite = np.isfinite(data)
            if column.choices:
                names = np.array([*column.choices, None], dtype=object)
                shown = names[np.where(finite, data, len(column.choices)).astype(np.int64)]
            else:
                shown = np.where(finite, rounded(data), None)
            values.append(shown.tolist())
        for index, tables in self.reasons.values():  # {kpi: reason} per point
            every = [{}, *tables]
            values.append([dict(every[i]) for i in (index + 1).tolist()])  # each row its own dict
        names = [c.name for c in self.grid.columns] + list(self.reasons)
        return {**describe(self.grid), "rows": [dict(zip(names, row)) for row in zip(*values)]}

    def to_pandas(self):
        """A pandas DataFrame: a column per parameter and KPI, with pint dtypes (`pint[Mbit/s]`)
        where pint-pandas is installed (which makes `ammt_calc.ureg` pint-pandas' registry,
        `PintType.ureg`), else plain floats with the units in df.attrs["units"]; a choice
        column holds its names."""
        from .units import boundary

        try:
            import pandas
        except ImportError:
            raise UserError("to_pandas() needs pandas: pip install 'ammt-calc[pandas]'") from None
        try:
            import pint_pandas
        except ImportError:
            pint_pandas = None
        data = {}
        for column in self.grid.columns:
            if column.choices:
                data[column.name] = self._choice_names(column)
            elif pint_pandas is not None:
                pint_pandas.PintType.ureg = boundary.ureg()  # pint-pandas' way to a registry of one's own
                quantity = self.quantity(column.name)
                data[column.name] = pint_pandas.PintArray(quantity.magnitude, dtype=pint_pandas.PintType(quantity.units))
            else:
                data[column.name] = self.columns[column.name]
        frame = pandas.DataFrame({**data, **{name: self.reason_text(name) for name in self.reasons}})
        frame.attrs["units"] = self.units
        return frame

    def plot(self, path: str | Path, kpi: str | None = None) -> str:
        """The picture of `sweep --plot` as a PNG file; returns the KPI drawn."""
        from .present.plot import Plot

        picture = Plot(self.grid, kpi)
        picture.add(0, self.columns[picture.kpi])
        picture.save(path)
        return picture.kpi

    def _column(self, name: str):
        self[name]  # the refusal of an unknown name
        return next(c for c in self.grid.columns if c.name == name)

    def _choice_names(self, column):
        import numpy as np

        data = self.columns[column.name]
        names = np.array([*column.choices, None], dtype=object)
        return names[np.where(np.isfinite(data), data, len(column.choices)).astype(np.int64)]

    def _repr_html_(self) -> str:
        from .present import html

        if len(self) > REPORT_POINTS:  # the page would carry every point
            return f"<p>{html.escape(repr(self))}: plotted up to {REPORT_POINTS:,} points</p>"
        return html.sweep_html(self.to_dict())

    def __repr__(self) -> str:
        varied = ", ".join(a.name for a in self.grid.axes)
        kpis = sum(c.kind == "kpi" for c in self.grid.columns)
        return f"<SweepResult {self.grid.usecase.id}: {len(self):,} points over {varied}; {kpis} KPIs>"


class Solution:
    """The value of a parameter at which a KPI reaches a target; `quantity` is None (and
    `message` says why) when no value does."""

    __slots__ = ("usecase", "solved", "notes")

    def __init__(self, usecase: UseCase, solved: Any, notes: tuple[str, ...] = ()):
        self.usecase, self.solved, self.notes = usecase, solved, notes  # solved: an inverse.Solution

    def __getattr__(self, name: str):  # parameter, kpi, message
        if name.startswith("_") or name == "solved":  # copy and pickle ask before `solved` is set
            raise AttributeError(name)
        return getattr(self.solved, name)

    @property
    def quantity(self):
        """The parameter's value as a pint quantity of `ammt_calc.ureg`, or None when no value reaches the target."""
        from .units.boundary import to_pint

        return None if self.solved.quantity is None else to_pint(self.solved.quantity)

    @property
    def target(self):
        """The KPI value reached, a pint quantity of `ammt_calc.ureg`."""
        from .units.boundary import to_pint

        return to_pint(self.solved.target)

    def to_dict(self) -> dict:
        return documents.solution(self.usecase, self.solved)

    def __repr__(self) -> str:
        doc = self.to_dict()
        from .units.numbers import human_number

        found = f"{human_number(doc['value'])} {doc['unit']}".strip() if doc["value"] is not None else "none"
        t = doc["target"]
        return f"<Solution {doc['usecase']}: {doc['parameter']} = {found} for {t['kpi']} = {human_number(t['value'])} {t['unit']}>"

    def _repr_html_(self) -> str:
        return _view_html(self, "SOLVE")


class Report(NamedTuple):
    """`ammt-calc report`: `to_dict()` is its JSON document, `html()` the self-contained page."""

    data: dict
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return self.data

    def html(self) -> str:
        from .present import html

        return html.page(self.data)

    def save(self, path: str | Path) -> None:
        """The HTML page, written atomically."""
        from .present.atomic import write_atomic

        write_atomic(path, self.html())

    def _repr_html_(self) -> str:
        from .present import html

        return html.usecase_blocks(self.data, headings=3)


# --- notebook display ----------------------------------------------------------------------


def _view_html(result, view_name: str) -> str:
    from .present import html, views

    return html.view_fragment(result.to_dict(), getattr(views, view_name))


def _sample_repr(self) -> str:  # counted from the summary: the repr computes no percentiles
    return f"<SampleResult {self.plan.usecase.id}: {self.plan.count:,} draws; {len(self.summary.kpis)} KPIs>"


def _facts_repr(self) -> str:
    return f"<ModelFacts {self.id}: {self.num_params:,} parameters ({self.count_basis})>"


def displayable(result):
    """Give the result's class a notebook display (`_repr_html_`) and a short `__repr__`, once:
    the engine classes of sample and model cannot import the presentation themselves (the
    engine never imports present/), so the API gives them theirs."""
    kind = type(result)
    if "_repr_html_" not in kind.__dict__:
        view, text = {"SampleResult": ("SAMPLE", _sample_repr), "ModelFacts": ("MODEL", _facts_repr)}[kind.__name__]
        kind._repr_html_ = lambda self: _view_html(self, view)
        kind.__repr__ = text
    return result
