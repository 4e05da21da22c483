"""An attacker against disclosure control (INDICATORS.md D1-D4): takes the JSON of many settings
(as-of dates, companies, industries, first languages, cohorts; the services and employer rules)
and tries to recover hidden counts by rate x denominator, totals minus parts and the monthly
identity (active at a month's end = active before + new - exited), also using what the markers
say ("<5" is 1-4, "x" is 0 or at least 5). It must find none, on the demo pilot and on a
generated pilot (another seed and day of pilot/demo.py).

The relations are written here from the page's meaning, not taken from pilot/disclosure.py, and
checked to hold on the exact figures (coach), and the attacker is checked to succeed against the
old rule (only 1-4 hidden), so that its silence means something.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pilot import cli, dashboard, db, demo, disclosure, indicators
from pilot.access import Scope
from pilot.domain import codes
from pilot.records import outcomes
from pilot.records.outcomes import Filters

SERVICES = Scope(username="services", role="services")
COACH = Scope(username="coach", role="coach")
EMPLOYED = set(codes.EMPLOYED)
# (seed, the day the demo pilot is made, the as-of dates looked at)
WORLDS = {
    "demo": (2024, date(2026, 11, 30), (date(2026, 6, 30), date(2025, 12, 31))),
    "seed31": (31, date(2025, 9, 1), (date(2025, 4, 30),)),
}


@pytest.fixture(scope="module", params=list(WORLDS))
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A pilot (demo.py with a seed and a day) and, for every setting, the exact page (coach)
    and the page services see, each computed once for all the tests below."""
    seed, made_on, dates = WORLDS[request.param]
    path = tmp_path_factory.mktemp(request.param) / "pilot.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    demo.load(engine, seed=seed, today=made_on)
    with engine.connect() as conn:
        pages = [(as_of, f, _page(conn, COACH, as_of, f), _page(conn, SERVICES, as_of, f))
                 for as_of, f in _settings(conn, dates)]
    yield engine, path, dates, pages
    engine.dispose()


def _settings(conn, dates: tuple[date, ...]) -> list[tuple[date, Filters]]:  # type: ignore[no-untyped-def]
    companies = [r[0] for r in conn.exec_driver_sql("SELECT id FROM companies ORDER BY id").fetchall()]
    languages = outcomes.first_languages(conn, SERVICES)
    industries = outcomes.industries(conn, SERVICES)
    first, last = outcomes.enrolment_range(conn, SERVICES)
    quarters = [(y, q) for y in range(first.year, last.year + 1) for q in (1, 2, 3, 4)
                if (first.year, (first.month - 1) // 3) <= (y, q - 1) <= (last.year, (last.month - 1) // 3)]
    out: list[tuple[date, Filters]] = []
    for as_of in dates:
        out.append((as_of, Filters()))
        out += [(as_of, Filters(company_id=c)) for c in companies]
        out += [(as_of, Filters(industry=i)) for i in industries]
        out += [(as_of, Filters(first_language=lang)) for lang in languages]
        out += [(as_of, Filters(cohort=outcomes.quarter(y, q))) for y, q in quarters]
        out += [(as_of, Filters(company_id=companies[0], cohort=outcomes.quarter(*quarters[-1])))]
    return out


# ---- the attacker -------------------------------------------------------------------------------

def _known(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def relations(page: dict[str, Any]) -> tuple[list[list[tuple[int, str]]], list[tuple[str, str, str]], dict[str, Any]]:
    """(sums, ratios, values): linear relations (coefficient, cell) that equal 0, rates as
    (rate cell, numerator cell, denominator cell), and every cell's shown value."""
    values: dict[str, Any] = {}
    sums: list[list[tuple[int, str]]] = []
    ratios: list[tuple[str, str, str]] = []
    tiles = page["tiles"]
    for key, value in tiles.items():
        if key == "language":
            for skill, entry in value.items():
                for part, v in entry.items():
                    values[f"t.{skill}.{part}"] = v
        else:
            values[f"t.{key}"] = value

    def add(*terms: tuple[int, str]) -> None:
        if all(name in values for _, name in terms):
            sums.append(list(terms))

    add((1, "t.participants_enrolled"), (-1, "t.participants_active"), (-1, "t.participants_exited"))
    activity = page["charts"].get("activity", [])
    for i, row in enumerate(activity):
        for c in ("enrolled", "exited", "active"):
            values[f"a{i}.{c}"] = row[c]
        previous = [(-1, f"a{i - 1}.active")] if i else []
        add((1, f"a{i}.active"), *previous, (-1, f"a{i}.enrolled"), (1, f"a{i}.exited"))
    if activity:
        add((1, "t.participants_enrolled"), *((-1, f"a{i}.enrolled") for i in range(len(activity))))
        add((1, "t.participants_exited"), *((-1, f"a{i}.exited") for i in range(len(activity))))
        add((1, "t.participants_active"), (-1, f"a{len(activity) - 1}.active"))
    employment = page["charts"].get("employment", [])
    for i, row in enumerate(employment):
        values[f"e{i}"] = row["n"]
    for point, total, employed in (("exit", "participants_exited", "employed_at_exit"),
                                   ("after_6m", "followup_6m_due", "employed_6m_after_exit")):
        mine = [i for i, r in enumerate(employment) if r["point"] == point]
        if mine:
            add((1, f"t.{total}"), *((-1, f"e{i}") for i in mine))
            add((1, f"t.{employed}"), *((-1, f"e{i}") for i in mine if employment[i]["status"] in EMPLOYED))
    unknown = [i for i, r in enumerate(employment) if r["point"] == "exit" and r["status"] == "unknown"]
    if unknown:
        add((1, "t.exit_status_unknown"), (-1, f"e{unknown[0]}"))
    gains = page["charts"].get("language_gain", [])
    for i, row in enumerate(gains):
        values[f"g{i}"] = row["n"]
    if "language" in tiles:
        for skill in codes.SKILLS:
            mine = [i for i, r in enumerate(gains) if r["skill"] == skill]
            add((1, f"t.{skill}.n"), *((-1, f"g{i}") for i in mine))
            # n x mean gain = the sum of gain x count; n x improved share = the count with gain >= 1
            values[f"t.{skill}.sum_gain"] = (None if not _known(tiles["language"][skill]["mean_gain"])
                                             or not _known(tiles["language"][skill]["n"]) else
                                             round(tiles["language"][skill]["mean_gain"] * tiles["language"][skill]["n"]))
            add((1, f"t.{skill}.sum_gain"), *((-gains[i]["gain"], f"g{i}") for i in mine))
            values[f"t.{skill}.improved"] = None
            add((1, f"t.{skill}.improved"), *((-1, f"g{i}") for i in mine if gains[i]["gain"] >= 1))
            ratios.append((f"t.{skill}.improved_share", f"t.{skill}.improved", f"t.{skill}.n"))
    cells = page["charts"].get("adaptations", [])
    for i, row in enumerate(cells):
        values[f"d{i}"] = row["n"]
    for name, column in (("adaptation_stages", "stage"), ("adaptation_types", "type")):
        for j, row in enumerate(page["charts"].get(name, [])):
            values[f"{name}{j}"] = row["n"]
            add((1, f"{name}{j}"), *((-1, f"d{i}") for i, c in enumerate(cells) if c[column] == row["code"]))
    readiness = tiles.get("hiring_readiness")
    if isinstance(readiness, dict):  # issue 15: companies per readiness change add up to n
        for part, v in readiness.items():
            values[f"t.hr.{part}"] = v
        changes = page["charts"].get("readiness_changes", [])
        for i, row in enumerate(changes):
            values[f"rc{i}"] = row["n"]
        if changes:  # the indicators alone (no charts) tie nothing
            add((1, "t.hr.n"), *((-1, f"rc{i}") for i in range(len(changes))))
            # n x mean change = the sum of change x count; n x improved share = the count with change >= 1
            values["t.hr.sum_change"] = (round(readiness["mean_change"] * readiness["n"])
                                         if _known(readiness["mean_change"]) and _known(readiness["n"]) else None)
            add((1, "t.hr.sum_change"), *((-changes[i]["change"], f"rc{i}") for i in range(len(changes))))
            values["t.hr.improved"] = None
            add((1, "t.hr.improved"), *((-1, f"rc{i}") for i in range(len(changes)) if changes[i]["change"] >= 1))
            ratios.append(("t.hr.improved_share", "t.hr.improved", "t.hr.n"))
    quarters = page["charts"].get("hires_by_quarter", [])
    for i, row in enumerate(quarters):
        values[f"hq{i}.hires"], values[f"hq{i}.of_participants"] = row["hires"], row["of_participants"]
    if quarters:  # hires per quarter add up to the hire tiles
        add((1, "t.hires_total"), *((-1, f"hq{i}.hires") for i in range(len(quarters))))
        add((1, "t.hires_of_participants"), *((-1, f"hq{i}.of_participants") for i in range(len(quarters))))
    for row in page["charts"].get("planned_vs_actual", []):
        values[f"pa.{row['what']}"] = row["n"]
    for rate, num, den in (("employed_at_exit_rate", "employed_at_exit", "participants_exited"),
                           ("employed_6m_after_exit_rate", "employed_6m_after_exit", "followup_6m_due"),
                           ("improved_6m_rate", "improved_6m", "followup_6m_due"),
                           ("cost_per_participant_eur", "cost_total_eur", "participants_enrolled"),
                           ("cost_per_employed_at_exit_eur", "cost_total_eur", "employed_at_exit")):
        ratios.append((f"t.{rate}", f"t.{num}", f"t.{den}"))
    return sums, ratios, values


def holding(exact: dict[str, Any]) -> set[tuple[tuple[int, str], ...]]:
    """The relations that hold on the exact figures of a page (only those are the page's)."""
    sums, _, values = relations(exact)
    return {tuple(terms) for terms in sums
            if all(_known(values[n]) for _, n in terms) and abs(sum(c * values[n] for c, n in terms)) < 1}


def attack(page: dict[str, Any], valid: set | None = None) -> dict[str, int]:
    """Hidden cells (shown as text) the attacker works out exactly: cell -> value. ``valid``: the
    relations known to hold (default: all the attacker knows of)."""
    sums, ratios, values = relations(page)
    if valid is not None:
        sums = [terms for terms in sums if tuple(terms) in valid]
    known = {k: v for k, v in values.items() if _known(v)}
    recovered: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for terms in sums:
            unknown = [(c, n) for c, n in terms if n not in known]
            if len(unknown) == 1 and unknown[0][0] != 0:
                coef, name = unknown[0]
                value = -sum(c * known[n] for c, n in terms if n in known) / coef
                known[name] = round(value)
                if disclosure.is_hidden(values.get(name)):
                    recovered[name] = round(value)
                changed = True
        for rate, num, den in ratios:
            r = known.get(rate)
            if not r or rate not in values or not _known(values.get(rate)):
                continue
            if num not in known and den in known:
                known[num] = round(r * known[den]) if not num.endswith("_eur") else r * known[den]
                if disclosure.is_hidden(values.get(num)):
                    recovered[num] = known[num]
                changed = True
            elif den not in known and num in known:
                known[den] = round(known[num] / r)
                if disclosure.is_hidden(values.get(den)):
                    recovered[den] = known[den]
                changed = True
    return recovered


def bound_attack(page: dict[str, Any], exact: dict[str, Any], pilot_size: int) -> dict[str, int]:
    """Hidden cells pinned by one relation and what the markers say ("<5" is 1-4, "x" is 0 or 5
    and more, and no count is above the whole pilot's, which its own page shows): cell -> value,
    only where it is the true value."""
    import itertools

    sums, _, values = relations(page)
    valid = holding(exact)
    sums = [terms for terms in sums if tuple(terms) in valid]
    _, _, truth = relations(exact)
    top = min(max([5, pilot_size] + [v for v in values.values() if isinstance(v, int) and not isinstance(v, bool)]), 80)

    def domain(v: Any) -> list[int]:
        return list(range(1, 5)) if v == disclosure.SMALL_TEXT else [0, *range(5, top + 1)]

    found: dict[str, int] = {}
    for terms in sums:
        hidden = [(c, n) for c, n in terms if disclosure.is_hidden(values.get(n))]
        if not 2 <= len(hidden) <= 3 or any(not _known(values[n]) for c, n in terms if (c, n) not in hidden):
            continue
        rest = -sum(c * values[n] for c, n in terms if (c, n) not in hidden)
        (last_c, last), first = hidden[-1], hidden[:-1]
        feasible: dict[str, set[int]] = {n: set() for _, n in hidden}
        last_domain = set(domain(values[last]))
        for combo in itertools.product(*(domain(values[n]) for _, n in first)):
            need = rest - sum(c * v for (c, _), v in zip(first, combo))
            if need % last_c == 0 and need // last_c in last_domain:
                for (_, n), v in zip(first, combo):
                    feasible[n].add(v)
                feasible[last].add(need // last_c)
        for name, options in feasible.items():
            if len(options) == 1 and next(iter(options)) == truth.get(name):
                found[name] = truth[name]
    return found


def small_counts(page: dict[str, Any]) -> list[str]:
    """Counts of people, companies or adaptations shown as 1-4 (D1)."""
    out = [k for k in disclosure.COUNT_KEYS if disclosure.is_small(page["tiles"].get(k))]
    for skill, entry in page["tiles"].get("language", {}).items():
        if disclosure.is_small(entry["n"]):
            out.append(f"language.{skill}.n")
    for chart, columns in dashboard.CHART_COUNTS.items():
        for row in page["charts"].get(chart, []):
            out += [f"{chart}.{c}" for c in columns if disclosure.is_small(row[c])]
    return out


def _naive(exact_page: dict[str, Any]) -> dict[str, Any]:
    """The old rule on the exact page: only the counts 1-4 hidden, rates kept."""
    page = json.loads(json.dumps(exact_page))
    for key in disclosure.COUNT_KEYS:
        if disclosure.is_small(page["tiles"].get(key)):
            page["tiles"][key] = disclosure.SMALL_TEXT
    for entry in page["tiles"].get("language", {}).values():
        if disclosure.is_small(entry["n"]):
            entry["n"] = disclosure.SMALL_TEXT
    for chart, columns in dashboard.CHART_COUNTS.items():
        for row in page["charts"].get(chart, []):
            for c in columns:
                if disclosure.is_small(row[c]):
                    row[c] = disclosure.SMALL_TEXT
    return page


def _page(conn, scope: Scope, as_of: date, filters: Filters) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dashboard.as_json(dashboard.services_page(conn, scope, as_of, filters), scope.role)


# ---- the tests ----------------------------------------------------------------------------------

def test_attacker_finds_nothing_on_the_services_dashboard(world) -> None:  # type: ignore[no-untyped-def]
    naive_found = 0
    pilot_size = {as_of: shown["tiles"]["participants_enrolled"] for as_of, f, _, shown in world[3] if f == Filters()}
    for as_of, filters, exact, shown in world[3]:
        valid = holding(exact)
        # the page's own relations hold (the tiles, the activity months, the gains, the adaptations)
        assert {n for terms in valid for _, n in terms} >= {"t.participants_enrolled", "t.participants_exited"}
        assert attack(shown, valid) == {}, (as_of, filters)
        assert small_counts(shown) == [], (as_of, filters)
        if not shown["narrowed_too_small"]:
            assert bound_attack(shown, exact, pilot_size[as_of]) == {}, (as_of, filters)
            naive_found += len(attack(_naive(exact), valid))
    assert naive_found > 0, "the attacker recovers values under the old rule, so its silence above counts"


def test_the_hiring_section_is_in_the_json_and_its_relations_hold(world) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: the services JSON carries the hiring tiles and charts, so the attacker above covers
    them; on the exact figures the changes add up to hiring_readiness.n and the quarters to the hires."""
    checked = 0
    for _as_of, _filters, exact, shown in world[3]:
        if shown["narrowed_too_small"]:
            continue
        assert {"hiring_readiness", "companies_hiring", "hires_total", "hires_of_participants"} <= set(shown["tiles"])
        assert {"readiness_pairs", "readiness_changes", "hires_by_quarter", "planned_vs_actual"} <= set(shown["charts"])
        names = {n for terms in holding(exact) for _, n in terms}
        if exact["tiles"]["hires_total"]:
            assert {"t.hires_total", "t.hires_of_participants"} <= names
        if exact["tiles"]["hiring_readiness"]["n"]:
            assert {"t.hr.n", "t.hr.sum_change"} <= names
            checked += 1
        assert all(p["company"] is None for p in shown["charts"]["readiness_pairs"])  # only means under the rule
    assert checked > 0


def test_attacker_finds_nothing_on_the_employer_page(world) -> None:  # type: ignore[no-untyped-def]
    engine, _, dates, _ = world
    with engine.connect() as conn:
        companies = [r[0] for r in conn.exec_driver_sql("SELECT id FROM companies ORDER BY id").fetchall()]
        for as_of in dates:
            for company in companies:
                scope = Scope(username="employer", role="employer", company_ids=frozenset({company}))
                page = dashboard.as_json(dashboard.employer_page(conn, scope, company, as_of), "employer")
                if page["exact"]:  # every participant counted agreed to share with the employer
                    continue
                assert attack(page) == {}, (as_of, company)
                assert small_counts(page) == [], (as_of, company)


def test_narrowed_by_a_property_of_people_shows_only_a_sentence(world) -> None:  # type: ignore[no-untyped-def]
    """D4: the page is blank when the group, or the rest of the pilot outside it, has 1-4 people."""
    everyone = {as_of: exact["tiles"]["participants_enrolled"] for as_of, f, exact, _ in world[3] if f == Filters()}
    blank = 0
    for as_of, filters, exact, shown in world[3]:
        if not filters.by_participant:
            assert not shown["narrowed_too_small"]
            continue
        group = exact["tiles"]["participants_enrolled"]
        if disclosure.is_small(group) or disclosure.is_small(everyone[as_of] - group):
            assert shown["narrowed_too_small"] and shown["tiles"] == {} and shown["charts"] == {}, (as_of, filters)
            blank += 1
    assert blank > 0, "some setting narrows to a small group, so the rule was tried"


def test_the_issue_settings_through_the_command_line(world, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """The issue's findings, tried as services would: the dashboard's and --suppress's JSON."""
    engine, path, dates, _ = world
    engine.dispose()
    monkeypatch.setenv("PILOT_DB", str(path))
    for as_of in dates:
        assert cli.main(["dashboard", "--role", "coach", "--as-of", as_of.isoformat(), "--format", "json"]) == 0
        valid = holding(json.loads(capsys.readouterr().out))
        assert cli.main(["dashboard", "--role", "services", "--as-of", as_of.isoformat(), "--format", "json"]) == 0
        page = json.loads(capsys.readouterr().out)
        assert attack(page, valid) == {} and small_counts(page) == []
        assert cli.main(["indicators", "--as-of", as_of.isoformat(), "--suppress", "--format", "json"]) == 0
        figures = json.loads(capsys.readouterr().out)
        assert attack({"tiles": figures, "charts": {}}) == {}
        assert [k for k in disclosure.COUNT_KEYS if disclosure.is_small(figures.get(k))] == []
    db.dispose_shared()


def test_a_chart_with_every_cell_hidden_is_named(world) -> None:  # type: ignore[no-untyped-def]
    named = 0
    for _, _, _, page in world[3]:
        for chart, columns in dashboard.CHART_COUNTS.items():
            cells = [row[c] for row in page["charts"].get(chart, []) for c in columns]
            drawable = any(_known(v) and v > 0 for v in cells)
            assert (chart in page["all_hidden"]) == (not drawable and any(map(disclosure.is_hidden, cells)))
            named += chart in page["all_hidden"]
    assert named > 0


def test_issue_numbers_on_the_demo_pilot(tmp_path: Path) -> None:
    """30.6.2026 on the demo pilot: exited 7 with employed at exit 1-4 showed the rate 57,1 %."""
    engine = db.make_engine(str(tmp_path / "demo.duckdb"))
    db.migrate(engine)
    demo.load(engine, today=date(2026, 11, 30))
    with engine.connect() as conn:
        exact = indicators.compute(conn, date(2026, 6, 30))
        page = _page(conn, SERVICES, date(2026, 6, 30), Filters())
    engine.dispose()
    assert exact["participants_exited"] == 7 and disclosure.is_small(exact["employed_at_exit"])
    assert page["tiles"]["employed_at_exit"] == "<5" and page["tiles"]["employed_at_exit_rate"] is None
    assert indicators.suppress(exact)["employed_at_exit_rate"] is None
    # the monthly CSV: no "active" beside a hidden "new" with nothing else hidden
    rows = page["charts"]["activity"]
    for before, now in zip(rows, rows[1:]):
        hidden = [v for v in (before["active"], now["active"], now["enrolled"], now["exited"]) if not _known(v)]
        assert len(hidden) != 1
