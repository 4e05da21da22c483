"""What Streamlit's own frontend does on every page that the pilot changes: the favicon, the date
field's Enter key, and the English texts Streamlit draws by itself.

- Favicon: a ``:material/…:`` page icon makes the browser fetch an SVG from fonts.gstatic.com on
  every page; ``PAGE_ICON`` is a local SVG that Streamlit inlines as a data: URL, so no request
  leaves the host (tests/test_browser_frictions.py listens to every request).
- Date fields (Streamlit 1.67): a typed date is sent to the server only when the field loses focus
  with its calendar closed; Enter does nothing, and Streamlit has no option for it. Enter in a
  date field now closes the calendar and leaves the field, which sends the typed date: Enter
  confirms a typed date as in any form field (typing alone still waits for Enter or leaving).
- Streamlit's English: the file uploader's "Upload" and "200MB per file • …" are drawn in the
  reader's language (``style``); multiselects are made with ``select_all=False`` (Streamlit's
  "Select all" is English only). README, "What comes from Streamlit itself", lists what stays.
"""
from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from pilot import i18n

PAGE_ICON = Path(__file__).with_name("favicon.svg")

# Enter in a date field's segments ends the editing: Streamlit commits a typed date on blur.
DATE_ENTER = """<script>
if (!window.__pilotDateEnter) {
  window.__pilotDateEnter = true;
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing || !event.target.closest) return;
    if (!event.target.closest('[data-testid="stDateInputField"]')) return;
    // The calendar opens when the field takes the focus, and a blur while it is open keeps the
    // typed date unsent: Escape closes it (as the keyboard user would), then the blur sends it.
    event.preventDefault();
    const field = event.target;
    field.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', code: 'Escape', bubbles: true,
                                                      cancelable: true}));
    setTimeout(() => field.blur(), 0);
  }, true);
}
</script>"""


# The uploader's button is named "Upload" for screen readers whatever is drawn on it: each one
# gets the translated name (the label is set again when the language changes).
UPLOAD_NAME = """<script>
window.__pilotUploadName = LABEL;
if (!window.__pilotUploadObserver) {
  const name = () => document.querySelectorAll('[data-testid="stFileUploaderDropzone"] button').forEach((b) => {
    if (b.getAttribute('aria-label') !== window.__pilotUploadName) b.setAttribute('aria-label', window.__pilotUploadName);
  });
  window.__pilotUploadObserver = new MutationObserver(name);
  window.__pilotUploadObserver.observe(document.body, {childList: true, subtree: true});
}
document.querySelectorAll('[data-testid="stFileUploaderDropzone"] button').forEach((b) => b.setAttribute('aria-label', LABEL));
</script>"""


def _css_text(text: str) -> str:
    """A catalogue text as a CSS string (quotes and backslashes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def style(lang: str) -> str:
    """The file uploader in the reader's language: Streamlit writes "Upload" on its button and
    "200MB per file • XLSX, ZIP" under it in English. Both are hidden from eyes and screen readers
    (visibility) and the translated text is drawn in their place; the accepted types are in each
    uploader's own label."""
    button = _css_text(i18n.t("frictions.upload.button", lang))
    limit = _css_text(i18n.t("frictions.upload.limit", lang, size=int(st.get_option("server.maxUploadSize"))))
    return f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{
  visibility: hidden; font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  visibility: visible; font-size: .875rem; content: {button}; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ visibility: hidden; font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  visibility: visible; font-size: .875rem; content: {limit}; }}
</style>"""


def apply(lang: str) -> None:
    """Add the page-wide stylesheet and script (in the sidebar, so they add no gap above the title)."""
    if lang not in i18n.LANGUAGES:
        raise ValueError(lang)
    st.html(style(lang))  # style-only st.html goes to an invisible container
    st.sidebar.html(DATE_ENTER, unsafe_allow_javascript=True)
    label = json.dumps(i18n.t("frictions.upload.button", lang)).replace("<", "\\u003c")
    st.sidebar.html(UPLOAD_NAME.replace("LABEL", label), unsafe_allow_javascript=True)
