"""The pages each role sees as st.Page objects: streamlit_app.py builds st.navigation from the list of
pilot/navigation.py (no auto-discovery), which the sign-in routes read too."""
from __future__ import annotations

import streamlit as st

from pilot.navigation import HOME_URL_PATH, PAGES, PageSpec, start_page

__all__ = ["PAGES", "PageSpec", "pages_for"]


def pages_for(role: str, translate) -> dict[str, list]:
    """st.Page objects for a role, grouped by translated section.

    The role's start page is reached from "/" through a hidden home page that switches to it:
    Streamlit serves a default page only at "/", so marking the start page itself as default
    would make its own address (a bookmark, or the sign-in's way back) "page not found". Signing in
    goes to the start page's own address directly (pilot/navigation.py ``landing``); "/" stays for
    bookmarks of the app's root.
    """
    sections: dict[str, list] = {}
    start = None
    preferred = start_page(role)
    for spec in PAGES:
        if role not in spec.roles:
            continue
        page = st.Page(spec.path, title=translate(spec.title_key), icon=spec.icon, url_path=spec.url_path)
        if spec == preferred:
            start = page
        sections.setdefault(translate(spec.section_key), []).append(page)
    if start is not None:
        def go_to_start() -> None:
            st.switch_page(start, query_params=dict(st.query_params))

        home = st.Page(go_to_start, title=translate("auth.home"), url_path=HOME_URL_PATH, default=True,
                       visibility="hidden")
        next(iter(sections.values())).insert(0, home)
    return sections
