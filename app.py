"""The ASGI app: Streamlit (streamlit_app.py) plus the extra routes of pilot/web.py.

`streamlit run app.py` detects this st.App and serves both.
"""
import streamlit as st

from pilot import web

app = st.App("streamlit_app.py", routes=web.routes())
