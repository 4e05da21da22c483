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
    assert flat(t("report.section.plans", lang, year="2025")) in text
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
def test_pdf_renders_to_pages(rendered, lang, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(rendered[lang][0]), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(p.stat().st_size > 1000 for p in pages)


@pytest.mark.skipif(not HAS_CHROMIUM, reason="no Chromium for chart images")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_charts_are_embedded_as_images(rendered, lang):
    path, with_images, built = rendered[lang]
    assert with_images
    data = path.read_bytes()
    assert data.count(b"/Subtype /Image") >= len(built.charts) == 4


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


@pytest.mark.parametrize("username, allowed", [("services", True), ("admin", True), ("coach", False),
                                               ("employer", False)])
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
    assert [c.key for c in built.charts] == ["outcomes", "language", "adaptations"]  # no costs, no cost chart
    path = tmp_path / "empty.pdf"
    path.write_bytes(report.to_pdf(built, report.render_images(built.charts)))
    text = flat(pdf_text(path))
    assert flat(t("report.costs.none", lang)) in text
    assert "<table>" in report.to_html(built)
