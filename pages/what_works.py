"""What works: each company's change in readiness to hire and its hires beside what the pilot did
there (coaching hours per participant, adaptations in use and their effect, the kinds of
sessions). Descriptive, not a causal estimate; services see it under the small-number rule."""
import streamlit as st

from pilot.domain.dates import today
from pilot.records import hiring_outcomes, outcomes
from pilot.ui import core, hiring, widgets
from pilot.ui.core import t

scope = core.require_role("coach", "services", "admin")
st.title(t("whatworks.title"))
st.warning(t("whatworks.descriptive"))
as_of = widgets.date_field("whatworks.as_of", "whatworks_as_of", today())
exact = core.read(lambda c: outcomes.exact_figures(c, scope, as_of))
rows = core.read(lambda c: hiring_outcomes.what_works(c, scope, as_of, exact))
if not exact:
    st.caption(t("whatworks.rule"))
hiring.what_works_view(rows)
