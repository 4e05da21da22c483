"""Codes as the user's words: the one formatter every table, picker, log and export uses.

A stored value is a code (``uk``, ``work_trial``, ``87.30``, a username, a Y-tunnus, ``True``,
``Decimal("22.5")``, a naive UTC timestamp); what a person reads is a word in their language
("ukraina (uk)", "Työkokeilu", "87.30 · Sosiaalihuollon laitospalvelut", "Demo Coach", the
company's name, "Kyllä", "22,5", "30.11.2026 20.15"). The language is always an argument (never
process-wide state); names of people and companies come in a ``Lookups`` the caller read in its
scope. ``display_frame`` turns a table's known columns into text in one pass, so a column never
mixes types (pyarrow refused "True" next to "" in the employment table: "Conversion failed").

No Streamlit here: pilot/ui/names.py binds the current language and the cached lookups.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from babel.numbers import format_decimal

from pilot import i18n
from pilot.domain import tol

HELSINKI = ZoneInfo("Europe/Helsinki")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
EMPTY = ""

# Columns whose values are codes of a code list (pilot/domain/codes.py). A column may hold codes
# of more than one list ("status" is an employment status, an attendance mark or a participant's
# status): the first list with a label for the value names it. The lists' codes do not overlap.
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("kind",), "mode": ("mode",), "skill": ("skill",), "stage": ("stage",), "role": ("role",),
    "source": ("source", "followup_source"), "attendance": ("attendance",), "type": ("adaptation_type",),
    "adaptation_type": ("adaptation_type",), "contract": ("employment_status",),
    "size_class": ("size_class",), "category": ("cost_category",), "theme": ("report_theme",),
    "report_theme": ("report_theme",),
    "status": ("employment_status", "attendance", "participant_status"),
    "employment_status": ("employment_status",), "participant_status": ("participant_status",),
}
LANGUAGE_COLUMNS = frozenset({"first_language"})
USER_COLUMNS = frozenset({"coach", "actor", "author", "created_by", "recorded_by", "coach_username"})
USER_ID_COLUMNS = frozenset({"coach_id", "user_id", "to_coach_id"})
COMPANY_ID_COLUMNS = frozenset({"company_id", "company"})
PARTICIPANT_ID_COLUMNS = frozenset({"participant_id"})
EMPLOYER_COLUMNS = frozenset({"employer_business_id"})  # a Y-tunnus where a company's name is meant
INDUSTRY_COLUMNS = frozenset({"industry"})
TIMESTAMP_COLUMNS = frozenset({"occurred_at", "anonymised_at", "created_at", "updated_at", "removed_at",
                               "locked_until", "at"})

# Every "target" (entity) the audit log records, each with a label key names.target.<entity>.
AUDIT_TARGETS = ("participant", "employment", "assessment", "attendance", "session", "adaptation", "company",
                 "user", "cost", "feedback", "employer_survey", "hire", "followup", "participant_note",
                 "login", "totp", "totp_roles", "database", "backup", "workbook", "import_dry_run",
                 "participant_list", "participant_picker", "company_list", "company_participants", "my_week",
                 "privacy_picker", "removed_records", "participant_summary")
AUDIT_ACTIONS = ("create", "update", "delete", "read", "export", "denied", "login", "logout", "import",
                 "anonymise")


@dataclass(frozen=True)
class Lookups:
    """Names of people and companies the caller may see: username -> display name, user id ->
    display name, company id -> name, Y-tunnus -> name, participant id -> code. Read in the
    caller's scope."""
    users: Mapping[str, str] = field(default_factory=dict)
    user_ids: Mapping[int, str] = field(default_factory=dict)
    companies: Mapping[int, str] = field(default_factory=dict)
    business_ids: Mapping[str, str] = field(default_factory=dict)
    participants: Mapping[int, str] = field(default_factory=dict)


NO_LOOKUPS = Lookups()


# --- single values ---------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _language_names(lang: str) -> Mapping[str, str]:
    from babel import Locale
    return Locale.parse(i18n.babel_locale(lang)).languages


def language(code: str | None, lang: str) -> str:
    """A first language as the participant form shows it: "ukraina (uk)"; an unknown code as is."""
    if not code:
        return EMPTY
    found = _language_names(lang).get(str(code))
    return f"{found} ({code})" if found else str(code)


def code(code_lists: str | Iterable[str], value: Any, lang: str) -> str:
    """A code's label from the first list that has one (``code.<list>.<code>``); else the code."""
    if value is None or value == "":
        return EMPTY
    lists = (code_lists,) if isinstance(code_lists, str) else tuple(code_lists)
    for code_list in lists:
        key = f"code.{code_list}.{value}"
        if i18n.has_key(key, lang):
            return i18n.t(key, lang)
    return str(value)


def yes_no(value: Any, lang: str) -> str:
    if value is None:
        return EMPTY
    return i18n.t("common.yes" if value else "common.no", lang)


def number(value: Any, lang: str, decimals: int | None = None) -> str:
    """A decimal in the language's format ("22,5" in fi and sv, "22.5" in en), grouped thousands."""
    if value is None or (isinstance(value, float) and value != value):
        return EMPTY
    if decimals is None:
        return format_decimal(Decimal(str(value)), format="#,##0.##", locale=i18n.babel_locale(lang))
    return i18n.format_number(Decimal(str(value)), lang, decimals)


def to_helsinki(moment: datetime) -> datetime:
    """A stored timestamp (naive UTC, pilot/db.py utcnow) as Europe/Helsinki local time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(HELSINKI)


def timestamp(moment: datetime | None, lang: str, seconds: bool = False) -> str:
    """"30.11.2026 klo 20.15" style in fi, "30.11.2026 20:15" in sv and en, in Helsinki time."""
    if moment is None:
        return EMPTY
    local = to_helsinki(moment)
    clock = local.strftime("%H.%M.%S" if seconds else "%H.%M") if lang == "fi" \
        else local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{i18n.format_date(local.date(), lang)} {clock}"


def day(value: date | None, lang: str) -> str:
    return i18n.format_date(value, lang) if value is not None else EMPTY


def industry(value: str | None, lang: str) -> str:
    return tol.label(value, lang)


def audit_target(entity: str | None, lang: str) -> str:
    if not entity:
        return EMPTY
    key = f"names.target.{entity}"
    return i18n.t(key, lang) if i18n.has_key(key, lang) else str(entity)


def audit_action(action: str | None, lang: str) -> str:
    if not action:
        return EMPTY
    key = f"admin.action.{action}"
    return i18n.t(key, lang) if i18n.has_key(key, lang) else str(action)


# Reasons the system itself writes (sign-in); a person's typed reason is shown as typed.
SYSTEM_REASONS = ("totp", "totp_enrolled", "recovery_code", "sso", "throttled", "invalid", "second_factor")


def audit_reason(reason: str | None, lang: str) -> str:
    if not reason:
        return EMPTY
    return i18n.t(f"names.reason.{reason}", lang) if reason in SYSTEM_REASONS else reason


def targets_matching(text: str, lang: str, known: Iterable[str] = ()) -> list[str]:
    """The audit targets whose label in ``lang`` (or whose code) contains the typed text:
    "osallistuja" finds participant rows, and participant_list ones too."""
    wanted = text.strip().lower()
    if not wanted:
        return []
    candidates = dict.fromkeys([*AUDIT_TARGETS, *known])
    return [e for e in candidates if wanted in audit_target(e, lang).lower() or wanted == e.lower()]


def field_label(name: str, lang: str) -> str:
    """A field's label: this module's (names.field.*, where a shown value differs from the stored
    one: an employer's name for its Y-tunnus), the forms' own (field.*), then the export's column
    names (admin.privacy.col.*); a field nobody named is shown as it is."""
    for key in (f"names.field.{name}", f"field.{name}", f"admin.privacy.col.{name}"):
        if i18n.has_key(key, lang):
            return i18n.t(key, lang)
    return name


def user(value: Any, lang: str, lookups: Lookups = NO_LOOKUPS) -> str:
    if value is None or value == "":
        return EMPTY
    return lookups.users.get(str(value), str(value))


def company_by_business_id(value: Any, lookups: Lookups = NO_LOOKUPS) -> str:
    """A Y-tunnus as the company's name; an employer outside the pilot keeps its Y-tunnus."""
    if value is None or value == "":
        return EMPTY
    return lookups.business_ids.get(str(value), str(value))


def value(column: str, raw: Any, lang: str, lookups: Lookups = NO_LOOKUPS,
          codes: Mapping[str, str | tuple[str, ...]] | None = None) -> Any:
    """One cell as the user reads it, by its column's meaning and then by its type."""
    if isinstance(raw, np.generic):  # a numpy bool or number from a DataFrame: the Python value
        raw = raw.item()
    if raw is None or (isinstance(raw, float) and raw != raw) or raw is pd.NaT:
        return EMPTY
    if codes and column in codes:
        return code(codes[column], raw, lang)
    if isinstance(raw, bool):
        return yes_no(raw, lang)
    if column in CODE_COLUMNS and isinstance(raw, str):
        return code(CODE_COLUMNS[column], raw, lang)
    if column in LANGUAGE_COLUMNS:
        return language(raw, lang)
    if column in USER_COLUMNS:
        return user(raw, lang, lookups)
    if column in USER_ID_COLUMNS and _is_int(raw):
        return lookups.user_ids.get(int(raw), str(raw))
    if column in COMPANY_ID_COLUMNS and _is_int(raw):
        return lookups.companies.get(int(raw), str(raw))
    if column in PARTICIPANT_ID_COLUMNS and _is_int(raw):
        return lookups.participants.get(int(raw), str(raw))
    if column in EMPLOYER_COLUMNS:
        return company_by_business_id(raw, lookups)
    if column in INDUSTRY_COLUMNS:
        return industry(raw, lang)
    if isinstance(raw, pd.Timestamp):
        raw = raw.to_pydatetime()
    if isinstance(raw, datetime):
        return timestamp(raw, lang) if column in TIMESTAMP_COLUMNS or raw.time() != datetime.min.time() \
            else day(raw.date(), lang)
    if isinstance(raw, date):
        return day(raw, lang)
    if isinstance(raw, (Decimal, float)):
        return number(raw, lang)
    return raw


def _is_int(raw: Any) -> bool:
    return isinstance(raw, int) and not isinstance(raw, bool) or isinstance(raw, str) and raw.isdigit()


# --- whole tables ----------------------------------------------------------------------------

def display_frame(rows: list[dict[str, Any]] | pd.DataFrame, lang: str, lookups: Lookups = NO_LOOKUPS,
                  columns: Mapping[str, str] | None = None,
                  codes: Mapping[str, str | tuple[str, ...]] | None = None) -> pd.DataFrame:
    """A table's rows as display values, in the user's language.

    ``columns`` (field -> message key) picks and orders the columns and translates the headers.
    Known columns become words (codes, languages, people, companies, industries); booleans
    Kyllä/Ei, decimals in the locale's format, dates dd.mm.yyyy, timestamps in Helsinki time,
    empty cells "". A column of whole numbers with no gaps stays numeric (it sorts as numbers);
    every other column is text only, so Arrow never meets a mixed column.
    """
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if columns is not None:
        for missing in [c for c in columns if c not in frame.columns]:
            frame[missing] = None
        frame = frame[list(columns)]
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        series = frame[col]
        if _whole_numbers(series) and col not in USER_ID_COLUMNS | COMPANY_ID_COLUMNS | PARTICIPANT_ID_COLUMNS \
                and not (codes and col in codes):
            out[col] = series.astype("int64")
            continue
        out[col] = pd.Series([_text(value(col, v, lang, lookups, codes)) for v in series],
                             index=frame.index, dtype=object)
    if columns is not None:
        out = out.rename(columns={c: i18n.t(k, lang) for c, k in columns.items()})
    return out


def _whole_numbers(series: pd.Series) -> bool:
    values = [v.item() if isinstance(v, np.generic) else v for v in series]
    return bool(values) and all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _text(shown: Any) -> str:
    return shown if isinstance(shown, str) else str(shown)


# --- the audit log's before and after --------------------------------------------------------

def _loads(raw: str | dict | None) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        loaded = json.loads(raw)
    except (TypeError, ValueError):
        return {"": raw}
    return loaded if isinstance(loaded, dict) else {"": loaded}


def _field_value(name: str, raw: Any, lang: str, lookups: Lookups) -> str:
    """A value from the log's JSON (dates and decimals are strings there) as words."""
    if raw is None or raw == "":
        return "—"
    if isinstance(raw, list):
        return ", ".join(_field_value(name, v, lang, lookups) for v in raw) or "—"
    if isinstance(raw, dict):
        # {"12": "present"} under "attendance": the key is a participant, the value a code of the list
        return "; ".join(f"{_key_label(name, k, lang, lookups)}: "
                         f"{_field_value(name if str(k).isdigit() else k, v, lang, lookups)}"
                         for k, v in raw.items())
    if isinstance(raw, str) and name not in INDUSTRY_COLUMNS:
        parsed = _parse_json_scalar(raw)
        if parsed is not None:
            raw = parsed
    if name == "companies" and isinstance(raw, str):
        return company_by_business_id(raw, lookups)
    return _text(value(name, raw, lang, lookups)) or "—"


def _key_label(parent: str, key: str, lang: str, lookups: Lookups) -> str:
    if str(key).isdigit():
        return lookups.participants.get(int(key), str(key)) if parent == "attendance" else str(key)
    return field_label(key, lang)


def _parse_json_scalar(raw: str) -> Any:
    """ISO dates and timestamps and decimal strings as the log's JSON wrote them."""
    if _DECIMAL.match(raw):
        return Decimal(raw)
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    if len(raw) >= 19 and raw[4] == "-" and raw[10] == "T":
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            return None
    return None


def changes(before: str | dict | None, after: str | dict | None, lang: str,
            lookups: Lookups = NO_LOOKUPS) -> str:
    """The log row's before and after as one readable list: "Tila: Työtön → Työkokeilu; ...".

    A field only in ``after`` (a new record, a list's filter) reads "field: value"; only in
    ``before`` (a removed record) reads "field: value → —"."""
    old, new = _loads(before), _loads(after)
    parts = []
    for name in dict.fromkeys([*old, *new]):
        label = field_label(name, lang) if name else ""
        prefix = f"{label}: " if label else ""
        if name in old and name in new:
            if old[name] == new[name]:
                continue
            parts.append(f"{prefix}{_field_value(name, old[name], lang, lookups)} → "
                         f"{_field_value(name, new[name], lang, lookups)}")
        elif name in new:
            parts.append(f"{prefix}{_field_value(name, new[name], lang, lookups)}")
        else:
            parts.append(f"{prefix}{_field_value(name, old[name], lang, lookups)} → —")
    return "; ".join(parts)


# --- a data subject's own copy ---------------------------------------------------------------

def section_title(section: str, lang: str) -> str:
    for key in (f"admin.privacy.section.{section}", f"names.section.{section}"):
        if i18n.has_key(key, lang):
            return i18n.t(key, lang)
    return field_label(section, lang)


def readable(key: str, content: Any, lang: str, lookups: Lookups = NO_LOOKUPS) -> Any:
    """Any exported value as a person reads it: a record's fields by their labels, a list's
    items one by one, a single value as words."""
    if isinstance(content, Mapping):
        return {field_label(k, lang): readable(k, v, lang, lookups) for k, v in content.items()}
    if isinstance(content, list):
        return [readable(key, item, lang, lookups) for item in content]
    return _text(value(key, content, lang, lookups))


def readable_export(data: Mapping[str, Any], lang: str, lookups: Lookups = NO_LOOKUPS) -> dict[str, Any]:
    """The export as a person reads it: section and field names and every value in ``lang``.
    Same shape as the export (sections of rows), keys and values translated."""
    return {section_title(section, lang): readable(section, content, lang, lookups)
            for section, content in data.items()}


def helsinki_day_start(day_: date) -> datetime:
    """The start of a Helsinki calendar day as stored timestamps are (naive UTC), for filters."""
    local = datetime.combine(day_, datetime.min.time(), tzinfo=HELSINKI)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def export_with_labels(data: Mapping[str, Any], lang: str, lookups: Lookups = NO_LOOKUPS) -> dict[str, Any]:
    """The data subject's file: every section under its stable key with stored codes (for a
    machine), and the same content in words under "readable" (for the person), with its language."""
    return {**data, "readable_language": lang, "readable": readable_export(data, lang, lookups)}


def record_rows(record: Mapping[str, Any], lang: str, lookups: Lookups = NO_LOOKUPS) -> list[dict[str, str]]:
    """One record as (field, value) rows in words, for a two-column preview."""
    return [{"field": field_label(k, lang), "value": _text(readable(k, v, lang, lookups))}
            for k, v in record.items()]


def section_frame(rows: list[Mapping[str, Any]], lang: str, lookups: Lookups = NO_LOOKUPS) -> pd.DataFrame:
    """Rows of an export section as words, headers by field label; nested values read too."""
    flat = [{k: (_nested(k, v, lang, lookups) if isinstance(v, (dict, list)) else v) for k, v in r.items()}
            for r in rows]
    frame = display_frame(flat, lang, lookups)
    return frame.rename(columns={c: field_label(c, lang) for c in frame.columns})


def _nested(key: str, content: Any, lang: str, lookups: Lookups) -> str:
    shown = readable(key, content, lang, lookups)
    if isinstance(shown, dict):
        return "; ".join(f"{k}: {v}" for k, v in shown.items())
    if isinstance(shown, list):
        return " | ".join(_nested(key, item, lang, lookups) if not isinstance(item, str) else item
                          for item in shown) if shown else ""
    return shown
