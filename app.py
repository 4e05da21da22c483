"""The ASGI app: Streamlit (streamlit_app.py) plus the extra routes of pilot/web.py.

`streamlit run app.py` detects this st.App and serves both: /account/login and /account/logout set
and clear the session cookie that the pages validate (pilot/ui/session.py).
"""
import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from pilot import web
from pilot.ui.errors import show_unexpected

# A pages/ folder next to the entry script switches a fresh server into Streamlit's old multipage
# mode until some session has called st.navigation: the first browser to open /participants would
# run pages/participants.py directly, skipping the login gate of streamlit_app.py. The app always
# uses st.navigation, so the old mode is switched off before any session starts.
PagesManager.uses_pages_directory = False

# An unexpected error on a page is logged and shown as one translated sentence, never a traceback.
app = st.App("streamlit_app.py", routes=web.routes(), middleware=[Middleware(web.NoStoreHTML)],
             on_script_error=show_unexpected)
