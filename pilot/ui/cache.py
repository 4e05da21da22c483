"""Page data computed once per (reader's scope, as-of date, filters, data version), not on every rerun.

A rerun of the dashboard (a click on a section, a filter put back, a reload) would otherwise
repeat some forty queries and the disclosure rule. The data version (pilot.records.audit
.data_version) is one cheap query that moves on with every write in any process, since every write
path records an audit row in its own transaction: a save here or on another replica is seen at
the next rerun. A write through pilot.ui.core also clears these caches at once.

The scope is part of the key (its repr: role, user, companies, caseload), so one reader never gets
another reader's figures; the connection is not.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from pilot import dashboard
from pilot.access import Scope
from pilot.records import audit
from pilot.records import outcomes as data
from pilot.ui import core

_TTL = "1h"  # a safety net only: the data version is what invalidates


def version() -> int:
    """The data version now (one query; read on every run that uses cached page data)."""
    return core.read(audit.data_version)


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _services(scope_key: str, as_of: date, filters_key: str, data_version: int,
              _scope: Scope, _filters: data.Filters) -> dashboard.Page:
    return core.read(lambda c: dashboard.services_page(c, _scope, as_of, _filters))


def services_page(scope: Scope, as_of: date, filters: data.Filters) -> dashboard.Page:
    """pilot.dashboard.services_page under the reader's rule, computed once per data version."""
    return _services(repr(scope), as_of, repr(filters), version(), scope, filters)


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _employer(scope_key: str, company_id: int, as_of: date, data_version: int, _scope: Scope) -> dashboard.Page:
    return core.read(lambda c: dashboard.employer_page(c, _scope, company_id, as_of))


def employer_page(scope: Scope, company_id: int, as_of: date) -> dashboard.Page:
    """pilot.dashboard.employer_page for one company, computed once per data version."""
    return _employer(repr(scope), company_id, as_of, version(), scope)


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _filter_options(scope_key: str, data_version: int, _scope: Scope) -> dict[str, Any]:
    def work(c) -> dict[str, Any]:  # noqa: ANN001
        return {"industries": data.industries(c, _scope),
                "languages": data.first_languages(c, _scope), "span": data.enrolment_range(c, _scope)}
    return core.read(work)


def filter_options(scope: Scope) -> dict[str, Any]:
    """The filter bar's choices in the reader's scope: industries, first languages and the span of
    enrolment dates (the companies come bounded from widgets.company_options)."""
    return _filter_options(repr(scope), version(), scope)
