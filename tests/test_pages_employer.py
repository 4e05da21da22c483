"""Issue 16: the employer's page draws only what is on screen. The first screen is the tiles and
the coaching chart; every other part (sessions, adaptations, progress, hiring, feedback) is a
section of its own, drawn when it is chosen (?view=<code> keeps the choice in the address), and the
chart's table view is built only when it is opened. Everything stays reachable, in the company's
scope only."""
from __future__ import annotations

import sqlalchemy as sa

from pilot import db
from pilot.domain.dates import today
from pilot.ui.outcomes import EMPLOYER_SECTIONS
from tests.helpers_app import each_section
from tests.test_pages_outcomes import EMPLOYER, open_page, page_text, pilot, scalar, submit  # noqa: F401

OWN = ("SELECT c.id FROM companies c JOIN user_companies uc ON uc.company_id = c.id "
       "JOIN users u ON u.id = uc.user_id WHERE u.username = 'employer'")


def test_first_screen_is_tiles_and_the_coaching_chart_only(pilot):  # noqa: F811
    at = open_page(pilot, EMPLOYER, "employer")
    assert at.segmented_control(key="view").value == "coaching"
    assert len(at.metric) >= 4 and all(m.help for m in at.metric)
    charts = at.get("plotly_chart")
    assert len(charts) == 1                                   # the coaching chart, nothing more
    assert not at.dataframe                                   # no grid until a section or table is opened
    assert not [f for f in at.get("form") if "form_feedback" in str(f.proto)]
    assert [b for b in at.get("download_button") if "csv_employer_activity" in b.proto.id]  # CSV stays


def test_the_chart_table_is_drawn_when_opened(pilot):  # noqa: F811
    at = open_page(pilot, EMPLOYER, "employer")
    assert not at.dataframe
    at.session_state["tableview_employer_activity"] = True    # the reader opens "Show as a table"
    at.run()
    assert not at.exception, at.exception
    (frame,) = [d.value for d in at.dataframe]
    assert "Month" in frame.columns and len(frame) > 0


def test_each_section_shows_its_own_rows(pilot):  # noqa: F811
    own = scalar(pilot, OWN)[0][0]
    at = open_page(pilot, EMPLOYER, "employer")
    seen: dict[str, str] = {}
    charts: dict[str, int] = {}
    for code, view in zip([c for c, _ in EMPLOYER_SECTIONS], each_section(at, sections=EMPLOYER_SECTIONS)):
        seen[code] = page_text(view)
        charts[code] = len(view.get("plotly_chart"))
        if code != "coaching":
            assert not view.metric                            # the tiles belong to the first screen

    latest = scalar(pilot, "SELECT MAX(held_on) FROM sessions WHERE company_id = :c AND held_on <= :d",
                    c=own, d=today())[0][0]
    assert latest and latest.strftime("%d.%m.%Y") in seen["sessions"] and "Date" in seen["sessions"]
    assert latest.strftime("%d.%m.%Y") not in seen["coaching"]
    assert charts == {"coaching": 1, "sessions": 1, "adaptations": 0, "progress": 0, "hiring": 0, "feedback": 0}
    descriptions = [d for (d,) in scalar(pilot, "SELECT description FROM adaptations WHERE company_id = :c", c=own)]
    assert descriptions and all(d in seen["adaptations"] for d in descriptions)
    assert not [d for d in descriptions if d in seen["coaching"]]
    shared = scalar(pilot, "SELECT code FROM participants WHERE company_id = :c AND share_with_employer "
                           "AND enrolled_on <= :r", c=own, r=today())
    assert shared and all(c in seen["progress"] for (c,) in shared)
    assert "Hiring" in seen["hiring"]
    comments = [c for (c,) in scalar(pilot, "SELECT comment FROM feedback WHERE company_id = :c "
                                            "AND comment IS NOT NULL", c=own)]
    assert comments and all(c in seen["feedback"] for c in comments)


def test_the_address_opens_a_section_and_feedback_is_sent_there(pilot):  # noqa: F811
    at = open_page(pilot, EMPLOYER, "employer")
    at.segmented_control(key="view").set_value("feedback").run()
    assert at.query_params.get("view") in ("feedback", ["feedback"])
    with db.transaction(pilot["engine"]) as conn:
        conn.execute(sa.text("DELETE FROM feedback WHERE given_on = :d"), {"d": today()})
    at.radio(key="feedback_score").set_value(5)
    at.text_area(key="feedback_comment").input("Selkeämpi perehdytys")
    submit(at, "form_feedback")
    assert "Thank you for your feedback." in [s.value for s in at.success] + [str(m.value) for m in at.markdown]
    assert at.segmented_control(key="view").value == "feedback"   # the flash is shown where the form was
    assert "Selkeämpi perehdytys" in page_text(at)                # and the new row in the earlier feedback
    assert scalar(pilot, "SELECT score FROM feedback WHERE comment = 'Selkeämpi perehdytys'") == [(5,)]


def test_the_sections_are_named_in_the_readers_language(pilot):  # noqa: F811
    for lang, name in (("fi", "Palaute"), ("sv", "Respons"), ("en", "Feedback")):
        at = open_page(pilot, EMPLOYER, "employer", lang=lang)
        assert name in at.segmented_control(key="view").options
