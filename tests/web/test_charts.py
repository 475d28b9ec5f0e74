"""web/charts.py: well-formed, labelled SVG; every text escaped; axes that fit the data."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from alphanode.web import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert(1)</script><a href="javascript:x">&amp;"\''


def _parse(markup: str) -> ElementTree.Element:  # type: ignore[name-defined]
    root = ElementTree.fromstring(str(markup))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


@pytest.mark.parametrize("kind", ["bar", "line"])
def test_hostile_text_stays_text(kind: str) -> None:
    make = charts.bar_chart if kind == "bar" else charts.line_chart
    svg = make(
        "c1",
        HOSTILE,
        HOSTILE,
        [HOSTILE, "b"],
        [charts.Series(HOSTILE, (1, 2)), charts.Series("two", (3, 0))],
        HOSTILE,
    )
    root = _parse(svg)
    assert root.find(f"{SVG}script") is None and root.find(f".//{SVG}a") is None
    assert root.find(f"{SVG}title").text == HOSTILE
    assert root.find(f"{SVG}desc").text == HOSTILE
    assert "<script>" not in svg
    assert root.get("aria-labelledby") == "c1-title c1-desc"


def test_stacked_bars_add_up_and_fit_the_axis() -> None:
    svg = charts.bar_chart(
        "c", "t", "d", ["a", "b"], [charts.Series("x", (3, 1)), charts.Series("y", (4, 0))]
    )
    root = _parse(svg)
    bars = root.findall(f"{SVG}rect")[2:]  # after the two legend keys
    assert len(bars) == 3  # the zero segment is not drawn
    heights = [float(b.get("height", "0")) for b in bars]
    plot = charts.HEIGHT - charts.TOP - charts.BOTTOM
    assert sum(heights[:2]) == pytest.approx(plot * 7 / charts.nice_max(7), abs=0.2)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels[-2:] == ["a", "b"] and "8" in labels and "2" in labels  # 0, 2, 4, 6, 8


def test_hbar_and_empty_charts() -> None:
    root = _parse(charts.hbar_chart("h", "t", "d", ["x" * 80, "short"], [2.5, 1.0], "days"))
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any(t.endswith("…") and len(t) == 38 for t in texts)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert f"{'x' * 80}: 2.5" in titles  # the whole label in the bar's tooltip
    _parse(charts.hbar_chart("e", "t", "d", [], []))
    _parse(charts.line_chart("l", "t", "d", [], []))
    _parse(charts.bar_chart("b", "t", "d", ["a"], [charts.Series("x", (0,))]))


@pytest.mark.parametrize(
    ("value", "top"),
    [(0, 4), (1, 4), (4, 4), (7, 8), (11, 20), (29, 40), (2600, 4000)],
)
def test_axis_top_for_counts_has_whole_steps(value: float, top: float) -> None:
    assert charts.nice_max(value) == top and (top / 4).is_integer()


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (0.3, 0.4), (0.96, 1), (3, 4), (5.9, 8), (9, 10), (23, 40)]
)
def test_axis_top_for_measures(value: float, top: float) -> None:
    assert charts.nice_max(value, integer=False) == pytest.approx(top)
