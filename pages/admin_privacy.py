"""Admin: data protection — a participant's own data export, anonymisation, and the retention list."""
import json

import streamlit as st

from pilot.config import settings
from pilot.domain.dates import today
from pilot.domain.identifiers import IdentityCodeFound
from pilot.records import participants, privacy
from pilot.ui import core, reads, widgets
from pilot.ui.core import t
from pilot.ui.safe import md

scope = core.require_role("admin")
st.title(t("admin.privacy.title"))
core.show_flash()

people = core.read(lambda c: participants.list_participants(c, scope, status=None))
reads.record_view(scope, "privacy_picker")
labels = {p["id"]: f"{p['code']} · {p['display_name'] or '—'} · {p['company_name']}" for p in people}
export_tab, anon_tab, retention_tab = st.tabs([t("admin.privacy.export"), t("admin.privacy.anonymise"),
                                               t("admin.privacy.retention")], key="privacy_tabs")

with export_tab:
    chosen = st.selectbox(t("admin.privacy.participant"), list(labels), index=None, format_func=labels.get,
                          key="export_pick", placeholder=t("common.choose"))
    if chosen is not None and st.button(t("admin.privacy.make_export"), key="export_go"):
        st.session_state["export_data"] = core.write(lambda c: privacy.export_participant(c, scope, chosen))
    data = st.session_state.get("export_data")
    if data and data["participant"]["id"] == chosen:
        text = privacy.as_json(data)
        st.download_button(t("admin.privacy.download_json"), text, file_name=f"{data['participant']['code']}.json",
                           mime="application/json", key="export_download")
        person = data["participant"]
        st.subheader(md(person["code"]))
        st.json(json.loads(privacy.as_json(person)), expanded=True)
        for section in ("employment", "assessments", "attendance", "adaptations", "notes"):
            st.markdown(f"**{t(f'admin.privacy.section.{section}')}**")
            rows = data.get(section) or []
            if rows:
                widgets.table(rows, {k: f"admin.privacy.col.{k}" for k in rows[0]}, key=f"export_{section}")
            else:
                st.caption(t("common.empty"))

with anon_tab:
    st.warning(t("privacy2.anonymise_warning"))
    chosen = st.selectbox(t("admin.privacy.participant"), list(labels), index=None, format_func=labels.get,
                          key="anon_pick", placeholder=t("common.choose"))
    if chosen is not None:
        code = next(p["code"] for p in people if p["id"] == chosen)
        with st.form(f"form_anon_{chosen}"):
            reason = st.text_input(t("admin.field.reason"))
            typed = st.text_input(t("admin.privacy.type_code", code=code))
            if st.form_submit_button(t("admin.privacy.anonymise"), type="primary"):
                if typed.strip() != code or not reason.strip():
                    st.error(t("admin.privacy.confirm_missing"))
                else:
                    try:  # one transaction of its own (see privacy.anonymise)
                        new_code = privacy.anonymise(core.engine(), scope, chosen, reason)
                    except IdentityCodeFound:
                        new_code = None
                        st.error(t("error.hetu"))
                    except privacy.ReasonRefused as refused:
                        new_code = None
                        st.error(t(refused.key))
                    except Exception:
                        import logging
                        logging.getLogger("pilot").exception("anonymise failed")
                        new_code = None
                        st.error(t("error.unexpected"))
                    if new_code:
                        core.clear_caches()
                        core.flash("admin.privacy.anonymised", code=new_code)
                        st.rerun()

with retention_tab:
    years = settings().retention_years
    st.caption(t("admin.privacy.retention_intro", years=years))
    due = core.read(lambda c: privacy.retention_due(c, today(), years))
    widgets.table(due, {"code": "field.code", "company_name": "field.company", "enrolled_on": "field.enrolled_on",
                        "exited_on": "field.exited_on"}, key="retention_table")
