"""The follow-up report's section "Employers' readiness to hire" (issue 15) in fi, sv and en: the
figures (under the small-number rule, as the rest of the report), its chart, and the SDG 8 and
SDG 10 sections citing them, in the PDF (text read back with pdftotext) and the HTML."""
from __future__ import annotations

import shutil

import pytest

from pilot import i18n, indicators, report
from tests.test_report import TODAY, demo_db, flat, pdf_text  # noqa: F401 (fixture)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_section_and_the_sdg_citations(demo_db, tmp_path, lang):  # noqa: F811
    _, engine = demo_db
    with engine.connect() as conn:
        built = report.build(conn, TODAY, lang)
        suppressed = indicators.suppress(indicators.compute(conn, TODAY))
    assert built.figures["hiring_readiness"] == suppressed["hiring_readiness"]
    (chart,) = [c for c in built.charts if c.section == "hiring"]
    assert [row[1] for row in chart.rows] == [report.show("n", v, lang) for v in (
        suppressed["hiring_readiness"]["n"], suppressed["companies_hiring"], suppressed["hires_total"],
        suppressed["hires_of_participants"])]
    heading = i18n.t("hiring.report.section", lang)
    paragraphs = report.hiring_paragraphs(built)
    sdg8, sdg10 = report.hiring_sdg_text(built, "8"), report.hiring_sdg_text(built, "10")
    assert report.show("n", suppressed["hires_total"], lang) in paragraphs[2] and report.show(
        "n", suppressed["hires_total"], lang) in sdg8
    html = flat(report.to_html(built))
    for text in (heading, *paragraphs, sdg8, sdg10, chart.title):
        assert flat(i18n_escape(text)) in html, text
    where = [html.index(flat(i18n_escape(x))) for x in (heading, sdg8, sdg10)]
    assert where == sorted(where)  # the section first, then the SDG sections that cite it
    if shutil.which("pdftotext") is None:
        return
    path = tmp_path / f"r-{lang}.pdf"
    path.write_bytes(report.to_pdf(built, None))
    text = flat(pdf_text(path))
    assert heading in text and flat(paragraphs[1])[:40] in text and flat(sdg10)[:30] in text


def i18n_escape(text: str) -> str:
    import html
    return html.escape(text)
