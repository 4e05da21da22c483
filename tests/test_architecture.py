"""The layer rules of shared/DESIGN.md, checked by parsing imports and scanning for SQL text."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_ALLOWED = ("pages/", "pilot/ui/", "streamlit_app.py", "app.py")
SQL_ALLOWED = ("pilot/records/", "pilot/indicators.py", "pilot/db.py", "pilot/migrations/")
SQL = re.compile(r"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b")


def python_files() -> list[Path]:
    files = [ROOT / "streamlit_app.py", ROOT / "app.py"]
    files += sorted((ROOT / "pages").glob("*.py"))
    files += sorted((ROOT / "pilot").rglob("*.py"))
    return [f for f in files if f.exists()]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_there_is_code_to_check() -> None:
    assert len(python_files()) > 10


@pytest.mark.parametrize("path", python_files(), ids=rel)
def test_streamlit_only_in_ui_layers(path: Path) -> None:
    if rel(path).startswith(STREAMLIT_ALLOWED):
        return
    assert not any(m == "streamlit" or m.startswith("streamlit.") for m in imports(path)), \
        f"{rel(path)} imports streamlit outside pages/, pilot/ui/ and streamlit_app.py"


@pytest.mark.parametrize("path", python_files(), ids=rel)
def test_sql_only_in_data_layer(path: Path) -> None:
    if rel(path).startswith(SQL_ALLOWED):
        return
    text = path.read_text(encoding="utf-8")
    assert not SQL.search(text), f"{rel(path)} holds SQL text; it belongs in pilot/records/"


@pytest.mark.parametrize("path", [p for p in python_files() if rel(p).startswith("pilot/domain/")], ids=rel)
def test_domain_is_pure(path: Path) -> None:
    bad = {m for m in imports(path) if m.startswith(("pilot.records", "pilot.db", "pilot.ui", "sqlalchemy",
                                                      "pilot.i18n", "pandas", "streamlit"))}
    assert not bad, f"{rel(path)} imports {bad}: domain code is pure"


@pytest.mark.parametrize("path", [p for p in python_files() if rel(p).startswith("pages/")], ids=rel)
def test_pages_check_their_role(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "require_role(" in text, f"{rel(path)} must check the role first"
    assert not any(m.startswith(("sqlalchemy", "duckdb", "pilot.db")) for m in imports(path)), \
        f"{rel(path)} talks to the database directly"


@pytest.mark.parametrize("path", [p for p in python_files() if rel(p).startswith("pilot/")], ids=rel)
def test_no_cache_data_or_global_language_in_pilot(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "gettext.install" not in text
    if not rel(path).startswith("pilot/ui/"):
        assert "cache_data" not in text


def test_every_page_is_listed_in_navigation() -> None:
    from pilot.ui.nav import PAGES
    listed = {spec.path for spec in PAGES}
    on_disk = {rel(p) for p in (ROOT / "pages").glob("*.py")}
    assert on_disk == listed
