"""Entry: page config, language, the caller's scope, and navigation built from the role."""
import streamlit as st

from pilot.ui import core, nav, session, widgets

st.set_page_config(page_title=core.t("app.title"), page_icon=":material/translate:", layout="wide")
widgets.language_switch()
scope = session.current_scope()
session.demo_banner(scope)
st.navigation(nav.pages_for(scope.role, core.t)).run()
