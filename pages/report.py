"""Follow-up report: pick the reference date and the language, make the report, download PDF or HTML.

The whole pilot's report (services, admins reaching the whole pilot) follows the small-number rule;
a company's report (the employer's own, the coach's company visit) follows the employer's rule.
"""
import logging

import streamlit as st

from pilot import i18n, report
from pilot.domain.dates import today
from pilot.i18n import format_date
from pilot.records import companies
from pilot.ui import core, session, widgets
from pilot.ui.core import t

scope = core.require_role("services", "admin", "coach", "employer")
st.title(t("nav.report"))
st.caption(t("report.page.intro"))

NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}  # each language in its own name
# At most widgets.CHOICES companies; a larger scope gets a search box above the options (issue 16).
names = widgets.company_options(scope, "report_company")
# The whole pilot's report is for services and admins who reach it; a company's report (the
# employer's, the coach's company visit) follows the employer's rule.
options = ([None] if scope.whole_pilot and scope.role in ("services", "admin") else []) + list(names)
if not options:
    st.info(t("report.page.whole_pilot_only"))
    st.stop()
c1, c2, c3, c4 = st.columns(4)
with c1:
    as_of = widgets.date_field("report.page.as_of", "report_as_of")
with c2:
    lang = st.selectbox(t("report.page.lang"), i18n.LANGUAGES, index=i18n.LANGUAGES.index(core.lang()),
                        format_func=NAMES.__getitem__, key="report_lang")
with c3:
    company_id = st.selectbox(t("disclosure.report.company_label"), options, key="report_company",
                              format_func=core.mapper(names, "disclosure.report.whole_pilot"))
with c4:
    first = (as_of or today()).year
    plan_year = st.selectbox(t("disclosure.report.plan_year"), [first + 1, first, first + 2], key="report_plan_year")

if st.button(t("report.page.make"), type="primary", key="report_make") and as_of:
    with st.spinner(t("report.page.make")):
        try:
            made = core.read(lambda conn: report.build(conn, as_of, lang, company_id=company_id, plan_year=plan_year))
            images = report.render_images(made.charts)  # one browser session for all charts
            session.record_read(scope, "report", as_of.isoformat(), reason=lang)  # on record, as every report
            picked = core.read(lambda c: companies.get_company(c, scope, company_id)) if company_id else None
            st.session_state["report_files"] = {
                "as_of": as_of, "lang": lang, "images": images is not None,
                "name": report.file_name(lang, as_of, picked["business_id"] if picked else None),
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
    name = files["name"]  # in the report's language
    d1, d2 = st.columns(2)
    with d1:
        st.download_button(t("report.page.pdf"), data=files["pdf"], file_name=f"{name}.pdf",
                           mime="application/pdf", key="report_pdf", icon=":material/picture_as_pdf:")
    with d2:
        st.download_button(t("report.page.html"), data=files["html"], file_name=f"{name}.html",
                           mime="text/html", key="report_html", icon=":material/html:")
