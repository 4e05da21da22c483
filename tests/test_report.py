"""The follow-up report: PDF and HTML in fi, sv and en from the demo pilot, read back with poppler.

Chart images need kaleido and Chromium (a few seconds a report), so each language's PDF is made
once per module; the fallback (no Chromium) is checked separately and is quick.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from pilot import db, demo, indicators, report
from pilot.cli import main
from pilot.i18n import LANGUAGES, format_number, t

TODAY = date(2025, 3, 15)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "report"
FEW = date(2023, 10, 24)  # the demo has 4 participants enrolled then: the small-number rule bites
HAS_CHROMIUM = report.chromium_path() is not None
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdf_text(path: Path, layout: bool = False) -> str:
    args = ["pdftotext"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """One space for any run of whitespace (no-break spaces of the fi/sv number format too)."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("report") / "demo.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    demo.load(engine, today=TODAY)
    yield path, engine
    engine.dispose()
    db.dispose_shared()


@pytest.fixture(scope="module")
def rendered(demo_db, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bool, report.Report]]:
    """Each language's PDF, made once (with chart images where Chromium exists)."""
    _, engine = demo_db
    out_dir = tmp_path_factory.mktemp("pdf")
    made = {}
    for lang in LANGUAGES:
        with engine.connect() as conn:
            built = report.build(conn, TODAY, lang)
        images = report.render_images(built.charts)
        path = out_dir / f"report-{lang}.pdf"
        path.write_bytes(report.to_pdf(built, images))
        made[lang] = (path, images is not None, built)
    return made


@pytest.fixture(scope="module")
def exact(demo_db) -> dict:
    _, engine = demo_db
    with engine.connect() as conn:
        return indicators.compute(conn, TODAY)


def names_in_demo() -> list[str]:
    rows = demo.build(today=TODAY)["participants"]
    return [r["display_name"] for r in rows if r.get("display_name")]


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_holds_the_indicator_table_in_its_language(rendered, exact, lang):
    path, _, built = rendered[lang]
    text = flat(pdf_text(path))
    layout = pdf_text(path, layout=True).replace("\u00a0", " ")
    for key in ("participants_enrolled", "participants_active", "participants_exited", "coaching_hours",
                "participant_hours", "attendance_rate", "cost_total_eur"):
        label = t(f"indicator.{key}.label", lang)
        shown = flat(report.show(key, built.figures[key], lang))
        assert label in text and shown in text, (key, label, shown)
    # Label and value share the table row.
    enrolled = t("indicator.participants_enrolled.label", lang)
    assert re.search(re.escape(enrolled) + r"\s+" + str(exact["participants_enrolled"]) + r"\b", layout)
    for key in ("report.section.overall", "report.section.costs", "report.section.sdg",
                "report.indicators.heading", "report.table.definition", "report.sdg.8.title",
                "report.sdg.4.title", "report.sdg.10.title"):
        assert flat(t(key, lang)) in text, key
    # the introduction promises next year's plans: the year after R's unless the user picks one
    assert flat(t("report.section.plans", lang, year="2026")) in text
    assert flat(t("report.situation_on", lang, date="15.03.2025")) in text


@needs_poppler
@pytest.mark.parametrize("lang, appropriation", [("fi", "200 000,00 €"), ("sv", "200 000,00 €"),
                                                  ("en", "200,000.00 €")])
def test_costs_are_followed_against_the_appropriation(rendered, lang, appropriation):
    path, _, built = rendered[lang]
    text = flat(pdf_text(path))
    assert appropriation in text
    for category in ("service_purchase", "co_funding", "staff"):
        assert t(f"code.cost_category.{category}", lang) in text
    spent_2024 = sum(built.costs[2024].values())
    assert flat(format_number(spent_2024, lang, 2)) in text


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_names_no_participant(rendered, lang):
    text = pdf_text(rendered[lang][0])
    assert "P-0" not in text
    for name in names_in_demo():
        assert name not in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_renders_to_pages(rendered, lang):
    """The pages as images in test-artifacts/report/ for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{lang}-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(rendered[lang][0]), str(ARTIFACTS / f"{lang}-page")],
                   check=True)
    pages = sorted(ARTIFACTS.glob(f"{lang}-page-*.png"))
    assert len(pages) >= 3
    assert all(p.stat().st_size > 1000 for p in pages)


@pytest.mark.skipif(not HAS_CHROMIUM, reason="no Chromium for chart images")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_charts_are_embedded_as_images(rendered, lang):
    path, with_images, built = rendered[lang]
    assert with_images
    data = path.read_bytes()
    assert data.count(b"/Subtype /Image") >= len(built.charts) == 5  # outcomes, language, adaptations, costs, hiring


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_chromium_the_charts_become_tables_with_a_note(demo_db, monkeypatch, tmp_path, lang):
    monkeypatch.setattr(report, "chromium_path", lambda: None)
    _, engine = demo_db
    with engine.connect() as conn:
        built = report.build(conn, TODAY, lang)
    images = report.render_images(built.charts)
    assert images is None
    path = tmp_path / "fallback.pdf"
    path.write_bytes(report.to_pdf(built, images))
    assert b"/Subtype /Image" not in path.read_bytes()
    text = flat(pdf_text(path))
    assert flat(t("report.chart.fallback_note", lang)) in text
    for skill in ("speaking", "writing"):
        assert t(f"code.skill.{skill}", lang) in text
    assert flat(t("report.chart.outcomes.title", lang)) in text


def test_a_failing_browser_falls_back_too(demo_db, monkeypatch, tmp_path):
    fake = tmp_path / "not-a-browser"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PILOT_CHROMIUM", str(fake))
    _, engine = demo_db
    with engine.connect() as conn:
        built = report.build(conn, TODAY, "fi")
    assert report.render_images(built.charts) is None
    assert report.to_pdf(built, None).startswith(b"%PDF")


@needs_poppler
@pytest.mark.parametrize("lang, key, suppressed", [
    ("fi", "participants_enrolled", "<5"),
    ("sv", "participants_active", "<5"),
    ("en", "participants_enrolled", "<5"),
    ("en", "employed_at_exit_rate", "–"),
])
def test_small_numbers_are_suppressed(demo_db, monkeypatch, tmp_path, lang, key, suppressed):
    monkeypatch.setattr(report, "chromium_path", lambda: None)
    _, engine = demo_db
    with engine.connect() as conn:
        exact_few = indicators.compute(conn, FEW)
        built = report.build(conn, FEW, lang)
    assert 1 <= exact_few["participants_enrolled"] <= 4
    assert built.figures[key] in (suppressed, None)
    path = tmp_path / "few.pdf"
    path.write_bytes(report.to_pdf(built, None))
    layout = pdf_text(path, layout=True)
    label = t(f"indicator.{key}.label", lang)
    assert re.search(re.escape(label) + r"\s+" + re.escape(suppressed), layout), label
    assert flat(t("report.note_small", lang)) in flat(pdf_text(path))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_report_has_the_table_and_the_charts(demo_db, lang):
    _, engine = demo_db
    with engine.connect() as conn:
        built = report.build(conn, TODAY, lang)
    page = report.to_html(built)
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in page
    assert t("report.table.definition", lang) in page
    for key in indicators.INDICATOR_KEYS:
        assert t(f"indicator.{key}.label", lang) in page
    for chart in ("outcomes", "language", "adaptations", "costs"):
        assert f'id="chart-{chart}"' in page
    # Self-contained: plotly.js inlined once, no script or stylesheet fetched from elsewhere.
    assert "<script src=" not in page and "<link " not in page
    assert page.count("plotly.js v") >= 1
    assert "P-0" not in page


@needs_poppler
@pytest.mark.parametrize("fmt, lang, heading", [
    ("html", "sv", "report.section.costs"),
    ("pdf", "en", "report.section.sdg"),
])
def test_cli_writes_the_report(demo_db, monkeypatch, tmp_path, capsys, fmt, lang, heading):
    path, _ = demo_db
    monkeypatch.setenv("PILOT_DB", str(path))
    monkeypatch.setenv("PILOT_LANG", "en")
    monkeypatch.setenv("PILOT_CHROMIUM", str(tmp_path / "missing"))  # quick: tables instead of images
    out = tmp_path / f"report.{fmt}"
    assert main(["report", "--as-of", TODAY.isoformat(), "--lang", lang, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert str(out) in captured.out
    text = out.read_text(encoding="utf-8") if fmt == "html" else pdf_text(out)
    assert flat(t(heading, lang)) in flat(text)
    if fmt == "pdf":
        assert t("report.no_images", "en") in captured.err


@pytest.mark.parametrize("args, message", [
    (["--as-of", "2025-02-30", "--out", "x.pdf"], "2025-02-30"),
    (["--out", "report.docx"], "report.docx"),
])
def test_cli_refuses_bad_input_in_one_sentence(demo_db, monkeypatch, tmp_path, capsys, args, message):
    monkeypatch.setenv("PILOT_DB", str(demo_db[0]))
    monkeypatch.chdir(tmp_path)
    assert main(["report"] + args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("username, allowed", [("services", True), ("admin", True), ("coach", True),
                                               ("employer", True)])
def test_report_page_offers_pdf_and_html_downloads(demo_db, monkeypatch, tmp_path, username, allowed):
    from tests.helpers_app import app_as

    monkeypatch.setenv("PILOT_DB", str(demo_db[0]))
    monkeypatch.setenv("PILOT_CHROMIUM", str(tmp_path / "missing"))  # quick: no chart images
    at = app_as(username, demo_db[0], timeout=90)
    at.query_params["lang"] = "en"
    at.run()
    if not allowed:  # the page is not in this role's navigation at all
        with pytest.raises(ValueError, match="report.py"):
            at.switch_page("pages/report.py")
        return
    at.switch_page("pages/report.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("nav.report", "en")
    at.button(key="report_make").click().run()
    assert not at.exception, at.exception
    assert [b.key for b in at.download_button] == ["report_pdf", "report_html"]
    assert t("report.no_images", "en") in [w.value for w in at.warning]
    files = at.session_state["report_files"]
    assert files["pdf"].startswith(b"%PDF") and b"<table>" in files["html"]
    from pilot import db
    from pilot.records import audit
    with db.shared_engine(str(demo_db[0])).connect() as conn:  # every report made is on record
        made = [r for r in audit.entries(conn, action="read", entity="report") if r["actor"] == username]
    assert len(made) == 1 and made[0]["reason"] == "en"


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_empty_pilot_still_gives_a_report(engine, monkeypatch, tmp_path, lang):
    monkeypatch.setattr(report, "chromium_path", lambda: None)
    with engine.connect() as conn:
        built = report.build(conn, TODAY, lang)
    assert [c.key for c in built.charts] == ["outcomes", "language", "adaptations", "hiring"]  # no cost chart
    path = tmp_path / "empty.pdf"
    path.write_bytes(report.to_pdf(built, report.render_images(built.charts)))
    text = flat(pdf_text(path))
    assert flat(t("report.costs.none", lang)) in text
    assert "<table>" in report.to_html(built)


# --- Disclosure control, plans year, company reports, file names, the cost axis (issue 14) ------

MADE_2026 = date(2026, 11, 30)


@pytest.fixture(scope="module")
def demo_2026(tmp_path_factory: pytest.TempPathFactory):
    """The demo pilot as `make run` made it on 30.11.2026."""
    path = tmp_path_factory.mktemp("report2026") / "demo.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    demo.load(engine, today=MADE_2026)
    yield path, engine
    engine.dispose()
    db.dispose_shared()


@needs_poppler
def test_the_report_gives_no_hidden_count_back(demo_2026, monkeypatch, tmp_path):
    """30.6.2026: exited 7 and employed at exit 1-4; the text said 57,1 % (= 4 of 7)."""
    monkeypatch.setattr(report, "chromium_path", lambda: None)
    _, engine = demo_2026
    with engine.connect() as conn:
        exact = indicators.compute(conn, date(2026, 6, 30))
        built = report.build(conn, date(2026, 6, 30), "fi")
    assert exact["participants_exited"] == 7 and 1 <= exact["employed_at_exit"] <= 4
    assert built.figures["employed_at_exit"] == "<5" and built.figures["employed_at_exit_rate"] is None
    path = tmp_path / "r.pdf"
    path.write_bytes(report.to_pdf(built, None))
    text = flat(pdf_text(path))
    assert "57,1" not in text and flat(report.overall_paragraphs(built)[1]) in text


@pytest.mark.parametrize("as_of, picked, year", [(date(2026, 11, 30), None, "2027"), (date(2026, 1, 15), None, "2027"),
                                                  (date(2026, 11, 30), 2026, "2026")])
def test_plans_are_for_the_year_after_r_unless_picked(demo_2026, as_of, picked, year):
    _, engine = demo_2026
    with engine.connect() as conn:
        built = report.build(conn, as_of, "en", plan_year=picked)
    heading, text, _ = report.plan_texts(built)
    assert heading == t("report.section.plans", "en", year=year) and year in text


def test_a_company_report_follows_the_employers_rule(demo_2026):
    from pilot.records import outcomes

    _, engine = demo_2026
    seen = set()
    with engine.connect() as conn:
        companies = conn.exec_driver_sql("SELECT id, name FROM companies ORDER BY id").fetchall()
        for company_id, name in companies:
            exact = indicators.compute(conn, MADE_2026, company_id)
            built = report.build(conn, MADE_2026, "sv", made_on=MADE_2026, company_id=company_id)
            rule_exact = outcomes.employer_rule_exact(conn, company_id, MADE_2026)
            assert built.exact is rule_exact and built.company == name
            assert built.figures == (dict(exact) if rule_exact else indicators.suppress(exact))
            seen.add(rule_exact)
            html = report.to_html(built)
            assert name in html
            assert flat(t("disclosure.report.made_exact" if rule_exact else "report.made", "sv",
                          date="30.11.2026")) in flat(html)
    assert seen == {True, False}, "the demo has companies of both kinds"


def test_file_names_are_in_the_reports_language():
    names = {lang: report.file_name(lang, MADE_2026) for lang in LANGUAGES}
    assert names == {"fi": "seurantaraportti-2026-11-30-fi", "sv": "uppfoljningsrapport-2026-11-30-sv",
                     "en": "follow-up-report-2026-11-30-en"}
    assert report.file_name("en", MADE_2026, "1234567-8") == "follow-up-report-1234567-8-2026-11-30-en"


def test_cli_writes_a_company_report(demo_2026, monkeypatch, tmp_path, capsys):
    path, engine = demo_2026
    with engine.connect() as conn:
        business_id, name = conn.exec_driver_sql("SELECT business_id, name FROM companies ORDER BY id").fetchone()
    engine.dispose()
    monkeypatch.setenv("PILOT_DB", str(path))
    out = tmp_path / "company.html"
    assert main(["report", "--as-of", "2026-11-30", "--lang", "en", "--company", business_id,
                 "--plan-year", "2026", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert name in page and t("report.section.plans", "en", year="2026") in page
    assert main(["report", "--company", "9999999-9", "--out", str(tmp_path / "x.html")]) == 2
    assert main(["report", "--plan-year", "next", "--out", str(tmp_path / "x.html")]) == 2
    db.dispose_shared()


@pytest.mark.skipif(not HAS_CHROMIUM, reason="no Chromium for chart images")
def test_the_cost_axis_has_numbers(demo_2026):
    """The cost chart's y ticks as the browser draws them: numbers that grow, up to the biggest year."""
    import asyncio

    import kaleido

    _, engine = demo_2026
    figures = {}
    with engine.connect() as conn:
        for lang in LANGUAGES:
            built = report.build(conn, MADE_2026, lang)
            (costs,) = [c for c in built.charts if c.key == "costs"]
            figures[lang] = (costs.figure, max(sum(by.values()) for by in built.costs.values()))

    async def svgs() -> list[str]:
        async with kaleido.Kaleido(n=1, path=report.chromium_path(), mathjax=False, timeout=60) as k:
            out = []
            for fig, _ in figures.values():
                svg = await k.calc_fig(fig, opts={"format": "svg", "width": 900, "height": 460})
                out.append(svg.decode() if isinstance(svg, bytes) else svg)
            return out

    for (lang, (fig, biggest)), svg in zip(figures.items(), asyncio.run(svgs())):
        ticks = re.findall(r'class="ytick"[^>]*>(?:<[^>]*>)*([^<]*)<', svg)
        values = [float(re.sub(r"[\s,\u00a0\u202f]", "", tick) or "nan") for tick in ticks]
        assert len(values) >= 3 and values == sorted(values) and len(set(values)) == len(values), (lang, ticks)
        assert values[-1] >= float(biggest) * 0.75, (lang, ticks)


@needs_poppler
def test_a_chart_with_nothing_to_draw_is_a_sentence(demo_db, monkeypatch, tmp_path):
    """At FEW every rate is held back: no empty frame, a sentence and the table instead."""
    monkeypatch.setattr(report, "chromium_path", lambda: None)
    _, engine = demo_db
    with engine.connect() as conn:
        built = report.build(conn, FEW, "en")
    (outcomes,) = [c for c in built.charts if c.key == "outcomes"]
    assert outcomes.empty and all(row[1] == "–" for row in outcomes.rows)
    page = report.to_html(built)
    assert 'id="chart-outcomes"' not in page and t("disclosure.report.no_bars", "en") in page
    path = tmp_path / "few.pdf"
    path.write_bytes(report.to_pdf(built, None))
    assert flat(t("disclosure.report.no_bars", "en")) in flat(pdf_text(path))
