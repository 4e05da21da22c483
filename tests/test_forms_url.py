"""The participant page shows the person the URL names (issue 13.7): picking another writes
?participant=<id>, and a URL changed by Back, a reload or a bookmark picks that person."""
from __future__ import annotations

from tests.forms_support import open_page, world  # noqa: F401


def test_picking_a_participant_writes_the_url(world):
    a, b = world["pids"][0], world["pids"][1]
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(a)}, tab="details")
    assert at.selectbox(key="participant_pick").value == a
    at.selectbox(key="participant_pick").set_value(b).run()
    assert at.query_params["participant"] == str(b)
    assert at.text_input(key=f"form_details_{b}_v1_job")  # B's own forms are drawn


def test_a_url_changed_by_back_shows_its_participant(world):
    a, b = world["pids"][0], world["pids"][1]
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(a)}, tab="details")
    at.selectbox(key="participant_pick").set_value(b).run()
    at.query_params["participant"] = str(a)   # Back: the browser's URL names A again
    at.run()
    assert not at.exception
    assert at.selectbox(key="participant_pick").value == a
    assert at.text_input(key=f"form_details_{a}_v1_job")  # A's own forms are drawn, not B's


def test_clearing_the_picker_clears_the_url(world):
    a = world["pids"][0]
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(a)})
    at.selectbox(key="participant_pick").set_value(None).run()
    assert "participant" not in at.query_params


def test_coming_back_to_the_page_with_the_same_url_shows_that_participant(world):
    """Leaving the page drops the picker's state; the same ?participant= must open the person again."""
    a = world["pids"][0]
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(a)})
    at.switch_page("pages/my_week.py").run()
    at.query_params["participant"] = str(a)   # a link from My week names the same person again
    at.switch_page("pages/participant.py").run()
    assert not at.exception
    assert at.selectbox(key="participant_pick").value == a
