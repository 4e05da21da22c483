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
        fig.add_hline(y=ORDINAL[TARGET_LEVEL], line={"color": OKABE_ITO["grey"], "dash": "dot", "width": 1},
                      row=row, col=col)
    fig.update_yaxes(tickvals=list(ORDINAL.values()), ticktext=list(LEVELS), range=[0.5, len(LEVELS) + 0.5])
    fig.update_yaxes(title_text=titles["level"], row=1, col=1)
    fig.update_yaxes(title_text=titles["level"], row=2, col=1)
    fig.update_xaxes(tickformat="%d.%m.%Y")
    fig.update_layout(title={"text": titles["title"]}, height=560, margin={"l": 40, "r": 10, "t": 80, "b": 30},
                      legend={"orientation": "h", "y": -0.08}, hovermode="closest")
    return fig
