"""The app's pages and which roles see them, without Streamlit: pilot/ui/nav.py builds the
st.Page objects from this list, and the sign-in routes (pilot/web.py, pilot/auth.py) send a
browser that has just signed in straight to its role's start page, not through "/" (a hidden
page that switches to the start page: two script runs and one more round trip).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


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

# The hidden page served at "/" (and at /start) that switches to the role's start page.
HOME_URL_PATH = "start"


def pages_of(role: str) -> tuple[PageSpec, ...]:
    """The role's pages in menu order."""
    return tuple(spec for spec in PAGES if role in spec.roles)


def start_page(role: str) -> PageSpec | None:
    """The page a role starts on: the one marked for it, else its first page; None without pages."""
    own = pages_of(role)
    return next((spec for spec in own if role in spec.default_for), own[0] if own else None)


def start_path(role: str) -> str:
    """The address of the role's start page ("/dashboard"), or "/" for a role without pages."""
    spec = start_page(role)
    return f"/{spec.url_path}" if spec is not None else "/"


def landing(next_path: str, role: str | None) -> str:
    """Where a browser that has just signed in goes: ``next_path`` (already made safe), except that
    the app's root, an empty path or the hidden start page becomes the role's start page, with the
    query string (the language, say) kept."""
    parts = urlsplit(next_path or "/")
    if role is None or parts.path not in ("", "/", f"/{HOME_URL_PATH}"):
        return next_path or "/"
    return start_path(role) + (f"?{parts.query}" if parts.query else "")
