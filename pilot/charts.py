"""DataFrame -> plotly Figure. No Streamlit here, so charts are testable and reusable (report, PDF).

Colours come from the Okabe-Ito palette, which stays distinguishable with the common colour-vision
deficiencies; shape and dash carry the same meaning as colour, so nothing relies on colour alone.
Every visible text (titles, legend names) is passed in already translated.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pilot.domain.codes import SKILLS
from pilot.domain.levels import LEVELS, ORDINAL, TARGET_LEVEL

OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
             "grey": "#999999"}


# Numbers on value axes: thousands grouped, no SI suffix ("35 000", never "35k"), decimals only
# where the value has them. The group and decimal marks come from the figure's language (localise).
NUMBER_FORMAT = ",~f"
# plotly's layout.separators: the decimal mark, then the thousands mark (a no-break space in fi/sv).
SEPARATORS = {"fi": ",\u00a0", "sv": ",\u00a0", "en": ".,"}


def localise(fig: go.Figure, lang: str) -> go.Figure:
    """Numbers on the axes and in hover texts as the reader writes them: 35 000 and 0,5 in Finnish
    and Swedish, 35,000 and 0.5 in English. Every figure a page shows goes through here."""
    fig.update_layout(separators=SEPARATORS.get(lang, SEPARATORS["fi"]))
    return fig


def _assessed_points(frame: pd.DataFrame) -> pd.DataFrame:
    """Highest level per date (as the indicators count it), sorted by date."""
    if frame.empty:
        return frame.assign(ordinal=pd.Series(dtype="int64"))
    out = frame.assign(ordinal=frame["level"].map(ORDINAL))
    return out.groupby("assessed_on", as_index=False)["ordinal"].max().sort_values("assessed_on")


def assessment_progression(frame: pd.DataFrame, titles: Mapping[str, str]) -> go.Figure:
    """Level over time for each skill: assessed (coach, YKI, other) solid, self-assessment dashed.

    ``frame`` has columns assessed_on, skill, level, source. ``titles`` holds 'title', 'assessed',
    'self', 'level', 'target' and 'skill.<skill>' texts in the reader's language.
    """
    fig = make_subplots(rows=2, cols=2, shared_yaxes=True, vertical_spacing=0.16, horizontal_spacing=0.06,
                        subplot_titles=[titles[f"skill.{s}"] for s in SKILLS])
    shown: set[str] = set()
    labelled = False
    for i, skill in enumerate(SKILLS):
        row, col = i // 2 + 1, i % 2 + 1
        rows = frame[frame["skill"] == skill] if not frame.empty else frame
        assessed = _assessed_points(rows[rows["source"] != "self"]) if not rows.empty else rows
        own = _assessed_points(rows[rows["source"] == "self"]) if not rows.empty else rows
        styles = (("assessed", assessed, OKABE_ITO["blue"], "solid", "circle"),
                  ("self", own, OKABE_ITO["orange"], "dash", "diamond-open"))
        for name, points, colour, dash, symbol in styles:
            if points.empty:
                continue
            fig.add_trace(go.Scatter(
                x=list(points["assessed_on"]), y=list(points["ordinal"]), name=titles[name],
                legendgroup=name, showlegend=name not in shown, mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2}, marker={"symbol": symbol, "size": 9},
                hovertemplate="%{x|%d.%m.%Y}: %{text}<extra></extra>",
                text=[LEVELS[o - 1] for o in points["ordinal"]]), row=row, col=col)
            shown.add(name)
        if assessed.empty and own.empty:
            continue  # an empty panel keeps its title and draws no target line
        # The target is named once, on the first panel drawn: an hline annotation without text
        # reaches Plotly.js as an empty annotation, which it shows as "new text" (issue 17).
        named = {} if labelled else {"annotation_text": titles["target"], "annotation_position": "top left",
                                     "annotation_font": {"size": 10, "color": "#555555"}}
        fig.add_hline(y=ORDINAL[TARGET_LEVEL], line={"color": OKABE_ITO["grey"], "dash": "dot", "width": 1},
                      row=row, col=col, **named)
        labelled = True
    fig.update_yaxes(tickvals=list(ORDINAL.values()), ticktext=list(LEVELS), range=[0.5, len(LEVELS) + 0.5])
    fig.update_yaxes(title_text=titles["level"], row=1, col=1)
    fig.update_yaxes(title_text=titles["level"], row=2, col=1)
    fig.update_xaxes(tickformat="%d.%m.%Y")
    fig.update_layout(title={"text": titles["title"]}, height=560, margin={"l": 40, "r": 10, "t": 80, "b": 30},
                      legend={"orientation": "h", "y": -0.08}, hovermode="closest")
    return fig


# --- Outcome screens (pages/dashboard.py, pages/employer.py, pages/costs.py) ---------------------

_SERIES = (("blue", ""), ("orange", "/"), ("green", "\\"), ("sky_blue", "x"), ("vermillion", "."),
           ("purple", "+"), ("yellow", "-"), ("grey", "|"), ("black", ""))


def _pattern(shape: str) -> dict:
    # Overlay keeps the series colour under the hatching (the default replaces it with white).
    return {"shape": shape, "fgcolor": OKABE_ITO["black"], "fillmode": "overlay", "fgopacity": 0.5,
            "solidity": 0.2}


def _numeric(frame: pd.DataFrame, column: str) -> list[float | None]:
    """Values for a trace: "<5" (held back by the small-number rule) and empty draw nothing."""
    values = pd.to_numeric(frame[column], errors="coerce") if column in frame else pd.Series(dtype=float)
    return [None if pd.isna(v) else float(v) for v in values]


def outcome_bars(frame: pd.DataFrame, x: str, series: Mapping[str, str], titles: Mapping[str, str],
                 stacked: bool = False, horizontal: bool = False, percent: bool = False) -> go.Figure:
    """Bars of one or more columns of ``frame`` against column ``x`` (wide form).

    ``series`` maps each value column to its translated legend name; ``titles`` holds 'title',
    'x' and 'y'. Each series has an Okabe-Ito colour and a fill pattern, so colour is never the
    only cue. A "<5" value draws no bar (the page says so in a caption).
    """
    fig = go.Figure()
    categories = list(frame[x]) if not frame.empty else []
    for (column, name), (colour, pattern) in zip(series.items(), _SERIES):
        values = _numeric(frame, column)
        bar = go.Bar(name=name, marker={"color": OKABE_ITO[colour],
                                        "pattern": _pattern(pattern)},
                     orientation="h" if horizontal else "v")
        if horizontal:
            bar.update(y=categories, x=values)
        else:
            bar.update(x=categories, y=values)
        fig.add_trace(bar)
    value_axis, category_axis = (fig.update_xaxes, fig.update_yaxes) if horizontal else \
        (fig.update_yaxes, fig.update_xaxes)
    value_axis(title_text=titles["y"], gridcolor="#dddddd", rangemode="tozero",
               tickformat=".0%" if percent else NUMBER_FORMAT)
    category_axis(title_text=titles["x"], automargin=True)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
    fig.update_layout(title={"text": titles["title"]}, barmode="stack" if stacked else "group",
                      plot_bgcolor="white", height=max(380, 80 + 32 * len(categories)) if horizontal else 420,
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, legend={"orientation": "h", "y": -0.2},
                      showlegend=len(series) > 1)
    return fig


def outcome_lines(frame: pd.DataFrame, x: str, series: Mapping[str, str], titles: Mapping[str, str],
                  bars: Mapping[str, str] | None = None, percent: bool = False) -> go.Figure:
    """Lines over time (markers and dash styles differ per series), optionally over bars.

    ``series`` and ``bars`` map columns of ``frame`` to translated names; ``titles`` holds
    'title', 'x' and 'y'. Dates on the x axis are shown as month.year.
    """
    fig = go.Figure()
    for (column, name), (colour, pattern) in zip((bars or {}).items(), _SERIES[3:]):
        fig.add_trace(go.Bar(x=list(frame[x]), y=_numeric(frame, column), name=name, marker={
            "color": OKABE_ITO[colour], "pattern": _pattern(pattern)},
            opacity=0.8))
    styles = (("blue", "solid", "circle"), ("orange", "dash", "diamond"), ("green", "dot", "square"),
              ("vermillion", "dashdot", "triangle-up"))
    for (column, name), (colour, dash, symbol) in zip(series.items(), styles):
        fig.add_trace(go.Scatter(x=list(frame[x]), y=_numeric(frame, column), name=name,
                                 mode="lines+markers", connectgaps=False,
                                 line={"color": OKABE_ITO[colour], "dash": dash, "width": 2},
                                 marker={"symbol": symbol, "size": 8}))
    fig.update_xaxes(title_text=titles["x"], tickformat="%m.%Y")
    fig.update_yaxes(title_text=titles["y"], gridcolor="#dddddd", rangemode="tozero",
                     tickformat=".0%" if percent else NUMBER_FORMAT, range=[0, 1.05] if percent else None)
    fig.update_layout(title={"text": titles["title"]}, plot_bgcolor="white", height=420,
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, legend={"orientation": "h", "y": -0.2},
                      hovermode="x unified")
    return fig


# --- Follow-up report (pilot/report.py) ----------------------------------------------------------

_REPORT_SERIES = (("blue", ""), ("orange", "/"), ("green", "\\"), ("sky_blue", "x"), ("vermillion", "."),
                  ("purple", "+"), ("yellow", "-"))


def report_bars(categories: list[str], values: list[float | None], texts: list[str], title: str,
                axis_title: str, colour: str = OKABE_ITO["blue"], axis_max: float | None = None,
                percent: bool = False) -> go.Figure:
    """Horizontal bars, one row per category, each with its value written beside it.

    A value of None (held back by the small-number rule, or no data) draws no bar but keeps its
    row and its text ("<5", "–"), so a reader sees that it was left out on purpose.
    """
    fig = go.Figure(go.Bar(
        y=categories, x=values, orientation="h", marker={"color": colour},
        text=[text if value is not None else "" for value, text in zip(values, texts)],
        textposition="outside", cliponaxis=False, hoverinfo="skip"))
    for category, value, text in zip(categories, values, texts):
        if value is None:
            fig.add_annotation(x=0, y=category, text=text, showarrow=False, xanchor="left",
                               font={"color": OKABE_ITO["black"]})
    shown = [v for v in values if v is not None]
    top = axis_max if axis_max is not None else max(shown + [1]) * 1.2
    bottom = min(shown + [0]) * 1.2  # a mean gain can be negative
    fig.update_xaxes(title_text=axis_title, range=[bottom, top], tickformat=".0%" if percent else None,
                     gridcolor="#dddddd")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(title={"text": title}, height=max(260, 90 + 48 * len(categories)), width=900,
                      margin={"l": 10, "r": 40, "t": 60, "b": 50}, plot_bgcolor="white", showlegend=False)
    return fig


def report_costs(years: list[str], by_series: Mapping[str, list[float]], appropriation: list[float | None],
                 titles: Mapping[str, str]) -> go.Figure:
    """Costs per year stacked by category, with the year's appropriation as a black marker.

    ``by_series`` maps each translated category name to one amount per year; ``titles`` holds
    'title', 'axis' and 'appropriation'. Fill patterns repeat what the colours say.
    """
    fig = go.Figure()
    for (name, amounts), (colour, pattern) in zip(by_series.items(), _REPORT_SERIES):
        fig.add_trace(go.Bar(x=years, y=amounts, name=name, marker={
            "color": OKABE_ITO[colour], "pattern": {"shape": pattern, "fgcolor": OKABE_ITO["black"]}}))
    if any(a is not None for a in appropriation):
        fig.add_trace(go.Scatter(x=years, y=appropriation, name=titles["appropriation"], mode="markers",
                                 marker={"symbol": "line-ew-open", "size": 60, "color": OKABE_ITO["black"],
                                         "line": {"width": 3, "color": OKABE_ITO["black"]}}))
    fig.update_yaxes(title_text=titles["axis"], gridcolor="#dddddd", rangemode="tozero", tickformat=",.0f")
    fig.update_xaxes(type="category")
    fig.update_layout(title={"text": titles["title"]}, barmode="stack", height=460, width=900,
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, plot_bgcolor="white",
                      legend={"orientation": "h", "y": -0.12})
    return fig


def readiness_dumbbell(labels: list[str], before: list[float | None], after: list[float | None],
                       names: Mapping[str, str], titles: Mapping[str, str]) -> go.Figure:
    """Baseline and follow-up per company (or their means) on the 1-5 scale, joined by a line:
    a dumbbell. The two ends differ in colour and in marker shape, so colour is never the only cue."""
    fig = go.Figure()
    for label, a, b in zip(labels, before, after):
        if a is not None and b is not None:
            fig.add_trace(go.Scatter(x=[a, b], y=[label, label], mode="lines", showlegend=False,
                                     line={"color": OKABE_ITO["grey"], "width": 3}, hoverinfo="skip"))
    for values, colour, symbol, key in ((before, "orange", "circle-open", "before"), (after, "blue", "diamond", "after")):
        fig.add_trace(go.Scatter(x=values, y=labels, mode="markers", name=names[key],
                                 marker={"color": OKABE_ITO[colour], "size": 13, "symbol": symbol,
                                         "line": {"width": 2, "color": OKABE_ITO[colour]}}))
    fig.update_xaxes(title_text=titles["x"], range=[0.5, 5.5], dtick=1, gridcolor="#dddddd", tickformat=NUMBER_FORMAT)
    fig.update_yaxes(title_text=titles["y"], automargin=True, autorange="reversed")
    fig.update_layout(title={"text": titles["title"]}, plot_bgcolor="white",
                      height=max(300, 90 + 36 * len(labels)), margin={"l": 10, "r": 10, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def what_works_scatter(labels: list[str], hours: list[float | None], changes: list[float | None],
                       titles: Mapping[str, str]) -> go.Figure:
    """Coaching hours per participant against the change in hiring readiness, one point per
    company (named on hover); companies without either figure are left out."""
    points = [(n, x, y) for n, x, y in zip(labels, hours, changes) if x is not None and y is not None]
    fig = go.Figure(go.Scatter(x=[p[1] for p in points], y=[p[2] for p in points], text=[p[0] for p in points],
                               mode="markers", hovertemplate="%{text}: %{x}, %{y:+d}<extra></extra>",
                               marker={"color": OKABE_ITO["blue"], "size": 13, "symbol": "diamond"}))
    fig.update_xaxes(title_text=titles["x"], gridcolor="#dddddd", rangemode="tozero", tickformat=NUMBER_FORMAT)
    fig.update_yaxes(title_text=titles["y"], gridcolor="#dddddd", dtick=1, zeroline=True,
                     zerolinecolor=OKABE_ITO["black"])
    fig.update_layout(title={"text": titles["title"]}, plot_bgcolor="white", height=420,
                      margin={"l": 10, "r": 10, "t": 60, "b": 40})
    return fig
