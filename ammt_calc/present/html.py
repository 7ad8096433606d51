"""A report as one self-contained HTML page, from documents (plain dicts) only.

Nothing to fetch when it opens: the styles are inline, the plots inline SVG (svgplot.py),
and there is no script. It reads on a phone (tables become one block per row below 700 px,
so nothing scrolls sideways) and on a desktop, and prints one use case per page where it
fits. Text is text; every number is shown as the terminal table shows it (6 significant
digits, `human_number`) with the exact value of the JSON document in `data-value` and in
its `title` (a tooltip).

The report document (what `report --format json` prints):

    {"ammt_calc": version, "catalog_digest": text, "command": the command line, "date": ISO 8601,
     "evaluation": the `usecase --format json` document (rows, parameters; transport, cell, qos),
     "usecases": [the `show --format json` document of each use case: sources, descriptions],
     "checks": [`check` rows of the published values at these settings: basis, note],
     "sweeps": [`sweep --format json` documents: a plot per KPI over the first varied parameter],
     "notes": [what the CLI prints as note: lines]}

Every key but "evaluation" may be absent (a notebook shows a result without header or
sweeps). `page(report)` is the whole file; `usecase_blocks(report)` the use cases alone and
`view_fragment(document, view)` any command's tables, for notebooks (`_repr_html_`).
"""

from __future__ import annotations

import json
from html import escape
from typing import Iterable, Sequence

from ..units.machine import for_people
from ..units.numbers import human_number
from . import svgplot
from .formats import numeric_columns
from .views import (
    QOS_TITLE,
    Table,
    View,
    cell_caption,
    cell_flows_table,
    count_or_number,
    qos_table,
    readable,
    transport_caption,
)

MAX_LINES = 10  # a sweep over two parameters: a line for at most 10 values of the second (first and last kept)

CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--accent:#0b5cad;--bad:#b42318;--ok:#1a7f37}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;color:var(--fg);background:#fff;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
.page{max-width:1120px;margin:0 auto;padding:0 16px 24px}
header.report{border-bottom:2px solid var(--accent);margin-bottom:8px}
h1{font-size:1.55rem;margin:20px 0 4px}
h2{font-size:1.3rem;margin:28px 0 4px;padding-top:8px;border-top:1px solid var(--line)}
h3{font-size:1.05rem;margin:18px 0 6px}
p,li,dd,figcaption{overflow-wrap:anywhere}
td{overflow-wrap:break-word}
td.num,td.unit,td.short{white-space:nowrap}
code{font:0.9em/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;
border-radius:3px}
dl.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 14px;margin:8px 0 12px}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;min-width:0}
.muted,.kpi-name,.id{color:var(--muted)}
.kpi-name{display:block;font-size:0.85em;font-weight:normal}
.unit-inline{display:none}
nav.contents ol{margin:4px 0 10px;padding-left:22px}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:4px 0 8px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;white-space:nowrap}
td.num{text-align:right;white-space:nowrap}
tr.set td{background:#fff8c5}
.status-differs{color:var(--bad);font-weight:600}
.status-exact,.status-rounded,.status-in-range{color:var(--ok)}
ol.reasons,ul.notes,ul.sources{margin:4px 0 8px;padding-left:22px}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:12px 20px}
figure{margin:0;min-width:0}
figcaption{font-size:0.9em;margin-bottom:2px}
svg.plot{display:block;width:100%;height:auto;font-family:inherit}
svg.plot .grid line{stroke:#e3e8ee;stroke-width:1}
svg.plot .frame{fill:none;stroke:#8c959f;stroke-width:1}
svg.plot .tick{font-size:11px;fill:var(--muted)}
svg.plot .axis-label{font-size:12px;fill:var(--fg)}
svg.plot .published{fill:#000;stroke:#fff;stroke-width:0.8}
ul.legend{list-style:none;padding:0;margin:2px 0;font-size:0.85em;display:flex;flex-wrap:wrap;gap:2px 12px}
ul.legend span{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
footer.report{margin-top:28px;border-top:2px solid var(--accent);font-size:0.9em}
footer.report ol{padding-left:26px}
@media (max-width:700px){
 body{font-size:14px}
 table.stack thead,table.stack td.unit{display:none}
 table.stack,table.stack tbody{display:block;width:100%}
 table.stack tr{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1px 16px;
 border-bottom:1px solid var(--line);padding:6px 0}
 table.stack td{border:0;padding:0;text-align:right;white-space:normal;display:flex;justify-content:space-between;
 gap:8px;min-width:0;overflow-wrap:anywhere}
 table.stack td::before{content:attr(data-label);color:var(--muted);text-align:left;flex:0 0 auto}
 table.stack td:first-child,table.stack td.wide{grid-column:1/-1}
 table.stack td:first-child{display:block;text-align:left;font-weight:600}
 table.stack td:first-child::before{content:none}
 table.stack td:empty{display:none}
 .unit-inline{display:inline}
}
@media print{
 body{font-size:10pt}
 .page{max-width:none;padding:0}
 nav.contents{display:none}
 section.usecase{break-before:page}
 section.usecase:first-of-type{break-before:auto}
 h2,h3{break-after:avoid}
 tr,figure{break-inside:avoid}
 .table-wrap{overflow:visible}
 .plots{grid-template-columns:1fr 1fr}
 a{color:inherit;text-decoration:none}
}
"""


# --- the page ----------------------------------------------------------------------------


def page(report: dict) -> str:
    """The whole self-contained HTML file of a report document."""
    titles = ", ".join(u["title"] for u in report["evaluation"]["usecases"])
    body = [_header(report), "<main>", usecase_blocks(report, headings=2), *_shared_sections(report["evaluation"]),
            "</main>", _footer(report)]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"generator\" content=\"ammt-calc {escape(str(report.get('ammt_calc', '')))}\">\n"
            f"<title>KPI requirements: {escape(titles)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            "<div class=\"page\">\n" + "\n".join(body) + "\n</div>\n</body>\n</html>\n")


def _header(report: dict) -> str:
    evaluation = report["evaluation"]
    meta = [("ammt-calc", escape(str(report.get("ammt_calc", "")))),
            ("catalog digest", f"<code>{escape(str(report.get('catalog_digest', '')))}</code>"),
            ("command", f"<code>{escape(str(report.get('command', '')))}</code>"),
            ("date", escape(str(report.get("date", ""))))]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta if v not in ("", "<code></code>"))
    contents = "".join(f'<li><a href="#{_anchor(u["id"])}">{escape(u["title"])}</a></li>'
                       for u in evaluation["usecases"])
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.get("notes", ()))
    return ("<header class=\"report\">\n<h1>KPI requirements for AI/ML model transfer over 5G</h1>\n"
            f"<dl class=\"meta\">{items}</dl>\n"
            f"<nav class=\"contents\" aria-label=\"use cases\"><ol>{contents}</ol></nav>\n"
            + (f"<ul class=\"notes\">{notes}</ul>\n" if notes else "") + "</header>")


def _footer(report: dict) -> str:
    sources = "".join(f"<li>{escape(s)}</li>" for s in cited_sources(report))
    version = escape(str(report.get("ammt_calc", "")))
    return ("<footer class=\"report\">\n<h2>Sources</h2>\n"
            + (f"<ol class=\"sources\">{sources}</ol>\n" if sources else "<p>No source is cited.</p>\n")
            + f"<p class=\"muted\">Made by ammt-calc {version}. Every value is computed from the use case's"
            " formulas at the parameters listed with it; a published value is the 3GPP figure it is compared"
            " with.</p>\n</footer>")


def cited_sources(report: dict) -> list[str]:
    """Every source the report cites, once, in the order they first appear."""
    found: list[str] = []
    for doc in report.get("usecases", ()):
        found += doc.get("sources", [])
        found += [p["source"] for p in doc.get("parameters", ()) if p.get("source")]
        found += [k["source"] for k in doc.get("kpis", ()) if k.get("source")]
        found += [p["source"] for p in doc.get("published", ()) if p.get("source")]
    cell = report["evaluation"].get("cell")
    if cell:
        found += [cell["source"]] + ([cell["average"]["source"]] if "average" in cell else [])
    if report["evaluation"].get("qos"):
        found.append(QOS_TITLE[QOS_TITLE.index("(") + 1:-1])
    return list(dict.fromkeys(s for s in found if s))


def _shared_sections(evaluation: dict) -> list[str]:
    """Transport, cell and QoS: they concern every use case of the report."""
    parts = []
    if "transport" in evaluation or "cell" in evaluation:
        parts.append("<section class=\"network\">\n<h2>Network</h2>")
        if "transport" in evaluation:
            parts.append(_paragraphs(transport_caption(evaluation["transport"])))
        if "cell" in evaluation:
            parts.append(_paragraphs(cell_caption(evaluation["cell"])))
        if evaluation.get("cell_flows"):
            parts.append(table_html(cell_flows_table(evaluation["cell_flows"], evaluation["cell"]), 3))
        parts.append("</section>")
    if evaluation.get("qos"):
        parts.append("<section class=\"qos\">\n<h2>5QI per flow</h2>")
        parts.append(table_html(qos_table(evaluation["qos"], QOS_TITLE), 3))
        parts.append("</section>")
    return parts


# --- use cases ---------------------------------------------------------------------------


def usecase_blocks(report: dict, headings: int = 2) -> str:
    """A section per use case: what it is, its KPIs against the published values, its
    parameters with their origin and source, and its plots over a sweep."""
    evaluation = report["evaluation"]
    described = {d["id"]: d for d in report.get("usecases", ())}
    checks = {(c["usecase"], c["kpi"]): c for c in report.get("checks", ())}
    sweeps = {s["usecase"]: s for s in report.get("sweeps", ())}
    parts = []
    for uc in evaluation["usecases"]:
        rows = [r for r in evaluation["rows"] if r["usecase"] == uc["id"]]
        params = [p for p in evaluation["parameters"] if p["usecase"] == uc["id"]]
        parts.append(_usecase(uc, rows, params, described.get(uc["id"], {}), checks, sweeps.get(uc["id"]),
                              "cell" in evaluation, headings))
    return "\n".join(parts)


def _usecase(uc: dict, rows, params, described: dict, checks: dict, sweep: dict | None, cell: bool,
             level: int) -> str:
    h, sub = f"h{level}", f"h{level + 1}"
    parts = [f'<section class="usecase" id="{_anchor(uc["id"])}">',
             f'<{h}>{escape(uc["title"])} <span class="id">({escape(uc["id"])})</span></{h}>',
             f'<p class="muted">family {escape(uc["family"])}</p>']
    if described.get("description"):
        parts.append(f"<p>{escape(described['description'])}</p>")
    if described.get("sources"):
        parts.append("<p>Sources: " + "; ".join(escape(s) for s in described["sources"]) + "</p>")
    reasons: list[str] = []
    parts += [f"<{sub}>KPIs</{sub}>", _kpi_table(uc["id"], rows, described, checks, cell, reasons)]
    if reasons:
        parts.append('<ol class="reasons">' + "".join(f"<li>{escape(r)}</li>" for r in reasons) + "</ol>")
    parts += [f"<{sub}>Parameters</{sub}>", _parameter_table(uc["id"], params, described)]
    if described.get("notes"):
        parts.append('<ul class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in described["notes"]) + "</ul>")
    if sweep is not None:
        parts += [f"<{sub}>Over the grid</{sub}>", sweep_html(sweep, rows, params)]
    parts.append("</section>")
    return "\n".join(parts)


KPI_HEAD = ("KPI", "dir", "value", "unit", "published", "status", "basis", "deviation")


def _kpi_table(usecase: str, rows, described: dict, checks: dict, cell: bool, reasons: list[str]) -> str:
    head = list(KPI_HEAD) + (["cell share", "fits"] if cell else [])  # users per cell: a flow's, not a row's
    published = {p["kpi"]: p for p in described.get("published", ())}
    body = []
    for row in rows:
        check = checks.get((usecase, row["kpi"]), {})
        cells = [_label_cell(row), _td("dir", row["direction"]), _value_cell(usecase, row, reasons),
                 _td("unit", people(row["value"], row["unit"])[1], css="unit"),
                 _published_cell(row, published.get(row["kpi"])),
                 _status_cell(row.get("status")), _td("basis", check.get("basis") or ""),
                 _deviation_cell(check)]
        if cell:
            cells += _cell_cells(row.get("cell"))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return _table("kpis", head, body)


def _label_cell(row: dict) -> str:
    return (f'<td data-label="KPI">{escape(row["label"])}'
            f'<span class="kpi-name">{escape(row["kpi"])}</span></td>')


def _value_cell(usecase: str, row: dict, reasons: list[str]) -> str:
    key = f' data-kpi="{escape(usecase)}/{escape(row["kpi"])}"'
    if row["feasible"]:
        shown, unit = people(row["value"], row["unit"])
        return _number_td("value", row["value"], row["unit"], shown, extra=key, shown_unit=unit)
    reasons.append(f"{row['kpi']}: {row.get('reason', '')}")
    word = "n/a" if not row.get("applicable", True) else "infeasible"
    return f'<td class="num" data-label="value"{key} data-value="">{word} ({len(reasons)})</td>'


def _published_cell(row: dict, described: dict | None) -> str:
    published = row.get("published")
    if not published:
        return _td("published", "")
    exact = {k: published[k] for k in ("value", "min", "max") if published.get(k) is not None}
    title = "; ".join(f"{k} {v!r} {published.get('unit') or ''}".strip() for k, v in exact.items())
    source = (described or {}).get("source")
    title = "; ".join(filter(None, [title, f"source: {source}" if source else ""]))
    data = f' data-value="{escape(json.dumps(exact))}"' if exact else ""
    return f'<td data-label="published"{data} title="{escape(title)}">{escape(published.get("text") or "")}</td>'


def _status_cell(status: str | None) -> str:
    if not status:
        return _td("status", "")
    return f'<td data-label="status" class="status-{escape(status)}">{escape(status)}</td>'


def deviation(check: dict) -> float | None:
    """(computed - published) / published, both in the published unit; None without two numbers."""
    computed, published = check.get("computed_value"), check.get("published_value")
    if computed is None or published in (None, 0):
        return None
    return (computed - published) / published


def _deviation_cell(check: dict) -> str:
    value = deviation(check)
    if value is None:
        return _td("deviation", "")
    return _number_td("deviation", value, "", f"{human_number(100 * value) if value else '0'} %",
                      title=f"{100 * value!r} %")


def _cell_cells(entry: dict | None) -> list[str]:
    if entry is None:
        return [_td("cell share", ""), _td("fits", "")]
    share = entry["share"]
    return [_number_td("cell share", share["value"], "%", f"{human_number(share['value'])} %"),
            _td("fits", "yes" if entry["fits"] else "no")]


def _parameter_table(usecase: str, params, described: dict) -> str:
    about = {p["name"]: p for p in described.get("parameters", ())}
    body = []
    for p in params:
        info = about.get(p["name"], {})
        value = p["value"]
        shown, unit = people(value, p["unit"])
        name = escape(p["name"]) + (f'<span class="kpi-name">{escape(info["description"])}</span>'
                                    if info.get("description") else "")
        cells = [f'<td data-label="parameter">{name}</td>',
                 _number_td("value", value, p["unit"], shown,
                            extra=f' data-parameter="{escape(usecase)}/{escape(p["name"])}"', shown_unit=unit),
                 _td("unit", unit, css="unit"), _td("origin", p["origin"], css="short"),
                 _td("source", info.get("source") or "", css="wide")]
        marked = ' class="set"' if p["origin"] != "default" else ""
        body.append(f"<tr{marked}>" + "".join(cells) + "</tr>")
    return _table("parameters", ("parameter", "value", "unit", "origin", "source"), body)


# --- sweeps ------------------------------------------------------------------------------


def sweep_html(sweep: dict, rows: Sequence[dict] = (), params: Sequence[dict] = ()) -> str:
    """The grid's extent, a plot per KPI that changes over it (against the first varied
    parameter, a line per value of the second), and the KPIs that do not change in words.
    `rows` and `params` (the use case's rows and parameters in the report) place the
    published value on its KPI's plot, at the first parameter's value in the report."""
    varied = sweep["varied"]
    x_name = varied[0]["name"]
    points = sweep["rows"]
    xs_raw = [p[x_name] for p in points]
    categories = tuple(dict.fromkeys(xs_raw)) if any(isinstance(v, str) for v in xs_raw) else ()
    xs = [categories.index(v) for v in xs_raw] if categories else xs_raw
    groups = _line_groups(sweep)
    x_axis = svgplot.Axis(x_name if categories else f"{x_name} [{varied[0]['unit']}]".replace(" []", ""),
                          varied[0]["log"], categories)
    published = {r["kpi"]: r.get("published") for r in rows}
    labels = {r["kpi"]: r["label"] for r in rows}
    at = next((p for p in params if p["name"] == x_name), None)
    parts = [f"<p>{escape(extent_text(sweep))}</p>"]
    figures, constant, nowhere, named = [], [], [], []
    for column in sweep["columns"]:
        if column["kind"] != "kpi":
            continue
        name, unit = column["name"], column["unit"]
        values = [p.get(name) for p in points]
        numbers = svgplot.finite(values)
        if any(isinstance(v, str) for v in values):
            named.append(name)
        elif not numbers:
            nowhere.append(f"{name} ({_first_reason(points, name)})")
        elif min(numbers) == max(numbers) and len(numbers) == len(values):
            constant.append(f"{name} = {human_number(numbers[0])} {unit}".rstrip())
        else:
            figures.append(_figure(sweep, column, xs, values, groups, x_axis, published.get(name), at,
                                   labels.get(name)))
    if figures:
        parts.append('<div class="plots">' + "\n".join(figures) + "</div>")
    for words, names in (("The same at every point", constant), ("Infeasible at every point", nowhere),
                         ("Named choices, not plotted", named)):
        if names:
            parts.append(f"<p>{words}: " + "; ".join(escape(n) for n in names) + ".</p>")
    return "\n".join(parts)


def extent_text(sweep: dict) -> str:
    pieces = []
    for v in sweep["varied"]:
        values = [p[v["name"]] for p in sweep["rows"]]
        numbers = svgplot.finite(values)
        span = (f"{human_number(min(numbers))} to {human_number(max(numbers))} {v['unit']}".rstrip()
                if numbers else ", ".join(dict.fromkeys(str(x) for x in values)))
        spacing = "logarithmic" if v["log"] else "as given" if "," in v["spec"] else "linear"
        pieces.append(f"{v['name']} from {span}, {v['count']} values, {spacing} ({v['spec']})")
    how = "together (zipped)" if sweep["grid"] == "zip" else "every combination"
    return f"{sweep['points']} points, {how}: " + "; ".join(pieces) + "."


def _line_groups(sweep: dict) -> list[tuple[str, list[int]]]:
    """(label, row indices in x order) per line: one line, or for a product grid one per value
    of the other varied parameters (at most MAX_LINES of them, spread evenly, first and last kept)."""
    rows, x = sweep["rows"], sweep["varied"][0]["name"]
    others = [v["name"] for v in sweep["varied"][1:]] if sweep["grid"] != "zip" else []
    grouped: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        grouped.setdefault(tuple(row[n] for n in others), []).append(i)
    if not any(isinstance(r[x], str) for r in rows):  # values given as a list may come in any order
        for index in grouped.values():
            index.sort(key=lambda i: rows[i][x])
    keys = list(grouped)
    count = min(len(keys), MAX_LINES)
    chosen = sorted({round(k * (len(keys) - 1) / max(count - 1, 1)) for k in range(count)})
    units = {v["name"]: v["unit"] for v in sweep["varied"]}

    def label(key: tuple) -> str:
        return ", ".join(f"{n} = {v if isinstance(v, str) else human_number(v)} {units[n]}".rstrip()
                         for n, v in zip(others, key))

    return [(label(keys[k]), grouped[keys[k]]) for k in chosen]


def _figure(sweep: dict, column: dict, xs, values, groups, x_axis, published: dict | None, at: dict | None,
            label: str | None) -> str:
    name, unit = column["name"], column["unit"]
    y_axis = svgplot.Axis(f"{name} [{unit}]".replace(" []", ""), sweep["varied"][0]["log"])
    lines, colours = [], []
    for i, (line_label, index) in enumerate(groups):
        lines.append(svgplot.Line(line_label, [values[j] for j in index]))
        colours.append(svgplot.PALETTE[i % len(svgplot.PALETTE)])
    line_xs = [xs[j] for j in groups[0][1]]  # in a product grid every line has the same x values
    marker = _marker(published, at, unit, x_axis)
    caption = f"{escape(label)} <span class=\"muted\">({escape(name)})</span>" if label else escape(name)
    gaps = sum(v is None for v in values)
    if gaps:
        caption += f" <span class=\"muted\">(gaps: infeasible at {gaps} of {len(values)} points:" \
                   f" {escape(_first_reason(sweep['rows'], name))})</span>"
    if marker:
        caption += f" <span class=\"muted\">&#9733; {escape(marker[2])}</span>"
    legend = ""
    if len(lines) > 1:
        legend = '<ul class="legend">' + "".join(f'<li><span style="background:{c}"></span>{escape(line.label)}</li>'
                                                 for c, line in zip(colours, lines)) + "</ul>"
    plot = svgplot.svg(line_xs, lines, x_axis, y_axis, f"{name} against {x_axis.label}", marker)
    return f'<figure data-plot="{escape(sweep["usecase"])}/{escape(name)}"><figcaption>{caption}</figcaption>' \
           f"{plot}{legend}</figure>"


def _marker(published: dict | None, at: dict | None, unit: str, x_axis: svgplot.Axis):
    """The published value at the x parameter's value in the report, when both are numbers in
    the plot's units (no conversion here: documents carry numbers in their own units)."""
    if not published or published.get("value") is None or published.get("unit") != unit:
        return None
    if at is None or isinstance(at["value"], str) or x_axis.categories or not x_axis.label.endswith(f"[{at['unit']}]"):
        return None
    label = f"published {published['text']} at {at['name']} = {count_or_number(at['value'], at['unit'])} {at['unit']}"
    return (at["value"], published["value"], label.rstrip())


def _first_reason(points: Sequence[dict], name: str) -> str:
    return next((p["infeasible"][name] for p in points if name in p.get("infeasible", {})), "")


# --- any command's tables ----------------------------------------------------------------


def view_fragment(document: dict, view: View, level: int = 3) -> str:
    """A command's page of tables and text (its `table` format) as HTML, for a notebook."""
    return "\n".join(table_html(s, level) if isinstance(s, Table) else _paragraphs(s.text)
                     for s in view.page(document))


def table_html(table: Table, level: int = 3) -> str:
    """A view's table: its title as a heading (further lines as text), numbers right-aligned."""
    lines = table.title.splitlines()
    head = (f"<h{level}>{escape(lines[0])}</h{level}>" + _paragraphs("\n".join(lines[1:]))) if lines else ""
    right = numeric_columns(len(table.columns), table.rows)
    body = ["<tr>" + "".join(_td(str(c), "" if v is None else str(v), numeric=i in right)
                             for i, (c, v) in enumerate(zip(table.columns, row))) + "</tr>" for row in table.rows]
    return head + _table("", table.columns, body)


# --- small pieces ------------------------------------------------------------------------


def _table(kind: str, head: Iterable[str], body: list[str]) -> str:
    columns = "".join(f'<th scope="col">{escape(c)}</th>' for c in head)
    classes = " ".join(filter(None, ("stack", kind)))
    return (f'<div class="table-wrap"><table class="{classes}"><thead><tr>{columns}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _td(label: str, text: str, numeric: bool = False, css: str = "") -> str:
    classes = " ".join(filter(None, ("num" if numeric else "", css)))
    attribute = f' class="{classes}"' if classes else ""
    return f'<td data-label="{escape(label)}"{attribute}>{escape(text)}</td>'


def people(value, unit: str) -> tuple[str, str]:
    """A number and its unit as the terminal's tables show them (a JSON value is in the
    machine unit of its kind: 0.015 s reads 15 ms, 0.27 MByte 270 kByte); a name as it is."""
    if isinstance(value, str) or value is None:
        return value or "", unit
    return readable(*for_people(value, unit))


def _number_td(label: str, value, unit: str, shown: str, extra: str = "", title: str | None = None,
               shown_unit: str | None = None) -> str:
    """A number as shown, its exact value (the JSON's, in `unit`) in data-value and in the
    tooltip; `shown_unit`: the unit it is shown in, after it on a phone, where the unit
    column is hidden."""
    if isinstance(value, str):  # a named choice
        return f'<td data-label="{escape(label)}"{extra} data-value="{escape(value)}">{escape(value)}</td>'
    exact = json.dumps(value)
    tip = title if title is not None else f"{exact} {unit}".rstrip()
    inline = f'<span class="unit-inline"> {escape(shown_unit)}</span>' if shown_unit else ""
    return (f'<td class="num" data-label="{escape(label)}"{extra} data-value="{escape(exact)}"'
            f' title="{escape(tip)}"><span>{escape(shown)}{inline}</span></td>')


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(line.strip())}</p>" for line in text.splitlines() if line.strip())


def _anchor(usecase: str) -> str:
    return "uc-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in usecase)
