"""Code lists of the pilot (shared/spec/DATA-FILES.md). Labels live in the locale catalogues
under ``code.<list>.<code>``; the code itself is what is stored."""
from __future__ import annotations

ROLES = ("coach", "employer", "services", "admin")
SIZE_CLASSES = ("1-9", "10-49", "50-249", "250+")
SESSION_KINDS = ("language_lesson", "on_the_job", "supervisor_guidance", "redesign_workshop",
                 "materials", "assessment", "other")
MODES = ("onsite", "remote")
ATTENDANCE = ("present", "absent", "excused")
ADAPTATION_TYPES = ("plain_language", "visual_instructions", "translated_materials", "glossary",
                    "language_buddy", "task_restructuring", "working_time", "supervisor_training",
                    "digital_aid", "other")
ADAPTATION_STAGES = ("proposed", "agreed", "in_use", "evaluated", "dropped")
SKILLS = ("speaking", "listening", "reading", "writing")
SOURCES = ("coach", "self", "yki", "other")
EMPLOYMENT_STATUSES = ("permanent", "fixed_term", "apprenticeship", "work_trial", "training",
                       "unemployed", "other")
EMPLOYED = frozenset({"permanent", "fixed_term", "apprenticeship"})
FOLLOWUP_SOURCES = ("phone", "email", "meeting", "employer", "register", "survey")
COST_CATEGORIES = ("service_purchase", "grant", "co_funding", "staff", "other")
PARTICIPANT_STATUSES = ("active", "exited")
# Themes of the report's qualitative findings (a quote's author picks one when marking it).
REPORT_THEMES = ("language_at_work", "job_adaptation", "hiring", "supervisor", "cooperation", "other")

# Labour-market rank (shared/spec/INDICATORS.md): improvement is a higher rank.
STATUS_RANK = {"unknown": 0, "other": 0, "unemployed": 0, "training": 1, "work_trial": 1,
               "fixed_term": 2, "apprenticeship": 2, "permanent": 3}

CODE_LISTS: dict[str, tuple[str, ...]] = {
    "role": ROLES,
    "size_class": SIZE_CLASSES,
    "kind": SESSION_KINDS,
    "mode": MODES,
    "attendance": ATTENDANCE,
    "adaptation_type": ADAPTATION_TYPES,
    "stage": ADAPTATION_STAGES,
    "skill": SKILLS,
    "source": SOURCES,
    "employment_status": EMPLOYMENT_STATUSES,
    "cost_category": COST_CATEGORIES,
    "participant_status": PARTICIPANT_STATUSES,
    "followup_source": FOLLOWUP_SOURCES,
    "report_theme": REPORT_THEMES,
}

# Common first languages (ISO 639-1) offered first in pickers; any valid 2-3 letter code is accepted.
COMMON_LANGUAGES = ("ar", "ru", "et", "so", "en", "fa", "ku", "zh", "vi", "th", "uk", "sq", "tr",
                    "es", "pt", "fr", "ne", "tl", "ti", "am", "bn", "hi", "ur", "pl", "ro", "sv",
                    "fi", "my", "ps", "uz", "ta", "sw", "yo", "lt", "lv", "hu", "de", "it")


def is_employed(status: str | None) -> bool:
    """A work trial is never employment; unknown is not employment either."""
    return status in EMPLOYED


def adaptation_stage(as_of, proposed_on, agreed_on=None, in_use_on=None, evaluated_on=None,
                     dropped_on=None) -> str:
    """Stage of an adaptation as of a date (shared/spec/INDICATORS.md)."""
    if dropped_on is not None and dropped_on <= as_of:
        return "dropped"
    if evaluated_on is not None and evaluated_on <= as_of:
        return "evaluated"
    if in_use_on is not None and in_use_on <= as_of:
        return "in_use"
    if agreed_on is not None and agreed_on <= as_of:
        return "agreed"
    return "proposed"
