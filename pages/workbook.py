"""The pilot workbook: template, upload with a preview of every change or every error, export."""
import streamlit as st

from pilot.ui import core, safe, workbook_ui
from pilot.ui.core import t

scope = core.require_role("coach", "admin")
st.title(t("wbpage.title"))
core.show_flash()

st.subheader(t("wbpage.template"))
st.caption(t("wbpage.template_help"))
st.download_button(t("wbpage.template_download"), workbook_ui.template(core.lang()),
                   file_name=t("wbpage.template_file"), mime=workbook_ui.XLSX, key="wb_template")

st.subheader(t("wbpage.import"))
upload = st.file_uploader(t("wbpage.upload"), type=["xlsx", "zip"], key="wb_upload",
                          help=t("wbpage.upload_help"))
if upload is not None:
    overwrite = bool(st.session_state.get("wb_overwrite"))
    preview = workbook_ui.preview(upload.name, upload.getvalue(), scope, core.lang(), overwrite)
    if preview.errors:
        st.error(t("wbpage.has_errors", count=len(preview.errors)))
        safe.dataframe(workbook_ui.error_rows(preview, core.lang()), hide_index=True, width="stretch")
    if overwrite or workbook_ui.has_stale_rows(preview):
        st.checkbox(t("importscope.overwrite"), key="wb_overwrite", help=t("importscope.overwrite_help"))
    if not preview.errors:
        safe.dataframe(workbook_ui.count_rows(preview, core.lang()), hide_index=True, width="stretch")
        if st.button(t("wbpage.confirm"), type="primary", key="wb_confirm"):
            result = core.attempt(lambda: workbook_ui.run_import(upload.name, upload.getvalue(), scope,
                                                                  core.lang(), overwrite))
            if result is not None and result.ok:
                core.flash("wbpage.imported")
                st.rerun()
            elif result is not None:
                st.error(t("wbpage.has_errors", count=len(result.errors)))

st.subheader(t("wbpage.export"))
st.caption(t("wbpage.export_help"))
if st.button(t("wbpage.export_make"), key="wb_export"):
    st.session_state["wb_export_bytes"] = core.write(lambda conn: workbook_ui.export(conn, scope))
if st.session_state.get("wb_export_bytes"):
    st.download_button(t("wbpage.export_download"), st.session_state["wb_export_bytes"],
                       file_name=t("wbpage.export_file"), mime=workbook_ui.XLSX, key="wb_export_dl")
