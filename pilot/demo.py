"""The demo pilot: one deterministic seed of believable data for the demo, the tests and benchmarks.

``build(seed, today)`` returns the pilot as rows keyed by natural keys, one list per sheet of
shared/spec/DATA-FILES.md (same column names, Python values), plus ``users`` and
``appropriations``. The same seed and ``today`` always give identical rows, because every random
choice comes from one ``random.Random(seed)`` and nothing iterates over a set.
``load(engine)`` writes that into an empty migrated database in one transaction.

The pilot: eight Espoo workplaces (cleaning, restaurant, elderly care, logistics, construction,
hotel, retail, a school kitchen), about forty participants, 18 months of coaching ending near
today, and costs like the city's 2023 report (about 180 000 EUR of a 200 000 EUR appropriation).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from pilot import db
from pilot.domain import codes, dates, identifiers
from pilot.domain.levels import LEVELS
from pilot.records import bulk, users

DEMO_PASSWORD = "demo-password"
APPROPRIATION_EUR = Decimal("200000.00")
MONTHS = 18  # how far back the demo pilot starts


def _valid_business_ids(first_body: int, count: int, step: int) -> list[str]:
    """Valid Y-tunnus from consecutive bodies; bodies whose remainder is 1 have no check digit."""
    found: list[str] = []
    body = first_body
    while len(found) < count:
        digits = f"{body:07d}"
        check = identifiers.business_id_check_digit(digits)
        if check is not None:
            found.append(f"{digits}-{check}")
        body += step
    return found


@dataclass(frozen=True)
class _Company:
    name: str
    industry: str  # TOL 2008
    size_class: str
    contact_name: str
    email_domain: str
    supervisor: str  # a second owner of adaptations at the workplace
    jobs: tuple[tuple[str, str], ...]  # (job title, ISCO-08 occupation code)
    vocabulary: str  # what the workplace's own words are about, for topics and descriptions
    join_day: int  # days after the demo start


# The first company is a cleaning company: the demo employer account is bound to it.
_COMPANIES = (
    _Company("Siivouspalvelu Kirkas Oy", "81.21", "50-249", "Laura Virtanen", "kirkas.example",
             "Tiimiesihenkilö Jari Salo", (("Siivooja", "9112"), ("Laitoshuoltaja", "9112"),
                                           ("Siivoustyönjohtaja", "5151")),
             "siivousaineet ja -välineet", 0),
    _Company("Ravintola Pohjoistuuli Oy", "56.10", "10-49", "Mikko Laine", "pohjoistuuli.example",
             "Keittiöpäällikkö Anu Rinne", (("Keittiöapulainen", "9412"), ("Kokki", "5120"),
                                            ("Tarjoilija", "5131")),
             "keittiön laitteet ja ruoka-aineet", 10),
    _Company("Hoivakoti Kielo Oy", "87.30", "50-249", "Sari Koskinen", "kielo.example",
             "Osastonhoitaja Päivi Lehto", (("Hoiva-avustaja", "5329"), ("Lähihoitaja", "5321"),
                                            ("Laitoshuoltaja", "9112")),
             "hoitotyön kirjaaminen ja asukkaan kohtaaminen", 21),
    _Company("Logistiikka Lintuvaara Oy", "52.10", "250+", "Timo Heikkinen", "lintuvaara.example",
             "Vuoropäällikkö Kari Nieminen", (("Varastotyöntekijä", "9333"), ("Trukinkuljettaja", "8344"),
                                              ("Keräilijä", "9333")),
             "keräilylistat ja varaston turvallisuus", 35),
    _Company("Rakennus Kivenlahti Oy", "41.20", "50-249", "Jukka Mäkinen", "kivenlahti.example",
             "Vastaava työnjohtaja Petri Aalto", (("Rakennusapumies", "9313"), ("Maalari", "7131"),
                                                  ("Muurari", "7112")),
             "työmaan turvallisuus ja työkalut", 49),
    _Company("Hotelli Tapiolan Helmi Oy", "55.10", "50-249", "Hanna Lindholm", "tapiolanhelmi.example",
             "Kerroshoitajien esihenkilö Minna Hakala", (("Kerroshoitaja", "9112"),
                                                         ("Vastaanottovirkailija", "4224"),
                                                         ("Aamiaistarjoilija", "5131")),
             "huoneiden siivous ja asiakaspalvelu", 70),
    _Company("Kauppa Leppävaaran Tori Oy", "47.11", "10-49", "Riikka Saarinen", "leppavaarantori.example",
             "Myymäläpäällikkö Ville Karjalainen", (("Myyjä", "5223"), ("Kassamyyjä", "5230"),
                                                    ("Hyllyttäjä", "9334")),
             "kassajärjestelmä ja tuotteiden nimet", 100),
    _Company("Keittiöpalvelut Matinkylä Oy", "56.29", "10-49", "Eeva Honkanen", "matinkylankeittio.example",
             "Ravintolaesihenkilö Satu Manninen", (("Koulukeittiön työntekijä", "9412"), ("Kokki", "5120"),
                                                   ("Ravintolatyöntekijä", "9412")),
             "erityisruokavaliot ja omavalvonta", 150),
)
COMPANY_IDS: tuple[str, ...] = tuple(_valid_business_ids(3141590, len(_COMPANIES), 137))
# Employers outside the pilot that some participants move to (valid Y-tunnus, never stored as companies).
OUTSIDE_EMPLOYERS: tuple[str, ...] = tuple(_valid_business_ids(2718281, 4, 311))
_COACH2_COMPANIES = (3, 4, 6)  # logistics, construction, retail

DEMO_USERS: list[dict[str, Any]] = [
    {"username": "coach", "role": "coach", "display_name": "Demo Coach", "companies": [],
     "whole_pilot": True},
    {"username": "coach2", "role": "coach", "display_name": "Demo Coach 2",
     "companies": [COMPANY_IDS[i] for i in _COACH2_COMPANIES], "whole_pilot": False},
    {"username": "employer", "role": "employer", "display_name": "Demo Employer",
     "companies": [COMPANY_IDS[0]], "whole_pilot": False},
    {"username": "services", "role": "services", "display_name": "Demo Services", "companies": [],
     "whole_pilot": False},
    {"username": "admin", "role": "admin", "display_name": "Demo Admin", "companies": [],
     "whole_pilot": False},
]

# Forty participants: (first language, fictional display name or None).
_ROSTER = (
    ("so", "Amina H."), ("ar", None), ("ru", "Olga S."), ("et", None), ("fa", "Reza M."),
    ("ku", None), ("vi", "Linh N."), ("th", None), ("uk", "Oksana K."), ("en", None),
    ("zh", "Wei L."), ("ti", None), ("ar", "Fatima A."), ("so", None), ("ru", None),
    ("et", "Kadri T."), ("fa", None), ("ku", "Dilan K."), ("vi", None), ("th", "Somchai P."),
    ("uk", None), ("en", "Grace O."), ("zh", None), ("ti", "Yohannes G."), ("sq", None),
    ("tr", "Elif Y."), ("ne", None), ("tl", "Maricel D."), ("es", None), ("am", "Selam T."),
    ("bn", None), ("pt", "Bruno C."), ("ar", None), ("so", "Hodan M."), ("ru", None),
    ("uk", "Taras B."), ("et", None), ("fa", "Shirin R."), ("vi", None), ("ps", "Nasir A."),
)
_PER_COMPANY = len(_ROSTER) // len(_COMPANIES)

_MONTH_FI = ("tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu",
             "elokuu", "syyskuu", "lokakuu", "marraskuu", "joulukuu")

_TOPICS = {
    "language_lesson": ("Työvuorolistan lukeminen", "Poissaolosta ilmoittaminen esihenkilölle",
                        "Turvallisuusohjeet ja varoitusmerkit", "Asiakkaan tervehtiminen ja palvelutilanne",
                        "Puhelinkeskustelu työpaikalla", "Työpaikan sanasto: {vocab}",
                        "Palkkalaskelman sanat", "Taukotilan keskustelut", "Raportointi vuoron lopussa",
                        "Ohjeen kysyminen ja tarkentaminen", "Lomakkeen täyttäminen",
                        "Työterveyshuollon ajanvaraus"),
    "on_the_job": ("Ohjausta omassa työssä: {vocab}", "Työohjeen läpikäynti työpisteellä",
                   "Asiakastilanteiden harjoittelu työn lomassa", "Kirjaamisen harjoittelu työvuorossa"),
    "supervisor_guidance": ("Selkokielinen perehdytys", "Palautteen antaminen selkeästi",
                            "Työohjeiden selkeyttäminen esihenkilön kanssa", "Kielitietoinen työyhteisö"),
    "redesign_workshop": ("Työnkuvan muokkaus: tehtävien jako", "Kuvaohjeiden suunnittelu",
                          "Perehdytyksen uudistaminen", "Kielikaveritoiminnan käynnistys"),
    "materials": ("Sanaston koonti: {vocab}", "Kuvaohjeiden valmistelu", "Selkokielisten ohjeiden muokkaus"),
    "assessment": ("Kielitaidon arviointi: puhuminen ja kuullun ymmärtäminen",
                   "Kielitaidon arviointi: lukeminen ja kirjoittaminen", "Lähtötason arviointi"),
}
# "Other" sessions: the topic decides the length (a phone check-in is short, a training day long).
_OTHER = (("Lyhyt tilannekatsaus puhelimessa", (5, 10, 15)),
          ("Verkoston palaveri työllisyyspalveluiden kanssa", (30, 45, 60)),
          ("Koulutuspäivä työyhteisölle", (360, 420, 480)))
_NOTES = ("Ryhmä oli aktiivinen, harjoiteltiin pareittain.", "Kaksi osallistujaa toivoi lisää kirjoitusharjoituksia.",
          "Käytiin läpi edellisen kerran kotitehtävät.", "Esihenkilö osallistui loppuun.",
          "Kuvaohjeet testattiin työpisteellä, toimivat hyvin.", "Seuraavalla kerralla kerrataan sanastoa.",
          "Vuorotyön takia osa ryhmästä myöhästyi.", "Harjoiteltiin rooliesityksinä asiakastilanteita.",
          "Etäyhteys pätki, osa tehtävistä siirtyi seuraavaan kertaan.", "Hyvä keskustelu työturvallisuudesta.")
_SESSION_KINDS = (("language_lesson", 45), ("on_the_job", 20), ("supervisor_guidance", 10),
                  ("redesign_workshop", 6), ("materials", 8), ("assessment", 6), ("other", 5))
_NO_PARTICIPANT_KINDS = ("supervisor_guidance", "redesign_workshop", "materials")
_MINUTES = {"language_lesson": (45, 60, 60, 90, 90), "on_the_job": (30, 45, 60, 90, 120, 180),
            "supervisor_guidance": (30, 45, 60, 90), "redesign_workshop": (90, 120, 180, 240),
            "materials": (30, 60, 90, 120), "assessment": (30, 45, 60)}

_ADAPTATIONS = {
    "plain_language": ("Työohjeet kirjoitettu selkokielelle: {vocab}.",
                       "Vuoronvaihdon raportti muutettu selkokieliseksi lomakkeeksi."),
    "visual_instructions": ("Kuvaohjeet työpisteille: {vocab}.", "Värikoodit ja kuvat työvaiheiden tarkistuslistaan."),
    "translated_materials": ("Perehdytysmateriaalin tärkeimmät sivut myös osallistujien kielillä.",
                             "Turvallisuusohjeet kaksikielisinä."),
    "glossary": ("Työpaikan oma sanasto kuvineen: {vocab}.", "Taskukokoinen sanastokortti yleisimmistä sanoista."),
    "language_buddy": ("Kokenut työkaveri toimii kielikaverina vuoron aikana.",
                       "Kielikaveri käy viikoittain läpi uudet sanat."),
    "task_restructuring": ("Tehtävät jaettu pienempiin osiin, kirjaaminen aluksi parin kanssa.",
                           "Puhelintehtävät siirretty toistaiseksi työkaverille."),
    "working_time": ("Kaksi tuntia viikossa työaikaa S2-opiskeluun.", "Vuorot sovitettu kielikurssin aikatauluun."),
    "supervisor_training": ("Esihenkilöiden koulutus selkeästä kielestä ja perehdytyksestä.",
                            "Vuoropäälliköille ohjeet palautteen antamiseen selkeästi."),
    "digital_aid": ("Käännössovellus ja puheentunnistus työpuhelimeen.", "Sähköinen tarkistuslista kuvakkeineen."),
    "other": ("Ilmoitustaululle viikon sanat ja tärkeimmät tiedotteet selkokielellä.",),
}
_WORKPLACE_TYPES = ("plain_language", "visual_instructions", "translated_materials", "glossary",
                    "supervisor_training", "other")
_PERSONAL_TYPES = ("language_buddy", "task_restructuring", "working_time", "digital_aid")
# Enough of each stage that every stage shows, with most in use or evaluated (as in a running pilot).
_STAGE_CYCLE = ("in_use", "evaluated", "agreed", "in_use", "proposed", "evaluated", "dropped",
                "in_use", "evaluated", "agreed")

_FEEDBACK = {1: ("Emme ole ehtineet hyödyntää ohjausta.",), 2: ("Aikataulujen sopiminen on ollut hankalaa.",),
             3: ("Hyödyllistä, mutta vuorotyö vaikeuttaa osallistumista.", "Kohtalaisen hyvä, toivomme lisää käytännön harjoituksia."),
             4: ("Perehdytys on selkeytynyt ja väärinkäsitykset vähentyneet.", "Työntekijät uskaltavat kysyä enemmän.",
                 "Kuvaohjeista on ollut paljon apua."),
             5: ("Erinomainen yhteistyö, haluamme jatkaa.", "Uudet työntekijät pääsevät nopeammin itsenäiseen työhön.",
                 "Asiakaspalaute on parantunut selvästi.")}


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _between(rng: random.Random, low: date, high: date) -> date:
    """A random day from low to high inclusive (low when the range is empty)."""
    span = (high - low).days
    return low if span <= 0 else low + timedelta(days=rng.randint(0, span))


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(rng.randint(int(low * 100), int(high * 100))).scaleb(-2)


def _hours(rng: random.Random, low: float, high: float) -> Decimal:
    """Weekly hours in steps of 2.5 h, as contracts usually are."""
    steps = rng.randint(int(low / 2.5), int(high / 2.5))
    return (Decimal("2.5") * steps).quantize(Decimal("0.1"))


def build(seed: int = 2024, today: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """The demo pilot as rows with the column names of DATA-FILES.md (plus users, appropriations)."""
    today = today or dates.today()
    rng = random.Random(seed)
    start = dates.add_months(today, -MONTHS)
    companies = _companies(start)
    participants = _participants(rng, companies, today)
    sessions, attendance = _sessions(rng, companies, participants, today)
    return {
        "companies": companies,
        "participants": participants,
        "sessions": sessions,
        "attendance": attendance,
        "adaptations": _adaptations(rng, companies, participants, today),
        "assessments": _assessments(rng, participants, today),
        "employment": _employment(rng, participants, today),
        "followups": _followups(random.Random(seed + 14), participants, today),  # own draws: the rest stays
        "feedback": _feedback(rng, companies, today),
        "costs": _costs(rng, companies, start, today),
        **_hiring(random.Random(seed + 15), companies, participants, today),  # its own draws: the rest stays
        "appropriations": [{"year": y, "amount_eur": APPROPRIATION_EUR}
                           for y in range(start.year, today.year + 1)],
        "users": [{**u, "companies": list(u["companies"]), "password_hash": None} for u in DEMO_USERS],
    }


def _coach_of(index: int) -> str:
    return "coach2" if index in _COACH2_COMPANIES else "coach"


def _companies(start: date) -> list[dict[str, Any]]:
    rows = []
    for i, c in enumerate(_COMPANIES):
        first, last = c.contact_name.lower().replace("ä", "a").replace("ö", "o").split()
        rows.append({
            "business_id": COMPANY_IDS[i], "name": c.name, "industry": c.industry,
            "size_class": c.size_class, "joined_on": start + timedelta(days=c.join_day), "left_on": None,
            "contact_name": c.contact_name, "contact_email": f"{first}.{last}@{c.email_domain}",
        })
    return rows


def _participants(rng: random.Random, companies: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    latest_enrolment = today - timedelta(days=21)
    for n, (language, display_name) in enumerate(_ROSTER):
        ci, slot = n % len(_COMPANIES), n // len(_COMPANIES)
        joined = companies[ci]["joined_on"]
        # The first two join with the company; later ones are staggered over the pilot.
        low, high = ((7, 28), (7, 40), (30, 120), (90, 240), (150, 400))[min(slot, 4)]
        enrolled = min(joined + timedelta(days=rng.randint(low, high)), latest_enrolment)
        title, occupation = rng.choice(_COMPANIES[ci].jobs)
        rows.append({
            "code": f"P-{n + 1:04d}", "business_id": companies[ci]["business_id"], "enrolled_on": enrolled,
            "exited_on": None, "first_language": language, "job_title": title, "occupation_code": occupation,
            "share_with_employer": rng.random() < 0.6, "coach": _coach_of(ci), "display_name": display_name,
        })
    _plan_exits(rng, rows, today)
    return rows


def _plan_exits(rng: random.Random, rows: list[dict[str, Any]], today: date) -> None:
    """Seven left long enough ago that the 6-month follow-up is due; five left recently."""
    early = [p for p in rows if p["enrolled_on"] <= dates.add_months(today, -12)]
    for p in rng.sample(early, min(7, len(early))):
        p["exited_on"] = _between(rng, dates.add_months(p["enrolled_on"], 4), dates.add_months(today, -7))
    recent = [p for p in rows if p["exited_on"] is None and p["enrolled_on"] <= dates.add_months(today, -5)]
    for p in rng.sample(recent, min(5, len(recent))):
        low = max(dates.add_months(p["enrolled_on"], 4), dates.add_months(today, -5))
        p["exited_on"] = _between(rng, low, today - timedelta(days=7))


def _enrolled_on(p: dict[str, Any], day: date) -> bool:
    """Attendance needs enrolment on the day; a participant leaving that day is left out too."""
    return p["enrolled_on"] <= day and (p["exited_on"] is None or p["exited_on"] > day)


def _sessions(rng: random.Random, companies: list[dict[str, Any]], participants: list[dict[str, Any]],
              today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    drafts: list[tuple[date, int, dict[str, Any], list[tuple[str, str]]]] = []
    for ci, company in enumerate(companies):
        staff = [p for p in participants if p["business_id"] == company["business_id"]]
        vocab = _COMPANIES[ci].vocabulary
        day = company["joined_on"] + timedelta(days=rng.randint(0, 6))
        while day <= today:
            if day.month == 7:  # summer holidays: no coaching in July
                day = date(day.year, 8, 1)
                continue
            if day.weekday() >= 5:
                day += timedelta(days=7 - day.weekday())
                continue
            present = [p for p in staff if _enrolled_on(p, day)]
            kind = _weighted(rng, _SESSION_KINDS)
            if not present and kind not in _NO_PARTICIPANT_KINDS:
                kind = rng.choice(_NO_PARTICIPANT_KINDS)
            if kind == "language_lesson":
                booked = present
            elif kind in ("on_the_job", "assessment"):
                booked = rng.sample(present, min(len(present), rng.randint(1, 3 if kind == "assessment" else 2)))
                booked.sort(key=lambda p: p["code"])
            elif kind == "other" and present and rng.random() < 0.5:
                booked = [rng.choice(present)]
            else:
                booked = []
            marks = [(p["code"], _weighted(rng, (("present", 85), ("absent", 10), ("excused", 5))))
                     for p in booked]
            if kind == "other":
                topic, lengths = rng.choice(_OTHER)
            else:
                topic, lengths = rng.choice(_TOPICS[kind]).format(vocab=vocab), _MINUTES[kind]
            session = {
                "business_id": company["business_id"], "held_on": day, "minutes": rng.choice(lengths),
                "kind": kind, "mode": "remote" if rng.random() < 0.2 else "onsite", "coach": _coach_of(ci),
                "topics": topic,
                "notes": rng.choice(_NOTES) if rng.random() < 0.4 else None,
            }
            drafts.append((day, ci, session, marks))
            day += timedelta(days=rng.choice((5, 6, 7, 7, 7, 7, 8, 9, 10, 14)))
    drafts.sort(key=lambda d: (d[0], d[1]))
    sessions, attendance = [], []
    for n, (_, _, session, marks) in enumerate(drafts, start=1):
        ref = f"S-{n:04d}"
        sessions.append({"ref": ref, **session})
        attendance.extend({"session_ref": ref, "participant_code": code, "status": status}
                          for code, status in marks)
    return sessions, attendance


def _adaptation_dates(rng: random.Random, stage: str, proposed: date) -> dict[str, date | None]:
    """Dates after proposed_on for a stage, each at or after the one before it."""
    out: dict[str, date | None] = {"agreed_on": None, "in_use_on": None, "evaluated_on": None,
                                   "dropped_on": None}
    if stage == "proposed":
        return out
    if stage == "dropped":
        last = proposed
        if rng.random() < 0.5:
            out["agreed_on"] = last = proposed + timedelta(days=rng.randint(7, 21))
            out["in_use_on"] = last = last + timedelta(days=rng.randint(7, 21))
        out["dropped_on"] = last + timedelta(days=rng.randint(20, 45))
        return out
    out["agreed_on"] = proposed + timedelta(days=rng.randint(7, 25))
    if stage in ("in_use", "evaluated"):
        out["in_use_on"] = out["agreed_on"] + timedelta(days=rng.randint(7, 30))
    if stage == "evaluated":
        out["evaluated_on"] = out["in_use_on"] + timedelta(days=rng.randint(60, 120))
    return out


# The latest proposal date that leaves room for the later dates of a stage before today.
_STAGE_ROOM = {"proposed": (3, 60), "agreed": (25, 120), "in_use": (60, None), "evaluated": (180, None),
               "dropped": (90, None)}


def _adaptations(rng: random.Random, companies: list[dict[str, Any]], participants: list[dict[str, Any]],
                 today: date) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    n = 0
    for ci, company in enumerate(companies):
        staff = [p for p in participants if p["business_id"] == company["business_id"]]
        owners = (_COMPANIES[ci].supervisor, company["contact_name"])
        for k in range(rng.randint(3, 5)):
            stage = _STAGE_CYCLE[n % len(_STAGE_CYCLE)]
            min_room, max_room = _STAGE_ROOM[stage]
            high = today - timedelta(days=min_room)
            low = company["joined_on"] + timedelta(days=14)
            if max_room is not None:
                low = max(low, today - timedelta(days=max_room))
            personal = k % 2 == 1
            participant = None
            if personal:
                # A participant enrolled (and not yet left) at some day of the window.
                fits = [p for p in staff if p["enrolled_on"] <= high
                        and (p["exited_on"] is None or p["exited_on"] >= max(low, p["enrolled_on"]))]
                if fits:
                    participant = rng.choice(fits)
                    low = max(low, participant["enrolled_on"])
                    if participant["exited_on"] is not None:
                        high = min(high, participant["exited_on"])
            kind = rng.choice(_PERSONAL_TYPES if participant else _WORKPLACE_TYPES)
            proposed = _between(rng, low, high)
            n += 1
            dated = _adaptation_dates(rng, stage, proposed)
            rows.append({
                "ref": f"A-{n:03d}", "business_id": company["business_id"],
                "participant_code": participant["code"] if participant else None, "type": kind,
                "description": rng.choice(_ADAPTATIONS[kind]).format(vocab=_COMPANIES[ci].vocabulary),
                "proposed_on": proposed, **dated,
                "effect": _weighted(rng, ((2, 1), (3, 3), (4, 5), (5, 3))) if dated["evaluated_on"] else None,
                "owner": rng.choice(owners),
            })
    return rows


_YKI_BANDS = (1, 4, 6, 8, 10, 11)  # ordinals of A1.1, A2.1, B1.1, B2.1, C1, C2


def _assessments(rng: random.Random, participants: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p in participants:
        until = min(p["exited_on"] or today, today)
        base = rng.randint(1, 5)
        level = {"speaking": base + rng.choice((0, 1)), "listening": base + rng.choice((0, 1, 1)),
                 "reading": base + rng.choice((-1, 0, 0)), "writing": base + rng.choice((-1, -1, 0))}
        level = {s: max(1, v) for s, v in level.items()}
        day = p["enrolled_on"] + timedelta(days=rng.randint(0, 14))
        visits: list[tuple[date, dict[str, int]]] = []
        while day <= until:
            visits.append((day, dict(level)))
            level = {s: min(len(LEVELS), v + rng.choice((0, 1, 1, 1, 2))) for s, v in level.items()}
            day += timedelta(days=rng.randint(90, 130))
        for day, levels in visits:
            rows.extend({"participant_code": p["code"], "skill": s, "assessed_on": day, "source": "coach",
                         "level": LEVELS[levels[s] - 1]} for s in codes.SKILLS)
        if len(visits) >= 2 and rng.random() < 0.4:
            # A YKI exam between two coach visits: the band the coach level falls in, all four skills.
            (prev, levels), (nxt, _) = visits[-2], visits[-1]
            exam = _between(rng, prev + timedelta(days=10), nxt - timedelta(days=10))
            rows.extend({"participant_code": p["code"], "skill": s, "assessed_on": exam, "source": "yki",
                         "level": LEVELS[max(b for b in _YKI_BANDS if b <= levels[s]) - 1]}
                        for s in codes.SKILLS)
        if visits and rng.random() < 0.45:
            # Self-assessments of speaking and listening at the first and latest visit.
            for day, levels in {visits[0][0]: visits[0][1], visits[-1][0]: visits[-1][1]}.items():
                rows.extend({"participant_code": p["code"], "skill": s, "assessed_on": day, "source": "self",
                             "level": LEVELS[min(len(LEVELS), max(1, levels[s] + rng.choice((-1, 0, 1)))) - 1]}
                            for s in ("speaking", "listening"))
    return rows


# Paths through the labour market from enrolment: (status, months until the next step, where).
_PATHS = {
    "employee": (("fixed_term", 8, "company"), ("permanent", 0, "company")),
    "trial_to_job": (("work_trial", 4, "company"), ("fixed_term", 9, "company"), ("permanent", 0, "company")),
    "jobseeker": (("unemployed", 2, None), ("work_trial", 5, "company"), ("apprenticeship", 0, "company")),
    "training": (("training", 3, None), ("work_trial", 3, "company"), ("fixed_term", 0, "company")),
    "stable": (("permanent", 0, "company"),),
}
_PATH_WEIGHTS = (("employee", 30), ("trial_to_job", 25), ("jobseeker", 20), ("training", 10), ("stable", 15))
_EXIT_STATUSES = (("permanent", 4), ("fixed_term", 3), ("apprenticeship", 1), ("unemployed", 2), ("training", 1))


def _job_row(rng: random.Random, code: str, day: date, status: str, employer: str | None,
             subsidised_ok: bool) -> dict[str, Any]:
    employed = codes.is_employed(status)
    if employed:
        hours = _hours(rng, 20, 37.5)
    elif status == "work_trial":
        hours = _hours(rng, 20, 30)
    else:
        hours = None
    return {"participant_code": code, "effective_on": day, "status": status, "weekly_hours": hours,
            # Pay subsidy (palkkatuki) only ever with employment.
            "subsidised": (subsidised_ok and status != "permanent") if employed else None,
            "employer_business_id": employer if employed or status == "work_trial" else None}


def _employment(rng: random.Random, participants: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """One row at enrolment, changes over time, a row at exit and, for some, a follow-up row.

    Work trials last at most five months and the next row (or today) always ends them, so no one
    exceeds six months with one employer or twelve in all. No work trial starts at or after exit.
    """
    rows: list[dict[str, Any]] = []
    no_followup_left = 1  # one early leaver gets no row after exit (the follow-up stays as at exit)
    for p in participants:
        code, company, exited = p["code"], p["business_id"], p["exited_on"]
        path = _PATHS[_weighted(rng, _PATH_WEIGHTS)]
        subsidised_path = path[0][0] in ("work_trial", "unemployed", "training")
        horizon = exited or (today + timedelta(days=1))
        day = p["enrolled_on"]
        for status, months, where in path:
            if day >= horizon or day > today:
                break
            employer = company if where == "company" else None
            rows.append(_job_row(rng, code, day, status, employer, subsidised_path))
            if not months:
                break
            day = dates.add_months(day, months) + timedelta(days=rng.randint(-10, 10))
        if exited is None:
            continue
        status = _weighted(rng, _EXIT_STATUSES)
        employer = company if rng.random() < 0.6 else rng.choice(OUTSIDE_EMPLOYERS)
        rows.append(_job_row(rng, code, exited, status, employer, rng.random() < 0.3))
        follow = dates.add_months(exited, rng.randint(2, 5))
        if dates.add_months(exited, 6) > today or follow > today:
            continue
        if no_followup_left:
            no_followup_left -= 1
            continue
        later = "permanent" if codes.is_employed(status) or rng.random() < 0.5 else "fixed_term"
        if rng.random() < 0.15:
            later = "unemployed"
        rows.append(_job_row(rng, code, follow, later, rng.choice(OUTSIDE_EMPLOYERS + (employer,)), False))
    return rows


_FOLLOWUP_SOURCES = (("phone", 6), ("email", 2), ("employer", 2), ("register", 1), ("meeting", 1))
_FOLLOWUP_NOTES = ("Soitettu, vastasi heti.", "Työnantaja vahvisti tilanteen.", "Sähköpostiin tuli vastaus.", None, None)


def _followups(rng: random.Random, participants: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """The 6-month follow-ups after exit (DATA-FILES.md ``followups``): asked of most whose window
    (exit + 5 .. 8 months) has begun, some asked twice because the first call reached no one, some
    due ones never asked, some never reached. A reached one records what the person said."""
    rows: list[dict[str, Any]] = []
    for p in participants:
        exited = p["exited_on"]
        if exited is None or dates.add_months(exited, 5) > today:
            continue
        end = min(dates.add_months(exited, 8), today)
        if rng.random() < 0.25:  # due, never asked
            continue
        day = min(dates.add_months(exited, 6) + timedelta(days=rng.randint(-20, 20)), end)
        day = max(day, dates.add_months(exited, 5))
        tries = [day]
        if rng.random() < 0.35 and (end - day).days > 10:  # first call not answered, a second try later
            tries.append(day + timedelta(days=rng.randint(7, min(30, (end - day).days))))
        for i, on in enumerate(tries):
            reached = i == len(tries) - 1 and not (len(tries) == 1 and rng.random() < 0.15)
            status = _weighted(rng, (("permanent", 4), ("fixed_term", 3), ("apprenticeship", 1), ("training", 1),
                                     ("unemployed", 3), ("other", 1))) if reached else None
            employed = codes.is_employed(status)
            rows.append({"participant_code": p["code"], "contacted_on": on, "reached": reached, "status": status,
                         "weekly_hours": _hours(rng, 20, 40) if employed and rng.random() < 0.8 else None,
                         "subsidised": (rng.random() < 0.2) if employed else None,
                         "source": _weighted(rng, _FOLLOWUP_SOURCES) if reached else "phone",
                         "notes": rng.choice(_FOLLOWUP_NOTES) if reached else "Ei vastannut."})
    return rows


def _feedback(rng: random.Random, companies: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for company in companies:
        score = rng.choice((2, 3, 3, 4))
        day = dates.add_months(company["joined_on"], 2)
        while day <= today:
            rows.append({"business_id": company["business_id"], "given_on": day, "score": score,
                         "comment": rng.choice(_FEEDBACK[score]) if rng.random() < 0.75 else None})
            # Satisfaction tends to grow as the work gets going, with the odd dip.
            score = max(1, min(5, score + rng.choice((-1, 0, 0, 1, 1))))
            day = dates.add_months(day, 3) + timedelta(days=rng.randint(-7, 7))
    return rows


def _costs(rng: random.Random, companies: list[dict[str, Any]], start: date, today: date) -> list[dict[str, Any]]:
    """Per year about 67 000 service purchases, 33 000 grants, 50 000 co-funding, 30 000 staff, 4 000 other."""
    drafts: list[dict[str, Any]] = []

    def add(day: date, category: str, amount: Decimal, description: str, business_id: str | None) -> None:
        if start <= day <= today:
            drafts.append({"incurred_on": day, "category": category, "amount_eur": amount,
                           "description": description, "business_id": business_id})

    month = date(start.year, start.month, 1)
    while month <= today:
        label = f"{_MONTH_FI[month.month - 1]} {month.year}"
        for ci, company in enumerate(companies):
            if company["joined_on"] <= dates.add_months(month, 1) - timedelta(days=1):
                add(month.replace(day=28), "service_purchase", _money(rng, 550, 850),
                    f"S2-opetuksen palveluosto, {label}", company["business_id"])
            if rng.random() < 0.08 and company["joined_on"] <= month:
                add(month.replace(day=rng.randint(1, 28)), "grant", _money(rng, 2500, 4000),
                    "Avustus työnkuvan muokkaukseen", company["business_id"])
        add(month.replace(day=15), "staff", _money(rng, 2300, 2700), f"Koordinaattorin palkkakulut, {label}", None)
        add(month.replace(day=rng.randint(1, 28)), "other", _money(rng, 150, 450),
            rng.choice(("Materiaalit ja tulosteet", "Käännöspalvelu", "Tilavuokra koulutuspäivälle",
                        "Matkakulut työpaikkakäynneille")), None)
        if month.month in (1, 4, 7, 10):
            add(month.replace(day=20), "co_funding", _money(rng, 11000, 14000),
                "Kuntarahoitusosuus ulkopuoliseen hankkeeseen", None)
        month = dates.add_months(month, 1)
    drafts.sort(key=lambda r: (r["incurred_on"], r["category"], r["business_id"] or ""))
    return [{"ref": f"C-{n:04d}", **row} for n, row in enumerate(drafts, start=1)]


_SURVEY_COMMENTS = {
    1: ("Suomen kieli on meillä vielä kynnys.", "Asiakastyössä kielitaito on välttämätön."),
    2: ("Ohjaus vie esihenkilöiltä aikaa.", "Kokeilisimme, jos tukea on saatavilla."),
    3: ("Selkokieliset ohjeet ovat auttaneet.", "Perehdytys sujuu jo paremmin."),
    4: ("Kielivalmennus on madaltanut kynnystä.", "Olemme valmiita palkkaamaan lisää."),
    5: ("Kielitaso ei ole enää este rekrytoinnille.",),
}


def _hiring(rng: random.Random, companies: list[dict[str, Any]], participants: list[dict[str, Any]],
            today: date) -> dict[str, list[dict[str, Any]]]:
    """Employer surveys and hires (issue 15). Most companies answer when they join and some again
    after 6-12 months, readiness rising for most but not all; a few answer late (no baseline). A
    few hires a year per company, some of them participants (hired_on after they enrolled)."""
    surveys: list[dict[str, Any]] = []
    for i, company in enumerate(companies):
        joined = company["joined_on"]
        # Not every workplace warms up: every fourth stays where it was or dips.
        steps = (-1, 0, 0) if i % 4 == 2 else (-1, 0, 1, 1, 1, 1, 2)
        late = rng.random() < 0.12
        day = joined + timedelta(days=rng.randint(100, 160) if late else rng.randint(0, 30))
        readiness = rng.choice((1, 2, 2, 2, 3, 3))
        planned = rng.choice((0, 0, 1, 1, 2))
        while day <= today:
            surveys.append({"business_id": company["business_id"], "answered_on": day, "readiness": readiness,
                            "planned_hires_12m": planned if rng.random() < 0.9 else None,
                            "comment": rng.choice(_SURVEY_COMMENTS[readiness]) if rng.random() < 0.5 else None})
            if rng.random() < 0.15:
                break  # not every company answers again
            readiness = max(1, min(5, readiness + rng.choice(steps)))
            planned = max(0, planned + rng.choice((-1, 0, 1, 1)))
            day = dates.add_months(day, rng.randint(6, 12)) + timedelta(days=rng.randint(-5, 5))
    hires: list[dict[str, Any]] = []
    by_company: dict[str, list[dict[str, Any]]] = {}
    for p in participants:
        by_company.setdefault(p["business_id"], []).append(p)
    for company in companies:
        joined = company["joined_on"]
        span = (today - joined).days
        if span < 30:
            continue
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            hired_on = joined + timedelta(days=rng.randint(30, span))
            employee = rng.choice(by_company.get(company["business_id"], [None]))
            of_participant = (employee is not None and rng.random() < 0.35 and employee["enrolled_on"] < hired_on)
            contract = rng.choice(("permanent", "fixed_term", "fixed_term", "apprenticeship"))
            hires.append({"business_id": company["business_id"], "hired_on": hired_on, "contract": contract,
                          "weekly_hours": _hours(rng, 20, 37.5) if rng.random() < 0.8 else None,
                          "participant_code": employee["code"] if of_participant else None,
                          "occupation_code": (employee["occupation_code"] if of_participant and employee else None)
                          or rng.choice(("9112", "5120", "9412", "5322", None))})
    hires.sort(key=lambda r: (r["hired_on"], r["business_id"]))
    return {"employer_surveys": surveys, "hires": [{"ref": f"H-{n:03d}", **r} for n, r in enumerate(hires, 1)]}


def load(engine: Engine, seed: int = 2024, today: date | None = None) -> dict[str, int]:
    """Write the demo pilot into an empty migrated database in one transaction; counts per table."""
    if not db.is_empty(engine):
        # The demo's natural keys would clash with, or quietly mix into, real records.
        raise ValueError("the database already holds data")
    data = build(seed, today)
    with db.transaction(engine) as conn:
        counts = {"companies": bulk.insert_many(conn, "companies", data["companies"])}
        company = bulk.ids_by_key(conn, "companies")
        user_ids: dict[str, int] = {}
        for u in data["users"]:
            user_ids[u["username"]] = users.create_user(
                conn, u["username"], u["role"], display_name=u["display_name"],
                password_hash=u["password_hash"], whole_pilot=u["whole_pilot"])
            for business_id in u["companies"]:
                users.bind_company(conn, user_ids[u["username"]], company[business_id])
        counts["users"] = len(user_ids)

        def coach(row: dict[str, Any]) -> int | None:
            return user_ids[row["coach"]] if row["coach"] else None

        counts["participants"] = bulk.insert_many(conn, "participants", (
            {**r, "company_id": company[r["business_id"]], "coach_id": coach(r)} for r in data["participants"]))
        participant = bulk.ids_by_key(conn, "participants")
        counts["sessions"] = bulk.insert_many(conn, "sessions", (
            {**r, "company_id": company[r["business_id"]], "coach_id": coach(r)} for r in data["sessions"]))
        session = bulk.ids_by_key(conn, "sessions")
        counts["attendance"] = bulk.insert_many(conn, "attendance", (
            {"session_id": session[r["session_ref"]], "participant_id": participant[r["participant_code"]],
             "status": r["status"]} for r in data["attendance"]))
        counts["adaptations"] = bulk.insert_many(conn, "adaptations", (
            {**r, "company_id": company[r["business_id"]],
             "participant_id": participant[r["participant_code"]] if r["participant_code"] else None}
            for r in data["adaptations"]))
        for table in ("assessments", "employment", "followups"):
            counts[table] = bulk.insert_many(conn, table, (
                {**r, "participant_id": participant[r["participant_code"]]} for r in data[table]))
        counts["feedback"] = bulk.insert_many(conn, "feedback", (
            {**r, "company_id": company[r["business_id"]]} for r in data["feedback"]))
        counts["costs"] = bulk.insert_many(conn, "costs", (
            {**r, "company_id": company[r["business_id"]] if r["business_id"] else None} for r in data["costs"]))
        counts["appropriations"] = bulk.insert_many(conn, "appropriations", data["appropriations"])
        counts["employer_surveys"] = bulk.insert_many(conn, "employer_surveys", (
            {**r, "company_id": company[r["business_id"]]} for r in data["employer_surveys"]))
        counts["hires"] = bulk.insert_many(conn, "hires", (
            {**r, "company_id": company[r["business_id"]],
             "participant_id": participant[r["participant_code"]] if r["participant_code"] else None}
            for r in data["hires"]))
    return counts
