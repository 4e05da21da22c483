"""The follow-up report (seurantaraportti) of the pilot, in fi, sv or en, as PDF or HTML.

It follows the form of the city's own follow-up report of the Dynamic Espoo programme: overall
situation and key results, realised costs and funding, alignment with the UN SDGs (8, 4, 10) and
plans for the next year. The report leaves the pilot team, so its indicators go through the
small-number rule (pilot/disclosure.py, via ``indicators.suppress``) and it never names a
participant. A company's report (for the employer, or the coach's company visit) follows the
employer's rule: exact only when every participant counted agreed to share with the employer.

Flow: ``build()`` gathers the figures and the charts (plotly figures, language-specific);
``render_images()`` turns the charts into PNGs with kaleido and the system's Chromium, all in one
browser session (a cold start takes seconds); ``to_pdf()`` (fpdf2 with DejaVu, so ä/ö/å and "–"
render) and ``to_html()`` (self-contained: plotly.js inlined, nothing loads from the internet)
write the documents. Without Chromium, or when rendering fails, the PDF shows each chart's figures
as a table with a note instead of the image.
"""
from __future__ import annotations

import asyncio
import html
import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from sqlalchemy.engine import Connection

from pilot import charts, indicators
from pilot.config import settings
from pilot.domain.codes import ADAPTATION_STAGES, COST_CATEGORIES, SKILLS
from pilot.i18n import babel_locale, format_date, format_number, format_percent_value, label, normalise_lang, t
from pilot.records import quotes, report_data

log = logging.getLogger("pilot.report")

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FORMATS = ("pdf", "html")
# Ordered as in the city's report: results first, money after.
OUTCOME_RATES = ("attendance_rate", "employed_at_exit_rate", "employed_6m_after_exit_rate", "improved_6m_rate")
SDG_INDICATORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("8", ("participants_exited", "employed_at_exit_rate", "followup_6m_reach_rate", "employed_6m_after_exit_rate",
           "improved_6m_rate", "companies_hiring", "hires_total", "hires_of_participants")),
    ("4", ("coaching_hours", "participant_hours", "attendance_rate", "language")),
    ("10", ("participants_enrolled", "companies_active", "participants_with_adaptation_in_use",
            "adaptation_mean_effect", "employer_satisfaction_mean", "hiring_readiness")),
)
# The pilot's own question (issue 15): its section's chart, counts of companies and hires.
HIRING_COUNTS = ("companies_hiring", "hires_total", "hires_of_participants")
RENDER_TIMEOUT_S = 120


class ReportError(Exception):
    """The report cannot be written at all; ``key`` is the message for the user."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Chart:
    """One chart: its figure, and the same figures as a table (PDF fallback, HTML data view)."""

    key: str
    section: str
    title: str
    figure: go.Figure
    headers: list[str]
    rows: list[list[str]]
    empty: bool = False  # no bar to draw (every value held back or missing): a sentence instead


@dataclass
class Report:
    """Everything a document needs, already suppressed and translated."""

    as_of: date
    made_on: date
    lang: str
    figures: dict[str, Any]
    costs: dict[int, dict[str, Decimal]]
    appropriations: dict[int, Decimal]
    charts: list[Chart] = field(default_factory=list)
    company: str | None = None     # a per-company report (the employer's, the coach's company visit)
    exact: bool = False            # the figures are exact (a company whose every participant agreed)
    plan_year: int | None = None   # the plans' year; None: the year after R's
    quotes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # theme -> marked texts (no names)


def file_name(lang: str, as_of: date, business_id: str | None = None) -> str:
    """The report's file name (without suffix) in the report's language."""
    lang = normalise_lang(lang)
    company = f"-{business_id}" if business_id else ""
    return f"{t('disclosure.report.file', lang)}{company}-{as_of.isoformat()}-{lang}"


# --- Figures -------------------------------------------------------------------------------------

def show(key: str, value: Any, lang: str) -> str:
    """One indicator value in the reader's locale: "<5" and "–" (suppressed or no data) as is."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if key.endswith("_rate") or key.endswith("_share"):
        return format_percent_value(value, lang, 1)
    if key.endswith("_eur"):
        return format_number(value, lang, 2) + " €"
    if key.endswith("_hours"):
        return format_number(value, lang, 1)
    if key.endswith("_mean") or key.endswith("_effect") or key in ("mean_gain", "mean_change"):
        return format_number(value, lang, 2)
    return format_number(value, lang)


def money(value: Decimal | float | None, lang: str) -> str:
    return "–" if value is None else format_number(value, lang, 2) + " €"


def _label(key: str, lang: str) -> str:
    return t(f"indicator.{key}.label", lang)


def _language_text(entry: dict[str, Any], lang: str) -> str:
    return t("indicators.language_entry", lang, n=show("n", entry["n"], lang),
             mean_gain=show("mean_gain", entry["mean_gain"], lang),
             improved_share=show("improved_share", entry["improved_share"], lang))


def indicator_rows(figures: dict[str, Any], lang: str, keys: tuple[str, ...] | None = None,
                   with_definitions: bool = True) -> list[list[str]]:
    """Rows (label, value[, definition]) for the indicator table; nested indicators get one row
    per skill or stage, with the definition on the first of them."""
    defs = indicators.definitions(lang)
    rows: list[list[str]] = []
    for key in keys or indicators.INDICATOR_KEYS:
        value = figures[key]
        if key == "language":
            parts = [(f"{_label(key, lang)}: {t(f'code.skill.{s}', lang)}", _language_text(value[s], lang))
                     for s in SKILLS]
        elif key == "adaptations":
            parts = [(f"{_label(key, lang)}: {t(f'code.stage.{s}', lang)}", show(key, value[s], lang))
                     for s in ADAPTATION_STAGES]
        elif key == "hiring_readiness":  # n, mean change, improved share (companies)
            parts = [(_label(key, lang), t("hiring.readiness_entry", lang, n=show("n", value["n"], lang),
                                           mean_change=show("mean_change", value["mean_change"], lang),
                                           improved_share=show("improved_share", value["improved_share"], lang)))]
        else:
            parts = [(_label(key, lang), show(key, value, lang))]
        for i, (name, shown) in enumerate(parts):
            rows.append([name, shown, defs[key] if i == 0 else ""] if with_definitions else [name, shown])
    return rows


def _years(report: Report) -> list[int]:
    return sorted(set(report.costs) | set(report.appropriations))


def cost_table(report: Report) -> tuple[list[str], list[list[str]]]:
    """Categories down, years across; then totals, the appropriation and the share used."""
    lang = report.lang
    years = _years(report)
    headers = [t("report.costs.category", lang)] + [str(y) for y in years]
    rows = []
    for category in COST_CATEGORIES:
        rows.append([t(f"code.cost_category.{category}", lang)] +
                    [money(report.costs.get(y, {}).get(category, Decimal(0)), lang) for y in years])
    totals = {y: sum(report.costs.get(y, {}).values(), Decimal(0)) for y in years}
    rows.append([t("report.costs.total_row", lang)] + [money(totals[y], lang) for y in years])
    rows.append([t("report.costs.appropriation", lang)] +
                [money(report.appropriations.get(y), lang) for y in years])
    rows.append([t("report.costs.used", lang)] + [
        format_percent_value(float(totals[y] / report.appropriations[y]), lang, 1)
        if report.appropriations.get(y) else "–" for y in years])
    return headers, rows


def _bars(report: Report, key: str, names: list[str], values: list, texts: list[str], colour: str,
          value_header: str, **options) -> Chart:
    """One bar chart of the report (title and axis from report.chart.<key>.*) and its table."""
    lang = report.lang
    title = t(f"report.chart.{key}.title", lang)
    fig = charts.report_bars(names, values, texts, title, t(f"report.chart.{key}.axis", lang),
                             colour=charts.OKABE_ITO[colour], **options)
    return Chart(key, "overall", title, fig, [t("report.chart.item", lang), t(value_header, lang)],
                 [list(p) for p in zip(names, texts)], empty=all(v is None for v in values))


def _chart_outcomes(report: Report) -> Chart:
    lang, f = report.lang, report.figures
    return _bars(report, "outcomes", [_label(k, lang) for k in OUTCOME_RATES], [f[k] for k in OUTCOME_RATES],
                 [show(k, f[k], lang) for k in OUTCOME_RATES], "blue", "report.chart.value",
                 axis_max=1.15, percent=True)


def _chart_language(report: Report) -> Chart:
    lang, entries = report.lang, report.figures["language"]
    return _bars(report, "language", [t(f"code.skill.{s}", lang) for s in SKILLS],
                 [entries[s]["mean_gain"] for s in SKILLS],
                 [show("mean_gain", entries[s]["mean_gain"], lang) for s in SKILLS],
                 "green", "report.chart.language.axis")


def _chart_adaptations(report: Report) -> Chart:
    lang, stages = report.lang, report.figures["adaptations"]
    # "<5" has no height: the bar is left out and its row says "<5".
    return _bars(report, "adaptations", [t(f"code.stage.{s}", lang) for s in ADAPTATION_STAGES],
                 [stages[s] if isinstance(stages[s], (int, float)) else None for s in ADAPTATION_STAGES],
                 [show("adaptations", stages[s], lang) for s in ADAPTATION_STAGES],
                 "orange", "report.chart.adaptations.axis")


def _chart_costs(report: Report) -> Chart:
    lang = report.lang
    years = _years(report)
    series = {t(f"code.cost_category.{c}", lang): [float(report.costs.get(y, {}).get(c, 0)) for y in years]
              for c in COST_CATEGORIES}
    appropriation = [float(report.appropriations[y]) if y in report.appropriations else None for y in years]
    title = t("report.chart.costs.title", lang)
    fig = charts.report_costs([str(y) for y in years], series, appropriation, {
        "title": title, "axis": t("report.chart.costs.axis", lang),
        "appropriation": t("report.costs.appropriation", lang)})
    headers, rows = cost_table(report)
    return Chart("costs", "costs", title, fig, headers, rows)


def _chart_hiring(report: Report) -> Chart:
    """Companies that answered twice, companies hiring, hires and hires of participants ("<5" draws
    no bar; its row says "<5")."""
    lang, f = report.lang, report.figures
    values = [f["hiring_readiness"]["n"], *(f[k] for k in HIRING_COUNTS)]
    names = [t("hiring.report.answered_twice", lang), *(_label(k, lang) for k in HIRING_COUNTS)]
    chart = _bars(report, "hiring", names, [v if isinstance(v, (int, float)) else None for v in values],
                  [show("n", v, lang) for v in values], "vermillion", "report.chart.value")
    chart.section = "hiring"
    return chart


def hiring_paragraphs(report: Report) -> list[str]:
    """The section "Employers' readiness to hire": the answers' change and the hires."""
    f, lang = report.figures, report.lang
    r = f["hiring_readiness"]
    return [t("hiring.report.question", lang),
            t("hiring.report.readiness", lang, n=show("n", r["n"], lang),
              mean_change=show("mean_change", r["mean_change"], lang),
              improved_share=show("improved_share", r["improved_share"], lang)),
            t("hiring.report.hires", lang, date=format_date(report.as_of), hires=show("n", f["hires_total"], lang),
              companies=show("n", f["companies_hiring"], lang),
              participants=show("n", f["hires_of_participants"], lang))]


def hiring_sdg_text(report: Report, goal: str) -> str | None:
    """What SDG 8 (decent work) and SDG 10 (reduced inequalities) cite from that section."""
    f, lang = report.figures, report.lang
    if goal == "8":
        return t("hiring.report.sdg8", lang, hires=show("n", f["hires_total"], lang),
                 participants=show("n", f["hires_of_participants"], lang))
    if goal == "10":
        return t("hiring.report.sdg10", lang,
                 mean_change=show("mean_change", f["hiring_readiness"]["mean_change"], lang),
                 n=show("n", f["hiring_readiness"]["n"], lang))
    return None


def build(conn: Connection, as_of: date, lang: str, made_on: date | None = None, company_id: int | None = None,
          plan_year: int | None = None) -> Report:
    """Gather the report's figures as of ``as_of`` and its charts. The whole pilot's report is
    under the small-number rule (pilot.disclosure); a company's report under the employer's rule:
    exact only when every participant counted agreed to share with the employer."""
    from pilot.domain.dates import today
    from pilot.records import outcomes

    lang = normalise_lang(lang)
    exact_figures = indicators.compute(conn, as_of, company_id)
    exact = company_id is not None and outcomes.employer_rule_exact(conn, company_id, as_of)
    figures = dict(exact_figures) if exact else indicators.suppress(exact_figures)
    costs = report_data.costs_by_year(conn, as_of, company_id)
    company = None
    if company_id is None:
        appropriations = report_data.appropriations(conn, as_of)
        # A year with costs but no appropriation row is followed against the configured default.
        for year in costs:
            appropriations.setdefault(year, Decimal(str(settings().appropriation_eur)))
    else:  # the appropriation is the whole pilot's, not split by company
        appropriations = {}
        company = report_data.company_name(conn, company_id)
    report = Report(as_of, made_on or today(), lang, figures, costs, appropriations, company=company,
                    exact=exact, plan_year=plan_year, quotes=quotes.marked(conn, as_of, company_id))
    report.charts = [_chart_outcomes(report), _chart_language(report), _chart_adaptations(report)]
    if _years(report):
        report.charts.append(_chart_costs(report))
    report.charts.append(_chart_hiring(report))
    separators = ".," if lang == "en" else ",\u00a0"  # decimal mark, then thousands
    for chart in report.charts:
        chart.figure.update_layout(separators=separators,
                                   font={"family": "DejaVu Sans, Arial, sans-serif", "size": 15})
    return report


# --- Texts ---------------------------------------------------------------------------------------

def quote_sections(report: Report) -> list[tuple[str, list[tuple[str, str]]]]:
    """The qualitative findings: per theme its label and its quotes as (text, "source, month year")."""
    from babel.dates import format_date as babel_date

    lang = report.lang
    return [(label("report_theme", theme, lang),
             [(q["text"], t("quotes.report.cite", lang, source=t(f"quotes.report.source.{q['source']}", lang),
                            month=babel_date(q["on"], "LLLL y", locale=babel_locale(lang)))) for q in items])
            for theme, items in report.quotes.items()]


def small_notes(report: Report) -> list[str]:
    """What "<5", "–" and (when shown) "x" mean."""
    from pilot import disclosure

    notes = [t("report.note_small", report.lang)]
    values = [v for v in report.figures.values() if not isinstance(v, dict)]
    values += [x for v in report.figures.values() if isinstance(v, dict)
               for x in (v.values() if not any(isinstance(y, dict) for y in v.values())
                         else (z for y in v.values() for z in y.values()))]
    if disclosure.HIDDEN_TEXT in values:
        notes.append(t("disclosure.hidden_note", report.lang))
    return notes


def made_text(report: Report) -> str:
    """When and from what the report was made, and which rule its figures follow."""
    if report.exact:
        return t("disclosure.report.made_exact", report.lang, date=format_date(report.made_on))
    return t("report.made", report.lang, date=format_date(report.made_on))


def overall_paragraphs(report: Report) -> list[str]:
    f, lang = report.figures, report.lang
    return [
        t("report.overall.people", lang, date=format_date(report.as_of),
          enrolled=show("n", f["participants_enrolled"], lang), active=show("n", f["participants_active"], lang),
          exited=show("n", f["participants_exited"], lang), companies=show("n", f["companies_active"], lang),
          coaching_hours=show("coaching_hours", f["coaching_hours"], lang),
          participant_hours=show("participant_hours", f["participant_hours"], lang)),
        t("followup.report.exit", lang, employed_at_exit=show("n", f["employed_at_exit"], lang),
          employed_at_exit_rate=show("employed_at_exit_rate", f["employed_at_exit_rate"], lang)),
        # The 6-month result is measured: how many of those due were reached, and of them ...
        t("followup.report", lang, reached=show("n", f["followup_6m_reached"], lang),
          due=show("n", f["followup_6m_due"], lang),
          rate=show("followup_6m_reach_rate", f["followup_6m_reach_rate"], lang),
          employed=show("n", f["employed_6m_after_exit"], lang),
          employed_rate=show("employed_6m_after_exit_rate", f["employed_6m_after_exit_rate"], lang),
          improved=show("n", f["improved_6m"], lang), improved_rate=show("improved_6m_rate", f["improved_6m_rate"], lang)),
        t("report.overall.adaptations", lang,
          with_adaptation=show("n", f["participants_with_adaptation_in_use"], lang),
          effect=show("adaptation_mean_effect", f["adaptation_mean_effect"], lang),
          satisfaction=show("employer_satisfaction_mean", f["employer_satisfaction_mean"], lang)),
    ]


def cost_paragraphs(report: Report) -> list[str]:
    lang = report.lang
    if not report.costs:
        return [t("report.costs.none", lang)]
    total = sum((sum(by.values(), Decimal(0)) for by in report.costs.values()), Decimal(0))
    out = [t("report.costs.total", lang, date=format_date(report.as_of), total=money(total, lang))]
    for year in _years(report):
        by = report.costs.get(year, {})
        appropriation = report.appropriations.get(year)
        if not by:
            out.append(t("report.costs.year_no_costs", lang, year=str(year), appropriation=money(appropriation, lang)))
            continue
        spent = sum(by.values(), Decimal(0))
        biggest = max(by, key=lambda c: by[c])
        share = format_percent_value(float(spent / appropriation), lang, 1) if appropriation else "–"
        out.append(t("report.costs.year", lang, year=str(year), spent=money(spent, lang),
                     appropriation=money(appropriation, lang), share=share,
                     category=t(f"code.cost_category.{biggest}", lang).lower(), amount=money(by[biggest], lang)))
    return out


def plan_texts(report: Report) -> tuple[str, str, list[str]]:
    """Heading, paragraph and points for the plans (a template with live figures): for the year
    the user picked, else for the year after the reference date's (the introduction promises
    next year's plans)."""
    lang = report.lang
    year = str(report.plan_year or report.as_of.year + 1)
    due = show("n", report.figures["followup_6m_due"], lang)
    return (t("report.section.plans", lang, year=year), t("report.plans.text", lang, year=year),
            [t("report.plans.item1", lang), t("report.plans.item2", lang, due=due), t("report.plans.item3", lang)])


# --- Chart images --------------------------------------------------------------------------------

def chromium_path() -> str | None:
    """The browser kaleido drives: PILOT_CHROMIUM, else chromium (Debian's) on the PATH."""
    chosen = os.environ.get("PILOT_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


async def _render_all(figures: list[go.Figure], browser: str) -> list[bytes]:
    import kaleido

    # mathjax=False: its default is a CDN address, and nothing may load from the internet;
    # plotly.js comes from the installed plotly package.
    async with kaleido.Kaleido(n=1, path=browser, mathjax=False, timeout=60) as k:
        out = []
        for fig in figures:
            layout = fig.layout
            out.append(await k.calc_fig(fig, opts={"format": "png", "width": layout.width or 900,
                                                   "height": layout.height or 450, "scale": 2}))
        return out


def render_images(chart_list: list[Chart]) -> dict[str, bytes] | None:
    """PNG per chart key, all in one browser session; None when no image could be made."""
    browser = chromium_path()
    chart_list = [c for c in chart_list if not c.empty]  # nothing to draw: the document says so
    if browser is None or not chart_list:
        return None
    try:
        # A thread of its own: the caller (Streamlit's script thread, a test) may have a loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            images = pool.submit(asyncio.run, _render_all([c.figure for c in chart_list], browser)) \
                .result(timeout=RENDER_TIMEOUT_S)
    except Exception as exc:  # any failure means the tables instead; the reason goes to the log
        log.info("chart images not made: %s", exc)
        return None
    if not all(isinstance(img, bytes) and img.startswith(b"\x89PNG") for img in images):
        return None
    return {c.key: img for c, img in zip(chart_list, images)}


# --- PDF -----------------------------------------------------------------------------------------

def _font_files() -> dict[str, Path]:
    files = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise ReportError("report.no_font", path=", ".join(missing))
    return files


def to_pdf(report: Report, images: dict[str, bytes] | None) -> bytes:
    """The report as PDF bytes; charts as images when given, else as tables with a note."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    lang = report.lang
    footer_text = f"{t('report.pilot_name', lang)} · {t('report.title', lang)} {format_date(report.as_of)}"

    class _PDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, f"{footer_text}   {t('report.page', lang, page=str(self.page_no()))}/{{nb}}",
                      align="C")

    pdf = _PDF(format="A4", unit="mm")
    for style, path in _font_files().items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(f"{t('report.title', lang)} – {t('report.pilot_name', lang)} {format_date(report.as_of)}")
    pdf.set_author(t("report.programme", lang))
    pdf.set_lang(lang)
    pdf.set_creator("pilot")
    pdf.add_page()
    width = pdf.epw
    heading_face = FontFace(emphasis="BOLD", fill_color=(230, 236, 245))

    def para(text: str, size: float = 10) -> None:
        pdf.set_font("DejaVu", "", size)
        pdf.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(2)

    def heading(text: str, size: float = 13) -> None:
        if pdf.will_page_break(25):
            pdf.add_page()
        pdf.ln(2)
        pdf.start_section(text, level=0 if size >= 13 else 1)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def table(headers: list[str], rows: list[list[str]], widths: tuple[float, ...], size: float = 8.5,
              align: tuple[str, ...] | None = None) -> None:
        pdf.set_font("DejaVu", "", size)
        with pdf.table(col_widths=widths, width=width, headings_style=heading_face, line_height=4.6,
                       text_align=align or ("LEFT",) * len(widths), padding=1.2,
                       first_row_as_headings=True, repeat_headings=1) as tbl:
            for row in [headers] + rows:
                cells = tbl.row()
                for cell in row:
                    cells.cell(cell)
        pdf.ln(3)

    def chart(item: Chart) -> None:
        image = None if item.empty else (images or {}).get(item.key)
        if image is not None:
            h = width * item.figure.layout.height / item.figure.layout.width
            if pdf.will_page_break(h):
                pdf.add_page()
            pdf.image(BytesIO(image), w=width, h=h, alt_text=item.title)
            pdf.ln(3)
            return
        heading(item.title, size=10.5)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.set_text_color(90, 90, 90)
        note = t("disclosure.report.no_bars", lang) if item.empty else t("report.chart.fallback_note", lang)
        pdf.multi_cell(width, 4.5, note, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)
        n = len(item.headers)
        first = 55.0 if n > 2 else width * 0.6
        table(item.headers, item.rows, (first,) + ((width - first) / (n - 1),) * (n - 1),
              align=("LEFT",) + ("RIGHT",) * (n - 1))

    # Title block
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_color(70, 70, 70)
    pdf.multi_cell(width, 5, t("report.programme", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(width, 9, f"{t('report.pilot_name', lang)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 14)
    pdf.multi_cell(width, 8, f"{t('report.title', lang)} – "
                   f"{t('report.situation_on', lang, date=format_date(report.as_of))}",
                   new_x="LMARGIN", new_y="NEXT")
    if report.company:
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(width, 7, t("disclosure.report.company", lang, company=report.company),
                       new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    para(t("report.intro", lang))
    para(made_text(report), size=8.5)

    heading(t("report.section.overall", lang))
    for text in overall_paragraphs(report):
        para(text)
    heading(t("report.indicators.heading", lang), size=11)
    table([t("report.table.indicator", lang), t("report.table.value", lang), t("report.table.definition", lang)],
          indicator_rows(report.figures, lang), (52, 38, width - 90), size=8, align=("LEFT", "RIGHT", "LEFT"))
    for note in small_notes(report):
        para(note, size=8.5)
    heading(t("report.charts.heading", lang), size=11)
    for item in report.charts:
        if item.section == "overall":
            chart(item)

    heading(t("report.section.costs", lang))
    for text in cost_paragraphs(report):
        para(text)
    if report.costs or report.appropriations:
        headers, rows = cost_table(report)
        n = len(headers)
        table(headers, rows, (55,) + ((width - 55) / (n - 1),) * (n - 1), align=("LEFT",) + ("RIGHT",) * (n - 1))
    for item in report.charts:
        # Without an image the cost chart would only repeat the cost table just above it.
        if item.section == "costs" and images and item.key in images:
            chart(item)

    heading(t("hiring.report.section", lang))
    for text in hiring_paragraphs(report):
        para(text)
    for item in report.charts:
        if item.section == "hiring":
            chart(item)

    heading(t("quotes.report.section", lang))
    para(t("quotes.report.intro", lang) if report.quotes else t("quotes.report.none", lang))
    for theme, items in quote_sections(report):
        heading(theme, size=10.5)
        for text, cite in items:
            pdf.set_font("DejaVu", "", 10)
            pdf.set_x(pdf.l_margin + 6)
            pdf.multi_cell(width - 6, 5, f"“{text}”", new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.set_x(pdf.l_margin + 6)
            pdf.set_font("DejaVu", "", 8.5)
            pdf.multi_cell(width - 6, 4.5, f"– {cite}", new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(2)

    heading(t("report.section.sdg", lang))
    para(t("report.sdg.intro", lang))
    for goal, keys in SDG_INDICATORS:
        heading(t(f"report.sdg.{goal}.title", lang), size=10.5)
        para(t(f"report.sdg.{goal}.text", lang))
        if hiring_sdg_text(report, goal):
            para(hiring_sdg_text(report, goal))
        table([t("report.table.indicator", lang), t("report.table.value", lang)],
              indicator_rows(report.figures, lang, keys, with_definitions=False), (width * 0.55, width * 0.45),
              align=("LEFT", "RIGHT"))

    title, text, points = plan_texts(report)
    heading(title)
    para(text)
    for point in points:
        para(f"•  {point}")
    return bytes(pdf.output())


# --- HTML ----------------------------------------------------------------------------------------

_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;
line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:2px solid #0072B2}
.muted{color:#555;font-size:.9rem}table{border-collapse:collapse;width:100%;margin:.6rem 0 1rem}
th,td{border:1px solid #bbb;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#e6ecf5}td:first-child{width:32%}td.num{text-align:right}figure{margin:1rem 0}
details{margin:.3rem 0 1.5rem}
"""


def _html_table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th scope=\"col\">{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f"<td class=\"num\">{html.escape(c)}</td>" if i in numeric else f"<td>{html.escape(c)}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: Report) -> str:
    """One self-contained HTML file: the same sections, the table, interactive charts with
    plotly.js inlined once (no CDN), and each chart's figures as a table under it."""
    lang = report.lang
    e = html.escape
    parts: list[str] = []
    plotly_included = False

    def chart(item: Chart) -> None:
        nonlocal plotly_included
        if item.empty:  # a sentence, not an empty frame
            parts.append(f"<h4>{e(item.title)}</h4><p class=\"muted\">{e(t('disclosure.report.no_bars', lang))}</p>"
                         f"{_html_table(item.headers, item.rows, set(range(1, len(item.headers))))}")
            return
        div = item.figure.to_html(full_html=False, include_plotlyjs=not plotly_included,
                                  config={"displaylogo": False, "responsive": True},
                                  div_id=f"chart-{item.key}")
        plotly_included = True
        n = len(item.headers)
        parts.append(f"<figure aria-label=\"{e(item.title)}\">{div}<details><summary>{e(item.title)}</summary>"
                     f"{_html_table(item.headers, item.rows, set(range(1, n)))}</details></figure>")

    parts.append(f"<p class=\"muted\">{e(t('report.programme', lang))}</p>")
    parts.append(f"<h1>{e(t('report.pilot_name', lang))}</h1>")
    parts.append(f"<p><strong>{e(t('report.title', lang))} – "
                 f"{e(t('report.situation_on', lang, date=format_date(report.as_of)))}</strong></p>")
    if report.company:
        parts.append(f"<p><strong>{e(t('disclosure.report.company', lang, company=report.company))}</strong></p>")
    parts.append(f"<p>{e(t('report.intro', lang))}</p>")
    parts.append(f"<p class=\"muted\">{e(made_text(report))}</p>")
    parts.append(f"<h2>{e(t('report.section.overall', lang))}</h2>")
    parts.extend(f"<p>{e(p)}</p>" for p in overall_paragraphs(report))
    parts.append(f"<h3>{e(t('report.indicators.heading', lang))}</h3>")
    parts.append(_html_table([t("report.table.indicator", lang), t("report.table.value", lang),
                              t("report.table.definition", lang)], indicator_rows(report.figures, lang), {1}))
    parts.extend(f"<p class=\"muted\">{e(note)}</p>" for note in small_notes(report))
    parts.append(f"<h3>{e(t('report.charts.heading', lang))}</h3>")
    for item in report.charts:
        if item.section == "overall":
            chart(item)
    parts.append(f"<h2>{e(t('report.section.costs', lang))}</h2>")
    parts.extend(f"<p>{e(p)}</p>" for p in cost_paragraphs(report))
    if report.costs or report.appropriations:
        headers, rows = cost_table(report)
        parts.append(_html_table(headers, rows, set(range(1, len(headers)))))
    for item in report.charts:
        if item.section == "costs":
            chart(item)
    parts.append(f"<h2>{e(t('hiring.report.section', lang))}</h2>")
    parts.extend(f"<p>{e(p)}</p>" for p in hiring_paragraphs(report))
    for item in report.charts:
        if item.section == "hiring":
            chart(item)
    parts.append(f"<h2>{e(t('quotes.report.section', lang))}</h2>")
    parts.append(f"<p>{e(t('quotes.report.intro' if report.quotes else 'quotes.report.none', lang))}</p>")
    for theme, items in quote_sections(report):
        parts.append(f"<h3>{e(theme)}</h3>" + "".join(
            f"<blockquote><p>{e(text)}</p><footer class=\"muted\">– {e(cite)}</footer></blockquote>"
            for text, cite in items))
    parts.append(f"<h2>{e(t('report.section.sdg', lang))}</h2><p>{e(t('report.sdg.intro', lang))}</p>")
    for goal, keys in SDG_INDICATORS:
        parts.append(f"<h3>{e(t(f'report.sdg.{goal}.title', lang))}</h3><p>{e(t(f'report.sdg.{goal}.text', lang))}</p>")
        if hiring_sdg_text(report, goal):
            parts.append(f"<p>{e(hiring_sdg_text(report, goal))}</p>")
        parts.append(_html_table([t("report.table.indicator", lang), t("report.table.value", lang)],
                                 indicator_rows(report.figures, lang, keys, with_definitions=False), {1}))
    title, text, points = plan_texts(report)
    parts.append(f"<h2>{e(title)}</h2><p>{e(text)}</p><ul>" + "".join(f"<li>{e(p)}</li>" for p in points) + "</ul>")
    doc_title = f"{t('report.title', lang)} – {t('report.pilot_name', lang)} {format_date(report.as_of)}"
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(doc_title)}</title><style>{_CSS}</style></head><body><main>"
            + "\n".join(parts) + "</main></body></html>\n")


# --- One call for the CLI ------------------------------------------------------------------------

def write(conn: Connection, as_of: date, lang: str, out: Path, company_id: int | None = None,
          plan_year: int | None = None) -> bool:
    """Write the report to ``out`` (.pdf or .html). Returns False when a PDF had to show its charts
    as tables (no chart images could be made), True otherwise."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ReportError("report.bad_out", value=str(out))
    report = build(conn, as_of, lang, company_id=company_id, plan_year=plan_year)
    if fmt == "html":
        out.write_text(to_html(report), encoding="utf-8")
        return True
    images = render_images(report.charts)
    out.write_bytes(to_pdf(report, images))
    return images is not None
