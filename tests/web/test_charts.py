"""The SVG chart helper: coordinates inside the view box, higher values drawn higher."""

from __future__ import annotations

from shijing.web import charts


def test_a_line_puts_higher_values_higher_and_stays_in_the_box() -> None:
    chart = charts.line([("d1", 80.0), ("d2", 90.0), ("d3", 85.0)], floor=0, ceiling=100)
    ys = [p.y for p in chart.points]
    assert ys[1] < ys[2] < ys[0]  # SVG's y grows downwards
    assert all(0 <= p.x <= charts.WIDTH and 0 <= p.y <= charts.HEIGHT for p in chart.points)
    assert (chart.low, chart.high) == ("80.0", "90.0")
    assert chart.points[0].label == "d1 80.0"


def test_too_little_data_is_an_empty_chart() -> None:
    assert charts.line([("d1", 80.0)]).empty
    assert charts.bars([]).empty


def test_bars_scale_to_the_largest() -> None:
    chart = charts.bars([("a", 10.0), ("b", 20.0), ("c", 0.0)])
    heights = [b.height for b in chart.bars]
    assert heights[1] == charts.HEIGHT - 2 * charts.PAD
    assert heights[0] == heights[1] / 2
    assert heights[2] == 0
