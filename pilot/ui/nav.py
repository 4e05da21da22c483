"""The pages each role sees. streamlit_app.py builds st.navigation from this list (no auto-discovery)."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    roles: tuple[str, ...]
    section_key: str
    url_path: str
    default_for: tuple[str, ...] = ()


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/my_week.py", "nav.my_week", ":material/today:", ("coach", "admin"),
             "nav.section.work", "my-week", default_for=("coach",)),
    PageSpec("pages/search.py", "nav.search", ":material/search:", ("coach", "admin"),
             "nav.section.work", "search"),
    PageSpec("pages/log_session.py", "nav.log_session", ":material/edit_calendar:", ("coach", "admin"),
             "nav.section.work", "log-session"),
    PageSpec("pages/participant.py", "nav.participant", ":material/person:", ("coach", "admin"),
             "nav.section.work", "participant"),
    PageSpec("pages/adaptations.py", "nav.adaptations", ":material/view_kanban:", ("coach", "admin"),
             "nav.section.work", "adaptations"),
    PageSpec("pages/companies.py", "nav.companies", ":material/factory:", ("coach", "admin"),
             "nav.section.work", "companies", default_for=("admin",)),
    PageSpec("pages/participants.py", "nav.participants", ":material/group:", ("coach", "admin"),
             "nav.section.work", "participants"),
    PageSpec("pages/workbook.py", "nav.workbook", ":material/table_view:", ("coach", "admin"),
             "nav.section.work", "workbook"),
    PageSpec("pages/dashboard.py", "nav.dashboard", ":material/monitoring:", ("services", "admin", "coach"),
             "nav.section.outcomes", "dashboard", default_for=("services",)),
    PageSpec("pages/employer.py", "nav.employer", ":material/storefront:", ("employer",),
             "nav.section.outcomes", "employer", default_for=("employer",)),
    PageSpec("pages/costs.py", "nav.costs", ":material/euro:", ("admin",),
             "nav.section.outcomes", "costs"),
    PageSpec("pages/what_works.py", "nav.what_works", ":material/insights:", ("services", "admin", "coach"),
             "nav.section.outcomes", "what-works"),
    PageSpec("pages/report.py", "nav.report", ":material/summarize:", ("services", "admin", "coach", "employer"),
             "nav.section.outcomes", "report"),
    PageSpec("pages/admin_users.py", "nav.admin_users", ":material/manage_accounts:", ("admin",),
             "nav.section.admin", "admin-users"),
    PageSpec("pages/admin_audit.py", "nav.admin_audit", ":material/policy:", ("admin",),
             "nav.section.admin", "admin-audit"),
    PageSpec("pages/admin_privacy.py", "nav.admin_privacy", ":material/shield_person:", ("admin",),
             "nav.section.admin", "admin-privacy"),
    PageSpec("pages/admin_backup.py", "nav.backup", ":material/backup:", ("admin",),
             "nav.section.admin", "admin-backup"),
    PageSpec("pages/admin_removed.py", "nav.admin_removed", ":material/restore_from_trash:", ("admin",),
             "nav.section.admin", "admin-removed"),
)


def pages_for(role: str, translate) -> dict[str, list]:
    """st.Page objects for a role, grouped by translated section.

    The role's start page is reached from "/" through a hidden home page that switches to it:
    Streamlit serves a default page only at "/", so marking the start page itself as default
    would make its own address (a bookmark, or the sign-in's way back) "page not found".
    """
    sections: dict[str, list] = {}
    first = preferred = None
    for spec in PAGES:
        if role not in spec.roles:
            continue
        page = st.Page(spec.path, title=translate(spec.title_key), icon=spec.icon, url_path=spec.url_path)
        first = first or page
        if role in spec.default_for and preferred is None:
            preferred = page
        sections.setdefault(translate(spec.section_key), []).append(page)
    start = preferred or first
    if start is not None:
        def go_to_start() -> None:
            st.switch_page(start, query_params=dict(st.query_params))

        home = st.Page(go_to_start, title=translate("auth.home"), url_path="start", default=True,
                       visibility="hidden")
        next(iter(sections.values())).insert(0, home)
    return sections
