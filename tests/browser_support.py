"""Browser-suite support: whether Chromium must run, axe-core checks, screenshots for review."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_browser() -> None:
    """In CI the browser tests must run: a missing Chromium or axe-core is a failure there."""
    missing = [what for what, ok in (("/usr/bin/chromium", Path("/usr/bin/chromium").exists()),
                                     ("axe-core", AXE.exists()),
                                     ("playwright", _has_playwright())) if not ok]
    if missing:
        if IN_CI:
            pytest.fail(f"browser tests must run in CI, missing: {missing}")
        pytest.skip(f"missing {missing} (install chromium; make test installs axe-core)")


def _has_playwright() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return shutil.which("node") is not None or True


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core in the page; return violations of the given impacts (rule id, help, targets)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")
    return [v for v in result if v["impact"] in impacts]


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(page, timeout: int = 30000) -> None:
    """Wait until Streamlit's script run has finished and no placeholder is left on the page."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout)
    page.wait_for_timeout(200)  # let a rerun triggered by the last action start
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid=stApp]');
            const state = app && app.getAttribute('data-test-script-state');
            return state !== 'running' && !document.querySelector('[data-testid=stSkeleton]');
        }""", timeout=timeout)
    page.wait_for_timeout(200)
