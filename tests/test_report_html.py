"""The HTML report (present/html.py, present/svgplot.py) from documents of the API: what it
holds, read with the standard library's parser, and what a reader sees in a real browser."""

import json
from html.parser import HTMLParser

import pytest
from browser import INSTALL, Browser, find_browser
from helpers import ok
from report_helpers import EXAMPLE, EXAMPLE_VARY, report_document

from ammt_calc.present import html, svgplot
from ammt_calc.present.views import SAMPLE, readable
from ammt_calc.units.machine import for_people


class Cells(HTMLParser):
    """Every element's attributes with its text, and the page's tags."""

    def __init__(self, text: str):
        super().__init__()
        self.elements, self.open, self.tags = [], [], set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        element = {"tag": tag, **dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in ("meta", "br", "circle", "line", "rect", "polyline", "polygon"):
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def with_attribute(self, name: str) -> dict[str, dict]:
        return {e[name]: e for e in self.elements if name in e}


@pytest.fixture(scope="module")
def example():
    return report_document(EXAMPLE, EXAMPLE_VARY)


@pytest.fixture(scope="module")
def example_page(example):
    return html.page(example)


def test_the_report_holds_the_cli_json_document(example, cli):
    """The evaluation in the report is the `usecase --format json` document of the same use cases."""
    assert example["evaluation"] == json.loads(ok(cli("usecase", *EXAMPLE, "--format", "json")))


def test_every_kpi_value_is_shown_as_the_table_shows_it_with_its_exact_value(example, example_page):
    cells = Cells(example_page).with_attribute("data-kpi")
    rows = example["evaluation"]["rows"]
    assert len(rows) > 20
    for row in rows:
        cell = cells[f"{row['usecase']}/{row['kpi']}"]
        if row["feasible"]:
            assert json.loads(cell["data-value"]) == row["value"]
            assert cell["text"].split()[0] == readable(*for_people(row["value"], row["unit"]))[0]  # the table's
            assert cell["title"] == f"{row['value']!r} {row['unit']}".rstrip()
        else:  # the reason in words, numbered
            assert cell["text"].startswith(("infeasible (", "n/a (")) and row["reason"] in example_page


def test_values_read_as_for_people_by_hand(example_page):
    cells = Cells(example_page).with_attribute("data-kpi")
    latency = cells["split-image-recognition/ul_latency"]  # 0.015 s in the JSON
    assert latency["text"].split() == ["15", "ms"] and latency["title"] == "0.015 s"
    assert cells["split-image-recognition/ul_payload"]["text"].split() == ["270", "kByte"]  # 0.27 MByte


def test_parameters_show_value_origin_and_source(example, example_page):
    cells = Cells(example_page).with_attribute("data-parameter")
    for p in example["evaluation"]["parameters"]:
        cell = cells[f"{p['usecase']}/{p['name']}"]
        assert json.loads(cell["data-value"]) == p["value"]
    assert "TS 22.261 Table 7.10.1-1 (UL payload)" in example_page  # payload's source


def test_header_and_footer(example, example_page):
    for text in (example["ammt_calc"], example["catalog_digest"], example["command"], example["date"]):
        assert text in example_page
    footer = example_page[example_page.index("<footer"):]
    sources = html.cited_sources(example)
    assert "TR 22.874 clause 5.1" in sources and "RFC 894 (IP MTU 1500 byte), RFC 791 (IPv4 header 20 byte), RFC 9293 (TCP header 20 byte)" in sources
    assert len(sources) == len(set(sources))
    for source in sources:
        assert f"<li>{html.escape(source)}</li>" in footer


def test_the_page_needs_nothing_from_outside():
    page = html.page(report_document(EXAMPLE, EXAMPLE_VARY))
    tags = Cells(page).tags
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "src=" not in page and "url(" not in page and "@import" not in page
    assert page.count("http") == page.count('xmlns="http://www.w3.org/2000/svg"')


def test_text_from_documents_is_escaped():
    doc = report_document(("split-image-recognition",))
    doc["evaluation"]["usecases"][0]["title"] = "<script>alert(1)</script>"
    doc["command"] = 'ammt-calc report --set x="<b>"'
    page = html.page(doc)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;" in page


def test_sweep_plots_the_kpis_that_change_and_names_the_others(example, example_page):
    figures = Cells(example_page).with_attribute("data-plot")
    sweep = example["sweeps"][0]
    uc = sweep["usecase"]
    assert f"{uc}/dl_payload" in figures and f"{uc}/dl_data_rate" in figures
    assert f"{uc}/dl_latency" not in figures  # 1 s everywhere
    assert "The same at every point: dl_latency = 1 s;" in example_page
    assert "50 points, every combination: model_size from 10 to 1000 MByte, 50 values, logarithmic" in example_page
    # the published 138 MByte at the default model size, on the payload's plot
    assert "published 138 MByte at model_size = 138.358 MByte" in example_page  # 138,357,544 byte, VGG-16 at 8 bit
    assert "gaps: infeasible at 14 of 50 points" in example_page  # retransmissions beyond the link's reach
    assert example_page.count("<svg") == len(figures)


def test_two_varied_parameters_give_a_line_per_value_of_the_second():
    import ammt_calc as ac

    sweep = ac.sweep("model-distribution-image-recognition",
                     {"model_size": "10MB:1GB:5:log", "latency": "1s,2s,5s"}).to_dict()
    page = html.sweep_html(sweep)
    figure = page[page.index('data-plot="model-distribution-image-recognition/dl_data_rate"'):]
    figure = figure[:figure.index("</figure>")]
    assert figure.count("<polyline") == 3
    for label in ("latency = 1 s", "latency = 2 s", "latency = 5 s"):
        assert label in figure


def test_deviation_is_relative_to_the_published_value():
    assert html.deviation({"computed_value": 150.0, "published_value": 144.0}) == pytest.approx(6 / 144)
    assert html.deviation({"computed_value": 1104.0 / 1000, "published_value": 1.1}) == pytest.approx(0.04 / 11)
    assert html.deviation({"computed_value": None, "published_value": 1.0}) is None
    assert html.deviation({"computed_value": 1.0, "published_value": None}) is None


def test_view_fragment_shows_a_commands_tables():
    doc = {"rows": [{"usecase": "u", "kpi": "k", "unit": "ms", "mean": 1.5, "p5": 1.0, "p50": 1.5, "p95": 2.0,
                     "p99": 2.5, "infeasible_share": 0.25}]}
    fragment = html.view_fragment(doc, SAMPLE)
    assert "<h3>u: over the feasible draws</h3>" in fragment
    assert '<td data-label="p99" class="num">2.5</td>' in fragment and ">25 %<" in fragment


# --- svgplot -----------------------------------------------------------------------------


def test_log_ticks_are_powers_of_ten_and_their_2_and_5_over_few_decades():
    assert svgplot._ticks(1.0, 3.0, True) == [10, 20, 50, 100, 200, 500, 1000]
    assert svgplot._ticks(-290.0, 0.0, True) == [10.0 ** k for k in range(-300, 1, 50)]  # 50 decades a step


def test_linear_ticks_are_1_2_5_steps():
    assert svgplot._ticks(0.0, 1.0, False) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert svgplot._ticks(3.0, 97.0, False) == [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]


def test_tick_labels_tell_close_ticks_apart():
    step = 5e-6
    labels = [svgplot.tick_text(100 - k * step, step) for k in range(4)]
    assert labels == ["100", "99.999995", "99.99999", "99.999985"]
    assert svgplot.tick_text(1e5) == "100000" and svgplot.tick_text(1e-48) == "1e-48"


def test_a_gap_splits_the_line_and_points_carry_their_exact_values():
    picture = svgplot.svg([1, 2, 3, 4, 5], [svgplot.Line("", [1.0, 2.0, None, 4.0, 5.0])],
                          svgplot.Axis("x [s]"), svgplot.Axis("y [ms]"), "y against x")
    assert picture.count("<polyline") == 2 and picture.count("<circle") == 4
    assert "<title>x [s] = 4.0; y [ms] = 4.0</title>" in picture


def test_points_land_where_their_values_are():
    picture = svgplot.svg([0.0, 10.0], [svgplot.Line("", [0.0, 10.0])], svgplot.Axis("x"), svgplot.Axis("y"), "t")
    # ticks 0..10 span the plot area exactly: (0, 0) at its bottom left, (10, 10) at its top right
    bottom, right = svgplot.HEIGHT - svgplot.BOTTOM, svgplot.WIDTH - svgplot.RIGHT
    assert f'points="{svgplot.LEFT},{bottom} {right},{svgplot.TOP}"' in picture


# --- in a browser ------------------------------------------------------------------------

BROWSER = find_browser()
needs_browser = pytest.mark.skipif(BROWSER is None, reason=f"no Chromium found: the browser tests {INSTALL}")
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def browser():
    with Browser(BROWSER) as running:
        yield running


@pytest.fixture(scope="module")
def example_file(example_page, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(example_page, encoding="utf-8")
    return path


@needs_browser
@pytest.mark.parametrize("width", WIDTHS)
def test_in_a_browser_nothing_scrolls_sideways_nothing_fails_and_every_value_shows(browser, example_file, example,
                                                                                    width, tmp_path):
    tab = browser.open(example_file.as_uri(), width)
    scroll = tab.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]")
    assert scroll[0] <= width and scroll[1] <= width, scroll
    assert tab.console_problems() == []
    assert tab.requests() == [example_file.as_uri()]  # the page itself, nothing else
    shown = tab.evaluate("Object.fromEntries([...document.querySelectorAll('td[data-kpi]')].map("
                         "td => [td.dataset.kpi, [td.dataset.value, td.innerText, td.getClientRects().length > 0]]))")
    for row in example["evaluation"]["rows"]:
        value, text, visible = shown[f"{row['usecase']}/{row['kpi']}"]
        assert visible
        if row["feasible"]:
            assert json.loads(value) == row["value"] and text.split()[0] == readable(*for_people(row["value"], row["unit"]))[0]
    plots = tab.evaluate("[...document.querySelectorAll('svg.plot')].map(s => s.getBoundingClientRect().width)")
    assert plots and all(0 < w <= width for w in plots)
    tab.screenshot(tmp_path / f"report-{width}.png")
    assert width - 20 <= _png_width(tmp_path / f"report-{width}.png") <= width  # less a scroll bar, if any


@needs_browser
def test_in_print_each_use_case_starts_a_page(browser, example_file):
    tab = browser.open(example_file.as_uri(), 1280)
    browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session=tab.session)
    breaks = tab.evaluate("[...document.querySelectorAll('section.usecase')].map(s => getComputedStyle(s).breakBefore)")
    assert breaks == ["auto", "page"]


def _png_width(path) -> int:
    import struct

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", data[16:20])[0]



# --- the command and the API ---------------------------------------------------------------


def test_report_command_writes_the_page_of_both_use_cases_with_a_plot(cli, tmp_path):
    result = cli("report", *EXAMPLE, "--vary", "model_size=10MB:1GB:50:log", "-o", "r.html")
    assert result.returncode == 0, result.stderr
    assert "note: split-image-recognition: not swept: it has no parameter model_size" in result.stderr
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    sections = Cells(page).with_attribute("id")
    assert {"uc-split-image-recognition", "uc-model-distribution-image-recognition"} <= set(sections)
    assert 'data-plot="model-distribution-image-recognition/dl_data_rate"' in page
    assert "ammt-calc report split-image-recognition model-distribution-image-recognition --vary" in page
    doc = json.loads(ok(cli("report", *EXAMPLE, "--vary", "model_size=10MB:1GB:50:log", "--format", "json")))
    assert doc["evaluation"] == json.loads(ok(cli("usecase", *EXAMPLE, "--format", "json")))
    assert [s["usecase"] for s in doc["sweeps"]] == ["model-distribution-image-recognition"]
    assert len(doc["catalog_digest"]) == 32


def test_report_refusals(cli):
    from helpers import refused

    refused(cli("report", "split-image-recognition", "--vary", "model_size=10MB:1GB:5"), "none of the use cases has it")
    refused(cli("report", "model-distribution-image-recognition", "--vary", "model_size=10MB:1GB:20000"),
            "up to 10,000 points per use case")
    refused(cli("report", "split-image-recognition", "-o", "r.xlsx"), "--format xlsx is not available here")


def test_report_checks_the_published_values_at_the_settings_given():
    import ammt_calc as ac

    doc = ac.report("split-image-recognition", latency="30 ms").to_dict()
    check = {c["kpi"]: c for c in doc["checks"]}
    # 0.27 MByte in 30 ms is 72 Mbit/s against the published 144: half, derived from the formulas
    assert check["ul_data_rate"]["computed_value"] == 72.0 and check["ul_data_rate"]["status"] == "differs"
    assert html.deviation(check["ul_data_rate"]) == -0.5
    assert ">-50 %<" in ac.report("split-image-recognition", latency="30 ms").html()


def test_results_show_themselves_in_a_notebook():
    import ammt_calc as ac

    result = ac.evaluate("split-image-recognition")
    block = result._repr_html_()
    assert 'data-kpi="split-image-recognition/ul_data_rate" data-value="144.0"' in block
    assert block.startswith('<section class="usecase"') and "<h3>Split AI/ML image recognition" in block
    sweep = ac.sweep("model-distribution-image-recognition", {"model_size": "10MB:1GB:5:log"})
    assert repr(sweep) == "<SweepResult model-distribution-image-recognition: 5 points over model_size; 18 KPIs>"
    assert "<svg" in sweep._repr_html_()
    solution = ac.solve("model-distribution-image-recognition", "model_size", "dl_data_rate=500Mbit/s")
    assert repr(solution) == ("<Solution model-distribution-image-recognition: model_size = 62.5 MByte for"
                              " dl_data_rate = 500 Mbit/s>")
    assert ">62.5<" in solution._repr_html_()
    sample = ac.api.sample("model-distribution-image-recognition", {"model_size": "loguniform:10MB:1GB"}, count=100)
    assert repr(sample) == (f"<SampleResult model-distribution-image-recognition: 100 draws;"
                            f" {len(sample.to_dict()['rows'])} KPIs>")
    assert "over the feasible draws" in sample._repr_html_()
    facts = ac.model("vgg16")
    assert repr(facts) == "<ModelFacts vgg16: 138,357,544 parameters (zoo (torchvision))>"
    assert ">138,357,544<" in facts._repr_html_()  # the count in its table cell, digits grouped
