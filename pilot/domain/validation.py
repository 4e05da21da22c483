"""Validation rules that return problems, never exceptions with English text.

A ``Problem`` names the field and an i18n message key with its parameters; the screen or the
import report translates it. ``Checker`` collects cleaned values and problems for one record, so
the same rules serve the forms, the workbook import and the CLI.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pilot.domain import codes, identifiers, numbers
from pilot.domain.dates import parse_date
from pilot.domain.dates import today as helsinki_today
from pilot.domain.levels import normalise_level
from pilot.domain.text import TextError, check_key, clean_text

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_OCCUPATION = re.compile(r"^\d{1,5}$")
_INDUSTRY = re.compile(r"^([A-U]|\d{2}(\.?\d{1,3})?)$")
_TRUE = {"yes", "true", "kyllä", "kylla", "ja", "1", "y", "k"}
_FALSE = {"no", "false", "ei", "nej", "0", "n", "e"}


@dataclass(frozen=True)
class Problem:
    field: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or \
        (isinstance(value, float) and value != value)


def parse_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


class Checker:
    """Collects cleaned values and problems for one record."""

    def __init__(self, values: dict[str, Any], lang: str | None = None, texts_checked: bool = False):
        """``lang`` reads typed numbers in the user's locale; None reads workbook cells and CLI values.
        ``texts_checked``: the workbook reader has applied the text rule to every cell already and
        listed each refusal under its cell, so the rule is not applied (nor reported) twice."""
        self.values = values
        self.lang = lang
        self.texts_checked = texts_checked
        self.clean: dict[str, Any] = {}
        self.problems: list[Problem] = []

    def fail(self, name: str, key: str, **params: Any) -> None:
        self.problems.append(Problem(name, key, params))

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if is_blank(value) else value

    def given(self, name: str, required: bool = False, key: bool = True) -> Any:
        """The field's value after the one text rule, or None (its problem noted) when blank or refused.

        A key, code, date or number (``key``) passes ``check_key`` (normalised and trimmed); free
        text passes ``clean_text``. A refused text is the field's problem with the TextError's key,
        the same rule and message the workbook import gives for a cell.
        """
        value = self.raw(name)
        if isinstance(value, str) and not self.texts_checked:
            try:
                value = check_key(value) if key else clean_text(value)
            except TextError as e:
                self.fail(name, e.key)
                self.clean[name] = None
                return None
        if value is None:
            if required:
                self.fail(name, "error.required")
            self.clean[name] = None
        return value

    def text(self, name: str, required: bool = False, max_len: int = 2000) -> str | None:
        value = self.given(name, required, key=False)
        if value is None:
            return None
        text = str(value).strip()
        if len(text) > max_len:
            self.fail(name, "error.too_long", max=max_len)
        elif identifiers.contains_hetu(text):
            self.fail(name, "error.hetu")
        self.clean[name] = text
        return text

    def date(self, name: str, required: bool = False) -> date | None:
        value = self.given(name, required)
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.fail(name, "error.date")
        self.clean[name] = parsed
        return parsed

    def not_future(self, name: str, today: date | None = None) -> None:
        """A day that cannot be later than today (a session is logged after it is held)."""
        day = self.clean.get(name)
        if day is not None and day > (today or helsinki_today()):
            self.fail(name, "error.future_session")

    def not_before(self, name: str, earlier_name: str) -> None:
        later, earlier = self.clean.get(name), self.clean.get(earlier_name)
        if later is not None and earlier is not None and later < earlier:
            self.fail(name, "error.date_order", other=earlier_name)

    def choice(self, name: str, options: tuple[str, ...], required: bool = False,
               labels: dict[str, str] | None = None) -> str | None:
        """A code from a list; ``labels`` maps lower-cased labels (any language) to codes."""
        value = self.given(name, required)
        if value is None:
            return None
        text = str(value).strip()
        code = text if text in options else text.lower() if text.lower() in options else None
        if code is None and labels:
            code = labels.get(text.lower())
        if code is None:
            self.fail(name, "error.choice", options=", ".join(options))
        self.clean[name] = code
        return code

    def integer(self, name: str, low: int, high: int, required: bool = False) -> int | None:
        value = self.given(name, required)
        if value is None:
            return None
        try:
            result = numbers.parse_integer(value, self.lang)
        except numbers.NumberError as e:
            self.fail(name, "error.integer" if e.key == "error.number" else e.key)
            self.clean[name] = None
            return None
        if not low <= result <= high:
            self.fail(name, "error.range", low=low, high=high)
        self.clean[name] = result
        return result

    def decimal(self, name: str, low: Decimal, high: Decimal | None, places: int,
                required: bool = False, low_exclusive: bool = False) -> Decimal | None:
        value = self.given(name, required)
        if value is None:
            return None
        try:
            number = numbers.parse_number(value, self.lang)
        except numbers.NumberError:
            self.fail(name, "error.number")
            self.clean[name] = None
            return None
        if number != number.quantize(Decimal(1).scaleb(-places)):
            self.fail(name, "error.decimals", places=places)
        too_low = number <= low if low_exclusive else number < low
        if too_low or (high is not None and number > high):
            self.fail(name, "error.amount_range" if low_exclusive else "error.range",
                      low=low, high=high if high is not None else "")
        self.clean[name] = number.quantize(Decimal(1).scaleb(-places))
        return self.clean[name]

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        if self.raw(name) is None:
            self.clean[name] = default
            return default
        value = self.given(name)
        if value is None:
            return None  # refused by the text rule
        parsed = parse_bool(value)
        if parsed is None:
            self.fail(name, "error.boolean")
        self.clean[name] = parsed
        return parsed

    def business_id(self, name: str, required: bool = True) -> str | None:
        value = self.given(name, required)
        if value is None:
            return None
        text = identifiers.normalise_business_id(value)
        if not identifiers.is_valid_business_id(text):
            self.fail(name, "error.business_id")
        self.clean[name] = text
        return text

    def pattern(self, name: str, regex: re.Pattern[str], key: str, required: bool = False,
                lower: bool = False) -> str | None:
        value = self.given(name, required)
        if value is None:
            return None
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if lower:
            text = text.lower()
        if not regex.match(text):
            self.fail(name, key)
        self.clean[name] = text
        return text

    def email(self, name: str) -> str | None:
        return self.pattern(name, _EMAIL, "error.email")

    def language(self, name: str) -> str | None:
        return self.pattern(name, _LANGUAGE, "error.language", required=True, lower=True)

    def occupation(self, name: str) -> str | None:
        return self.pattern(name, _OCCUPATION, "error.occupation")

    def industry(self, name: str) -> str | None:
        value = self.raw(name)
        if isinstance(value, str):
            self.values = {**self.values, name: value.strip().upper()}
        return self.pattern(name, _INDUSTRY, "error.industry")

    def participant_code(self, name: str) -> str | None:
        value = self.given(name, required=True)
        if value is None:
            return None
        text = str(value).strip()
        if not identifiers.is_valid_participant_code(text):
            self.fail(name, "error.participant_code")
        elif identifiers.contains_hetu(text):
            self.fail(name, "error.hetu")
        self.clean[name] = text
        return text

    def level(self, name: str) -> str | None:
        value = self.given(name, required=True)
        if value is None:
            return None
        level = normalise_level(value)
        if level is None:
            self.fail(name, "error.level")
        self.clean[name] = level
        return level


def future_dates(clean: dict[str, Any], names: tuple[str, ...], today: date | None = None) -> list[str]:
    """The fields among ``names`` whose date is later than today."""
    limit = today or helsinki_today()
    return [n for n in names if isinstance(clean.get(n), date) and clean[n] > limit]


def confirm_future(clean: dict[str, Any], names: tuple[str, ...], confirmed: bool,
                   today: date | None = None) -> list[Problem]:
    """An enrolment, exit or employment date in the future is saved only when the user confirms it
    (one click must not record next year's exit). The workbook import keeps such dates: no one is
    there to ask, and a planned date is a fact the workbook may hold."""
    if confirmed:
        return []
    return [Problem(n, "error.future_confirm") for n in future_dates(clean, names, today)]


def check_company(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    c = Checker(values)
    c.business_id("business_id")
    c.text("name", required=True, max_len=200)
    c.industry("industry")
    c.choice("size_class", codes.SIZE_CLASSES)
    c.date("joined_on", required=True)
    c.date("left_on")
    c.not_before("left_on", "joined_on")
    c.text("contact_name", max_len=200)
    c.email("contact_email")
    return c.clean, c.problems


def participant_fields(c: Checker) -> None:
    """The participant's own fields: one set of rules for the enrolment form and the workbook import."""
    c.participant_code("code")
    c.date("enrolled_on", required=True)
    c.date("exited_on")
    c.not_before("exited_on", "enrolled_on")
    c.language("first_language")
    c.text("job_title", max_len=200)
    c.occupation("occupation_code")
    c.boolean("share_with_employer", default=False)
    c.text("display_name", max_len=200)


def check_participant(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The participant's own fields and notes; the company and coach are resolved by the caller."""
    c = Checker(values)
    participant_fields(c)
    c.text("notes", max_len=4000)
    return c.clean, c.problems


def check_employment(values: dict[str, Any], lang: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """A dated employment row from a form; ``lang`` reads typed hours in the user's locale."""
    c = Checker(values, lang)
    c.date("effective_on", required=True)
    status = c.choice("status", codes.EMPLOYMENT_STATUSES, required=True)
    c.decimal("weekly_hours", Decimal(0), Decimal(60), 1)
    subsidised = c.boolean("subsidised")
    if subsidised and status is not None and status not in codes.EMPLOYED:
        c.fail("subsidised", "error.subsidised_status")
    c.business_id("employer_business_id", required=False)
    return c.clean, c.problems
