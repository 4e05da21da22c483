"""A printable one-page participant summary for a coaching conversation (issue 17), fi/sv/en.

``build()`` reads what the caller may see of one participant (their scope, applied by the same
queries the participant page uses), puts the read on record and returns a ``Summary``; ``to_pdf()``
writes it on one A4 page with fpdf2 and the DejaVu fonts, like the follow-up report
(pilot/report.py). A long history keeps its newest rows and says how many earlier ones it left out,
so the page never runs over.

Who sees what (shared/spec/PILOT.md, data protection): a coach and an admin see the participant of
their scope with the display name; an employer only a participant of their company who agreed to
share, by code, with assessed levels (no self-assessments), the company's adaptations and the
employment status without hours or pay subsidy (as on the employer's page); employment services
never see one person, so they are refused like anyone outside the scope.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from pilot.access import AccessDenied, Scope
from pilot.domain.codes import SKILLS
from pilot.domain.dates import today
from pilot.domain.levels import TARGET_LEVEL
from pilot.domain.work_checks import STAGE_DATE
from pilot import names
from pilot.i18n import format_date, normalise_lang, t
from pilot.records import adaptations, assessments, audit, employment, participants

ROLES = ("coach", "admin", "employer")  # services see the pilot as figures, never one person
ENTITY = "participant_summary"          # the audit log's name for a summary handed out
DESCRIPTION_CHARS = 110                  # an adaptation's description is cut here: one or two lines
NOT_TESTED = "X"


@dataclass
class Summary:
    """What one summary shows, already in the reader's scope; texts are made in ``to_pdf``."""

    lang: str
    made_on: date
    code: str
    name: str | None
    company: str
    job_title: str | None
    enrolled_on: date
    exited_on: date | None
    for_employer: bool
    levels: list[dict[str, Any]] = field(default_factory=list)       # newest first: on, source, skill -> level
    adaptations: list[dict[str, Any]] = field(default_factory=list)  # newest proposal first
    employment: list[dict[str, Any]] = field(default_factory=list)   # newest first


def _level_rows(rows: list[dict[str, Any]], with_self: bool) -> list[dict[str, Any]]:
    """One row per assessment day and source, a level per skill ('X' where not tested)."""
    out: dict[tuple[date, str], dict[str, Any]] = {}
    for row in rows:
        if row["source"] == "self" and not with_self:
            continue
        entry = out.setdefault((row["assessed_on"], row["source"]),
                               {"on": row["assessed_on"], "source": row["source"], **{s: NOT_TESTED for s in SKILLS}})
        entry[row["skill"]] = row["level"]
    return sorted(out.values(), key=lambda r: (r["on"], r["source"]), reverse=True)


def build(conn: Connection, scope: Scope, participant_id: int, lang: str, made_on: date | None = None) -> Summary:
    """The summary of one participant as ``scope`` may see it; the read is on record.

    Raises AccessDenied for a role that never sees one person or a participant outside the scope
    (for an employer: of another company, or not shared), and writes nothing then.
    """
    if scope.role not in ROLES:
        raise AccessDenied(scope.role)
    person = participants.get_participant(conn, scope, participant_id)
    if person is None:
        raise AccessDenied(participant_id)
    for_employer = scope.role == "employer"
    levels = _level_rows(assessments.for_participant(conn, scope, participant_id), with_self=not for_employer)
    adapted = sorted(adaptations.list_adaptations(conn, scope, participant_id=participant_id),
                     key=lambda a: (a["proposed_on"], a["id"]), reverse=True)
    history = list(reversed(employment.history(conn, participant_id)))
    if for_employer:  # the employer's page shows the status only (pilot/records/outcomes.shared_progress)
        history = [{"effective_on": h["effective_on"], "status": h["status"]} for h in history]
    lang = normalise_lang(lang)
    audit.record(conn, scope, "read", ENTITY, participant_id, reason=lang)
    return Summary(lang=lang, made_on=made_on or today(), code=person["code"],
                   name=person["display_name"] if scope.sees_names else None,
                   company=person["company_name"], job_title=person["job_title"],
                   enrolled_on=person["enrolled_on"], exited_on=person["exited_on"], for_employer=for_employer,
                   levels=levels, adaptations=adapted, employment=history)


def file_name(code: str, lang: str, made_on: date | None = None) -> str:
    """e.g. yhteenveto-P-0042-2025-03-15.pdf (the code only: a file name travels further than the page)."""
    return f"{t('summary.file', lang)}-{code}-{(made_on or today()).isoformat()}.pdf"


def fonts_missing() -> bool:
    """True where the DejaVu fonts the PDF needs are not installed (the page says so instead)."""
    from pilot.report import ReportError, _font_files
    try:
        _font_files()
    except ReportError:
        return True
    return False


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DESCRIPTION_CHARS else text[:DESCRIPTION_CHARS - 1].rstrip() + "…"


def _tables(item: Summary) -> list[tuple[str, list[str], list[list[str]], tuple[float, ...]]]:
    """The three sections: (heading key, column headers, rows newest first, column shares)."""
    lang = item.lang
    levels = [[format_date(r["on"], lang), names.code("source", r["source"], lang)] + [r[s] for s in SKILLS]
              for r in item.levels]
    adapted = [[names.code("adaptation_type", a["type"], lang), _short(a["description"]),
                names.code("stage", a["stage"], lang),
                format_date(a.get(STAGE_DATE[a["stage"]]) or a["proposed_on"], lang),
                format_date(a["proposed_on"], lang)] for a in item.adaptations]
    if item.for_employer:
        jobs = [[format_date(h["effective_on"], lang), names.code("employment_status", h["status"], lang)]
                for h in item.employment]
        job_headers = ["summary.col.date", "summary.col.status"]
        job_widths: tuple[float, ...] = (1, 3)
    else:
        jobs = [[format_date(h["effective_on"], lang), names.code("employment_status", h["status"], lang),
                 names.number(h["weekly_hours"], lang), names.yes_no(h["subsidised"], lang)]
                for h in item.employment]
        job_headers = ["summary.col.date", "summary.col.status", "summary.col.hours", "summary.col.subsidised"]
        job_widths = (1, 2.2, 1, 1)
    return [
        ("summary.levels", ["summary.col.date", "summary.col.source"] + [f"code.skill.{s}" for s in SKILLS],
         levels, (1.1, 1.4, 1, 1, 1, 1)),
        ("summary.adaptations", ["summary.col.type", "summary.col.description", "summary.col.stage",
                                 "summary.col.stage_on", "summary.col.proposed_on"], adapted, (2.0, 2.5, 1.3, 1.1, 1.1)),
        ("summary.employment", job_headers, jobs, job_widths),
    ]


def _render(item: Summary, limits: list[int]) -> tuple[bytes, int]:
    """The PDF with at most ``limits[i]`` rows of section i; returns it and its page count."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from pilot.report import _font_files  # the report's fonts, and its sentence when they are missing

    lang = item.lang
    pdf = FPDF(format="A4", unit="mm")
    for style, path in _font_files().items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(f"{t('summary.title', lang)} {item.code}")
    pdf.set_lang(lang)
    pdf.set_creator("pilot")
    pdf.add_page()
    width = pdf.epw
    heading_face = FontFace(emphasis="BOLD", fill_color=(230, 236, 245))

    def line(text: str, size: float, style: str = "", grey: bool = False, height: float = 5) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(*((80, 80, 80) if grey else (0, 0, 0)))
        pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    line(t("report.pilot_name", lang), 8.5, grey=True, height=4.5)
    line(t("summary.title", lang), 16, "B", height=8)
    line(f"{item.code} {item.name}" if item.name else item.code, 12.5, "B", height=6.5)
    facts = [f"{t('summary.company', lang)}: {item.company}"]
    if item.job_title:
        facts.append(f"{t('summary.job_title', lang)}: {item.job_title}")
    facts.append(f"{t('summary.enrolled_on', lang)}: {format_date(item.enrolled_on, lang)}")
    if item.exited_on:
        facts.append(f"{t('summary.exited_on', lang)}: {format_date(item.exited_on, lang)}")
    line(" · ".join(facts), 9, height=4.8)
    line(t("summary.made_on", lang, date=format_date(item.made_on, lang))
         + (f" · {t('summary.shared', lang)}" if item.for_employer else ""), 8.5, grey=True, height=4.5)

    for (key, headers, rows, shares), limit in zip(_tables(item), limits):
        pdf.ln(3)
        line(t(key, lang), 11.5, "B", height=6.5)
        if key == "summary.levels":
            line(t("summary.target", lang, level=TARGET_LEVEL), 8, grey=True, height=4)
        if not rows:
            line(t("summary.nothing", lang), 9, grey=True)
            continue
        total = sum(shares)
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=tuple(width * s / total for s in shares), width=width, line_height=4.2,
                       headings_style=heading_face, padding=1, first_row_as_headings=True, text_align="LEFT") as table:
            for row in [[t(h, lang) for h in headers]] + rows[:limit]:
                cells = table.row()
                for cell in row:
                    cells.cell(cell)
        if len(rows) > limit:
            line(t("summary.more", lang, count=len(rows) - limit), 8, grey=True, height=4)

    pdf.set_auto_page_break(False)
    pdf.set_y(-16)
    line(t("summary.confidential", lang), 7.5, grey=True, height=4)
    return bytes(pdf.output()), pdf.page_no()


def to_pdf(item: Summary) -> bytes:
    """The summary on one A4 page: while it runs over, the longest section keeps fewer (newest) rows."""
    limits = [len(rows) for _, _, rows, _ in _tables(item)]
    while True:
        pdf, pages = _render(item, limits)
        if pages == 1 or not any(limits):
            return pdf
        longest = max(range(len(limits)), key=lambda i: limits[i])
        limits[longest] -= max(1, limits[longest] // 10)
