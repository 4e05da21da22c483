"""Everything an outcome page shows, as data, under the rule of its reader: the services dashboard
(``services_page``) and the employer's page (``employer_page``). The pages draw from it and
``python -m pilot dashboard --format json`` prints it, so what is checked from outside is what
the screen shows.

The page is one view in the sense of the disclosure rules (INDICATORS.md D3): its tiles, every
chart's series and tables are put into one ``disclosure.View`` with the relations between them
(the activity chart's months add up to the tiles, the exit statuses to the exited, the gain
distribution to the language n, type x stage to the totals by stage and by type), and
``disclosure.protect`` decides what may be shown. A view narrowed by a property of people whose
group or rest has 1-4 people (D4) shows nothing but a sentence (``narrowed`` True).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from pilot import disclosure, indicators
from pilot.access import Scope
from pilot.domain import codes
from pilot.records import hiring_outcomes, hires, outcomes, surveys
from pilot.records.outcomes import Filters

# Tile groups as the pages show them (message key of the group, indicator keys).
TILE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("outcomes.group.participants", ("participants_enrolled", "participants_active", "participants_exited",
                                     "companies_active")),
    ("outcomes.group.activity", ("coaching_hours", "participant_hours", "attendance_rate")),
    ("outcomes.group.exit", ("employed_at_exit", "employed_at_exit_rate", "exit_status_unknown",
                             "subsidised_at_exit")),
    ("outcomes.group.followup", ("followup_6m_due", "followup_6m_reached", "followup_6m_reach_rate",
                                 "employed_6m_after_exit", "employed_6m_after_exit_rate",
                                 "improved_6m", "improved_6m_rate")),
    ("outcomes.group.work", ("participants_with_adaptation_in_use", "adaptation_mean_effect",
                             "employer_satisfaction_mean")),
    ("outcomes.group.costs", ("cost_total_eur", "cost_per_participant_eur", "cost_per_employed_at_exit_eur")),
)
# The employer's page: what the workplace can act on (no costs: those are the city's).
EMPLOYER_TILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("outcomes.group.participants", ("participants_active", "participants_exited")),
    ("outcomes.group.activity", ("coaching_hours", "participant_hours", "attendance_rate")),
    ("outcomes.group.work", ("participants_with_adaptation_in_use", "adaptation_mean_effect")),
    # Measured, never assumed: how many of those due the workplace's people were reached.
    ("outcomes.group.followup", ("followup_6m_due", "followup_6m_reached", "followup_6m_reach_rate",
                                 "employed_6m_after_exit_rate")),
)
# Count columns of each chart's rows (the cells the rule may hide).
CHART_COUNTS: dict[str, tuple[str, ...]] = {
    "activity": ("enrolled", "exited", "active"), "employment": ("n",), "language_gain": ("n",),
    "adaptations": ("n",), "adaptation_stages": ("n",), "adaptation_types": ("n",),
    "readiness_changes": ("n",), "hires_by_quarter": ("hires", "of_participants"), "planned_vs_actual": ("n",),
}
# The pilot's own question (issue 15): its tiles on the services dashboard's hiring section.
HIRING_KEYS: tuple[str, ...] = ("hiring_readiness", "companies_hiring", "hires_total", "hires_of_participants")


@dataclass
class Page:
    """What one outcome page shows. ``charts`` and ``tables`` hold rows as shown (hidden counts
    "<5" or "x", rates None where held back); ``all_hidden`` names the charts that have nothing to
    draw because every non-zero count is hidden."""

    page: str
    as_of: date
    filters: Filters
    exact: bool
    narrowed: bool = False
    tile_keys: tuple[str, ...] = ()
    language: bool = False
    tiles: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    all_hidden: set[str] = field(default_factory=set)

    def masked(self, chart: str) -> bool:
        return any(disclosure.is_hidden(v) for row in self.charts.get(chart, []) for v in row.values())


def _keys(groups: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    return tuple(k for _, keys in groups for k in keys)


class _Builder:
    """Collects the page's exact numbers into one disclosure view, then reads them back as shown."""

    def __init__(self, result: indicators.Indicators, tile_keys: tuple[str, ...]) -> None:
        self.result = result
        self.view = disclosure.indicator_view(result, getattr(result, "denominators", {}), "t.", tile_keys)
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.names: dict[str, list[dict[str, str]]] = {}  # chart -> per row: column -> cell name

    def chart(self, name: str, rows: list[dict[str, Any]], key) -> None:  # noqa: ANN001
        """Register a chart's rows; each count column becomes a cell named by ``key(row)``."""
        self.rows[name] = rows
        self.names[name] = [{c: self.view.count(f"{name}.{key(r)}.{c}", r[c]) for c in CHART_COUNTS[name]}
                            for r in rows]

    def cell(self, name: str, row: int, column: str) -> str:
        return self.names[name][row][column]

    def shown(self, exact: bool) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], set[str]]:
        values = disclosure.protect(self.view, exact)
        tiles = disclosure.indicator_values(self.result, values, "t.")
        charts: dict[str, list[dict[str, Any]]] = {}
        empty: set[str] = set()
        for name, rows in self.rows.items():
            charts[name] = [{**r, **{c: values[cell] for c, cell in names.items()}}
                            for r, names in zip(rows, self.names[name])]
            cells = [values[cell] for names in self.names[name] for cell in names.values()]
            if any(disclosure.is_hidden(v) for v in cells) and all(disclosure.is_hidden(v) or v == 0 for v in cells):
                empty.add(name)
        return tiles, charts, empty


def _activity(b: _Builder, rows: list[dict[str, Any]]) -> None:
    b.chart("activity", rows, lambda r: r["month"].strftime("%Y-%m"))
    v = b.view
    for i, _ in enumerate(rows):  # active = active before + new - exited
        before = [b.cell("activity", i - 1, "active")] if i else []
        v.tie(b.cell("activity", i, "active"), *before, b.cell("activity", i, "enrolled"),
              minus=(b.cell("activity", i, "exited"),))
    if rows:
        v.tie("t.participants_enrolled", *(b.cell("activity", i, "enrolled") for i in range(len(rows))))
        v.tie("t.participants_exited", *(b.cell("activity", i, "exited") for i in range(len(rows))))
        v.tie("t.participants_active", b.cell("activity", len(rows) - 1, "active"))


def _employment(b: _Builder, rows: list[dict[str, Any]]) -> None:
    b.chart("employment", rows, lambda r: f"{r['point']}.{r['status']}")
    v = b.view
    for point, total, employed, unknown in (("exit", "participants_exited", "employed_at_exit", "exit_status_unknown"),
                                            ("after_6m", "followup_6m_due", "employed_6m_after_exit", None)):
        mine = [i for i, r in enumerate(rows) if r["point"] == point]
        v.tie(f"t.{total}", *(b.cell("employment", i, "n") for i in mine))
        v.tie(f"t.{employed}", *(b.cell("employment", i, "n") for i in mine if rows[i]["employed"]))
        if unknown:
            v.tie(f"t.{unknown}", *(b.cell("employment", i, "n") for i in mine if rows[i]["status"] == outcomes.UNKNOWN))


def _language(b: _Builder, rows: list[dict[str, Any]]) -> None:
    b.chart("language_gain", rows, lambda r: f"{r['skill']}.{r['gain']}")
    v = b.view
    for skill in codes.SKILLS:
        cells = [b.cell("language_gain", i, "n") for i, r in enumerate(rows) if r["skill"] == skill]
        v.tie(f"t.language.{skill}.n", *cells)
        for part in ("mean_gain", "improved_share"):  # from the distribution: a hidden cell hides them
            derived = v.derived.get(f"t.language.{skill}.{part}")
            if derived is not None:
                derived.depends = derived.depends + tuple(cells)


def _adaptations(b: _Builder, cells: list[dict[str, Any]], totals: dict[str, list[dict[str, Any]]]) -> None:
    b.chart("adaptations", cells, lambda r: f"{r['type']}.{r['stage']}")
    b.chart("adaptation_stages", totals["stage"], lambda r: r["code"])
    b.chart("adaptation_types", totals["type"], lambda r: r["code"])
    v = b.view
    for name, column in (("adaptation_stages", "stage"), ("adaptation_types", "type")):
        for i, r in enumerate(totals["stage" if column == "stage" else "type"]):
            v.tie(b.cell(name, i, "n"),
                  *(b.cell("adaptations", j, "n") for j, c in enumerate(cells) if c[column] == r["code"]))


def _hiring(b: _Builder, changes: list[dict[str, Any]], quarters: list[dict[str, Any]],
            planned: list[dict[str, Any]]) -> None:
    """Companies per readiness change add up to hiring_readiness.n (whose mean and share come
    from them too); hires per quarter add up to hires_total and hires_of_participants."""
    b.chart("readiness_changes", changes, lambda r: str(r["change"]))
    b.chart("hires_by_quarter", quarters, lambda r: r["quarter"])
    b.chart("planned_vs_actual", planned, lambda r: r["what"])
    v = b.view
    cells = tuple(b.cell("readiness_changes", i, "n") for i in range(len(changes)))
    v.tie("t.hiring_readiness.n", *cells)
    for part in ("mean_change", "improved_share"):
        derived = v.derived.get(f"t.hiring_readiness.{part}")
        if derived is not None:
            derived.depends = derived.depends + cells
    for total, column in (("t.hires_total", "hires"), ("t.hires_of_participants", "of_participants")):
        v.tie(total, *(b.cell("hires_by_quarter", i, column) for i in range(len(quarters))))


def _readiness_pairs(pairs: list[dict[str, Any]], tile: dict[str, Any], exact: bool) -> list[dict[str, Any]]:
    """Each company's baseline and follow-up for exact readers. Under the rule the companies' own
    answers would give the hidden counts of the change distribution back (D3), so the chart shows
    the mean baseline and the mean follow-up only, and only where the mean change is shown (D2)."""
    if exact:
        return pairs
    if not pairs or tile.get("mean_change") is None:
        return []
    n = len(pairs)
    return [{"company": None, "business_id": None,
             "base_readiness": round(sum(p["base_readiness"] for p in pairs) / n, 2),
             "follow_readiness": round(sum(p["follow_readiness"] for p in pairs) / n, 2)}]


def _rule(conn: Connection, scope: Scope, as_of: date, filters: Filters) -> tuple[bool, bool]:
    """(exact, narrowed): whether the reader sees exact figures, and whether D4 blanks the view."""
    exact = outcomes.exact_figures(conn, scope, as_of, filters)
    narrowed = not exact and disclosure.narrowed_too_small(outcomes.narrowing_sizes(conn, scope, as_of, filters))
    return exact, narrowed


def services_page(conn: Connection, scope: Scope, as_of: date, filters: Filters = outcomes.NO_FILTERS) -> Page:
    """The services dashboard as the reader sees it (coaches and admins: exact figures)."""
    exact, narrowed = _rule(conn, scope, as_of, filters)
    keys = _keys(TILE_GROUPS)
    page = Page("services", as_of, filters, exact, narrowed, keys, language=True)
    if narrowed:
        return page
    result = outcomes.tiles(conn, scope, as_of, filters, exact=True)
    b = _Builder(result, keys + ("language",) + HIRING_KEYS)
    _activity(b, outcomes.activity_by_month(conn, scope, as_of, filters, exact=True))
    _employment(b, outcomes.employment_status(conn, scope, as_of, filters, exact=True))
    _language(b, outcomes.language_gains(conn, scope, as_of, filters, exact=True))
    _adaptations(b, outcomes.adaptations_by_type_stage(conn, scope, as_of, filters, exact=True),
                 outcomes.adaptation_totals(conn, scope, as_of, filters, exact=True))
    pairs = hiring_outcomes.readiness_pairs(conn, scope, as_of, filters)
    _hiring(b, hiring_outcomes.change_distribution(pairs), hiring_outcomes.hires_by_quarter(conn, scope, as_of, filters),
            hiring_outcomes.planned_vs_actual(conn, scope, as_of, filters, pairs))
    tiles, charts, page.all_hidden = b.shown(exact)
    page.tiles = {k: tiles[k] for k in (*keys, "language", *HIRING_KEYS)}
    page.charts = {
        "activity": charts["activity"],
        "hours_by_kind": outcomes.hours_by_kind(conn, scope, as_of, filters),
        "attendance": _attendance(outcomes.attendance_by_month(conn, scope, as_of, filters, exact=True), exact),
        "employment": charts["employment"],
        "language_gain": charts["language_gain"],
        "adaptation_stages": charts["adaptation_stages"],
        "adaptation_types": charts["adaptation_types"],
        "adaptations": charts["adaptations"],
        "feedback": outcomes.feedback_latest(conn, scope, as_of, filters),
        "costs": outcomes.costs_by_month(conn, scope, as_of, filters),
        "readiness_pairs": _readiness_pairs(pairs, tiles["hiring_readiness"], exact),
        "readiness_changes": charts["readiness_changes"],
        "hires_by_quarter": charts["hires_by_quarter"],
        "planned_vs_actual": charts["planned_vs_actual"],
    }
    if scope.whole_pilot:
        page.charts["budget"] = outcomes.budget_vs_actual(conn, scope, as_of)
    return page


def _attendance(rows: list[dict[str, Any]], exact: bool) -> list[dict[str, Any]]:
    """Marks are not counts of people (D1): shown as they are; a month's rate follows D2's first
    half (null when its present + absent is under 5)."""
    out = []
    for r in rows:
        marks = r["present"] + r["absent"]
        view = disclosure.View()
        view.rate("rate", r["rate"], marks)
        out.append({**r, "rate": disclosure.protect(view, exact)["rate"]})
    return out


def employer_page(conn: Connection, scope: Scope, company_id: int, as_of: date) -> Page:
    """The employer's page of one company: exact figures only where every participant counted
    agreed to share with the employer."""
    filters = Filters(company_id=company_id)
    exact, _ = _rule(conn, scope, as_of, filters)
    keys = _keys(EMPLOYER_TILES)
    page = Page("employer", as_of, filters, exact, False, keys)
    result = outcomes.tiles(conn, scope, as_of, filters, exact=True)
    b = _Builder(result, keys)
    _activity(b, outcomes.activity_by_month(conn, scope, as_of, filters, exact=True))
    tiles, charts, page.all_hidden = b.shown(exact)
    page.tiles = {k: tiles[k] for k in keys}
    page.charts = {"activity": charts["activity"], "hours_by_kind": outcomes.hours_by_kind(conn, scope, as_of, filters)}
    page.tables = {
        "sessions": outcomes.company_sessions(conn, scope, company_id, as_of),
        "adaptations": outcomes.company_adaptations(conn, scope, company_id, as_of),
        "progress": outcomes.shared_progress(conn, scope, company_id, as_of),
        # The workplace's own answers and hires (a hired participant's code only if they share).
        "readiness_answers": [{k: r[k] for k in ("answered_on", "readiness", "planned_hires_12m", "comment")}
                              for r in surveys.for_company(conn, scope, company_id, as_of)],
        "hires": [{k: r[k] for k in ("hired_on", "contract", "weekly_hours", "participant_code", "of_participant",
                                     "occupation_code")} for r in hires.for_company(conn, scope, company_id, as_of)],
    }
    return page


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def as_json(page: Page, role: str) -> dict[str, Any]:
    """The page as one JSON object (dates ISO, euros as numbers)."""
    f = page.filters
    return _plain({
        "page": page.page, "role": role, "as_of": page.as_of, "exact": page.exact,
        "filters": {"company_id": f.company_id, "industry": f.industry, "first_language": f.first_language,
                    "cohort": list(f.cohort) if f.cohort else None},
        "narrowed_too_small": page.narrowed,
        "tiles": page.tiles, "charts": page.charts, "tables": page.tables,
        "all_hidden": sorted(page.all_hidden),
    })
