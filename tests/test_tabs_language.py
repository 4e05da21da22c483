"""Tracked tabs keep the open tab across a language switch (issue 16 follow-up).

A tab's value is its translated label: after a switch to another language the old label is not
among the new ones and Streamlit opened the first tab again. ``widgets.lazy_tabs`` remembers the
open tab by its code; the log page drew its tabs with st.tabs directly and fell back to "New
session". Every tracked tab now goes through lazy_tabs (the static check below keeps it so)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pilot import i18n
from tests.forms_support import open_page, open_tab, switch_language, world  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def _shown(at) -> list[str]:
    return [tab.label for tab in at.tabs]


@pytest.mark.parametrize("first, then", [("en", "fi"), ("fi", "sv"), ("sv", "en")])
def test_log_page_keeps_the_edit_tab_open_after_a_language_switch(world, first, then):
    at = open_page(world, "pages/log_session.py", lang=first)
    open_tab(at, "edit", "log_tabs", "work.log")
    assert at.selectbox(key="log_edit_pick")  # the edit tab's content is drawn
    switch_language(at, then)
    assert _shown(at) == [i18n.t("work.log.new", then), i18n.t("work.log.edit", then)]
    # The same tab (by its code) is open, in the new language, and its content is shown ...
    assert at.session_state["log_tabs"] == i18n.t("work.log.edit", then)
    assert at.selectbox(key="log_edit_pick")
    # ... and the new-session form, which runs only while its tab is open, is not.
    assert not [w for w in at.text_input if w.key and w.key.startswith("form_log_")]


def test_participant_page_still_keeps_its_tab(world):
    pid = world["pids"][0]
    at = open_page(world, "pages/participant.py", lang="fi", params={"participant": str(pid)}, tab="employment")
    switch_language(at, "sv")
    assert at.session_state["participant_tabs"] == i18n.t("work.tab.employment", "sv")


def _tracked_tabs(path: Path) -> list[int]:
    """Lines of st.tabs(...) calls that track the open tab (on_change or bind)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "tabs"
            and any(k.arg in ("on_change", "bind") for k in node.keywords)]


def test_every_tracked_tab_goes_through_lazy_tabs():
    files = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "pilot" / "ui").glob("*.py")) \
        + [ROOT / "streamlit_app.py", ROOT / "app.py"]
    found = {f.relative_to(ROOT).as_posix(): lines for f in files if f.exists() and (lines := _tracked_tabs(f))}
    assert set(found) == {"pilot/ui/widgets.py"}, \
        f"tabs that track the open tab outside widgets.lazy_tabs (a language switch would reset them): {found}"
