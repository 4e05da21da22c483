"""Entry: page config, language, the login gate, and navigation built from the caller's role."""
import streamlit as st

from pilot.ui import a11y, core, session, streamlit_texts, widgets

# A local icon: a :material/…: page icon is fetched from fonts.gstatic.com by every browser.
st.set_page_config(page_title=core.t("app.title"), page_icon=str(streamlit_texts.PAGE_ICON), layout="wide")
a11y.apply(core.lang())  # readable captions and visible focus on every page, the sign-in page too
streamlit_texts.apply(core.lang())  # Enter confirms a typed date; Streamlit's English texts
widgets.language_switch()
scope = session.gate()  # stops here with the sign-in page unless a valid login session exists
session.account_box(scope)
session.guard_request(scope)
# expanded: every page listed; a folded list shows Streamlit's English "View N more".
st.navigation(session.pages(scope), expanded=True).run()
