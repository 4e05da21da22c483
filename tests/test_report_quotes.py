"""Issue 14, qualitative findings: employer comments and coach notes their author marked for the
report (with a theme) are quoted in the report by theme, without names; nothing else is."""
from __future__ import annotations

import os
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import streamlit as st

from pilot import db, report, workbook
from pilot.access import SYSTEM, Scope
from pilot.domain.dates import today
from pilot.domain.work_checks import check_note
from pilot.i18n import LANGUAGES, t
from pilot.records import feedback, quotes, timeline, users
from tests import work_seed
from tests.forms_support import open_page, submit
from tests.test_workbook import B1, dataset, pilot_db, write_csv_folder  # noqa: F401 (fixture)

ADMIN = Scope(username="seed-admin", role="admin")
R = date(2025, 6, 30)


# --- Writing: the mark needs a theme -------------------------------------------------------------

@pytest.mark.parametrize("check, values, text_field", [
    (feedback.check_feedback, {"score": 4, "given_on": date(2025, 1, 1), "comment": "Clear instructions help"},
     "comment"),
    (check_note, {"noted_on": date(2025, 1, 1), "body": "Reads the safety sheet alone now"}, "body"),
])
def test_marking_requires_a_theme(check, values, text_field):
    clean, problems = check({**values, "for_report": True})
    assert [(p.field, p.key) for p in problems] == [("report_theme", "quotes.error.theme_needed")]
    clean, problems = check({**values, "for_report": True, "report_theme": "hiring"})
    assert not problems and clean["for_report"] is True and clean["report_theme"] == "hiring"
    clean, problems = check({**values, "report_theme": "hiring"})  # not ticked: no theme kept
    assert not problems and clean["for_report"] is False and clean["report_theme"] is None
    clean, problems = check(values)  # existing callers: not for the report
    assert not problems and clean["for_report"] is False
    _, problems = check({**values, "for_report": True, "report_theme": "weather"})
    assert ("report_theme", "error.choice") in {(p.field, p.key) for p in problems}
    for lang in LANGUAGES:
        assert t("quotes.error.theme_needed", lang) != "quotes.error.theme_needed"


def test_a_marked_feedback_needs_a_comment():
    _, problems = feedback.check_feedback({"score": 4, "given_on": date(2025, 1, 1), "for_report": True,
                                           "report_theme": "hiring"})
    assert ("comment", "quotes.error.text_needed") in {(p.field, p.key) for p in problems}


# --- Reading and the report ------------------------------------------------------------------------

@pytest.fixture
def marked(engine):
    a = work_seed.company(engine, "0101263-6", "Alfa Kiinteistöt Oy", joined=date(2024, 1, 1))
    b = work_seed.company(engine, "1572860-0", "Beta Keittiöt Oy", joined=date(2024, 1, 1))
    pa = work_seed.participant(engine, a, "P-A001", enrolled=date(2024, 2, 1))
    pb = work_seed.participant(engine, b, "P-B001", enrolled=date(2024, 2, 1))
    with db.transaction(engine) as conn:
        conn.execute(sa.text("UPDATE participants SET display_name = 'Aisha Example' WHERE id = :p"), {"p": pa})
        conn.execute(sa.text("UPDATE participants SET display_name = 'Boris Example' WHERE id = :p"), {"p": pb})

    def fb(company, on, comment, theme=None):
        clean, problems = feedback.check_feedback({"score": 4, "given_on": on, "comment": comment,
                                                   "for_report": theme is not None, "report_theme": theme})
        assert not problems, problems
        db.run_in_transaction(engine, lambda c: feedback.give(c, ADMIN, company, clean))

    def note(pid, on, body, theme=None):
        clean, problems = check_note({"noted_on": on, "body": body, "for_report": theme is not None,
                                      "report_theme": theme})
        assert not problems, problems
        db.run_in_transaction(engine, lambda c: timeline.add_note(c, ADMIN, pid, clean))

    fb(a, date(2025, 3, 10), "We hired a second worker <b>thanks</b> to the pilot & its coach", "hiring")
    fb(a, date(2025, 4, 1), "Unmarked remark about the canteen")
    fb(b, date(2025, 2, 3), "The coach visits fit our shift plan", "cooperation")
    fb(a, date(2025, 8, 1), "Marked after the reference date", "hiring")
    note(pa, date(2025, 5, 5), "Now leads the morning briefing in Finnish", "language_at_work")
    note(pa, date(2025, 5, 6), "Unmarked observation about a sick day")
    note(pb, date(2025, 1, 20), "Supervisor started using picture instructions", "supervisor")
    return {"engine": engine, "a": a, "b": b}


def section(html_text: str, lang: str) -> str:
    head = f"<h2>{t('quotes.report.section', lang)}</h2>"
    assert html_text.count(head) == 1
    return html_text.split(head, 1)[1].split("<h2>", 1)[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_marked_texts_are_quoted_by_theme_without_names(marked, lang):
    with marked["engine"].connect() as conn:
        built = report.build(conn, R, lang, made_on=R)
    part = section(report.to_html(built), lang)
    # Grouped by theme, in the code list's order, each under its heading.
    headings = re.findall(r"<h3>(.*?)</h3>", part)
    assert headings == [t(f"code.report_theme.{k}", lang)
                        for k in ("language_at_work", "hiring", "supervisor", "cooperation")]
    by_heading = dict(zip(headings, re.split(r"<h3>.*?</h3>", part)[1:]))
    assert "Now leads the morning briefing" in by_heading[t("code.report_theme.language_at_work", lang)]
    # The user's text is escaped, as every user text in the HTML report.
    assert ("We hired a second worker &lt;b&gt;thanks&lt;/b&gt; to the pilot &amp; its coach"
            in by_heading[t("code.report_theme.hiring", lang)])
    assert "Supervisor started using picture instructions" in by_heading[t("code.report_theme.supervisor", lang)]
    assert t("quotes.report.source.employer", lang) in by_heading[t("code.report_theme.hiring", lang)]
    assert t("quotes.report.source.coach", lang) in by_heading[t("code.report_theme.supervisor", lang)]
    month = {"fi": "maaliskuu 2025", "sv": "mars 2025", "en": "March 2025"}[lang]
    assert month in by_heading[t("code.report_theme.hiring", lang)]
    assert "10.03.2025" not in part  # month and year only
    # Unmarked texts and texts after R never appear; no name, code or company name either.
    for hidden in ("Unmarked remark", "Unmarked observation", "after the reference date", "Aisha", "Boris",
                   "P-A001", "P-B001", "Alfa", "Beta", "seed-admin"):
        assert hidden not in part, hidden
    assert report.to_pdf(built, None).startswith(b"%PDF")


def test_a_company_report_quotes_only_that_company(marked):
    with marked["engine"].connect() as conn:
        found = quotes.marked(conn, R, marked["a"])
        built = report.build(conn, R, "en", made_on=R, company_id=marked["a"])
    assert {theme: [q["text"] for q in items] for theme, items in found.items()} == {
        "language_at_work": ["Now leads the morning briefing in Finnish"],
        "hiring": ["We hired a second worker <b>thanks</b> to the pilot & its coach"]}
    part = section(report.to_html(built), "en")
    assert "shift plan" not in part and "picture instructions" not in part
    assert "Alfa" not in part


def test_at_most_five_per_theme_newest_first_and_a_sentence_when_none(engine):
    cid = work_seed.company(engine, joined=date(2024, 1, 1))
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=date(2024, 2, 1))
    with engine.connect() as conn:
        html_text = report.to_html(report.build(conn, R, "sv", made_on=R))
    assert t("quotes.report.none", "sv") in section(html_text, "sv")
    for day in range(1, 8):
        clean, _ = check_note({"noted_on": date(2025, 4, day), "body": f"Observation {day}", "for_report": True,
                               "report_theme": "job_adaptation"})
        db.run_in_transaction(engine, lambda c, clean=clean: timeline.add_note(c, ADMIN, pid, clean))
    with engine.connect() as conn:
        found = quotes.marked(conn, R)
    assert [q["text"] for q in found["job_adaptation"]] == [f"Observation {d}" for d in (7, 6, 5, 4, 3)]


def test_a_workbook_import_keeps_the_mark(pilot_db, tmp_path):  # noqa: F811
    assert workbook.import_workbook(pilot_db, write_csv_folder(dataset(), tmp_path / "a"), SYSTEM).ok
    with db.transaction(pilot_db) as conn:
        conn.execute(sa.text("UPDATE feedback SET for_report = TRUE, report_theme = 'hiring'"))
    with pilot_db.connect() as conn:
        sheet = workbook.export_rows(conn, SYSTEM)["feedback"]
    assert not any("report" in str(cell) for cell in sheet[0])  # not a column of the sheet
    data = dataset()
    data["feedback"][0]["score"] = "3"
    assert workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "b"), SYSTEM).ok
    with pilot_db.connect() as conn:
        assert conn.execute(sa.text("SELECT score, for_report, report_theme FROM feedback")).one() == (
            3, True, "hiring")


# --- The forms ------------------------------------------------------------------------------------

@pytest.fixture
def pages(engine):
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach_id = users.create_user(conn, "coach-anna", "coach", "Anna", company_ids=[cid])
        users.create_user(conn, "boss-eva", "employer", "Eva", company_ids=[cid])
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=date(2023, 2, 1), coach_id=coach_id)
    yield {"engine": engine, "company": cid, "pid": pid, "db": os.environ["PILOT_DB"]}
    st.cache_resource.clear()
    db.dispose_shared()


def _rows(pages, sql: str):
    with pages["engine"].connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_the_employer_form_stores_the_mark_and_theme(pages):
    at = open_page(pages, "pages/employer.py", "boss-eva", "en")
    at.segmented_control(key="view").set_value("feedback").run()
    at.radio(key="feedback_score").set_value(5)
    at.text_area(key="feedback_comment").input("Our supervisors explain more clearly now")
    at.checkbox(key="feedback_for_report").check()
    submit(at, "form_feedback")
    assert t("quotes.error.theme_needed", "en") in " ".join(e.value for e in at.error)
    assert _rows(pages, "SELECT COUNT(*) FROM feedback") == [(0,)]
    at.radio(key="feedback_score").set_value(5)
    at.text_area(key="feedback_comment").input("Our supervisors explain more clearly now")
    at.checkbox(key="feedback_for_report").check()
    at.selectbox(key="feedback_report_theme").set_value("supervisor")
    submit(at, "form_feedback")
    assert _rows(pages, "SELECT comment, for_report, report_theme FROM feedback") == [
        ("Our supervisors explain more clearly now", True, "supervisor")]


def test_the_note_form_stores_the_mark_and_theme(pages):
    pid = pages["pid"]
    at = open_page(pages, "pages/participant.py", "coach-anna", "en", {"participant": str(pid)})
    prefix = f"form_note_{pid}_0"
    at.text_area(key=f"{prefix}_body").input("Asked to use the glossary at the line")
    at.checkbox(key=f"{prefix}_for_report").check()
    submit(at, prefix)
    assert t("quotes.error.theme_needed", "en") in " ".join(str(e.value) for e in at.error)
    assert _rows(pages, "SELECT COUNT(*) FROM participant_notes") == [(0,)]
    at.selectbox(key=f"{prefix}_report_theme").set_value("job_adaptation")
    submit(at, prefix)
    assert _rows(pages, "SELECT body, for_report, report_theme FROM participant_notes") == [
        ("Asked to use the glossary at the line", True, "job_adaptation")]
    with pages["engine"].connect() as conn:
        assert [q["text"] for q in quotes.marked(conn, today() + timedelta(days=1))["job_adaptation"]] == [
            "Asked to use the glossary at the line"]
