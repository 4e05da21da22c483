"""The global search of coaches and admins (pages/search.py): one box, and each result a link that
opens its record. The query and the scope rules are in pilot/records/search.py."""
from __future__ import annotations

from typing import Any

import streamlit as st

from pilot import i18n
from pilot.access import Scope
from pilot.domain.identifiers import IdentityCodeFound
from pilot.records import search
from pilot.ui import core, reads, work
from pilot.ui.core import lang, t
from pilot.ui.safe import md

KEY = "global_search"
_ICONS = {"participant": ":material/person:", "company": ":material/factory:", "session": ":material/event:",
          "adaptation": ":material/view_kanban:"}


def target(row: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The page and query parameters that open a result: a participant on its page, a company (and
    a session, listed there) on the companies page, an adaptation picked on its company's board."""
    if row["kind"] == "participant":
        return work.PAGE["participant"], {"participant": str(row["id"])}
    if row["kind"] == "adaptation":
        return work.PAGE["adaptations"], {"company": str(row["company_id"]), "adaptation": str(row["id"])}
    return "pages/companies.py", {"company": str(row["company_id"])}


def label(row: dict[str, Any]) -> str:
    kind = t(f"work17.search.kind.{row['kind']}")
    parts = [row["code"], row.get("name"), i18n.format_date(row["day"]) if row.get("day") else None,
             row["company_name"] if row["kind"] != "company" else None]
    return md(f"{kind}: " + " · ".join(str(p) for p in parts if p))


def box(scope: Scope) -> None:
    """The search box and its results; a search is a read on record like a list view."""
    text = st.text_input(t("common.search"), key=KEY, placeholder=t("work17.search.hint")).strip()
    if not text:
        return
    try:
        rows = core.read(lambda c: search.search(c, scope, text))
    except IdentityCodeFound:  # never searched for, never logged
        st.error(t("work17.search.no_hetu"))
        return
    if len(text) < search.MIN_LENGTH:
        st.caption(t("work17.search.too_short", count=search.MIN_LENGTH))
        return
    reads.record_view(scope, "global_search", {"search": text})
    if not rows:
        st.info(t("work17.search.none"))
        return
    st.caption(t("common.rows", count=len(rows)))
    for row in rows:
        page, params = target(row)
        st.page_link(page, label=label(row), icon=_ICONS[row["kind"]], query_params={**params, "lang": lang()})
