"""The SVG charts (dashboard.charts): labels, values, the accessible name, the table rows, and
escaping of what signers typed."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from dashboard.charts import Bar, bar_chart, column_chart, nice_top

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 (our own drawing)


def texts(svg: str) -> list[str]:
    root = parse(svg)
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def test_a_column_chart_carries_its_title_labels_values_and_table() -> None:
    chart = column_chart("Sign-ons per day", "Confirmed sign-ons on each day.",
                         [Bar("1 Mar", 3, name="Sunday 1 March"), Bar("2 Mar", 0),
                          Bar("3 Mar", 1250, cells=("1,300", "1,250"))],
                         headers=("Day", "Received", "Confirmed"))
    root = parse(chart.svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Sign-ons per day. Confirmed sign-ons on each day."
    assert root.find(f"{SVG}title").text == "Sign-ons per day"
    assert root.find(f"{SVG}desc").text == "Confirmed sign-ons on each day."
    labels = texts(chart.svg)
    assert {"1 Mar", "2 Mar", "3 Mar"} <= set(labels)  # the time axis
    assert {"3", "1,250"} <= set(labels)  # value labels on the bars (none on an empty one)
    assert {"0", "500", "1,000", "1,500"} <= set(labels)  # the value axis
    assert len(root.findall(f"{SVG}g/{SVG}rect")) == 3
    tooltips = [t.text for t in root.iter(f"{SVG}title")]
    assert "Sunday 1 March: 3" in tooltips
    assert chart.rows == [("Sunday 1 March", "3"), ("2 Mar", "0"), ("3 Mar", "1,300", "1,250")]
    assert chart.headers == ("Day", "Received", "Confirmed")


def test_many_columns_keep_the_value_axis_and_thin_out_their_labels() -> None:
    bars = [Bar(f"{hour:02d}:00", hour) for hour in range(48)]
    labels = texts(column_chart("Per hour", "Last 48 hours.", bars, headers=("Hour", "N")).svg)
    hours = [label for label in labels if label.endswith(":00")]
    assert 6 <= len(hours) <= 12
    assert "47" not in labels  # no value label per bar: the axis and the table carry them
    assert {"0", "20", "40", "60"} <= set(labels)


def test_bars_name_their_categories_and_write_their_values() -> None:
    chart = bar_chart("By country", "Confirmed per country.",
                      [Bar("Mexico", 40, text="40 (80 %)"), Bar("Chile", 10, text="10 (20 %)")],
                      headers=("Country", "Confirmed"))
    assert texts(chart.svg) == ["Mexico", "40 (80 %)", "Chile", "10 (20 %)"]
    widths = [float(r.get("width")) for r in parse(chart.svg).iter(f"{SVG}rect")]
    assert widths[0] == 4 * widths[1]


def test_what_signers_typed_is_escaped_and_long_names_cut_in_the_drawing_only() -> None:
    hostile = '<script>alert("x")</script> & Sons of a very long country name'
    chart = bar_chart("By <country>", 'Per "country"', [Bar(hostile, 1)],
                      headers=("Country", "N"))
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg
    root = parse(chart.svg)  # well-formed
    assert root.find(f"{SVG}title").text == "By <country>"
    assert texts(chart.svg)[0].endswith("…") and len(texts(chart.svg)[0]) == 22
    assert chart.rows == [(hostile, "1")]  # the table (escaped by the template) has it whole


def test_an_empty_chart_is_still_a_valid_labelled_drawing() -> None:
    chart = column_chart("Per day", "Nothing yet.", [], headers=("Day", "N"))
    root = parse(chart.svg)
    assert root.get("aria-label") == "Per day. Nothing yet."
    assert chart.rows == []
    assert re.search(r'viewBox="0 0 \d+ \d+"', chart.svg)


@pytest.mark.parametrize(("largest", "top", "step"), [
    (0, 4, 1), (1, 1, 1), (3, 3, 1), (7, 8, 2), (10, 10, 5), (1250, 1500, 500),
    (99, 100, 50), (1_000_000, 1_000_000, 500_000)])
def test_the_value_axis_ends_on_a_round_number(largest, top, step) -> None:
    assert nice_top(largest) == (top, step)
