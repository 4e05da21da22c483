"""Disclosure control (shared/spec/INDICATORS.md, "Disclosure control", D1-D4): one place that
takes a view's exact numbers and returns what may be shown. Every outcome view reads through it:
the services dashboard, the employer page, their CSV downloads, the follow-up report,
``python -m pilot indicators --suppress`` and ``python -m pilot dashboard``.

A view (``View``) is:

- ``cells``: named exact values. Those in ``counts`` are counts of people, companies, adaptations
  or hires (D1); the others (hours, euros, sessions, attendance marks) are shown as they are.
- ``identities``: groups of cells tied by a linear relation (a total and its parts; active at a
  month's end = active before + new - exited; the same figure shown twice). Within one group, one
  hidden cell could be worked out from the others, so D3 hides one more (the smallest other
  non-zero one) until no group has exactly one hidden cell, nor several of which one is
  pinned by what the markers tell ("<5" is 1-4; "x" is 0 or 5 and more).
- ``derived``: rates and means with their own denominator (D2, first half), for shares of people
  also their numerator (D2, second half), and the cells they are computed from: a derived value
  is null when any of those cells is hidden, so rate x denominator gives nothing back.

Hidden counts show as "<5" when the rule hid them for being 1-4 (D1) and as "x" when they were
hidden only to protect another value (D3). D4 (narrowing by a property of people) is decided by
``narrowed_too_small`` from the sizes of the narrowed group and of the rest.

No SQL and no Streamlit: pure functions on numbers, so the same code serves every path.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SMALL = 5
SMALL_TEXT = "<5"   # D1: a count from 1 to 4
HIDDEN_TEXT = "x"   # D3: hidden so that a hidden neighbour cannot be worked out


def is_small(value: Any) -> bool:
    """A count from 1 to 4 (D1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < SMALL


def is_hidden(value: Any) -> bool:
    """Whether a shown value is a hidden count ("<5" or "x")."""
    return value in (SMALL_TEXT, HIDDEN_TEXT)


def narrowed_too_small(sizes: Iterable[int]) -> bool:
    """D4: a view narrowed by a property of people shows only a sentence when the narrowed group,
    or the rest of the pilot outside it, has 1 to 4 people."""
    return any(is_small(int(n)) for n in sizes)


@dataclass
class Derived:
    """A rate or mean: its exact value, its own denominator (null under 5), for a share of people
    its numerator (null when 1-4), and the cells it is computed from (null when one is hidden)."""

    value: float | None
    denominator: float | int | None
    numerator: int | None = None
    depends: tuple[str, ...] = ()


@dataclass
class View:
    """The numbers of one view (a page as it stands, a chart with its table, a file, a report)."""

    cells: dict[str, Any] = field(default_factory=dict)
    counts: set[str] = field(default_factory=set)
    identities: list[tuple[str, ...]] = field(default_factory=list)
    derived: dict[str, Derived] = field(default_factory=dict)
    # each identity's signs: identity i is sum(sign * cell) == 0
    signs: list[tuple[int, ...]] = field(default_factory=list)

    def count(self, name: str, value: int) -> str:
        self.cells[name] = int(value)
        self.counts.add(name)
        return name

    def tie(self, total: str, *parts: str, minus: tuple[str, ...] = ()) -> None:
        """total = sum(parts) - sum(minus) (one name alone among parts: the same figure twice). A
        relation with a member the view does not show is no relation of this view: left out."""
        terms = {total: 1}
        for name in parts:
            terms[name] = terms.get(name, 0) - 1
        for name in minus:
            terms[name] = terms.get(name, 0) + 1
        if len(terms) > 1 and all(n in self.cells for n in terms) and all(c in (1, -1) for c in terms.values()):
            self.identities.append(tuple(terms))
            self.signs.append(tuple(terms.values()))

    def rate(self, name: str, value: float | None, denominator: float | int | None,
             numerator: int | None = None, depends: Iterable[str] = ()) -> str:
        self.derived[name] = Derived(value, denominator, numerator, tuple(depends))
        return name


def protect(view: View, exact: bool) -> dict[str, Any]:
    """What may be shown: every cell and derived value by name. ``exact`` (coaches, admins, an
    employer whose every counted participant agreed to share) returns the values as they are."""
    if exact:
        return {**view.cells, **{k: d.value for k, d in view.derived.items()}}
    hidden: dict[str, str] = {c: SMALL_TEXT for c in view.counts if is_small(view.cells[c])}
    bound = max([SMALL] + [view.cells[c] for c in view.counts])
    changed = True
    while changed:  # D3 until no relation gives a hidden cell back (cells only ever get hidden)
        changed = False
        for group, signs in zip(view.identities, view.signs):
            n_hidden = sum(1 for c in group if c in hidden)
            if n_hidden == 0 or (n_hidden > 1 and not _pinned(view, group, signs, hidden, bound)):
                continue
            # The smallest other one. Zeros stay shown: a hidden 0 beside small hidden counts is
            # told apart by its marker ("x" is 0 or 5 and more), and a 0 gives nobody away.
            others = [c for c in group if c not in hidden and c in view.counts and view.cells[c] != 0]
            if not others:
                continue
            pick = min(others, key=lambda c: view.cells[c])
            hidden[pick] = HIDDEN_TEXT
            changed = True
    out: dict[str, Any] = {c: hidden.get(c, v) for c, v in view.cells.items()}
    for name, d in view.derived.items():
        blocked = (d.value is None or d.denominator is None or d.denominator < SMALL
                   or is_small(d.numerator) or any(c in hidden for c in d.depends))
        out[name] = None if blocked else d.value
    return out


def _spread(mask: int, low: int, high: int) -> int:
    """The sums mask + v for every v in low..high, as a bit set."""
    out, covered, length = mask, 1, high - low + 1
    while covered < length:
        step = min(covered, length - covered)
        out |= out << step
        covered += step
    return out << low


def _pinned(view: View, group: tuple[str, ...], signs: tuple[int, ...], hidden: Mapping[str, str],
            bound: int) -> bool:
    """Whether a reader who knows that "<5" is 1-4, that "x" is 0 or 5 and more (up to ``bound``,
    the view's largest count) and the relation sum(sign * cell) == 0 can tell one hidden cell's
    value. Sums are bit sets; a cell with sign -1 is counted as bound - value, so all are >= 0."""
    target = -sum(s * view.cells[c] for c, s in zip(group, signs) if c not in hidden)
    domains: list[list[tuple[int, int]]] = []
    for c, s in zip(group, signs):
        if c not in hidden:
            continue
        spans = [(1, SMALL - 1)] if hidden[c] == SMALL_TEXT else [(0, 0), (SMALL, bound)]
        if s < 0:  # -v = (bound - v) - bound
            spans = [(bound - b, bound - a) for a, b in spans]
            target += bound
        domains.append(spans)
    if target < 0:
        return False

    def sums(parts: list[list[tuple[int, int]]]) -> int:
        mask = 1
        for spans in parts:
            mask = _or(_spread(mask, a, b) for a, b in spans)
        return mask

    for i, spans in enumerate(domains):
        rest = sums(domains[:i] + domains[i + 1:])
        found = 0
        for a, b in spans:
            for v in range(a, min(b, target) + 1):
                if rest >> (target - v) & 1:
                    found += 1
                    if found > 1:
                        break
            if found > 1:
                break
        if found == 1:
            return True
    return False


def _or(masks: Iterable[int]) -> int:
    out = 0
    for m in masks:
        out |= m
    return out


# ---- the indicator object (spec keys) as a view ----------------------------------------------

# Counts of people, companies, adaptations and hires among the indicator keys (D1). Keys the
# result does not have are skipped, so the table may name keys a later version adds.
COUNT_KEYS: tuple[str, ...] = (
    "participants_enrolled", "participants_active", "participants_exited", "companies_active",
    "employed_at_exit", "exit_status_unknown", "subsidised_at_exit", "followup_6m_due",
    "followup_6m_reached", "employed_6m_after_exit", "improved_6m", "participants_with_adaptation_in_use",
    "companies_hiring", "hires_total", "hires_of_participants",
)
# Rate -> (numerator key, denominator key): shares of people follow both halves of D2.
PEOPLE_SHARES: dict[str, tuple[str, str]] = {
    "employed_at_exit_rate": ("employed_at_exit", "participants_exited"),
    "followup_6m_reach_rate": ("followup_6m_reached", "followup_6m_due"),
    "employed_6m_after_exit_rate": ("employed_6m_after_exit", "followup_6m_reached"),
    "improved_6m_rate": ("improved_6m", "followup_6m_reached"),
}
# Means, the attendance rate and the costs per person: the first half of D2 only. The value is
# the denominator's name in compute()'s ``denominators`` (or an indicator key); the costs per
# person also depend on their denominator's cell, since cost_total_eur is shown exactly.
OTHER_RATES: dict[str, str] = {
    "attendance_rate": "attendance_rows",
    "adaptation_mean_effect": "adaptations_evaluated",
    "employer_satisfaction_mean": "companies_with_feedback",
    "cost_per_participant_eur": "participants_enrolled",
    "cost_per_employed_at_exit_eur": "employed_at_exit",
}


def _denominator(result: Mapping[str, Any], denominators: Mapping[str, int], key: str) -> int | None:
    if key in denominators:
        return denominators[key]
    value = result.get(key)
    return value if isinstance(value, int) else None


def indicator_view(result: Mapping[str, Any], denominators: Mapping[str, int] | None = None,
                   prefix: str = "", shown: Iterable[str] | None = None) -> View:
    """The indicator object (exact, from pilot.indicators.compute) as a view: its counts, the
    identity participants_enrolled = participants_active + participants_exited, and its rates."""
    denominators = dict(denominators or {})
    if shown is not None:  # a page that shows some of the keys: only those are in its view
        keep = set(shown)
        result = {k: v for k, v in result.items() if k in keep}
    adaptations = result.get("adaptations") or {}
    if isinstance(adaptations.get("evaluated"), int):
        denominators.setdefault("adaptations_evaluated", adaptations["evaluated"])
    v = View()
    for key in COUNT_KEYS:
        if isinstance(result.get(key), int):
            v.count(prefix + key, result[key])
    v.tie(prefix + "participants_enrolled", prefix + "participants_active", prefix + "participants_exited")
    for stage, n in adaptations.items():
        v.count(f"{prefix}adaptations.{stage}", n)
    for key, (num, den) in PEOPLE_SHARES.items():
        if den == "followup_6m_reached" and den not in result:
            den = "followup_6m_due"  # before measured follow-ups the 6-month rates are of "due"
        if key in result:
            numerator = result.get(num)
            v.rate(prefix + key, result[key], _denominator(result, denominators, den),
                   numerator if isinstance(numerator, int) else None, (prefix + num, prefix + den))
    for key, den in OTHER_RATES.items():
        if key in result:
            depends = (prefix + den,) if key.startswith("cost_per") else ()
            v.rate(prefix + key, result[key], _denominator(result, denominators, den), None, depends)
    for skill, entry in (result.get("language") or {}).items():
        n = v.count(f"{prefix}language.{skill}.n", entry["n"])
        improved = None if entry["improved_share"] is None else round(entry["improved_share"] * entry["n"])
        v.rate(f"{prefix}language.{skill}.mean_gain", entry["mean_gain"], entry["n"], None, (n,))
        v.rate(f"{prefix}language.{skill}.improved_share", entry["improved_share"], entry["n"], improved, (n,))
    readiness = result.get("hiring_readiness")
    if isinstance(readiness, Mapping) and isinstance(readiness.get("n"), int):
        n = v.count(prefix + "hiring_readiness.n", readiness["n"])
        share = readiness.get("improved_share")
        improved = None if share is None else round(share * readiness["n"])
        v.rate(prefix + "hiring_readiness.mean_change", readiness.get("mean_change"), readiness["n"], None, (n,))
        v.rate(prefix + "hiring_readiness.improved_share", share, readiness["n"], improved, (n,))
    return v


def indicator_values(result: Mapping[str, Any], shown: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The indicator object again (same keys, same nesting), its values taken from ``shown``."""
    out: dict[str, Any] = {}
    for key, value in result.items():
        if key == "language":
            out[key] = {skill: {part: shown.get(f"{prefix}language.{skill}.{part}", entry[part])
                                for part in entry} for skill, entry in value.items()}
        elif key == "adaptations":
            out[key] = {stage: shown.get(f"{prefix}adaptations.{stage}", n) for stage, n in value.items()}
        elif key == "hiring_readiness" and isinstance(value, Mapping):
            out[key] = {part: shown.get(f"{prefix}hiring_readiness.{part}", v) for part, v in value.items()}
        else:
            out[key] = shown.get(prefix + key, value)
    return out


def protect_indicators(result: Mapping[str, Any], denominators: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The indicator object under the small-number rule (D1-D3 within the object itself)."""
    view = indicator_view(result, denominators)
    return indicator_values(result, protect(view, exact=False))
