"""Plotly figures for the briefing, with one fixed colour per visit level in every chart.

The figures take the tables of ``views`` and draw them; they compute nothing. Weeks are a
category axis labelled as people write dates (3月1日): a text such as "03-01" on a plotly
axis is read as a date and spreads the bars over years. Real dates (the burn-down, which
projects to 5月20日) use a date axis formatted the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from .dates import week_label

# One colour per level, by rank from the highest (rules.yaml's order), the same in every
# chart: dark for the most serious.
LEVEL_PALETTE = ("#8e0c0c", "#d95f02", "#2b7bba", "#8c959d", "#6a3d9a", "#b15928")
FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, SimHei, sans-serif"
HEIGHT = 360
HEAT_ROW = 15  # px per unit in the heatmap: its label and its number, 25 units in 45% of A4
DAY_FORMAT = "%-m月%-d日"  # d3 time format: 3月1日
MOST_TICKS = 8  # day labels on a date axis (a printed chart is 186 mm wide)


def _layout(fig: go.Figure, title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        font={"family": FONT, "size": 12},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.18},
    )
    fig.update_xaxes(showgrid=False, linecolor="#888")
    fig.update_yaxes(gridcolor="#e5e5e5", zeroline=False)
    return fig


def _week_axis(fig: go.Figure, labels: list[str], weekday: str) -> None:
    """A category axis of weeks, in campaign order, never read as dates; ``weekday`` is
    the day each week ends (the return day: 周五)."""
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        title_text=f"各周(截至{weekday};最后一周截至统计日)",
    )


def level_colors(levels: Sequence[str]) -> dict[str, str]:
    """The colour of each level (rules.levels, highest first)."""
    return {lv: LEVEL_PALETTE[i % len(LEVEL_PALETTE)] for i, lv in enumerate(levels)}


def visits_trend(by_week: pd.DataFrame, weekday: str) -> go.Figure:
    """Stacked weekly person-visits by level (views.visits_by_week; its level column is
    categorical in the rules' order)."""
    fig = go.Figure()
    labels = list(dict.fromkeys(by_week["label"]))
    for level, color in level_colors(list(by_week["level"].cat.categories)).items():
        d = by_week[by_week["level"] == level]
        fig.add_bar(
            x=d["label"],
            y=d["person_visits"],
            name=level,
            marker_color=color,
            hovertemplate=f"{level}<br>截至 %{{x}} 的一周<br>%{{y}} 人次<extra></extra>",
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    _week_axis(fig, labels, weekday)
    fig.update_yaxes(title_text="人次", rangemode="tozero")
    return _layout(fig, "各层级走访人次(按周)")


def deductions_heatmap(matrix: pd.DataFrame, weekday: str) -> go.Figure:
    """Units × weeks of points lost (views.deductions_by_unit_week), each cell's points
    written in it (a grey print loses the colours); a week without a loss is blank."""
    z = matrix.to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(matrix.columns),
            y=list(matrix.index),
            text=[[str(v) if v else "" for v in row] for row in z],
            texttemplate="%{text}",
            textfont={"size": 10},
            colorscale=[[0, "#ffffff"], [0.0001, "#fde0d2"], [1, "#8e0c0c"]],
            hovertemplate="%{y}<br>截至 %{x} 的一周<br>扣 %{z} 分<extra></extra>",
            colorbar={"title": {"text": "扣分"}},
            xgap=1,
            ygap=1,
        )
    )
    _week_axis(fig, list(matrix.columns), weekday)
    units = list(matrix.index)  # every unit named, however tight the rows
    fig.update_yaxes(
        autorange="reversed", tickmode="array", tickvals=units, ticktext=units,
        tickfont={"size": 10},
    )  # fmt: skip
    # a row per unit, as tall as its label: under half an A4 page for the 25 units
    fig = _layout(fig, "各单位每周扣分", height=max(HEIGHT, HEAT_ROW * len(matrix) + 90))
    return fig.update_layout(margin={"t": 40, "b": 40})


def backlog_burndown(table: pd.DataFrame, projection: dict) -> go.Figure:
    """Open backlog cases per week, and the projection at the current pace to the target."""
    fig = go.Figure()
    fig.add_scatter(
        x=table["last_day"],
        y=table["open"],
        mode="lines+markers",
        name="未化解(未认定)积案",
        line={"color": "#2b7bba"},
    )
    if len(table):
        last = table.iloc[-1]
        target = pd.Timestamp(projection["target_date"])
        if target > last["last_day"]:
            fig.add_scatter(
                x=[last["last_day"], target],
                y=[last["open"], projection["projected_open_at_target"]],
                mode="lines",
                name="按当前进度预计",
                line={"color": "#2b7bba", "dash": "dash"},
            )
            fig.add_scatter(
                x=[last["last_day"], target],
                y=[last["open"], 0],
                mode="lines",
                name="按期清零所需进度",
                line={"color": "#1a9850", "dash": "dot"},
            )
    fig.update_traces(hovertemplate="%{x|" + DAY_FORMAT + "}<br>%{y} 件<extra></extra>")
    days = list(table["last_day"])
    keep = days[-1:]  # the as-of (the last week's last day), and the target when ahead
    if len(table) and pd.Timestamp(projection["target_date"]) > days[-1]:
        keep.append(pd.Timestamp(projection["target_date"]))
    fig.update_xaxes(type="date", hoverformat=DAY_FORMAT, **day_ticks(days, keep))
    fig.update_yaxes(title_text="件", rangemode="tozero")
    return _layout(fig, "信访积案化解进度")


def day_ticks(
    days: Sequence[pd.Timestamp], keep: Sequence[pd.Timestamp] = (), most: int = MOST_TICKS
) -> dict:
    """A date axis ticked only on the days the chart holds (return days, the target): an
    automatic axis ticks days of its own (a Sunday before the campaign began).

    The first day and every day in ``keep`` (the as-of, the target) are always ticked;
    the others only where no tick is closer than a ``most``-th of the span, so that about
    ``most`` fit. Two ticks still closer than that (the as-of beside the target, a
    Saturday as-of beside Friday's week) are staggered: the later label on a second line.
    The range runs a little past the first and last day, so that neither label is cut.
    """
    days = sorted({pd.Timestamp(d) for d in [*days, *keep]})
    if not days:
        return {"tickformat": DAY_FORMAT}
    span = max((days[-1] - days[0]).days, 1)
    gap = span / most
    shown = sorted({days[0], *(pd.Timestamp(d) for d in keep)})
    for day in days:
        if all(abs((day - s).days) >= gap for s in shown):
            shown = sorted([*shown, day])
    text, low = [], False
    for i, day in enumerate(shown):
        low = i > 0 and (day - shown[i - 1]).days < gap and not low  # stagger close pairs
        text.append(("<br>" if low else "") + week_label(day))
    pad = pd.Timedelta(days=max(2.0, span * 0.04))
    return {
        "tickmode": "array",
        "tickvals": shown,
        "ticktext": text,
        "tickangle": 0,  # close labels staggered, never turned
        "range": [days[0] - pad, days[-1] + pad],
    }


def score_bars(scores: pd.DataFrame, base: int, vetoes: bool = True, unit: str = "分") -> go.Figure:
    """Each unit's score against the base, lowest at the bottom; vetoed units in red when
    the method has a veto (``vetoes``)."""
    s = scores.sort_values("score")
    fig = go.Figure(
        go.Bar(
            x=s["score"],
            y=s["unit"],
            orientation="h",
            marker_color=["#8e0c0c" if v else "#2b7bba" for v in s["veto"]],
            hovertemplate=f"%{{y}}<br>%{{x}} {unit}<extra></extra>",
        )
    )
    fig.add_vline(x=base, line_dash="dot", line_color="#888")
    fig.update_xaxes(title_text="得分" if unit == "分" else f"得分({unit})")
    title = "各单位得分(红色为一票否决)" if vetoes else "各单位得分"
    return _layout(fig, title, height=max(HEIGHT, 22 * len(s) + 100))
