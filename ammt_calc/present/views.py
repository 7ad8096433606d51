"""What each command's document looks like to a person (a page of tables) and in CSV.

A view is `page(doc) -> [Section]` (tables and text, for `table` and `markdown`) and
optionally `csv(doc) -> (columns, rows)`. The formats a command offers follow from its view.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

from ..units.numbers import human_number

EXTENSIONS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown", ".txt": "table",
              ".parquet": "parquet", ".html": "html", ".htm": "html", ".xlsx": "xlsx", ".yaml": "yaml",
              ".yml": "yaml"}  # -o FILE's extension -> its format


def extensions(formats: Sequence[str]) -> list[str]:
    """The extensions of -o FILE that choose one of `formats`, in the order of `formats`."""
    return [ext for fmt in formats for ext, named in EXTENSIONS.items() if named == fmt]


class Table(NamedTuple):
    columns: Sequence[str]
    rows: Sequence[Sequence]
    title: str = ""
    fold: str | tuple[str, ...] | None = None  # the prose column(s) that may wrap on a narrow terminal
    keep: tuple[str, ...] = ()  # the columns that stay in the table longest on a narrow terminal, first first


class Text(NamedTuple):
    text: str  # printed as it is, a newline added


class View(NamedTuple):
    page: Callable[[dict], list]
    csv: Callable[[dict], tuple[Sequence[str], list]] | None = None
    sheets: str | None = None  # the command's workbook (xlsx.SHEETS), for -o FILE.xlsx

    @property
    def formats(self) -> tuple[str, ...]:
        return ("table", *(("csv",) if self.csv else ()), "json", "markdown", *(("xlsx",) if self.sheets else ()))


def count_or_number(value: float, unit: str) -> str:
    """A count (no unit) as a whole number with its digits grouped, all of them (138,357,544
    parameters, not 1.38358e+08); anything else in 6 digits."""
    if unit:
        return human_number(value)
    if (float(value).is_integer() or abs(value) >= 1e6) and abs(value) < 1e15:
        return f"{round(value):,}"
    text = human_number(value)
    whole, point, fraction = text.partition(".")
    return f"{int(whole):,}{point}{fraction}" if whole.lstrip("-").isdigit() and "e" not in fraction else text


TIME_UNITS = (("us", 1e-6), ("ms", 1e-3), ("s", 1.0))  # durations in a table: the one that reads best


def readable(value: float | None, unit: str, like: float | None = None) -> tuple[str, str]:
    """A value and its unit for a table: a count grouped; a duration that reads badly in
    its own unit (1000 or more, below 0.01) in the unit of the ladder us, ms, s that gives
    it 1 to 999 (60.2303 s, not 60230.3 ms; 0.5 ms, not 0.0005 s).
    `like` picks the unit from another value (a row of several values shares its unit)."""
    if value is None:
        return "", unit
    factors = dict(TIME_UNITS)
    if unit in factors and not 0.01 <= abs(like if like is not None else value) < 1000:
        seconds = abs(like if like is not None else value) * factors[unit]
        best = unit
        if seconds:
            fits = [u for u, f in TIME_UNITS if 1 <= seconds / f < 1000]
            best = fits[0] if fits else "s" if seconds >= 1 else TIME_UNITS[0][0]
        return human_number(value * factors[unit] / factors[best]), best
    return count_or_number(value, unit), unit


def _for_people(value: float, unit: str) -> tuple[float, str]:
    from ..units.machine import (
        for_people,  # the unit registry: not for `--help`, `list`, `show`
    )

    return for_people(value, unit)


def quantity_text(q: dict | None) -> str:
    return "" if q is None or q.get("value") is None else f"{human_number(q['value'])} {q['unit']}".strip()


# --- list / show -------------------------------------------------------------------------


def _list_page(doc: dict) -> list:
    return [Table(("id", "family", "title"), [(r["id"], r["family"], r["title"]) for r in doc["rows"]], fold="title")]


def _list_csv(doc: dict):
    return ("id", "title", "family", "sources"), [[r["id"], r["title"], r["family"], "; ".join(r["sources"])]
                                                 for r in doc["rows"]]


LIST = View(_list_page, _list_csv)


def _show_page(doc: dict) -> list:
    head = [f"{doc['title']} ({doc['id']}, family {doc['family']})"]
    if doc["description"]:
        head.append(doc["description"])
    head += [f"source: {s}" for s in doc["sources"]] + [f"note: {n}" for n in doc["notes"]]
    sections = [Text("\n".join(head) + "\n"),
                Table(("parameter", "default", "allowed", "meaning", "source"),
                      [(p["name"], p["default"], _allowed(p), _meaning(p), p["source"]) for p in doc["parameters"]],
                      "Parameters", fold=("meaning", "source", "allowed"),
                      keep=("parameter", "default", "allowed")),
                Table(("KPI", "dir", "formula", "unit", "label"),
                      [(k["name"], k["direction"], _formula(k), k["unit"], k["label"]) for k in doc["kpis"]],
                      "KPIs", fold=("formula", "label"), keep=("KPI", "dir", "unit", "label"))]
    if doc["published"]:
        sections.append(Table(("KPI", "published", "source", "note"),
                              [(p["kpi"], _published(p), p["source"], p["note"]) for p in doc["published"]],
                              "Published values", fold=("note", "source"),
                              keep=("KPI", "published", "source")))
    if doc.get("qos"):
        sections.append(qos_table(doc["qos"], "5QI per flow at the defaults (TS 23.501 Table 5.7.4-1)"))
    return sections


def _allowed(p: dict) -> str:
    if p.get("choices"):
        return "one of " + ", ".join(p["choices"])
    return f">= {p['min']}" + (f", <= {p['max']}" if p["max"] else "")


def _meaning(p: dict) -> str:
    derive = f" (derived as {p['derive']} when one of those is set)" if p["derive"] else ""
    follows = f" (unless set, follows {' '.join(p['follows'].split())})" if p.get("follows") else ""
    fitted = f" (fitted to the published {', '.join(p['fitted_to'])})" if p.get("fitted_to") else ""
    return p["description"] + derive + follows + fitted


def _formula(k: dict) -> str:
    conditions = "".join(f"; infeasible if {c['condition']}: {c['reason']}" for c in k["infeasible_if"])
    conditions += "".join(f"; n/a if {c['condition']}: {c['reason']}" for c in k.get("not_applicable_if", ()))
    choices = f" (one of {', '.join(k['choices'])})" if k.get("choices") else ""
    return k["formula"] + choices + conditions


def _published(p: dict) -> str:
    if p["value"] is not None:
        return p["value"]
    if p["text"] is not None:
        return p["text"]
    return f"{p['min'] or ''} to {p['max'] or ''}"


SHOW = View(_show_page)


# --- usecase -----------------------------------------------------------------------------

USECASE_CSV = ("usecase", "kpi", "label", "direction", "value", "unit", "feasible", "applicable", "published_value",
               "published_min", "published_max", "published_unit", "reason", "published_text", "status")
CELL_CSV = ("cell_share", "cell_share_unit", "cell_fits")
QOS_CSV = ("qos_5qi_named", "qos_5qi_candidates", "qos_signalling")
QOS_TITLE = "5QI per flow (TS 23.501 Table 5.7.4-1)"


def _usecase_page(doc: dict) -> list:
    sections: list = []
    if "transport" in doc:
        sections.append(Text(transport_caption(doc["transport"])))
    if "cell" in doc:
        sections.append(Text(cell_caption(doc["cell"])))
    changed = _changed_parameters(doc["parameters"])
    titles = {u["id"]: u["title"] for u in doc["usecases"]}
    for usecase, rows in _by_usecase(doc["rows"]).items():
        notes: list[str] = []
        head = ["KPI", "dir", "value", "unit", "published", "check"]
        if "cell" in doc:
            head += ["cell share", "fits"]
        cells = [_usecase_cells(r, notes, "cell" in doc) for r in rows]
        title = f"{titles[usecase]} ({usecase})"
        if changed.get(usecase):
            title += "\n  " + ", ".join(changed[usecase])
        sections.append(Table(head, cells, title, fold="KPI", keep=("KPI", "value", "unit", "dir", "published", "check")))
        if notes:
            sections.append(Text("\n".join(f"  ({i}) {n}" for i, n in enumerate(notes, 1))))
    if doc.get("cell_flows"):
        sections.append(cell_flows_table(doc["cell_flows"], doc["cell"]))
    if "qos" in doc:
        sections.append(qos_table(doc["qos"], QOS_TITLE))
    return sections


def _by_usecase(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["usecase"], []).append(row)
    return grouped


def _usecase_cells(row: dict, notes: list[str], cell: bool) -> list:
    unit = row["unit"]
    if row["feasible"]:
        value = row["value"]  # a choice: its name
        if not isinstance(value, str):
            value, unit = readable(*_for_people(value, unit))
    elif not row.get("applicable", True):
        notes.append(f"{row['kpi']}: {row['reason']}")
        value = f"n/a ({len(notes)})"
    else:
        notes.append(f"{row['kpi']}: {row['reason']}")
        value = f"infeasible ({len(notes)})"
    status = row.get("status")
    cells = [row["label"], row["direction"], value, unit, (row["published"] or {}).get("text", ""), status or ""]
    if cell:
        entry = row.get("cell")
        if entry is None:
            cells += ["", ""]
        else:
            cells += [f"{human_number(entry['share']['value'])} %", "yes" if entry["fits"] else "no"]
    return cells


def _changed_parameters(parameters: list[dict]) -> dict[str, list[str]]:
    """Per use case, the parameters that are not defaults (set or derived), as --set takes them."""
    changed: dict[str, list[str]] = {}
    for p in parameters:
        if p["origin"] != "default":
            changed.setdefault(p["usecase"], []).append(f"{p['name']} = {p['text']} ({p['origin']})")
    return changed


def cell_caption(cell: dict) -> str:
    lines = []
    if "peak_rate" in cell:
        peaks = ", ".join(f"{d} peak {quantity_text(q)}" for d, q in cell["peak_rate"].items())
        lines.append(f"cell {cell['spec']}: {peaks} ({cell['source']})")
    if "average" in cell:
        a = cell["average"]
        average = ", ".join(f"{d} {quantity_text(q)}" for d, q in a["capacity"].items())
        edge = ", ".join(f"{d} {quantity_text(q)}" for d, q in a["edge_rate"].items())
        lines.append(f"cell {a['profile']}, {quantity_text(a['bandwidth'])}: average {average}; cell edge {edge}"
                     f" ({a['source']})")
    shares = "peak" if cell["basis"] == "peak" else "average capacity"
    lines.append(f"cell share below: of the {shares}; users per cell: per flow, in the flows table")
    return "\n".join(lines)


def transport_caption(transport: dict) -> str:
    state = "warm" if transport["warm"] else "cold; streaming flows warm" if transport.get("streaming_warm") else "cold"
    return (f"transport {transport['spec']}: {transport['header_bytes']} byte of headers per"
            f" {transport['mtu']['value']}-byte packet, RTT {quantity_text(transport['rtt'])}, {state}")


def cell_flows_table(flows: list[dict], cell: dict) -> Table:
    """Per flow: burst and sustained rate, and against each reading of the cell whether the burst
    fits and how many users the sustained rate allows (and the cell edge, for a profile)."""
    head = ["use case", "dir", "burst", "sustained", "duty cycle"]
    if "peak" in cell:
        head += ["peak: burst fits", "peak: users"]
    if "average" in cell:
        head += ["average: burst fits", "average: users", "cell edge meets burst"]
    head.append("notes")

    def users(reading):
        n = reading["users"]
        return "no limit (zero rate)" if n is None else f"0 ({reading['users_reason']})" if reading.get("users_reason") \
            else str(n)

    rows = []
    for f in flows:
        if "infeasible" in f:
            rows.append([f["usecase"], f["direction"], "", "", ""] + [""] * (len(head) - 6) + [f["infeasible"]])
            continue
        duty = "" if f["duty_cycle"] is None else f"{human_number(100 * f['duty_cycle'])} %"
        cells = [f["usecase"], f["direction"], quantity_text(f["burst"]) + f" ({f['burst']['kpi']})",
                 quantity_text(f["sustained"]), duty]
        if "peak" in cell:
            cells += ["yes" if f["peak"]["burst_fits"] else "no", users(f["peak"])]
        if "average" in cell:
            a = f["average"]
            cells += ["yes" if a["burst_fits"] else "no", users(a), "yes" if a["edge_meets"] else "no"]
        rows.append(cells + ["; ".join(f["notes"])])
    return Table(head, rows, "Flows against the cell: the burst must fit, users per cell count the sustained rate",
                 fold="notes", keep=("use case", "dir", "burst", "sustained"))


def _usecase_csv(doc: dict):
    cell, flows = "cell" in doc, {(f["usecase"], f["kpi"]): f for f in doc.get("qos", [])}
    columns = USECASE_CSV + (CELL_CSV if cell else ()) + (QOS_CSV if "qos" in doc else ())
    rows = []
    for row in doc["rows"]:
        published = row["published"] or {}
        cells = [row["usecase"], row["kpi"], row["label"], row["direction"], row["value"], row["unit"],
                 row["feasible"], row["applicable"], published.get("value"), published.get("min"),
                 published.get("max"), published.get("unit"), row.get("reason", ""), published.get("text"),
                 row.get("status")]
        if cell:
            entry = row["cell"]
            cells += [None] * 3 if entry is None else [entry["share"]["value"], "%", entry["fits"]]
        if "qos" in doc:
            cells += _qos_csv(flows.get((row["usecase"], row["kpi"])))
        rows.append(cells)
    return columns, rows


USECASE = View(_usecase_page, _usecase_csv, "usecase")


# --- 5QI ---------------------------------------------------------------------------------


def qos_table(flows: list[dict], title: str) -> Table:
    columns = ("use case", "dir", "latency", "PER", "burst", "TS 23.501 names",
               "standardized 5QIs that can carry it (loosest first)", "to signal beyond the defaults")
    return Table(columns, [_qos_cells(f) for f in flows], title, fold=columns[-3:], keep=columns[:5])


def _qos_cells(flow: dict) -> list:
    named_text = "; ".join(f"{n['five_qi']}" + (f" ({n['part']})" if len(flow["named"]) > 1 else "")
                           + ("" if n["carries"] else f": cannot carry it, {', '.join(n['shortfalls'])}")
                           for n in flow["named"])
    candidates_text = ", ".join(f"{c['five_qi']}" + (f" ({', '.join(c['tags'])})" if c["tags"] else "")
                                for c in flow["candidates"]) or "none: " + flow["verdict"]
    return [flow["usecase"], flow["direction"], quantity_text(flow["latency"]),
            "" if flow["per"] is None else f"{flow['per']:g}", quantity_text(flow["burst"]), named_text,
            candidates_text, signalling_text(flow)]


def signalling_text(flow: dict) -> str:
    """What to signal for the named 5QIs that carry the flow, else for the loosest candidate of
    each resource type (whether the flow needs a guaranteed bit rate is the user's call)."""
    chosen = [n for n in flow["named"] if n["carries"]]
    if not chosen:
        loosest = {}
        for c in flow["candidates"]:
            loosest.setdefault(c["resource_type"], c)
        chosen = list(loosest.values())
    return "; ".join(f"{c['five_qi']}{_type_tag(c)}: " + (", ".join(_signal_text(s) for s in c["signalling"]) or "nothing")
                     for c in chosen)


def _type_tag(entry: dict) -> str:
    return f" ({entry['resource_type']})" if "resource_type" in entry else ""


def _signal_text(item: dict) -> str:
    value = item["value"]
    if value is None:
        return f"{item['parameter']} (the use case gives no rate)"
    text = f"{item['parameter']} {human_number(value['value'])} {value['unit']}"
    if item["ratio"] is not None:
        default = item["default"]
        text += f" ({human_number(item['ratio'])} x default {human_number(default['value'])} {default['unit']})"
    return text


def _qos_csv(flow: dict | None) -> list:
    if flow is None:
        return [None] * len(QOS_CSV)
    named_numbers = "; ".join(str(n["five_qi"]) for n in flow["named"])
    return [named_numbers, "; ".join(str(c["five_qi"]) for c in flow["candidates"]) or "none", signalling_text(flow)]


# --- check -------------------------------------------------------------------------------

CHECK_CSV = ("usecase", "kpi", "published_value", "published_min", "published_max", "published_unit",
             "computed_value", "computed_unit", "deviation", "status", "basis", "note", "published_text")


def _check_page(doc: dict) -> list:
    """Per use case a table of its published values, and its notes numbered below it."""
    sections = []
    for usecase, rows in _by_usecase(doc["rows"]).items():
        notes: list[str] = []
        cells = []
        for r in rows:
            mark = ""
            if r["note"]:
                notes.append(f"{r['kpi']}: {r['note']}")
                mark = f" ({len(notes)})"
            cells.append((r["kpi"] + mark, r["published_text"], _computed(r), _deviation_text(r["deviation"]),
                          r["status"], r["basis"] or ""))
        sections.append(Table(("KPI", "published", "computed", "deviation", "status", "basis"), cells, usecase,
                              fold="KPI", keep=("KPI", "published", "computed", "deviation", "status")))
        if notes:
            sections.append(Text("\n".join(f"  ({i}) {n}" for i, n in enumerate(notes, 1))))
    if "summary" in doc:
        counts = doc["summary"]
        lines = [f"{len(doc['rows'])} published values: "
                 + ", ".join(f"{n} {s}" for s, n in counts["status"].items() if n),
                 "basis: " + ", ".join(f"{n} {b}" for b, n in counts["basis"].items() if n)
                 + " (derived: from other inputs; echo: a parameter restated; fitted: a default chosen to"
                 " reproduce it)"]
        sections.append(Text("\n".join(lines)))
    return sections


def _computed(row: dict) -> str:
    if row["computed_value"] is None:
        return "infeasible" if row["status"] != "no-value" else ""
    number, unit = _for_people(row["computed_value"], row["computed_unit"])
    return f"{human_number(number)} {unit}".strip()


def _deviation_text(deviation: float | None) -> str:
    """computed / published - 1 as a signed percentage: +0.36 %, -75 %, 0 %."""
    if deviation is None:
        return ""
    if deviation == 0:
        return "0 %"
    return f"{'+' if deviation > 0 else ''}{human_number(100 * deviation)} %"


CHECK = View(_check_page, lambda doc: (CHECK_CSV, [[r[c] for c in CHECK_CSV] for r in doc["rows"]]), "check")


# --- solve -------------------------------------------------------------------------------


def _solve_page(doc: dict) -> list:
    value = human_number(doc["value"]) if doc["value"] is not None else "none"
    target = doc["target"]
    target_text = f"{target['kpi']} = {human_number(target['value'])} {target['unit']}".strip()
    sections: list = [Table(("use case", "parameter", "value", "unit", "target"),
                            [(doc["usecase"], doc["parameter"], value, doc["unit"], target_text)])]
    if doc["message"]:
        sections.append(Text(f"{'note' if doc['value'] is not None else 'no solution'}: {doc['message']}"))
    return sections


SOLVE = View(_solve_page, sheets="solve")


# --- split -------------------------------------------------------------------------------

SPLIT_KEYS = ("elements", "payload", "device_work", "server_work", "device_time", "ul_time", "server_time",
              "latency", "ul_rate_needed", "max_frame_rate", "fastest_from_ul_rate", "fastest_to_ul_rate")


def _split_page(doc: dict) -> list:
    s, m = doc["settings"], doc["model"]
    budget = f"UL rate for {quantity_text(s['latency'])}"
    head = ["split", "shape", "payload [kByte]", "device [GMAC]", "device [ms]", "UL [ms]", "server [ms]",
            "latency [ms]", f"{budget} [Mbit/s]", "max fps", "fastest at UL [Mbit/s]", "best", "fastest"]
    if s["frame_rate"] is not None:
        head.insert(-3, f"keeps up {quantity_text(s['frame_rate'])}")
    cells = []
    for r in doc["rows"]:
        needed = r["ul_rate_needed"]["value"]
        line = [r["split"], r["shape"], *(human_number(r[k]["value"]) for k in (
            "payload", "device_work", "device_time", "ul_time", "server_time", "latency")),
            human_number(needed) if needed is not None else "compute > budget",
            human_number(r["max_frame_rate"]["value"]), _range_text(r), "*" if r["best"] else "",
            "*" if r["fastest"] else ""]
        if s["frame_rate"] is not None:
            line.insert(-3, "yes" if r["keeps_up"] else "no")
        cells.append(line)
    bits = "own dtypes" if s["bits_per_element"] is None else f"{quantity_text(s['bits_per_element'])}/element"
    title = (f"{m['name']} at input {m['input']['shape']}: {count_or_number(m['parameters']['value'], '')}"
             f" parameters, {quantity_text(m['macs'])}; UL"
             f" {quantity_text(s['ul_rate'])}, device {quantity_text(s['device_speed'])}, server"
             f" {quantity_text(s['server_speed'])}, {bits}; best (least UL rate for"
             f" {quantity_text(s['latency'])}): {doc['best'] or 'none, compute alone takes longer'};"
             f" fastest at {quantity_text(s['ul_rate'])}: {doc['fastest']}")
    keep = ("split", "shape", "payload [kByte]", "latency [ms]", head[8], "best", "max fps",
            "fastest at UL [Mbit/s]", "fastest")
    return [Table(head, cells, title, fold="shape", keep=keep), Text(_changes_text(doc))]


def _range_text(r: dict) -> str:
    low, high = r["fastest_from_ul_rate"]["value"], r["fastest_to_ul_rate"]["value"]
    if low is None:
        return ""
    if high is None:
        return f">= {human_number(low)}"
    return f"< {human_number(high)}" if low == 0 else f"{human_number(low)} - {human_number(high)}"


def _changes_text(doc: dict) -> str:
    if not doc["fastest_split_changes"]:
        return f"fastest split at every UL rate: {doc['fastest']}"
    steps = "; ".join(f"{c['from']} -> {c['to']} at {quantity_text(c['ul_rate'])}"
                      for c in doc["fastest_split_changes"])
    return f"fastest split changes with the UL rate: {steps}"


def _split_csv(doc: dict):
    head = ["split", "shape", *(f"{k} [{doc['rows'][0][k]['unit']}]" if doc["rows"] and doc["rows"][0][k]["unit"]
                                else k for k in SPLIT_KEYS), "meets_latency", "keeps_up", "best", "fastest"]
    rows = [[r["split"], r["shape"], *(r[k]["value"] for k in SPLIT_KEYS), r["meets_latency"], r["keeps_up"], r["best"],
             r["fastest"]]
            for r in doc["rows"]]
    return head, rows


SPLIT = View(_split_page, _split_csv, "split")


# --- radio -------------------------------------------------------------------------------

# --- model -------------------------------------------------------------------------------


def _model_page(doc: dict) -> list:
    from ..models.facts import ROW_COLUMNS, document_rows

    family = f", {doc['family']}" if doc["family"] else ""
    title = f"{doc['name']} ({doc['model']}{family}): {doc['num_params']:,} parameters, {doc['count_basis']}"
    cells = [(r["quantity"], count_or_number(r["value"], r["unit"]), r["unit"], r["note"]) for r in document_rows(doc)]
    sections: list = [Table(ROW_COLUMNS, cells, title, fold=("quantity", "note"), keep=ROW_COLUMNS[:3])]
    if doc["sources"]:
        sections.append(Text("\n".join(f"source: {s}" for s in doc["sources"])))
    return sections


def _model_csv(doc: dict):
    from ..models.facts import ROW_COLUMNS, document_rows

    return ROW_COLUMNS, [[r[c] for c in ROW_COLUMNS] for r in document_rows(doc)]


MODEL = View(_model_page, _model_csv)


RADIO_CSV = ("direction", "carrier", "fr", "bandwidth [MHz]", "scs [kHz]", "mu", "n_prb", "layers", "modulation",
             "q_m", "scaling_factor", "overhead", "tdd", "tdd_share", "peak_rate [Mbit/s]")


def _radio_page(doc: dict) -> list:
    head = ("carrier", "FR", "bandwidth", "SCS", "mu", "N_PRB", "layers", "modulation", "f", "OH", "TDD share",
            "peak rate [Mbit/s]")
    rows = [_carrier_cells(i, c) for i, c in enumerate(doc["carriers"], 1)]
    if len(rows) > 1:
        rows.append(["total"] + [""] * (len(head) - 2) + [human_number(doc["peak_rate"]["value"])])
    keep = ("carrier", "peak rate [Mbit/s]", "bandwidth", "SCS", "layers", "modulation", "TDD share")
    return [Table(head, rows, f"NR peak data rate, {doc['direction']} ({doc['source']})", fold="modulation", keep=keep)]


def _carrier_cells(index: int, c: dict) -> list:
    tdd = c["tdd"] or ""
    pattern = f" ({tdd})" if tdd[:1].isalpha() else ""
    share = "100 % (FDD)" if not tdd else f"{human_number(100 * c['tdd_share'])} %{pattern}"
    return [index, c["fr"], quantity_text(c["bandwidth"]), quantity_text(c["scs"]), c["mu"], c["n_prb"], c["layers"],
            c["modulation"], f"{c['scaling_factor']:g}", f"{c['overhead']:g}", share,
            human_number(c["peak_rate"]["value"])]


def _radio_csv(doc: dict):
    rows = [[doc["direction"], i, c["fr"], c["bandwidth"]["value"], c["scs"]["value"], c["mu"], c["n_prb"], c["layers"],
             c["modulation"], c["q_m"], c["scaling_factor"], c["overhead"], c["tdd"] or "", c["tdd_share"],
             c["peak_rate"]["value"]] for i, c in enumerate(doc["carriers"], 1)]
    rows.append([doc["direction"], "total"] + [None] * (len(RADIO_CSV) - 3) + [doc["peak_rate"]["value"]])
    return RADIO_CSV, rows


RADIO = View(_radio_page, _radio_csv, "radio")


# --- link ---------------------------------------------------------------------------------

LINK_CSV = ("distance [m]", "los_probability", "path_loss [dB]", "shadow_margin [dB]", "dl_sinr [dB]",
            "dl_spectral_efficiency [bit/s/Hz]", "dl_rank", "dl_rate [Mbit/s]", "ul_sinr [dB]",
            "ul_spectral_efficiency [bit/s/Hz]", "ul_rank", "ul_rate [Mbit/s]")


def _link_cells(row: dict) -> list:
    out = [row["distance"]["value"], row["los_probability"], row["path_loss"]["value"], row["shadow_margin"]["value"]]
    for d in ("DL", "UL"):
        out += [row["sinr"][d]["value"], row["spectral_efficiency"][d]["value"], row["rank"][d],
                row[f"{d.lower()}_rate"]["value"]]
    return out


def _link_page(doc: dict) -> list:
    title = (f"{doc['scenario_title']} {doc['condition'].upper()}, {quantity_text(doc['fc'])},"
             f" {quantity_text(doc['bandwidth'])} ({doc['n_prb']} PRB), coverage {human_number(100 * doc['coverage'])} %,"
             f" share {human_number(100 * doc['share'])} %")
    head = ("distance [m]", "P_LOS", "PL [dB]", "margin [dB]", "DL SINR [dB]", "DL SE", "DL rank", "DL [Mbit/s]",
            "UL SINR [dB]", "UL SE", "UL rank", "UL [Mbit/s]")
    rows = [[human_number(v) if isinstance(v, float) else v for v in _link_cells(r)] for r in doc["rows"]]
    keep = ("distance [m]", "DL [Mbit/s]", "UL [Mbit/s]", "PL [dB]", "DL SINR [dB]", "UL SINR [dB]")
    sections = [Table(head, rows, title, keep=keep)]
    if doc.get("flows") is not None:
        sections.append(Table(("flow", "needs", "max distance", "note"), [_reach_cells(f) for f in doc["flows"]],
                              f"{doc['usecase']}: each flow's reach", fold="note"))
    values = [(v["name"], f"{human_number(v['value'])} {v['unit']}".strip(), v["source"]) for v in doc["values"]]
    sections.append(Table(("value", "used", "source"), values, "values and their sources", fold="source"))
    return sections


def _reach_cells(flow: dict) -> list:
    note = flow.get("infeasible") or flow.get("range_limited") or ""
    needs = quantity_text(flow.get("needed"))
    if flow.get("rate_kpi"):
        needs += f" ({flow['rate_kpi']}" + (f" x {flow['l2_factor']:.4g} L2)" if flow["l2_factor"] != 1 else ")")
    return [flow["kpi"], needs, quantity_text(flow.get("max_distance")) or "infeasible", note]


LINK = View(_link_page, lambda doc: (LINK_CSV, [_link_cells(r) for r in doc["rows"]]))


# --- sample ------------------------------------------------------------------------------

SAMPLE_CSV = ("usecase", "kpi", "unit", "mean", "p5", "p50", "p95", "p99", "p5_low", "p5_high", "p50_low", "p50_high",
              "p95_low", "p95_high", "p99_low", "p99_high", "infeasible_share", "not_applicable_share", "draws",
              "draws_needed")
PERCENTILE_KEYS = ("p5", "p50", "p95", "p99")


def _sample_page(doc: dict) -> list:
    """The summary in one unit per row, then each percentile's 95 % confidence interval (order
    statistics) and about how many draws put every interval within +-1 % of its percentile."""
    applicable = any(r.get("not_applicable_share") for r in doc["rows"])
    head = ["KPI", "unit", "mean", *PERCENTILE_KEYS, "infeasible"] + (["not applicable"] if applicable else [])
    rows, intervals = [], []
    for r in doc["rows"]:
        ends = [r.get(f"{k}_{end}") for k in PERCENTILE_KEYS for end in ("low", "high")]
        unit, *texts = _in_one_unit([r[k] for k in ("mean", *PERCENTILE_KEYS)] + ends, r["unit"])
        cells = [r["kpi"], unit, *texts[:5], f"{human_number(100 * r['infeasible_share'])} %"]
        if applicable:
            cells.append(f"{human_number(100 * r['not_applicable_share'])} %")
        rows.append(cells)
        if "draws_needed" in r:
            pairs = [(texts[5 + 2 * j], texts[6 + 2 * j]) for j in range(len(PERCENTILE_KEYS))]
            intervals.append([r["kpi"], unit, *(f"{a} to {b}".strip() if a or b else "" for a, b in pairs),
                              "" if r["draws_needed"] is None else f"{r['draws_needed']:,}"])
    title = doc["rows"][0]["usecase"] if doc["rows"] else ""
    sections = [Table(head, rows, f"{title}: over the feasible draws", keep=("KPI", "unit", "p95", "p50", "mean"))]
    if intervals:
        sections.append(Table(["KPI", "unit", *(f"{k} 95 % CI" for k in PERCENTILE_KEYS), "draws for +-1 %"],
                              intervals, "95 % confidence intervals from order statistics (distribution-free)",
                              keep=("KPI", "unit", "p95 95 % CI", "draws for +-1 %")))
    return sections


def _in_one_unit(values: list, unit: str) -> list[str]:
    """The unit, then the values in it: the one that reads best for the largest."""
    present = [v for v in values if v is not None]
    largest = max(present, key=abs, default=None)
    return [readable(largest, unit)[1], *(readable(v, unit, largest)[0] for v in values)]


SAMPLE = View(_sample_page, lambda doc: (SAMPLE_CSV, [[r[c] for c in SAMPLE_CSV] for r in doc["rows"]]), "sample")
