"""Saving a new session on /log-session (issue 16): the saved message with the attendance rate shows
inside the new-session tab, the form starts empty, the session is written once, the edit tab draws
(and queries) its sessions only when it is open, and a failed check keeps what was typed."""
from __future__ import annotations

from pilot.records import sessions, users
from tests.test_pages_work import open_page, pilot, submit, texts  # noqa: F401  (pilot is a fixture)


def _scope(pilot):
    with pilot["engine"].connect() as conn:
        return users.scope_for(conn, users.get_by_username(conn, "coach-anna"))


def _rows(pilot):
    with pilot["engine"].connect() as conn:
        return sessions.list_sessions(conn, _scope(pilot), company_id=pilot["company"])




def test_save_shows_rate_in_the_form_empties_it_and_writes_once(pilot):
    cid, pids = pilot["company"], pilot["pids"]
    at = open_page(pilot, "pages/log_session.py", lang="en")
    prefix = f"form_log_{cid}_group_0"
    at.text_input(key=f"{prefix}_minutes").input("45")
    at.text_input(key=f"{prefix}_topics").input("Kitchen words")
    at.radio(key=f"{prefix}_att_{pids[0]}").set_value("absent")
    submit(at, prefix)
    # The message is drawn in the new-session tab, where the form (a fragment) reruns after a save.
    new_tab = at.tabs[0]
    assert "Session saved: 4 booked, attendance 75%." in texts(new_tab.success), texts(at.success)
    assert "in all: 0.8 h" in texts(new_tab.caption)
    fresh = f"form_log_{cid}_group_1"
    assert at.text_input(key=f"{fresh}_topics").value == ""
    assert at.text_input(key=f"{fresh}_minutes").value == "60"
    assert at.radio(key=f"{fresh}_att_{pids[0]}").value == "present"
    (row,) = _rows(pilot)
    assert (row["minutes"], row["topics"], row["booked"], row["present"]) == (45, "Kitchen words", 4, 3)
    at.run()  # a later run (another widget, a fragment rerun) saves nothing again
    assert len(_rows(pilot)) == 1
    assert not at.success  # the message is shown once


def test_edit_tab_draws_its_sessions_only_when_opened(pilot):
    cid = pilot["company"]
    at = open_page(pilot, "pages/log_session.py", lang="en")
    submit(at, f"form_log_{cid}_group_0")
    assert len(_rows(pilot)) == 1
    # Closed: the recent sessions are neither queried nor drawn.
    assert not [s for s in at.selectbox if s.key == "log_edit_pick"]
    at.session_state["log_tabs"] = "Edit an earlier one"
    at.run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="log_edit_pick")
    assert len(picker.options) == 1 and "Language lesson" in picker.options[0], picker.options
    # The new-session form is not drawn while the edit tab is open.
    assert not [t for t in at.text_input if t.key and t.key.startswith("form_log_")]


def test_a_failed_check_keeps_the_typed_values(pilot):
    cid = pilot["company"]
    at = open_page(pilot, "pages/log_session.py", lang="en")
    prefix = f"form_log_{cid}_group_0"
    at.text_input(key=f"{prefix}_minutes").input("abc")
    at.text_input(key=f"{prefix}_topics").input("Safety signs")
    submit(at, prefix)
    assert at.error, "the minutes problem is shown"
    assert at.text_input(key=f"{prefix}_minutes").value == "abc"
    assert at.text_input(key=f"{prefix}_topics").value == "Safety signs"
    assert _rows(pilot) == []
    at.text_input(key=f"{prefix}_minutes").input("30")
    submit(at, prefix)
    assert len(_rows(pilot)) == 1 and "Session saved" in texts(at.tabs[0].success)


def test_company_hours_count_a_session_of_the_pilots_today(pilot, monkeypatch):
    """The form dates a session on the pilot's day (Helsinki); the hours beside it count up to
    that same day, not the server's (UTC: between 21/22 and 24 UTC it is still yesterday)."""
    from datetime import timedelta

    from pilot import db
    from pilot.domain import dates
    ahead = dates.today() + timedelta(days=1)  # a clock where Helsinki is a day ahead of the server
    monkeypatch.setattr(dates, "today", lambda: ahead)
    scope = _scope(pilot)
    with db.transaction(pilot["engine"]) as conn:
        sessions.log_session(conn, scope, pilot["company"], {"held_on": ahead, "minutes": 90,
                                                              "kind": "language_lesson", "mode": "onsite"}, {})
    with pilot["engine"].connect() as conn:
        assert sessions.company_hours(conn, scope, pilot["company"])["coaching_hours"] == 1.5


def test_a_save_that_fails_says_so_and_keeps_the_typed_values(pilot, monkeypatch):
    from pilot import db
    real = sessions.log_session_together
    failing = [True]

    def first_conflicts(*args, **kwargs):
        if failing.pop() if failing else False:
            raise db.WriteConflict("busy")
        return real(*args, **kwargs)
    monkeypatch.setattr(sessions, "log_session_together", first_conflicts)
    cid = pilot["company"]
    at = open_page(pilot, "pages/log_session.py", lang="en")
    prefix = f"form_log_{cid}_group_0"
    at.text_input(key=f"{prefix}_topics").input("Reading a roster")
    submit(at, prefix)
    assert "Someone else changed this" in texts(at.tabs[0].error)
    assert not at.success and _rows(pilot) == []
    assert at.text_input(key=f"{prefix}_topics").value == "Reading a roster"
    submit(at, prefix)
    assert "Session saved" in texts(at.tabs[0].success)
    assert [r["topics"] for r in _rows(pilot)] == ["Reading a roster"]
