"""Dates: parsing the forms users type, month arithmetic, today in Helsinki."""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
# ASCII digits only: \d would also take full-width and Arabic-Indic digits, and int() reads them.
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_FINNISH = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)


def now() -> datetime:
    """The current instant in Helsinki: the one clock that today() reads (tests hold it still)."""
    return datetime.now(HELSINKI)


def today() -> date:
    """The pilot's day (Helsinki), not the server's UTC date."""
    return now().date()


def parse_date(value: object) -> date | None:
    """A date from a date, a datetime, 'YYYY-MM-DD' or 'd.m.yyyy'; None when it is none of them.

    Raises nothing: the caller turns None for a non-empty value into a validation problem.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if text.endswith(" 00:00:00"):
        text = text[:-9]
    m = _ISO.fullmatch(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _FINNISH.fullmatch(text)
        if not m:
            return None
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def add_months(d: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (31.8. + 6 months = 28.2. or 29.2.)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def format_fi(d: date | None) -> str:
    """dd.mm.yyyy, the form every language of the pilot uses for dates."""
    return "" if d is None else f"{d.day:02d}.{d.month:02d}.{d.year}"
