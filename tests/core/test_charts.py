"""core/charts.py: accessible inline SVG that a browser and WeasyPrint draw."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

from django.template.loader import render_to_string
from django.utils import translation

from core.charts import Bar, BarChart, LineChart, Panel, Point, Series, nice_ticks
from core.pdf import html_document, shared_options
from tests.helpers import pdf_text

SVG = "{http://www.w3.org/2000/svg}"


def _chart(**overrides) -> LineChart:
    fields = {
        "title": "Right leg <trend>",
        "panels": [
            Panel(
                "CEAP class",
                0,
                6,
                [
                    Series(
                        "CEAP class",
                        [
                            Point(date(2025, 1, 10), 4, "C4a"),
                            Point(date(2025, 9, 2), 2, "C2"),
                        ],
                    )
                ],
                ticks=[(level, f"C{level}") for level in range(7)],
            ),
            Panel(
                "VCSS",
                0,
                30,
                [
                    Series(
                        "VCSS",
                        [
                            Point(date(2025, 1, 10), 9),
                            Point(date(2025, 9, 2), Decimal("3")),
                        ],
                    )
                ],
            ),
        ],
        "id_prefix": "trend-r",
    }
    fields.update(overrides)
    return LineChart(**fields)


def test_the_svg_is_an_image_with_a_title_and_a_description():
    svg = str(_chart().svg())
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "trend-r-title trend-r-desc"
    assert root.find(f"{SVG}title").text == "Right leg <trend>"
    desc = root.find(f"{SVG}desc").text
    assert "C4a" in desc and "VCSS" in desc and "9" in desc


def test_the_svg_has_no_style_attribute_script_or_unescaped_text():
    svg = str(_chart(title='x" onload="alert(1)<script>').svg())
    assert "style=" not in svg
    assert "<script" not in svg
    assert 'onload="' not in svg
    ElementTree.fromstring(svg)


def test_axis_labels_dates_and_values_are_drawn():
    with translation.override("en"):
        svg = str(_chart().svg())
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert "C0" in texts and "C6" in texts  # the CEAP axis
    assert "30" in texts and "0" in texts  # the VCSS axis
    assert "CEAP class" in texts and "VCSS" in texts  # axis labels
    assert any(t.endswith("2025") for t in texts)  # dates on x
    # One marker per reading, each with its value in its tooltip.
    assert svg.count('class="chart-point"') == 4
    assert "C4a" in svg


def test_a_legend_is_drawn_when_a_panel_holds_several_series():
    chart = _chart(
        panels=[
            Panel(
                "VCSS",
                0,
                30,
                [
                    Series("Right", [Point(date(2025, 1, 1), 5)]),
                    Series("Left", [Point(date(2025, 1, 1), 8)]),
                ],
            )
        ]
    )
    svg = str(chart.svg())
    assert ">Right</text>" in svg and ">Left</text>" in svg
    assert chart.table().columns == ["VCSS – Right", "VCSS – Left"]
    assert not _chart().has_legend()


def test_the_table_holds_the_same_numbers_by_date():
    with translation.override("en"):
        table = _chart().table()
    assert table.columns == ["CEAP class", "VCSS"]
    assert [cells for _, cells in table.rows] == [["C4a", "9"], ["C2", "3"]]
    assert len(table.rows) == 2


def test_a_gap_breaks_the_line_and_an_empty_chart_says_so():
    chart = _chart(
        panels=[
            Panel(
                "VCSS",
                0,
                30,
                [
                    Series(
                        "VCSS",
                        [
                            Point(date(2025, 1, 1), 5),
                            Point(date(2025, 2, 1), None),
                            Point(date(2025, 3, 1), 4),
                        ],
                    )
                ],
            )
        ]
    )
    # Two runs of one reading each: markers, no line between them.
    svg = str(chart.svg())
    assert svg.count('class="chart-point"') == 2
    assert 'stroke-width="2"' not in svg
    empty = LineChart(
        "Nothing", [Panel("VCSS", 0, 30, [Series("VCSS", [])])], empty_text="None yet"
    )
    assert empty.is_empty()
    assert ">None yet</text>" in str(empty.svg())
    assert empty.table().rows == []


def test_dates_across_years_are_labelled_by_year():
    chart = _chart(
        panels=[
            Panel(
                "VCSS",
                0,
                30,
                [
                    Series(
                        "VCSS",
                        [Point(date(2019, 5, 1), 5), Point(date(2025, 3, 1), 4)],
                    )
                ],
            )
        ]
    )
    svg = str(chart.svg())
    assert ">2020</text>" in svg and ">2024</text>" in svg


def test_italian_dates_and_numbers():
    chart = _chart(
        panels=[
            Panel(
                "VCSS",
                0,
                30,
                [Series("VCSS", [Point(date(2025, 1, 1), Decimal("2.5"))])],
            )
        ]
    )
    with translation.override("it"):
        table = chart.table()
        svg = str(chart.svg())
    assert table.rows == [("01/01/2025", ["2,5"])]
    assert "2,5" in svg


def test_bar_chart():
    chart = BarChart(
        "Complications per 100 sessions",
        [Bar("Foam", Decimal("12.5")), Bar("Liquid", 3), Bar("None", None)],
        y_label="per 100",
        label_header="Form",
        id_prefix="bars",
    )
    svg = str(chart.svg())
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert svg.count('class="chart-bar"') == 2
    assert ">Foam</text>" in svg and ">12.5</text>" in svg
    assert chart.table().rows == [
        ("Foam", ["12.5"]),
        ("Liquid", ["3"]),
        ("None", [""]),
    ]


def test_nice_ticks():
    assert nice_ticks(0, 30) == [0, 10, 20, 30]
    assert nice_ticks(0, 25) == [0, 10, 20]
    assert nice_ticks(0, 6) == [0, 2, 4, 6]


def test_the_include_shows_the_drawing_and_its_table():
    html = render_to_string("core/chart.html", {"chart": _chart()})
    assert "<svg" in html
    assert "<details" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "<caption>Right leg &lt;trend&gt;</caption>" in html


def test_weasyprint_draws_the_chart_in_a_pdf():
    body = render_to_string("core/chart.html", {"chart": _chart(), "table_open": True})
    html = f"<html><body><h1>Trends</h1>{body}</body></html>"
    pdf = html_document(html).write_pdf(**shared_options())
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    # The drawing's texts (axis ticks and labels) are text in the PDF.
    assert "C6" in text and "VCSS" in text and "C4a" in text


def test_a_drawing_is_cached_under_all_its_data(monkeypatch):
    """The same chart is drawn once; a changed value, title or language draws
    it anew (the key holds all the chart's data)."""
    from core.charts import cached_drawing
    from core.fragments import fragment_cache

    fragment_cache().clear()
    drawn: list[str] = []
    draw = LineChart.svg.__wrapped__

    def counted(chart):
        drawn.append(chart.title)
        return draw(chart)

    monkeypatch.setattr(LineChart, "svg", cached_drawing(counted))
    first = str(_chart().svg())
    assert str(_chart().svg()) == first
    assert len(drawn) == 1
    vcss = Panel("VCSS", 0, 30, [Series("VCSS", [Point(date(2025, 1, 10), 8)])])
    changed = str(_chart(panels=[vcss]).svg())
    assert changed != first
    assert str(_chart(title="Left leg").svg()) != first
    with translation.override("it"):
        _chart().svg()
    assert len(drawn) == 4


def test_the_figure_is_cached_with_its_table_and_follows_the_data(monkeypatch):
    """The whole figure (drawing and table) is rendered once per chart data,
    language and open/closed table; any change renders it anew."""
    from core import charts
    from core.fragments import fragment_cache
    from core.templatetags.clinic_tags import chart_figure

    fragment_cache().clear()
    tables: list[str] = []
    table = LineChart.table

    def counted(chart):
        tables.append(chart.title)
        return table(chart)

    monkeypatch.setattr(LineChart, "table", counted)
    first = str(chart_figure(_chart()))
    assert str(charts.chart_figure(_chart())) == first
    assert len(tables) == 1
    assert first == render_to_string("core/chart.html", {"chart": _chart()})
    assert '<details class="chart-data" open>' in str(
        chart_figure(_chart(), table_open=True)
    )
    assert "Left leg" in str(chart_figure(_chart(title="Left leg")))
    with translation.override("it"):
        assert "I valori del grafico" in str(chart_figure(_chart()))
    assert len(tables) == 5
