"""The Finnish proficiency scale used in national registers, per skill.

Ordinals 1..11 so that a gain counts sub-level steps. "X" (not tested) is no assessment at all,
never a zero: it has no ordinal.
"""
from __future__ import annotations

LEVELS = ("A1.1", "A1.2", "A1.3", "A2.1", "A2.2", "B1.1", "B1.2", "B2.1", "B2.2", "C1", "C2")
ORDINAL = {level: i + 1 for i, level in enumerate(LEVELS)}
TARGET_LEVEL = "B1.1"  # what integration training aims at
# YKI grades 1..6 correspond to CEFR A1..C2; mapped to the lowest sub-level of each band.
YKI_GRADE_LEVEL = {1: "A1.1", 2: "A2.1", 3: "B1.1", 4: "B2.1", 5: "C1", 6: "C2"}


def normalise_level(value: object) -> str | None:
    """Return the canonical level or None. 'C1.1'/'C1.2' are read as C1, 'c2.1' as C2."""
    if value is None:
        return None
    text = str(value).strip().upper().replace(",", ".")
    if text in ORDINAL:
        return text
    if text[:2] in ("C1", "C2") and (len(text) == 2 or text[2] == "."):
        return text[:2]
    return None


def ordinal(level: str) -> int:
    """Ordinal of a level; raises KeyError for anything not on the scale (including 'X')."""
    canonical = normalise_level(level)
    if canonical is None:
        raise KeyError(level)
    return ORDINAL[canonical]
