-- Each session carries the totals of its attendance marks, kept current by every write of
-- attendance (pilot/records/attendance_totals.py). The indicators and the dashboard's charts then
-- read sessions alone instead of joining millions of attendance rows to millions of sessions.
-- Nullable with a default: DuckDB cannot add a NOT NULL column to a table other tables reference.
ALTER TABLE sessions ADD COLUMN attendance_present INTEGER DEFAULT 0;
ALTER TABLE sessions ADD COLUMN attendance_absent INTEGER DEFAULT 0;
ALTER TABLE sessions ADD COLUMN attendance_excused INTEGER DEFAULT 0;
UPDATE sessions SET attendance_present = g.present, attendance_absent = g.absent,
    attendance_excused = g.excused
FROM (SELECT session_id,
        SUM(CASE WHEN status = 'present' THEN 1 ELSE 0 END) AS present,
        SUM(CASE WHEN status = 'absent' THEN 1 ELSE 0 END) AS absent,
        SUM(CASE WHEN status = 'excused' THEN 1 ELSE 0 END) AS excused
      FROM attendance GROUP BY session_id) g
WHERE sessions.id = g.session_id;
