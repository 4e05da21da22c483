-- The report's qualitative findings (issue 14): an employer's feedback comment or a coach's
-- timeline note that its author marked for the report, with a theme from a short list
-- (pilot.domain.codes.REPORT_THEMES). Quoted without names. Nullable with a default, as in 007
-- and 009: existing rows are not for the report and have no theme.
ALTER TABLE feedback ADD COLUMN for_report BOOLEAN DEFAULT FALSE;
ALTER TABLE feedback ADD COLUMN report_theme VARCHAR(32);
ALTER TABLE participant_notes ADD COLUMN for_report BOOLEAN DEFAULT FALSE;
ALTER TABLE participant_notes ADD COLUMN report_theme VARCHAR(32);
