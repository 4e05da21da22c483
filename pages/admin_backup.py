"""Backups: a consistent copy of the database while the app runs, and a restore with confirmation."""
import streamlit as st

from pilot.ui import backup_ui, core
from pilot.ui.core import t

core.require_role("admin")
st.title(t("backup.title"))
core.show_flash()
st.info(t("backup.intro"))

if st.button(t("backup.make"), type="primary", key="backup_make"):
    made = core.attempt(backup_ui.make_backup)
    if made is not None:
        core.flash("backup.done", path=made.name)
        st.rerun()

files = backup_ui.list_backups()
if files:
    st.subheader(t("backup.existing"))
    chosen = st.selectbox(t("backup.existing"), [f.name for f in files], key="backup_pick",
                          label_visibility="collapsed")
    st.download_button(t("backup.download"), backup_ui.read_backup(chosen), file_name=chosen,
                       mime="application/octet-stream", key="backup_download",
                       on_click=backup_ui.record_download, args=(chosen,))  # on record

st.subheader(t("backup.restore_title"))
st.warning(t("backup.restore_warning"))
upload = st.file_uploader(t("backup.upload"), type=["duckdb"], key="backup_upload")
agreed = st.checkbox(t("backup.confirm"), key="backup_confirm")
if st.button(t("backup.restore_button"), disabled=upload is None or not agreed, key="backup_restore"):
    if core.attempt(lambda: backup_ui.restore_from(upload.getvalue(), upload.name)) is not None:
        core.flash("backup.restored", path=upload.name)
        st.rerun()
