"""Admin: data protection — a participant's own data export, anonymisation, and the retention list."""
import streamlit as st

from pilot import names
from pilot.config import settings
from pilot.domain.dates import today
from pilot.domain.identifiers import IdentityCodeFound
from pilot.records import participants, privacy
from pilot.ui import core, reads, safe, widgets
from pilot.ui import names as ui_names
from pilot.ui.core import t
from pilot.ui.safe import md

scope = core.require_role("admin")
st.title(t("admin.privacy.title"))
core.show_flash()

reads.record_view(scope, "privacy_picker")


def label(p: dict) -> str:
    return f"{p['code']} · {p['display_name'] or '—'} · {p['company_name']}"


export_tab, anon_tab, retention_tab = st.tabs([t("admin.privacy.export"), t("admin.privacy.anonymise"),
                                               t("admin.privacy.retention")], key="privacy_tabs")

with export_tab:
    # At most widgets.CHOICES participants, with a search box for a larger pilot (issue 16).
    chosen = widgets.participant_select(scope, "export_pick", "admin.privacy.participant", label)
    if chosen is not None and st.button(t("admin.privacy.make_export"), key="export_go"):
        st.session_state["export_data"] = core.write(lambda c: privacy.export_participant(c, scope, chosen))
    data = st.session_state.get("export_data")
    if data and data["participant"]["id"] == chosen:
        lang, found = core.lang(), ui_names.lookups()
        # The file keeps the stable keys and codes, and carries the same data in words (issue 17).
        text = privacy.as_json(names.export_with_labels(data, lang, found))
        st.download_button(t("admin.privacy.download_json"), text, file_name=f"{data['participant']['code']}.json",
                           mime="application/json", key="export_download")
        st.caption(t("names.privacy.file_note"))
        person = data["participant"]
        st.subheader(md(person["code"]))
        details = names.record_rows({k: v for k, v in person.items() if k != "id"}, lang, found)
        safe.dataframe(names.display_frame(details, lang, columns={"field": "names.privacy.field",
                                                                   "value": "names.privacy.value"}),
                       hide_index=True, width="stretch", key="export_person")
        for section in [s for s in data if s != "participant"]:
            st.markdown(f"**{md(names.section_title(section, lang))}**")
            rows = data.get(section) or []
            if rows:
                safe.dataframe(names.section_frame(rows, lang, found), hide_index=True, width="stretch",
                               key=f"export_{section}")
            else:
                st.caption(t("common.empty"))

with anon_tab:
    st.warning(t("privacy2.anonymise_warning"))
    chosen = widgets.participant_select(scope, "anon_pick", "admin.privacy.participant", label)
    person = core.read(lambda c: participants.get_participant(c, scope, chosen)) if chosen is not None else None
    if person is not None:
        code = person["code"]
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
