"""Follow-up report: pick the reference date and the language, make the report, download PDF or HTML.

The report covers the whole pilot with the small-number rule applied, so it is for services and
admins whose account reaches the whole pilot.
"""
import logging

import streamlit as st

from pilot import i18n, report
from pilot.i18n import format_date
from pilot.ui import core, session, widgets
from pilot.ui.core import t

scope = core.require_role("services", "admin")
st.title(t("nav.report"))
if not scope.whole_pilot:
    st.info(t("report.page.whole_pilot_only"))
    st.stop()
st.caption(t("report.page.intro"))

NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}  # each language in its own name
c1, c2 = st.columns(2)
with c1:
    as_of = widgets.date_field("report.page.as_of", "report_as_of")
with c2:
    lang = st.selectbox(t("report.page.lang"), i18n.LANGUAGES, index=i18n.LANGUAGES.index(core.lang()),
                        format_func=NAMES.__getitem__, key="report_lang")

if st.button(t("report.page.make"), type="primary", key="report_make") and as_of:
    with st.spinner(t("report.page.make")):
        try:
            made = core.read(lambda conn: report.build(conn, as_of, lang))
            images = report.render_images(made.charts)  # one browser session for all charts
            session.record_read(scope, "report", as_of.isoformat(), reason=lang)  # on record, as every report
            st.session_state["report_files"] = {
                "as_of": as_of, "lang": lang, "images": images is not None,
                "pdf": report.to_pdf(made, images), "html": report.to_html(made).encode("utf-8")}
        except Exception:  # the user sees a sentence; the log keeps the details
            logging.getLogger("pilot").exception("report failed")
            st.session_state.pop("report_files", None)
            st.error(t("report.page.failed"))

files = st.session_state.get("report_files")
if files:
    st.success(t("report.page.ready", date=format_date(files["as_of"])))
    if not files["images"]:
        st.warning(t("report.no_images"))
    name = f"seurantaraportti-{files['as_of'].isoformat()}-{files['lang']}"
    d1, d2 = st.columns(2)
    with d1:
        st.download_button(t("report.page.pdf"), data=files["pdf"], file_name=f"{name}.pdf",
                           mime="application/pdf", key="report_pdf", icon=":material/picture_as_pdf:")
    with d2:
        st.download_button(t("report.page.html"), data=files["html"], file_name=f"{name}.html",
                           mime="text/html", key="report_html", icon=":material/html:")
