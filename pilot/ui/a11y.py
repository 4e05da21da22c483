"""Accessibility fixes that apply to every page (WCAG 2.1 AA, Act 306/2019).

- Captions (st.caption, the sidebar's "signed in as"): Streamlit draws them at 60 % opacity,
  about 3.8:1 on white, below the 4.5:1 of WCAG 1.4.3; the theme has no option for it.
- Labels of disabled fields (the employer's only company, shown but not changeable) are drawn
  at 2.3:1; the reader needs that value, so labels keep the normal text colour.
- Focus: some widgets only change a border colour on focus; a 3 px ring is visible (2.4.7).
- Tile labels: st.metric cuts a long label with "…" (two Finnish tiles read the same at 1366 px);
  they wrap instead, so every label is read whole at any width (1.4.10).
- Language: Streamlit's page says <html lang="en"> whatever the language, so a screen reader
  would read Finnish and Swedish with English pronunciation (3.1.1); each run sets lang.
"""
from __future__ import annotations

import streamlit as st

from pilot import i18n

# #55534f on white is 7.4:1 and on the sidebar's #f8f8f7 about 7.0:1 (both AA and AAA).
CAPTION_COLOUR = "#55534f"
# The text colour of Streamlit's light theme, for labels of disabled fields too.
LABEL_COLOUR = "#2f2d2b"
# The theme's primary colour (.streamlit/config.toml): 7.3:1 against white, also visible on grey.
FOCUS_COLOUR = "#0050bb"

STYLE = f"""<style>
[data-testid="stCaptionContainer"] {{ color: {CAPTION_COLOUR}; opacity: 1; }}
[data-testid="stCaptionContainer"] p {{ color: {CAPTION_COLOUR}; }}
[data-testid="stWidgetLabel"], [data-testid="stWidgetLabel"] p {{ color: {LABEL_COLOUR}; opacity: 1; }}
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible,
select:focus-visible, [role="tab"]:focus-visible, [role="radio"]:focus-visible,
[role="checkbox"]:focus-visible, [role="switch"]:focus-visible, [tabindex]:focus-visible {{
  outline: 3px solid {FOCUS_COLOUR} !important; outline-offset: 2px;
}}
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; hyphens: auto; height: auto !important;
}}
</style>"""


def apply(lang: str) -> None:
    """Add the stylesheet and set the document's language for this run.

    ``lang`` is one of pilot.i18n.LANGUAGES (normalised by core.lang), never user text, so it
    is safe inside the script. The script sits in the sidebar so it adds no gap above the title.
    """
    if lang not in i18n.LANGUAGES:
        raise ValueError(lang)
    st.html(STYLE)  # style-only st.html goes to an invisible container
    st.sidebar.html(f"<script>document.documentElement.lang = '{lang}';</script>",
                    unsafe_allow_javascript=True)
