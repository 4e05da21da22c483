"""An unexpected error on a page is one translated sentence, never a traceback."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def failing_page() -> None:
    import streamlit as st

    from pilot.ui.errors import show_unexpected
    st.session_state["lang"] = st.query_params.get("lang", "fi")
    try:
        raise RuntimeError("database exploded: SELECT secret FROM x")
    except RuntimeError as exc:
        assert show_unexpected(exc) is True  # True: Streamlit's own traceback box is suppressed


@pytest.mark.parametrize("lang, words", [("fi", "Mitään ei menetetty"), ("sv", "Inget gick förlorat"),
                                         ("en", "Nothing was lost")])
def test_unexpected_error_is_a_sentence_in_the_users_language(lang, words):
    at = AppTest.from_function(failing_page)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    (shown,) = at.error
    assert words in shown.value and "SELECT" not in shown.value and "Traceback" not in shown.value


def test_the_app_installs_the_handler():
    """Read, not imported: constructing st.App pins process-wide Streamlit config in the test run."""
    import ast
    from pathlib import Path
    tree = ast.parse((Path(__file__).resolve().parent.parent / "app.py").read_text(encoding="utf-8"))
    handlers = [kw.value.id for node in ast.walk(tree) if isinstance(node, ast.Call)
                for kw in node.keywords if kw.arg == "on_script_error" and isinstance(kw.value, ast.Name)]
    assert handlers == ["show_unexpected"]
