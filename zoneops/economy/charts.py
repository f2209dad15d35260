"""ECharts options built in Python (passed to the page with json_script; app.js renders [data-chart])."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from zoneops.economy import computations as calc
from zoneops.economy.models import Indicator, IndicatorKind, Value, period_label


def _num(value: Decimal | None, decimals: int) -> float | None:
    """A chart coordinate (display only: figures in tables and exports stay Decimal)."""
    return None if value is None else float(calc.quantize(value, decimals))


def _bars_and_line(categories, bars, line, *, bar_name: str, line_name: str, unit: str, highlight: int | None):
    bar_data = []
    for index, value in enumerate(bars):
        point: dict = {"value": value}
        if highlight is not None and index == highlight:
            point["itemStyle"] = {"color": "#e6a23c"}
        bar_data.append(point)
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [bar_name, line_name], "top": 0},
        "grid": {"left": 48, "right": 48, "bottom": 56, "top": 36},
        "xAxis": [{"type": "category", "data": categories, "axisLabel": {"interval": 0, "rotate": 30}}],
        "yAxis": [
            {"type": "value", "name": unit},
            {"type": "value", "name": "%", "splitLine": {"show": False}},
        ],
        "series": [
            {"name": bar_name, "type": "bar", "data": bar_data, "barMaxWidth": 36},
            {"name": line_name, "type": "line", "yAxisIndex": 1, "data": line, "smooth": False},
        ],
    }


def ranking_option(report, item) -> dict:
    """Bars for each peer's value with the growth line on a second axis; the report's region highlighted."""
    from zoneops.economy.selectors import _Figures

    indicator: Indicator = item.indicator
    year, month = report.period.year, report.period.month_end
    data = _Figures(report.peers, year, month)
    order = sorted(
        report.peers,
        key=lambda p: -(data.growth(p, indicator, year, month) or Decimal("-1e9")),
    )
    names, bars, line = [], [], []
    for peer in order:
        names.append(peer.name)
        if indicator.kind == IndicatorKind.SHARE:
            bars.append(_num(data.share(peer, indicator, year, month).value, 1))
            line.append(None)
        else:
            bars.append(_num(data.level(peer, indicator, year, month), indicator.decimals))
            line.append(_num(data.growth(peer, indicator, year, month), 1))
    highlight = next((i for i, p in enumerate(order) if p.pk == report.region.pk), None)
    unit = indicator.unit
    return _bars_and_line(
        names, bars, line, bar_name=indicator.name, line_name=_("Growth %"), unit=unit, highlight=highlight
    )


def trend_option(values: list[Value], indicator: Indicator) -> dict:
    """A region's cumulative figures over periods (bars) with their official growth (line)."""
    names = [f"{v.period.year}年{v.period.label}" for v in values]
    bars = [_num(v.value, indicator.decimals) for v in values]
    line = [_num(v.growth_pct, 1) for v in values]
    return _bars_and_line(
        names, bars, line, bar_name=indicator.name, line_name=_("Growth %"), unit=indicator.unit, highlight=None
    )


def yoy_option(values: list[Value], indicator: Indicator, year: int) -> dict:
    """Year-over-year: each cumulative period of `year` beside the same period of the year before."""
    by_key = {(v.period.year, v.period.month_end): v.value for v in values}
    months = sorted({m for (y, m) in by_key if y in (year, year - 1)})
    categories = [period_label(m) for m in months]
    series = []
    for y in (year - 1, year):
        series.append(
            {
                "name": str(y),
                "type": "bar",
                "data": [_num(by_key.get((y, m)), indicator.decimals) for m in months],
                "barMaxWidth": 28,
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [str(year - 1), str(year)], "top": 0},
        "grid": {"left": 48, "right": 24, "bottom": 32, "top": 36},
        "xAxis": [{"type": "category", "data": categories}],
        "yAxis": [{"type": "value", "name": indicator.unit}],
        "series": series,
    }
