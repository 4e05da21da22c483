"""Issue 17, names not codes: the tables of the participants list, the users table, the
employment table, the audit log and the data-subject export show the user's words, never a raw
code, True/False, JSON or a UTC time (AppTest on the demo data, signed in as the real accounts)."""
from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pilot import db, demo, names
from pilot.access import Scope
from pilot.records import audit, employment, participants
from tests.forms_support import open_edit, open_tab
from tests.helpers_app import app_as, prepare_demo_db

ADMIN = Scope(username="admin", role="admin")
Y_TUNNUS = re.compile(r"\b\d{7}-\d\b")
RAW = re.compile(r"^(True|False|None|NULL|nan|null)$|[{}]|UTC|\b(work_trial|listening|present|language_lesson|"
                 r"fixed_term|onsite|participant_note)\b")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _with_amina_at_work(prepare_demo_db(tmp_path_factory.mktemp("names") / "demo.duckdb"))


def _with_amina_at_work(path: Path) -> Path:
    """P-0001 (Amina H., id 1) with the employment history these tests read: a work trial at Kirkas
    with 22.5 h a week, then a subsidised and an unsubsidised contract. The demo draws its history
    relative to today, so the tests found a work trial and both subsidy words only on some days
    (on 3.12.2026 and 1.1.2027 she had a single permanent row and three tests failed)."""
    import sqlalchemy as sa

    from pilot.domain.dates import add_months, today
    engine = db.make_engine(str(path))
    with db.transaction(engine) as conn:
        enrolled = conn.execute(sa.text("SELECT enrolled_on FROM participants WHERE id = 1")).scalar_one()
        rows = [(enrolled, "work_trial", Decimal("22.5"), None),
                (add_months(enrolled, 4), "fixed_term", Decimal("30.0"), True),
                (add_months(enrolled, 13), "permanent", Decimal("20.0"), False)]
        assert rows[-1][0] <= today(), "the demo enrols P-0001 well over a year before today"
        conn.execute(sa.text("DELETE FROM employment WHERE participant_id = 1"))
        for on, status, hours, subsidised in rows:
            conn.execute(sa.text("INSERT INTO employment (participant_id, effective_on, status, weekly_hours, "
                                 "subsidised, employer_business_id) VALUES (1, :on, :status, :hours, :sub, :emp)"),
                         {"on": on, "status": status, "hours": hours, "sub": subsidised, "emp": demo.COMPANY_IDS[0]})
    engine.dispose()
    db.dispose_shared()
    return path


@pytest.fixture
def app_db(demo_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "pilot.duckdb"
    shutil.copyfile(demo_file, path)
    yield path
    db.dispose_shared()


def page(username: str, path: Path, name: str, lang: str = "fi"):  # type: ignore[no-untyped-def]
    at = app_as(username, path, timeout=90)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def table(at, header: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The shown table that has a column with this header."""
    for frame in at.dataframe:
        if header in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with {header!r}: {[list(f.value.columns) for f in at.dataframe]}")


def cells(frame: pd.DataFrame) -> list[str]:
    return [str(v) for v in frame.to_numpy().ravel()] + [str(c) for c in frame.columns]


def assert_words_only(frame: pd.DataFrame) -> None:
    bad = [c for c in cells(frame) if RAW.search(c)]
    assert not bad, bad[:10]


def test_participants_list_shows_language_names_and_the_coachs_name(app_db):
    at = page("coach", app_db, "participants")
    frame = table(at, "Ensikieli")
    assert_words_only(frame)
    languages = set(frame["Ensikieli"])
    # Each row's language by its Finnish name and code. Who is in the list is the demo's draw for
    # today (on 29.2.2028 no Thai speaker was), so the expected names come from the rows' own codes.
    with db.shared_engine(str(app_db)).connect() as conn:
        spoken = dict(conn.execute(sa.text("SELECT code, first_language FROM participants")).all())
    assert list(frame["Ensikieli"]) == [names.language(spoken[c], "fi") for c in frame["Koodi"]]
    assert len(languages) >= 4 and all(re.fullmatch(r"[a-zåäö ]+ \([a-z]{2,3}\)", v) for v in languages)
    assert [names.language(c, "fi") for c in ("so", "ku", "th", "uk")] == \
        ["somali (so)", "kurdi (ku)", "thai (th)", "ukraina (uk)"]
    assert not any(re.fullmatch(r"[a-z]{2,3}", v) for v in languages)
    assert set(frame["Valmentaja"]) <= {"Demo Coach", "Demo Coach 2", ""}
    assert "Demo Coach" in set(frame["Valmentaja"])
    # the edit/exit picker (its tab opened): code · name where the role sees names
    picker = open_edit(at).selectbox(key="edit_pick")
    assert "P-0001 · Amina H." in picker.options


def test_participants_list_in_swedish(app_db):
    frame = table(page("coach", app_db, "participants", "sv"), "Förstaspråk")
    assert "somaliska (so)" in set(frame["Förstaspråk"])


def test_users_table_shows_company_names_not_business_ids(app_db):
    at = page("admin", app_db, "admin_users")
    frame = table(at, "Käyttäjätunnus")
    assert_words_only(frame)
    companies = " ".join(cells(frame))
    assert not Y_TUNNUS.search(companies)
    assert "Siivouspalvelu Kirkas Oy" in companies
    assert {"Valmentaja", "Ylläpitäjä", "Työnantaja", "Työllisyyspalvelut"} <= set(frame["Rooli"])


def test_employment_table_shows_words_yes_no_and_decimal_commas(app_db):
    at = page("coach", app_db, "participant")
    at.selectbox(key="participant_pick").select(1).run()
    assert not at.exception, at.exception
    open_tab(at, "employment")  # only the open tab runs
    frame = table(at, "Palkkatuki")
    assert_words_only(frame)
    assert set(frame["Palkkatuki"]) <= {"Kyllä", "Ei", ""} and {"Kyllä", "Ei"} <= set(frame["Palkkatuki"])
    assert "22,5" in set(frame["Viikkotunnit"])
    assert "Siivouspalvelu Kirkas Oy" in set(frame["Työnantaja"])
    assert not Y_TUNNUS.search(" ".join(cells(frame)))
    assert "Työkokeilu" in set(frame["Työllisyystilanne"])


def _activity(path: Path) -> dict:
    """A participant edit and an employment change by the admin, as the log records them."""
    engine = db.shared_engine(str(path))
    with db.transaction(engine) as conn:
        person = participants.get_participant(conn, ADMIN, 1)
        participants.update_participant(conn, ADMIN, 1, person["version"], {"job_title": "Siivooja ja laitoshuoltaja"})
        employment.record_change(conn, ADMIN, 1, {"effective_on": date(2026, 11, 2), "status": "fixed_term",
                                                  "weekly_hours": Decimal("32.5"), "subsidised": True,
                                                  "employer_business_id": demo.COMPANY_IDS[0]})
    with engine.connect() as conn:
        return audit.entries(conn, actor="admin", entity="employment")[0]


def test_audit_log_in_helsinki_time_with_names_and_readable_changes(app_db):
    entry = _activity(app_db)
    at = page("admin", app_db, "admin_audit")
    frame = table(at, "Muutokset")
    assert_words_only(frame)
    assert names.timestamp(entry["occurred_at"], "fi", seconds=True) in set(frame["Aika"])
    assert "Demo Admin" in set(frame["Käyttäjä"])
    assert "osallistuja" in set(frame["Kohde"]) and "osallistujan työtilanne" in set(frame["Kohde"])
    assert "P-0001" in set(frame["Tietue"]) and "1" not in set(frame["Tietue"])
    changes = " ".join(frame["Muutokset"])
    assert "Työllisyystilanne: Määräaikainen työsopimus" in changes or "Määräaikainen" in changes
    assert "32,5" in changes and "Siivouspalvelu Kirkas Oy" in changes
    assert "→" in changes


def test_audit_target_filter_finds_rows_by_the_translated_name(app_db):
    _activity(app_db)
    at = page("admin", app_db, "admin_audit")
    at.text_input(key="audit_entity").input("osallistuja").run()
    assert not at.exception, at.exception
    targets = set(table(at, "Kohde")["Kohde"])
    assert "osallistuja" in targets
    assert all("osallistuja" in t for t in targets), targets
    at.text_input(key="audit_entity").input("yritys").run()
    assert "osallistuja" not in set(table(at, "Kohde")["Kohde"]) if at.dataframe else True


def test_privacy_preview_in_the_users_language_and_the_file_carries_words_too(app_db):
    at = page("admin", app_db, "admin_privacy")
    at.selectbox(key="export_pick").select(1).run()
    at.button(key="export_go").click().run()
    assert not at.exception, at.exception
    shown = [f.value for f in at.dataframe if f.value is not None]
    assert shown and not at.json  # no raw JSON preview
    for frame in shown:
        assert_words_only(frame)
    text = " ".join(" ".join(cells(f)) for f in shown)
    for word in ("somali (so)", "Työkokeilu", "Kuullun ymmärtäminen", "Paikalla"):
        assert word in text, word
    assert "effective_on" not in text and "share_with_employer" not in text


def test_export_file_keeps_codes_and_carries_the_same_data_in_words(app_db):
    import json

    from pilot.records import names as name_records
    from pilot.records import privacy
    engine = db.shared_engine(str(app_db))
    with db.transaction(engine) as conn:
        data = privacy.export_participant(conn, ADMIN, 1)
        found = name_records.lookups(conn, ADMIN)
    exported = json.loads(privacy.as_json(names.export_with_labels(data, "sv", found)))
    assert {r["status"] for r in exported["employment"]} >= {"work_trial"}  # stable codes for a machine
    assert exported["participant"]["first_language"] == "so"
    readable = json.dumps(exported["readable"], ensure_ascii=False)
    assert exported["readable_language"] == "sv"
    assert "Arbetsprövning" in readable or "arbetsprövning" in readable.lower()
    assert "somaliska (so)" in readable and "Deltagarens uppgifter" in readable
    for raw in ("work_trial", "listening", "present", "null", "effective_on", "share_with_employer", "true"):
        assert raw not in readable, raw


def test_company_form_and_list_show_the_industry_by_name_and_keep_the_code(app_db):
    at = page("coach", app_db, "companies")
    frame = table(at, "Toimiala")
    assert "87.30 · Sosiaalihuollon laitospalvelut" in set(frame["Toimiala"])
    assert not any(re.fullmatch(r"\d{2}\.\d{2}", v) for v in frame["Toimiala"])
    engine = db.shared_engine(str(app_db))
    with engine.connect() as conn:
        from pilot.records import companies
        kielo = companies.find_by_business_id(conn, ADMIN, demo.COMPANY_IDS[2])
    at.session_state["company_open"] = kielo["id"]
    at.run()
    picker = at.selectbox(key=f"form_company_edit_{kielo['id']}_industry")
    assert picker.value == "87.30"
    assert picker.format_func("87.30") == "87.30 · Sosiaalihuollon laitospalvelut"
    assert "Q · Terveys- ja sosiaalipalvelut" in picker.options
    picker.select("88")  # inside the form: sent with the submit
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:form_company_edit_{kielo['id']}-")).click()
    at.run()
    assert not at.exception, at.exception
    with engine.connect() as conn:
        assert companies.get_company(conn, ADMIN, kielo["id"])["industry"] == "88"
