-- DuckDB turns an UPDATE of an indexed column into delete + insert, which fails while attendance
-- rows reference the session ("still referenced by a foreign key"). A session's date must stay
-- editable, so the index leaves held_on out; company_id never changes after a session is logged.
DROP INDEX sessions_company_held_idx;
CREATE INDEX sessions_company_idx ON sessions (company_id);
