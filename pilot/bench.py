"""``python -m pilot bench``: generate a pilot of a given size and measure it in one run.

Phases, each in the process that keeps its memory apart:

1. **Generate** (a child process, with a raised DuckDB memory limit): pilot/records/benchdata.py
   writes the data in SQL. A database that already holds the same scale is reused, after the rows
   an earlier measuring run added are taken out again.
2. **Naive baseline** (a child process): load the tables into pandas and compute every indicator
   there. Its time is the denominator of the speed-up; its figures must equal the SQL ones.
3. **Measure** (a child process, the database opened as the app opens it): all indicators in SQL; the
   services dashboard and the employer page in AppTest; logging a session with 8 concurrent
   writers; importing 100 000 workbook rows; then that process's peak memory (the measuring
   phase only: generation and the baseline run in processes of their own).
4. **Browser** (pilot/bench_browser.py): the app as its own process on the database and Debian's
   Chromium through Playwright: cold start, sign-in to the start page, the services dashboard, the
   employer page, a participant page and saving a session, each from the navigation (or the click)
   until the script run is over and nothing is left to draw, PILOT_BENCH_BROWSER_RUNS (7) times,
   as p50 and p95. PILOT_BENCH_BROWSER=0 leaves the phase out.
5. **Import a million rows** (two child processes, the database opened as the app opens it): a
   zip holding one sessions.csv of PILOT_BENCH_MILLION_ROWS (1 000 000) new sessions is read alone
   (the reading layer, pilot/workbook_read.py) and then imported whole; each process's time and
   peak RSS, so the reading layer and the validation and writing after it can be told apart.

pandas is used here only, for the baseline. The same run on PostgreSQL (``--pg URL`` or
PILOT_BENCH_PG) uses a schema ``bench_<scale>`` in that database and is printed beside DuckDB.
"""
from __future__ import annotations

import csv
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pilot import bench_browser, db, indicators
from pilot.access import SYSTEM, Scope
from pilot.config import ROOT
from pilot.records import benchdata, sessions

RESULTS = ROOT / "bench-results"
WRITERS = 8
# Smaller in the test suite (the child processes read them from the environment).
LOGS_PER_WRITER = int(os.environ.get("PILOT_BENCH_LOGS_PER_WRITER", "25"))
IMPORT_ROWS = int(os.environ.get("PILOT_BENCH_IMPORT_ROWS", "100000"))
# key -> (target, "max" when the figure must stay at or under it, "min" at or over it)
TARGETS: dict[str, tuple[float, str]] = {
    "indicators_s": (1.0, "max"),
    "dashboard_s": (2.0, "max"),
    "employer_page_s": (0.3, "max"),
    "log_session_p95_ms": (50.0, "max"),
    "import_100k_s": (10.0, "max"),
    "peak_memory_mb": (1536.0, "max"),
    "import_million_peak_mb": (1536.0, "max"),
    "speedup": (20.0, "min"),
    **bench_browser.TARGETS,
}
ROWS = ("generate_s", "indicators_s", "indicators_company_s", "dashboard_s", "employer_page_s",
        "log_session_p50_ms", "log_session_p95_ms", "import_100k_s", "peak_memory_mb",
        "naive_s", "naive_peak_memory_mb", "speedup", "naive_equal",
        "read_million_s", "read_million_peak_mb", "import_million_s", "import_million_peak_mb",
        *bench_browser.ROWS)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ phase 1: generation

def _generate_child(url: str, scale_name: str) -> None:
    engine = db.make_engine(url)
    db.migrate(engine)
    benchdata.generate(engine, benchdata.SCALES[scale_name],
                       lambda msg: print(f"  {msg}", flush=True))
    engine.dispose()


def _child(*args: str) -> None:
    """Run a phase in a fresh interpreter (``python -m pilot.bench <phase> ...``): its memory is its
    own, and nothing this process imported (Streamlit's AppTest swaps ``__main__``) follows it."""
    subprocess.run([sys.executable, "-m", "pilot.bench", *args], cwd=ROOT, check=True)


def _holds_scale(url: str, scale: benchdata.Scale) -> bool:
    """True when the database already holds exactly this scale's generated rows."""
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        benchdata.remove_measurement_rows(engine)
        n = benchdata.counts(engine)
    finally:
        engine.dispose()
    return (n["companies"], n["participants"], n["sessions"]) == (
        scale.companies, scale.participants, scale.sessions)


def prepare(url: str, scale_name: str, reset: Callable[[], None]) -> float:
    """Generate unless the database already holds the scale; returns seconds spent generating."""
    scale = benchdata.SCALES[scale_name]
    try:
        if _holds_scale(url, scale):
            return 0.0
    except Exception:  # an unreadable or half-written database is simply made again
        pass
    reset()
    started = time.perf_counter()
    _child("generate", url, scale_name)
    return time.perf_counter() - started


# ------------------------------------------------------------------ phase 2: naive baseline

def _frames(url: str) -> dict[str, Any]:
    """Every table the indicators read, whole, as pandas DataFrames (dates as datetime64)."""
    import pandas as pd
    import sqlalchemy as sa

    engine = db.make_engine(url)
    frames = {}
    with engine.connect() as conn:
        for table, sql in benchdata.NAIVE_SQL.items():
            if db.backend(engine) == "duckdb":
                frame = conn.connection.driver_connection.execute(sql).df()
            else:
                frame = pd.read_sql(sa.text(sql), conn)
            for column in frame.columns:
                if column.endswith("_on"):
                    frame[column] = pd.to_datetime(frame[column])
            frames[table] = frame
    engine.dispose()
    return frames


_RANK = {"permanent": 3, "fixed_term": 2, "apprenticeship": 2, "training": 1, "work_trial": 1}
_EMPLOYED = ("permanent", "fixed_term", "apprenticeship")


def naive_indicators(frames: dict[str, Any], as_of: date) -> dict[str, Any]:
    """The indicators of shared/spec/INDICATORS.md for the whole pilot, computed in pandas from
    whole tables: the obvious way, and the baseline the SQL must beat."""
    import pandas as pd

    from pilot.domain.levels import ORDINAL

    r = pd.Timestamp(as_of)
    p = frames["participants"]
    p = p[p["enrolled_on"] <= r].copy()
    exited = p["exited_on"].notna() & (p["exited_on"] <= r)
    active = ~exited
    e = frames["employment"]
    e = e[e["effective_on"] <= r].sort_values("effective_on")

    def status_at(day: Any) -> Any:
        left = pd.DataFrame({"participant_id": p["id"], "day": day}).dropna().sort_values("day")
        left["day"] = left["day"].astype(e["effective_on"].dtype)
        merged = pd.merge_asof(left, e, left_on="day", right_on="effective_on", by="participant_id",
                               direction="backward")
        return merged.set_index("participant_id").reindex(p["id"])

    p["followup_on"] = (p["exited_on"] + pd.DateOffset(months=6)).where(exited)
    at_enrol, at_exit = status_at(p["enrolled_on"]), status_at(p["exited_on"].where(exited))
    # The 6-month follow-up: reached rows in exit + 5 .. 8 months, on or before R, nearest to
    # exit + 6 months (a tie: the later). Never an employment row.
    fu = frames["followups"].merge(p[["id", "exited_on", "followup_on"]], left_on="participant_id", right_on="id")
    fu = fu[fu["reached"].astype(bool) & (fu["contacted_on"] <= r)
            & (fu["contacted_on"] >= fu["exited_on"] + pd.DateOffset(months=5))
            & (fu["contacted_on"] <= fu["exited_on"] + pd.DateOffset(months=8))].copy()
    fu["distance"] = (fu["contacted_on"] - fu["followup_on"]).abs()
    fu = fu.sort_values(["distance", "contacted_on"], ascending=[True, False]).groupby("participant_id").head(1)
    at_followup = fu.set_index("participant_id")[["status", "weekly_hours"]].reindex(p["id"])
    due = (p["followup_on"] <= r).to_numpy()
    reached = due & at_followup["status"].notna().to_numpy()
    exited_ = exited.to_numpy()
    employed_exit = at_exit["status"].isin(_EMPLOYED).to_numpy() & exited_
    employed_6m = at_followup["status"].isin(_EMPLOYED).to_numpy() & reached
    rank_e = at_enrol["status"].map(_RANK).fillna(0).to_numpy()
    rank_f = at_followup["status"].map(_RANK).fillna(0).to_numpy()
    more_hours = (at_followup["weekly_hours"].astype(float).to_numpy()
                  > at_enrol["weekly_hours"].astype(float).to_numpy())
    improved = reached & ((rank_f > rank_e) | ((rank_f == rank_e) & (rank_f >= 2) & more_hours))

    s = frames["sessions"]
    s = s[s["held_on"] <= r]
    a = frames["attendance"].merge(s[["id", "minutes"]], left_on="session_id", right_on="id")
    present = a["status"] == "present"
    counted = int(a["status"].isin(("present", "absent")).sum())

    d = frames["adaptations"]
    d = d[d["proposed_on"] <= r].copy()
    stage = pd.Series("proposed", index=d.index)
    for column, name in (("agreed_on", "agreed"), ("in_use_on", "in_use"),
                         ("evaluated_on", "evaluated"), ("dropped_on", "dropped")):
        stage[d[column].notna() & (d[column] <= r)] = name
    d["stage"] = stage
    stages = {name: int((stage == name).sum()) for name in ("proposed", "agreed", "in_use", "evaluated",
                                                           "dropped")}
    evaluated = d[d["stage"] == "evaluated"]
    in_use = d[d["stage"].isin(("in_use", "evaluated")) & d["participant_id"].isin(p["id"])]

    x = frames["assessments"]
    x = x[(x["assessed_on"] <= r) & (x["source"] != "self") & x["participant_id"].isin(p["id"])].copy()
    x["lvl"] = x["level"].map(ORDINAL)
    daily = x.groupby(["participant_id", "skill", "assessed_on"], as_index=False)["lvl"].max()
    daily = daily.sort_values("assessed_on")
    per = daily.groupby(["participant_id", "skill"])["lvl"].agg(["first", "last", "count"])
    per = per[per["count"] >= 2]
    per["gain"] = per["last"] - per["first"]
    language = {}
    for skill in ("speaking", "listening", "reading", "writing"):
        gains = per.xs(skill, level="skill")["gain"] if skill in per.index.get_level_values("skill") else []
        n = len(gains)
        language[skill] = {"n": n, "mean_gain": round(float(gains.mean()), 2) if n else None,
                           "improved_share": round(float((gains >= 1).mean()), 3) if n else None}

    f = frames["feedback"]
    f = f[f["given_on"] <= r].sort_values("given_on").groupby("company_id").tail(1)
    c = frames["costs"]
    cost = round(float(c.loc[c["incurred_on"] <= r, "amount_eur"].astype(float).sum()), 2)

    def ratio(num: float, den: float, digits: int) -> float | None:
        return round(num / den, digits) if den else None

    enrolled, n_exited = len(p), int(exited.sum())
    n_employed, n_due, n_6m = int(employed_exit.sum()), int(due.sum()), int(employed_6m.sum())
    readiness, hiring = _naive_hiring(frames, r)
    return {
        "participants_enrolled": enrolled,
        "participants_active": int(active.sum()),
        "participants_exited": n_exited,
        "companies_active": int(p.loc[active, "company_id"].nunique()),
        "coaching_hours": round(float(s["minutes"].sum()) / 60, 1),
        "participant_hours": round(float(a.loc[present, "minutes"].sum()) / 60, 1),
        "attendance_rate": ratio(int(present.sum()), counted, 3),
        "employed_at_exit": n_employed,
        "employed_at_exit_rate": ratio(n_employed, n_exited, 3),
        "exit_status_unknown": int((at_exit["status"].isna().to_numpy() & exited_).sum()),
        "subsidised_at_exit": int((employed_exit & (at_exit["subsidised"] == True).to_numpy()).sum()),  # noqa: E712
        "followup_6m_due": n_due,
        "followup_6m_reached": int(reached.sum()),
        "followup_6m_reach_rate": ratio(int(reached.sum()), n_due, 3),
        "employed_6m_after_exit": n_6m,
        "employed_6m_after_exit_rate": ratio(n_6m, int(reached.sum()), 3),
        "improved_6m": int(improved.sum()),
        "improved_6m_rate": ratio(int(improved.sum()), int(reached.sum()), 3),
        "language": language,
        "adaptations": stages,
        "participants_with_adaptation_in_use": int(in_use["participant_id"].nunique()),
        "adaptation_mean_effect": round(float(evaluated["effect"].mean()), 2) if len(evaluated) else None,
        "employer_satisfaction_mean": round(float(f["score"].mean()), 2) if len(f) else None,
        "cost_total_eur": cost,
        "cost_per_participant_eur": ratio(cost, enrolled, 2),
        "cost_per_employed_at_exit_eur": ratio(cost, n_employed, 2),
        "hiring_readiness": readiness,
        **hiring,
    }


def _naive_hiring(frames: dict[str, Any], r: Any) -> tuple[dict[str, Any], dict[str, int]]:
    """Hiring readiness and hires as INDICATORS.md words them, row by row in pandas."""
    import pandas as pd

    joined = frames["companies"].set_index("id")["joined_on"]
    answers = frames["employer_surveys"]
    answers = answers[answers["answered_on"] <= r].sort_values("answered_on")
    changes = []
    for company_id, rows in answers.groupby("company_id"):
        base = rows.iloc[0]
        if base["answered_on"] > joined[company_id] + pd.Timedelta(days=60):
            continue  # the first answer came too late to be a baseline
        later = rows[rows["answered_on"] >= base["answered_on"] + pd.Timedelta(days=90)]
        if len(later):
            changes.append(int(later.iloc[-1]["readiness"]) - int(base["readiness"]))
    n = len(changes)
    readiness = {"n": n, "mean_change": round(sum(changes) / n, 2) if n else None,
                 "improved_share": round(sum(1 for c in changes if c >= 1) / n, 3) if n else None}
    h = frames["hires"]
    h = h[(h["hired_on"] <= r) & (h["hired_on"] >= h["company_id"].map(joined))]
    return readiness, {"companies_hiring": int(h["company_id"].nunique()), "hires_total": len(h),
                       "hires_of_participants": int(h["participant_id"].notna().sum())}


def _naive_child(url: str, as_of: str, out: str) -> None:
    import pandas  # noqa: F401  (imported before the clock starts: loading it is not the work)
    started = time.perf_counter()
    result = naive_indicators(_frames(url), date.fromisoformat(as_of))
    answer = {"seconds": time.perf_counter() - started, "result": result, "peak_mb": _peak_mb()}
    Path(out).write_text(json.dumps(answer), encoding="utf-8")


def naive(url: str, as_of: date) -> dict[str, Any]:
    """Run the baseline in a child process; its seconds, figures and peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "naive.json"
        _child("naive", url, as_of.isoformat(), str(out))
        return json.loads(out.read_text(encoding="utf-8"))


def differences(sql: dict[str, Any], naive_result: dict[str, Any]) -> list[str]:
    """Keys whose figures differ by more than one unit in the last stated decimal."""
    def same(a: Any, b: Any) -> bool:
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if a is None or b is None:
            return a is None and b is None
        return abs(float(a) - float(b)) <= 0.011
    return [key for key in indicators.INDICATOR_KEYS if not same(sql[key], naive_result[key])]


# ------------------------------------------------------------------ phase 3: measuring

def _log_sessions(engine: Any, as_of: date) -> dict[str, float]:
    """8 writers each log LOGS_PER_WRITER sessions at their own company, all at once, each booking
    the company's active participants, the way the log page saves (group commit, see
    sessions.log_session_together)."""
    coach = Scope(username="bench-coach", role="coach", user_id=benchdata.user_id(engine, "bench-coach"))
    companies = benchdata.busy_company_ids(engine, WRITERS, as_of)
    booked = {cid: {pid: "present" for pid in benchdata.active_participants(engine, cid, as_of)}
              for cid in companies}
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(companies))

    def writer(cid: int) -> None:
        start.wait()
        for i in range(LOGS_PER_WRITER):
            values = {"held_on": as_of - timedelta(days=i), "minutes": 60, "kind": "language_lesson",
                      "mode": "onsite", "topics": "benchmark", "notes": None}
            began = time.perf_counter()
            sessions.log_session_together(engine, coach, cid, values, booked[cid], attempts=8)
            with lock:
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=writer, args=(cid,)) for cid in companies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(latencies) != len(companies) * LOGS_PER_WRITER:
        raise RuntimeError("a writer failed")
    ordered = sorted(latencies)
    return {"log_session_p50_ms": statistics.median(ordered) * 1000,
            "log_session_p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000}


def _import(engine: Any, scale: benchdata.Scale) -> float:
    """Import IMPORT_ROWS workbook rows (half new sessions, half their attendance) from CSV."""
    from pilot import workbook

    rows = benchdata.import_rows(engine, IMPORT_ROWS // 2, scale.participants)
    with tempfile.TemporaryDirectory() as folder:
        with open(Path(folder) / "sessions.csv", "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["ref", "business_id", "held_on", "minutes", "kind", "mode"])
            out.writerows((r["ref"], r["business_id"], r["held_on"].isoformat(), 60, "on_the_job", "onsite")
                          for r in rows)
        with open(Path(folder) / "attendance.csv", "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["session_ref", "participant_code", "status"])
            out.writerows((r["ref"], r["code"], "present") for r in rows)
        started = time.perf_counter()
        result = workbook.import_workbook(engine, folder, SYSTEM, lang="en")
        seconds = time.perf_counter() - started
    if not result.ok:
        raise RuntimeError("the benchmark import was refused: " + "; ".join(result.lines("en")[:5]))
    return seconds


def measure(url: str, scale_name: str, say: Callable[[str], None]) -> dict[str, Any]:
    """Phases 2 and 3 on one prepared database."""
    scale = benchdata.SCALES[scale_name]
    as_of = benchdata.AS_OF
    figures: dict[str, Any] = {}
    say("naive baseline")
    base = naive(url, as_of)
    figures["naive_s"] = base["seconds"]
    figures["naive_peak_memory_mb"] = base["peak_mb"]

    engine = db.make_engine(url)
    db.migrate(engine)
    say("indicators")
    runs = []
    for _ in range(3):
        with engine.connect() as conn:
            started = time.perf_counter()
            result = indicators.compute(conn, as_of)
            runs.append(time.perf_counter() - started)
    figures["indicators_s"] = statistics.median(runs)
    figures["indicators_first_s"] = runs[0]
    first_company = benchdata.company_ids(engine, 1)[0]
    with engine.connect() as conn:
        started = time.perf_counter()
        indicators.compute(conn, as_of, first_company)
        figures["indicators_company_s"] = time.perf_counter() - started
    figures["speedup"] = figures["naive_s"] / figures["indicators_s"]
    figures["naive_differences"] = differences(result, base["result"])
    figures["naive_equal"] = not figures["naive_differences"]
    figures["indicators"] = indicators.as_json(result, as_of)

    say("pages")
    from pilot.ui import bench_pages
    for key, user, page in (("dashboard_s", "bench-services", "pages/dashboard.py"),
                            ("employer_page_s", "bench-employer", "pages/employer.py")):
        try:
            timing = bench_pages.page_seconds(url, user, page)
            figures[key], figures[key.replace("_s", "_second_run_s")] = timing["first"], timing["second"]
        except Exception as exc:  # a page that does not render is a finding, not the end of the run
            figures[key] = None
            figures[key.replace("_s", "_error")] = str(exc)[:300]
    say("session logging")
    figures.update(_log_sessions(engine, as_of))
    say("import")
    figures["import_100k_s"] = _import(engine, scale)
    figures["peak_memory_mb"] = _peak_mb()
    benchdata.remove_measurement_rows(engine)
    figures["counts"] = benchdata.counts(engine)
    engine.dispose()
    db.dispose_shared()
    return figures


def measure_apart(url: str, scale_name: str) -> dict[str, Any]:
    """measure() in a child process, so each backend's peak memory is its own."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "figures.json"
        _child("measure", url, scale_name, str(out))
        return json.loads(out.read_text(encoding="utf-8"))


def _measure_child(url: str, scale_name: str, out: str) -> None:
    figures = measure(url, scale_name, lambda msg: print(f"  {msg}", flush=True))
    Path(out).write_text(json.dumps(figures, default=str), encoding="utf-8")


# ------------------------------------------------------------------ phase 4: a million rows

def write_sessions_zip(path: Path, sample: list[dict[str, Any]], count: int) -> None:
    """A zip with one sessions.csv of ``count`` new sessions (refs BM1, BM2, ...; companies and
    dates cycle through ``sample``), written as a stream: the file never sits in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("sessions.csv", "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            out = csv.writer(text)
            out.writerow(["ref", "business_id", "held_on", "minutes", "kind", "mode"])
            for i in range(count):
                r = sample[i % len(sample)]
                out.writerow((f"BM{i + 1}", r["business_id"], r["held_on"].isoformat(), 60, "on_the_job", "onsite"))
            text.flush()
            text.detach()


def _million_child(url: str, path: str, mode: str, out: str) -> None:
    """Read (mode "read") or import (mode "import") the zip; write seconds, peak RSS and outcome."""
    from pilot import workbook
    started = time.perf_counter()
    answer: dict[str, Any] = {}
    if mode == "read":
        wb = workbook.read_workbook(path)
        answer["rows"] = sum(len(sheet.rows) for sheet in wb.sheets.values())
        answer["ok"] = True
    else:
        engine = db.make_engine(url)
        result = workbook.import_workbook(engine, path, SYSTEM, lang="en")
        answer["ok"] = result.ok
        answer["errors"] = result.lines("en")[:5] if not result.ok else []
        engine.dispose()
    answer["seconds"] = time.perf_counter() - started
    answer["peak_mb"] = _peak_mb()
    Path(out).write_text(json.dumps(answer), encoding="utf-8")


def _read_and_import(url: str, sample: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """Write the zip of ``count`` sessions, then read it and import it, each in a child process."""
    figures: dict[str, Any] = {"million_rows": count}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sessions.zip"
        write_sessions_zip(path, sample, count)
        for mode in ("read", "import"):
            out = Path(folder) / f"{mode}.json"
            try:
                _child("million", url, str(path), mode, str(out))
                answer = json.loads(out.read_text(encoding="utf-8"))
            except subprocess.CalledProcessError as exc:  # killed (out of memory) or failed: a finding
                answer = {"ok": False, "errors": [f"exit status {exc.returncode}"]}
            figures[f"{mode}_million_s"] = answer.get("seconds")
            figures[f"{mode}_million_peak_mb"] = answer.get("peak_mb")
            if not answer.get("ok"):
                figures[f"{mode}_million_errors"] = answer.get("errors")
    return figures


def import_million_alone(count: int, companies: int = 50) -> dict[str, Any]:
    """Phase 4 without generating a pilot (``python -m pilot.bench million-alone [COUNT]``): a new
    DuckDB file holding ``companies`` companies, then the same reading and import of ``count``
    new sessions, each in its own process. README's figures for the import's memory come from here."""
    from pilot import workbook
    from pilot.domain.identifiers import business_id_check_digit

    with tempfile.TemporaryDirectory() as folder:
        url = str(Path(folder) / "pilot.duckdb")
        engine = db.make_engine(url)
        db.migrate(engine)
        business_ids: list[str] = []
        body = 1_000_000
        while len(business_ids) < companies:
            body += 1
            check = business_id_check_digit(str(body))
            if check is not None:
                business_ids.append(f"{body}-{check}")
        (Path(folder) / "companies").mkdir()
        with open(Path(folder) / "companies" / "companies.csv", "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["business_id", "name", "joined_on"])
            out.writerows((b, f"Yritys {b}", "2024-01-01") for b in business_ids)
        done = workbook.import_workbook(engine, Path(folder) / "companies", SYSTEM, lang="en")
        engine.dispose()
        db.dispose_shared()
        if not done.ok:
            raise RuntimeError("; ".join(done.lines("en")[:5]))
        sample = [{"business_id": business_ids[i % companies], "held_on": date(2025, 1, 1) + timedelta(days=i % 300)}
                  for i in range(3000)]
        return _read_and_import(url, sample, count)


def import_million(url: str, scale_name: str) -> dict[str, Any]:
    """Phase 4: read, then import, a zip of PILOT_BENCH_MILLION_ROWS sessions, each in a child."""
    count = int(os.environ.get("PILOT_BENCH_MILLION_ROWS", "1000000"))
    engine = db.make_engine(url)
    sample = benchdata.import_rows(engine, min(count, 10_000), benchdata.SCALES[scale_name].participants)
    engine.dispose()
    db.dispose_shared()
    figures = _read_and_import(url, sample, count)
    engine = db.make_engine(url)
    benchdata.remove_measurement_rows(engine)
    engine.dispose()
    db.dispose_shared()
    return figures


def verdict(key: str, value: Any) -> str:
    """"ok", "MISSED" or "" (no target) for one figure."""
    if key not in TARGETS:
        return ""
    if value is None:
        return "MISSED"
    target, direction = TARGETS[key]
    good = value <= target if direction == "max" else value >= target
    return "ok" if good else "MISSED"


def _pg_schema_url(base: str, schema: str) -> str:
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3D{schema}"


def run(scale_name: str, duckdb_path: Path | None = None, pg_url: str | None = None,
        say: Callable[[str], None] = print) -> dict[str, Any]:
    """The whole benchmark on DuckDB (and PostgreSQL when ``pg_url`` is given); returns the JSON."""
    RESULTS.mkdir(exist_ok=True)
    duckdb_path = duckdb_path or RESULTS / f"{scale_name}.duckdb"
    targets: list[tuple[str, str, Callable[[], None]]] = []

    def reset_duckdb() -> None:
        for suffix in ("", ".wal"):
            Path(str(duckdb_path) + suffix).unlink(missing_ok=True)

    targets.append(("duckdb", str(duckdb_path), reset_duckdb))
    if pg_url:
        schema = f"bench_{scale_name}"
        url = _pg_schema_url(pg_url, schema)

        def reset_pg() -> None:
            admin = db.make_engine(pg_url)
            benchdata.recreate_schema(admin, schema)
            admin.dispose()

        targets.append(("postgresql", url, reset_pg))
    out: dict[str, Any] = {"scale": scale_name, "as_of": benchdata.AS_OF.isoformat(),
                           "targets": {k: {"target": v[0], "direction": v[1]} for k, v in TARGETS.items()},
                           "backends": {}}
    for name, url, reset in targets:
        say(f"[{name}] generate {scale_name}")
        generate_s = prepare(url, scale_name, reset)
        say(f"[{name}] measure")
        figures = measure_apart(url, scale_name)
        if os.environ.get("PILOT_BENCH_BROWSER", "1").strip().lower() not in ("0", "false", "no", "off"):
            say(f"[{name}] browser")
            figures.update(bench_browser.measure(url, say=lambda msg: say(f"  {msg}")))
        say(f"[{name}] import a million rows")
        figures.update(import_million(url, scale_name))
        figures["generate_s"] = generate_s
        out["backends"][name] = figures
    path = RESULTS / f"{scale_name}.json"
    path.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
    out["json_path"] = str(path)
    return out


def _show(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    # Thousands apart by a space, which no reader takes for a decimal mark (1 536, not 1,536).
    if key.endswith("_ms") or key.endswith("_mb"):
        text = f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
    elif key == "speedup":
        text = f"{value:,.0f}×"
    else:
        text = f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    return text.replace(",", " ")


def table(out: dict[str, Any], label: Callable[[str], str]) -> str:
    """The figures as a text table: measure, target, one column per backend with its verdict."""
    names = list(out["backends"])
    header = [label("measure"), label("target"), *names]
    lines = [header]
    for key in ROWS:
        target = ""
        if key in TARGETS:
            value, direction = TARGETS[key]
            target = ("≤ " if direction == "max" else "≥ ") + _show(key, value)
        cells = []
        for name in names:
            value = out["backends"][name].get(key)
            mark = verdict(key, value)
            cells.append(_show(key, value) + (f" {mark}" if mark else ""))
        lines.append([label(key), target, *cells])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in lines)


if __name__ == "__main__":
    if sys.argv[1] == "measure":  # as the app runs: its own memory limit
        _measure_child(sys.argv[2], sys.argv[3], sys.argv[4])
        raise SystemExit(0)
    if sys.argv[1] == "million":  # as the app runs too
        _million_child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
        raise SystemExit(0)
    if sys.argv[1] == "million-alone":  # phase 4 alone, on a new database of 50 companies
        rows = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("PILOT_BENCH_MILLION_ROWS", "1000000"))
        print(json.dumps(import_million_alone(rows)))
        raise SystemExit(0)
    # The other child phases. Generation and the baseline may use more memory than the app's limit.
    os.environ["PILOT_MEMORY_LIMIT"] = os.environ.get("PILOT_BENCH_MEMORY_LIMIT", "12GB")
    if sys.argv[1] == "generate":
        _generate_child(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "naive":
        _naive_child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(f"unknown phase {sys.argv[1]}")
