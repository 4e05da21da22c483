"""Issue 17, the participant page: the language chart draws no empty annotation (Plotly writes
"new text" in one), assessments are listed newest first, and a one-page printable summary
(pilot/summary.py) for a coaching conversation in fi/sv/en, scoped, audited and without a name for
a role that must not see names."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pilot import charts, db, summary
from pilot.access import AccessDenied, Scope
from pilot.domain.codes import SKILLS
from pilot.i18n import label, t
from pilot.records import adaptations, assessments, audit, employment, participants
from tests import work_seed
from tests.forms_support import open_page, world  # noqa: F401  (the AppTest fixture)

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
TITLES = {"title": "Progress", "assessed": "Assessed", "self": "Self-assessment", "level": "Level",
          "target": "Target", **{f"skill.{s}": s.title() for s in SKILLS}}


# --- the language chart -------------------------------------------------------------------------

def _frame(skills: tuple[str, ...]) -> pd.DataFrame:
    rows = [(date(2024, 1 + i, 1), skill, "A2.1", "coach") for i, skill in enumerate(skills)]
    rows += [(date(2024, 6, 1), skills[-1], "B1.1", "self")]
    return pd.DataFrame(rows, columns=["assessed_on", "skill", "level", "source"])


def _texts(fig) -> list:
    layout = json.loads(fig.to_json())["layout"]
    return [a.get("text") for a in layout.get("annotations", [])] + [layout.get("title", {}).get("text")]


@pytest.mark.parametrize("skills", [SKILLS[:n] for n in range(1, 5)] + [SKILLS[1:], SKILLS[2:], (SKILLS[3],)],
                         ids=lambda s: "+".join(s))
def test_language_chart_has_no_empty_annotation_or_title(skills):
    """Plotly.js writes 'new text' where an annotation has no text: every one has a real text."""
    fig = charts.assessment_progression(_frame(skills), TITLES)
    texts = _texts(fig)
    assert all(isinstance(x, str) and x.strip() and x != "new text" for x in texts), texts
    assert texts.count("Target") == 1  # the target line is named once, on a panel that has data
    assert {TITLES[f"skill.{s}"] for s in SKILLS} <= set(texts)


def test_language_chart_with_no_rows_has_no_empty_annotation():
    fig = charts.assessment_progression(pd.DataFrame(columns=["assessed_on", "skill", "level", "source"]), TITLES)
    assert all(isinstance(x, str) and x.strip() for x in _texts(fig))


# --- assessments newest first ------------------------------------------------------------------

def _assess(conn, pid, rows):
    for skill, level, source, on in rows:
        assessments.record_assessment(conn, work_seed.ADMIN, pid, {"skill": skill, "level": level, "source": source,
                                                                   "assessed_on": on})


def test_assessments_are_read_newest_first(engine, coach):
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001")
    with db.transaction(engine) as conn:
        _assess(conn, pid, [("reading", "A1.3", "coach", date(2024, 2, 1)), ("speaking", "A2.2", "yki", date(2025, 1, 5)),
                            ("speaking", "A2.1", "coach", date(2024, 9, 1))])
    with engine.connect() as conn:
        rows = assessments.for_participant(conn, coach, pid)
    assert [r["assessed_on"] for r in rows] == [date(2025, 1, 5), date(2024, 9, 1), date(2024, 2, 1)]


def test_participant_page_lists_the_newest_assessment_first(world):  # noqa: F811
    pid = world["pids"][0]
    with db.transaction(world["engine"]) as conn:
        _assess(conn, pid, [("reading", "A1.3", "coach", date(2023, 3, 1)), ("speaking", "B1.1", "coach", date(2024, 5, 2)),
                            ("writing", "A2.1", "coach", date(2023, 9, 1))])
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(pid)}, tab="language")
    table = next(d.value for d in at.dataframe if "Assessed on" in d.value.columns)
    assert list(table["Assessed on"])[:3] == ["02.05.2024", "01.09.2023", "01.03.2023"]


# --- the printable summary ---------------------------------------------------------------------

@pytest.fixture
def person(engine):
    """A shared participant with assessments, an adaptation and an employment change; a second
    company's participant who did not agree to share."""
    cid = work_seed.company(engine)
    other = work_seed.company(engine, business_id="1927400-1", name="Kone")
    pid = work_seed.participant(engine, cid, "P-0042", enrolled=date(2023, 2, 1))
    hidden = work_seed.participant(engine, other, "P-0099", enrolled=date(2023, 2, 1))
    with db.transaction(engine) as conn:
        version = participants.get_participant(conn, work_seed.ADMIN, pid)["version"]
        participants.update_participant(conn, work_seed.ADMIN, pid, version, {"share_with_employer": True})
        _assess(conn, pid, [("speaking", "A2.1", "coach", date(2023, 3, 1)), ("reading", "A1.3", "coach", date(2023, 3, 1)),
                            ("speaking", "B1.2", "yki", date(2024, 6, 10)), ("writing", "C1", "self", date(2024, 6, 12))])
        aid = adaptations.propose(conn, work_seed.ADMIN, cid, pid, {"type": "glossary", "description": "Kitchen glossary",
                                                                     "owner": "Supervisor", "proposed_on": date(2023, 4, 3)})
        adaptations.move(conn, work_seed.ADMIN, aid, 1, "agreed", date(2023, 5, 8), None)
        employment.record_change(conn, work_seed.ADMIN, pid, {"effective_on": date(2024, 8, 19), "status": "fixed_term",
                                                             "weekly_hours": 30, "subsidised": True,
                                                             "employer_business_id": "0101263-6"})
    return {"engine": engine, "cid": cid, "other": other, "pid": pid, "hidden": hidden}


def _pdf(person, scope: Scope, lang: str, tmp_path: Path) -> tuple[str, int]:
    with db.transaction(person["engine"]) as conn:
        data = summary.build(conn, scope, person["pid"], lang, made_on=date(2025, 3, 15))
    pdf = summary.to_pdf(data)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / f"summary-{lang}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", text), int(re.search(r"Pages:\s+(\d+)", info).group(1))


COACH = Scope(username="coach-anna", role="coach")


@needs_poppler
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_summary_is_one_page_with_levels_adaptations_and_employment(person, tmp_path, lang):
    text, pages = _pdf(person, COACH, lang, tmp_path)
    assert pages == 1
    assert t("summary.title", lang) in text and "P-0042" in text and "Name P-0042" in text  # the coach sees the name
    for expected in (t("summary.levels", lang), label("skill", "speaking", lang), "B1.2", "A2.1", "A1.3",
                     label("source", "yki", lang), "10.06.2024", "01.03.2023",
                     t("summary.adaptations", lang), label("adaptation_type", "glossary", lang), "Kitchen glossary",
                     label("stage", "agreed", lang), "08.05.2023",
                     t("summary.employment", lang), label("employment_status", "fixed_term", lang), "19.08.2024",
                     label("employment_status", "unemployed", lang), "01.02.2023"):
        assert expected in text, (lang, expected)


@needs_poppler
def test_summary_stays_on_one_page_with_a_long_history(person, tmp_path):
    with db.transaction(person["engine"]) as conn:
        _assess(conn, person["pid"], [(skill, "A2.2", "coach", date(2020 + i // 12, i % 12 + 1, 3))
                                      for i in range(40) for skill in SKILLS[:2]])
        for i in range(25):
            adaptations.propose(conn, work_seed.ADMIN, person["cid"], person["pid"], {
                "type": "plain_language", "description": "Long instruction text " * 20, "owner": "HR",
                "proposed_on": date(2022, 1, 1 + i)})
        for i in range(30):
            employment.record_change(conn, work_seed.ADMIN, person["pid"], {
                "effective_on": date(2021, 1 + i % 12, 1 + i // 12), "status": "training"})
    text, pages = _pdf(person, COACH, "fi", tmp_path)
    assert pages == 1
    assert "10.06.2024" in text  # the newest rows are the ones kept


@needs_poppler
def test_employer_summary_has_no_name_and_no_self_assessment(person, tmp_path):
    employer = Scope(username="boss", role="employer", company_ids=frozenset({person["cid"]}))
    text, pages = _pdf(person, employer, "en", tmp_path)
    assert pages == 1 and "P-0042" in text and "B1.2" in text
    assert "Name P-0042" not in text
    assert label("source", "self", "en") not in text and "C1" not in text


@pytest.mark.parametrize("who", ["outsider", "employer_other", "employer_not_shared", "services"])
def test_summary_out_of_scope_is_refused(person, who):
    scopes = {"outsider": (Scope(username="c2", role="coach", company_ids=frozenset({person["other"]})), "pid"),
              "employer_other": (Scope(username="b2", role="employer", company_ids=frozenset({person["other"]})), "pid"),
              "employer_not_shared": (Scope(username="b2", role="employer",
                                            company_ids=frozenset({person["other"]})), "hidden"),
              "services": (Scope(username="srv", role="services"), "pid")}
    scope, key = scopes[who]
    with db.transaction(person["engine"]) as conn:
        with pytest.raises(AccessDenied):
            summary.build(conn, scope, person[key], "fi")
    with person["engine"].connect() as conn:
        assert audit.entries(conn, entity="participant_summary") == []


def test_summary_is_a_read_on_record(person):
    with db.transaction(person["engine"]) as conn:
        summary.build(conn, COACH, person["pid"], "sv")
    with person["engine"].connect() as conn:
        rows = audit.entries(conn, entity="participant_summary")
    assert [(r["actor"], r["action"], r["entity_id"], r["reason"]) for r in rows] == [
        ("coach-anna", "read", str(person["pid"]), "sv")]


@pytest.mark.parametrize("user", ["coach-anna", "admin-olli"])
def test_participant_page_offers_the_summary_download(world, user):  # noqa: F811
    pid = world["pids"][0]
    at = open_page(world, "pages/participant.py", user=user, lang="sv", params={"participant": str(pid)})
    (button,) = [b for b in at.get("download_button") if b.proto.id and "participant_summary" in b.proto.id]
    assert button.proto.label == t("summary.download", "sv")


def test_summary_file_from_the_page_helper_is_audited(world):  # noqa: F811
    """The page's download callable (run by Streamlit when the button is clicked) builds the PDF
    and puts the read on record."""
    from pilot.ui import participant_forms
    pid = world["pids"][0]
    scope = Scope(username="coach-anna", role="coach", user_id=world["coach"], company_ids=frozenset({world["company"]}))
    make = participant_forms.summary_file(world["engine"], scope, pid, "en")
    assert make().startswith(b"%PDF")
    with world["engine"].connect() as conn:
        rows = audit.entries(conn, entity="participant_summary")
    assert [(r["actor"], r["entity_id"]) for r in rows] == [("coach-anna", str(pid))]


def test_employer_page_offers_the_summary_of_shared_participants_only(world):  # noqa: F811
    """The employer picks among the participants of their company who agreed to share (codes only)."""
    from pilot.records import users
    shared = world["pids"][0]
    with db.transaction(world["engine"]) as conn:
        users.create_user(conn, "boss", "employer", "Boss", company_ids=[world["company"]])
        version = participants.get_participant(conn, work_seed.ADMIN, shared)["version"]
        participants.update_participant(conn, work_seed.ADMIN, shared, version, {"share_with_employer": True})
    at = open_page(world, "pages/employer.py", user="boss", lang="en")
    at.segmented_control(key="view").set_value("progress").run()  # the summary sits with the progress
    picker = at.selectbox(key="employer_summary_pick")
    assert picker.options == ["P-0001"]  # P-0002 did not agree to share
    assert not [b for b in at.get("download_button") if "participant_summary" in b.proto.id]
    picker.set_value(shared).run()
    assert not at.exception, at.exception
    (button,) = [b for b in at.get("download_button") if "participant_summary" in b.proto.id]
    assert button.proto.label == t("summary.download", "en")
