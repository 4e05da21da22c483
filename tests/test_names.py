"""The one formatter of codes into the user's words (pilot/names.py, pilot/domain/tol.py)."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilot import demo, i18n, names
from pilot.domain import tol
from pilot.domain.codes import CODE_LISTS

LANGS = ("fi", "sv", "en")
DEMO_LANGUAGES = sorted({code for code, _ in demo._ROSTER})


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", DEMO_LANGUAGES)
def test_every_demo_first_language_has_a_name_with_its_code(code, lang):
    shown = names.language(code, lang)
    assert shown.endswith(f"({code})")
    assert len(shown) > len(code) + 3  # a name before the code, not the code alone


@pytest.mark.parametrize("lang, code, expected", [
    ("fi", "uk", "ukraina (uk)"), ("fi", "so", "somali (so)"), ("fi", "ku", "kurdi (ku)"), ("fi", "th", "thai (th)"),
    ("sv", "so", "somaliska (so)"), ("en", "ku", "Kurdish (ku)"),
])
def test_first_language_as_the_form_shows_it(lang, code, expected):
    assert names.language(code, lang) == expected


def test_first_language_matches_the_participant_form_picker():
    from pilot.ui import widgets
    for lang in LANGS:
        for code in DEMO_LANGUAGES:
            assert names.language(code, lang) == widgets.language_namer(lang)(code)


def test_tol_has_21_sections_and_88_divisions_named_in_three_languages():
    assert tol.sections() == tuple("ABCDEFGHIJKLMNOPQRSTU")
    assert len(tol.divisions()) == 88
    for code in (*tol.sections(), *tol.divisions()):
        shown = {lang: tol.name(code, lang) for lang in LANGS}
        assert all(shown.values()), code
        assert shown["fi"] != shown["en"], code  # translated, not copied


@pytest.mark.parametrize("division", tol.divisions())
def test_every_division_belongs_to_a_section(division):
    assert tol.section_of(division) in tol.sections()


@pytest.mark.parametrize("code, lang, expected", [
    ("87.30", "fi", "87.30 · Sosiaalihuollon laitospalvelut"),
    ("8730", "en", "8730 · Residential care activities"),
    ("87300", "sv", "87300 · Vård och omsorg med boende"),
    ("873", "fi", "873 · Sosiaalihuollon laitospalvelut"),
    ("87", "en", "87 · Residential care activities"),
    ("Q", "fi", "Q · Terveys- ja sosiaalipalvelut"),
    ("56.10", "fi", "56.10 · Ravitsemistoiminta"),
    ("81.21", "en", "81.21 · Services to buildings and landscape activities"),
    ("04", "fi", "04"),  # no such division: the code as it is
    ("xyz", "fi", "xyz"),
])
def test_tol_label(code, lang, expected):
    assert tol.label(code, lang) == expected


def test_every_demo_industry_has_a_name():
    for company in demo._COMPANIES:
        assert tol.name(company.industry, "fi"), company.industry


@pytest.mark.parametrize("lang, yes, no", [("fi", "Kyllä", "Ei"), ("sv", "Ja", "Nej"), ("en", "Yes", "No")])
def test_booleans(lang, yes, no):
    assert names.yes_no(True, lang) == yes
    assert names.yes_no(False, lang) == no
    assert names.yes_no(None, lang) == ""


@pytest.mark.parametrize("lang, expected", [("fi", "22,5"), ("sv", "22,5"), ("en", "22.5")])
def test_decimals_in_the_locale(lang, expected):
    assert names.number(Decimal("22.5"), lang) == expected
    assert names.number(22.5, lang) == expected


@pytest.mark.parametrize("lang, expected", [("fi", "1\u00a0234,75"), ("sv", "1\u00a0234,75"), ("en", "1,234.75")])
def test_decimal_grouping(lang, expected):
    assert names.number(Decimal("1234.75"), lang) == expected


@settings(max_examples=40, deadline=None)
@given(st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(LANGS))
def test_a_decimal_reads_back(value, lang):
    shown = names.number(value, lang)
    plain = shown.replace("\u00a0", "").replace(",", "." if lang != "en" else "")
    if lang == "en":
        plain = shown.replace(",", "")
    assert Decimal(plain) == value


@pytest.mark.parametrize("code_list", sorted(CODE_LISTS))
@pytest.mark.parametrize("lang", LANGS)
def test_every_code_of_every_list_has_a_label(code_list, lang):
    for code in CODE_LISTS[code_list]:
        shown = names.code(code_list, code, lang)
        assert shown and shown != code, (code_list, code)


def test_status_column_names_employment_attendance_and_participant_status():
    assert names.value("status", "work_trial", "fi") == "Työkokeilu"
    assert names.value("status", "present", "sv") != "present"
    assert names.value("status", "exited", "en") == "Exited"


def test_timestamps_in_helsinki_time():
    winter = datetime(2026, 1, 15, 10, 30)  # naive UTC as stored: UTC+2
    summer = datetime(2026, 7, 15, 21, 5)  # UTC+3, past midnight locally
    assert names.timestamp(winter, "fi") == "15.01.2026 12.30"
    assert names.timestamp(summer, "en") == "16.07.2026 00:05"
    assert "UTC" not in names.timestamp(winter, "sv")


@pytest.mark.parametrize("lang", LANGS)
def test_audit_targets_and_actions_are_translated(lang):
    for entity in names.AUDIT_TARGETS:
        shown = names.audit_target(entity, lang)
        assert shown and "_" not in shown, entity
    for action in names.AUDIT_ACTIONS:
        assert i18n.has_key(f"admin.action.{action}", lang), action
        assert names.audit_action(action, lang) == i18n.t(f"admin.action.{action}", lang)


def test_audit_filter_finds_targets_by_their_translated_name():
    assert "participant" in names.targets_matching("osallistuja", "fi")
    assert "participant" in names.targets_matching("Deltagare", "sv")
    assert "company" in names.targets_matching("yritys", "fi")
    assert names.targets_matching("zzz", "fi") == []


def test_changes_read_as_field_old_to_new():
    lookups = names.Lookups(users={"coach2": "Demo Coach 2"}, user_ids={7: "Demo Coach 2", 3: "Demo Coach"})
    before = json.dumps({"status": "unemployed", "weekly_hours": "20", "subsidised": False, "coach_id": 3})
    after = json.dumps({"status": "work_trial", "weekly_hours": "22.5", "subsidised": True, "coach_id": 7})
    shown = names.changes(before, after, "fi", lookups)
    assert "Työllisyystilanne: Työtön työnhakija → Työkokeilu" in shown
    assert "Palkkatuki: Ei → Kyllä" in shown
    assert "Viikkotunnit: 20 → 22,5" in shown
    assert "Valmentaja: Demo Coach → Demo Coach 2" in shown
    assert "{" not in shown and "work_trial" not in shown


def test_display_frame_has_no_raw_codes_and_no_mixed_columns():
    lookups = names.Lookups(users={"coach": "Demo Coach"}, business_ids={"3141590-9": "Hoivakoti Kielo Oy"})
    rows = [{"first_language": "so", "coach": "coach", "status": "work_trial", "subsidised": True,
             "weekly_hours": Decimal("22.5"), "employer_business_id": "3141590-9", "industry": "87.30",
             "effective_on": date(2026, 3, 1), "count": 3},
            {"first_language": "ku", "coach": None, "status": "permanent", "subsidised": None,
             "weekly_hours": None, "employer_business_id": None, "industry": None,
             "effective_on": date(2026, 4, 1), "count": 4}]
    frame = names.display_frame(rows, "fi", lookups)
    assert list(frame.iloc[0]) == ["somali (so)", "Demo Coach", "Työkokeilu", "Kyllä", "22,5",
                                   "Hoivakoti Kielo Oy", "87.30 · Sosiaalihuollon laitospalvelut", "01.03.2026", 3]
    assert frame.iloc[1]["subsidised"] == ""
    import pyarrow as pa
    pa.Table.from_pandas(frame)  # every column converts (no "Conversion failed for column")


def test_readable_export_translates_keys_and_values():
    data = {"participant": {"code": "P-001", "first_language": "so", "share_with_employer": False,
                            "exited_on": None},
            "employment": [{"status": "work_trial", "subsidised": True, "weekly_hours": "22.5"}],
            "attendance": [{"kind": "language_lesson", "status": "present"}],
            "assessments": [{"skill": "listening", "source": "yki"}]}
    text = json.dumps(names.readable_export(data, "fi"), ensure_ascii=False)
    for raw in ("work_trial", "listening", "present", "null", "share_with_employer", "language_lesson"):
        assert raw not in text, raw
    for word in ("Työkokeilu", "Kuullun ymmärtäminen", "Paikalla", "somali (so)", "Kyllä"):
        assert word in text, word


# --- the audit log's reads name their records (DuckDB, and PostgreSQL when PILOT_TEST_PG is set) ---

def test_audit_entries_name_the_participant_company_and_actor_and_filter_by_targets(engine, admin):
    from pilot import db
    from pilot.records import audit, companies, participants, users
    from tests.test_records import add_company, enrol
    with db.transaction(engine) as conn:
        users.create_user(conn, "test-admin", "admin", display_name="Testi Ylläpitäjä")
        cid = add_company(conn, admin)
        pid = enrol(conn, admin, cid, code="P-0042")
        participants.update_participant(conn, admin, pid, 1, {"job_title": "Siivooja"})
        companies.update_company(conn, admin, cid, 1, {"name": "Uusi nimi Oy"})
        coach_id = users.create_user(conn, "test-coach2", "coach", display_name="Toinen Valmentaja")
        audit.record(conn, "test-coach2", "denied", "login", coach_id, reason="throttled")
    with engine.connect() as conn:
        rows = audit.entries(conn)
        about_person = audit.entries(conn, entities=["participant", "employment"])
        none = audit.entries(conn, entities=[])
        known = audit.targets(conn)
    by_entity = {(r["entity"], r["action"]): r for r in rows}
    assert by_entity[("participant", "update")]["target_name"] == "P-0042"
    assert by_entity[("company", "update")]["target_name"] == "Uusi nimi Oy"
    assert by_entity[("login", "denied")]["target_name"] == "Toinen Valmentaja"
    assert {r["actor_name"] for r in rows} == {"Testi Ylläpitäjä", "Toinen Valmentaja"}
    assert about_person and {r["entity"] for r in about_person} <= {"participant", "employment"}
    assert none == []
    assert "participant" in names.targets_matching("osallistuja", "fi", known)


def test_a_sessions_attendance_in_the_log_reads_by_participant_code_and_mark():
    lookups = names.Lookups(participants={12: "P-0012"}, companies={3: "Hoivakoti Kielo Oy"})
    shown = names.changes(None, {"held_on": "2026-11-02", "kind": "language_lesson", "mode": "onsite",
                                 "company_id": 3, "attendance": {"12": "present"}}, "fi", lookups)
    assert shown == ("Päivä: 02.11.2026; Laji: Kielitunti; Paikka: Työpaikalla; Yritys: Hoivakoti Kielo Oy; "
                     "Läsnäolot: P-0012: Paikalla")


def test_numpy_values_from_a_dataframe_are_words_too():
    import pandas as pd
    frame = names.display_frame(pd.DataFrame({"reached": [True, False], "n": [1, 2], "hours": [1.5, None]}), "sv")
    assert frame.to_dict("list") == {"reached": ["Ja", "Nej"], "n": [1, 2], "hours": ["1,5", ""]}


@pytest.mark.parametrize("lang", LANGS)
def test_reasons_the_system_writes_are_words_and_typed_ones_stay(lang):
    for reason in names.SYSTEM_REASONS:
        shown = names.audit_reason(reason, lang)
        assert shown and shown != reason and "_" not in shown
    assert names.audit_reason("entered twice", lang) == "entered twice"
    assert names.field_label("day", lang) != "day"
