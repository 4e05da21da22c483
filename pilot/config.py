"""Settings from environment variables, with defaults that work on a fresh clone."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    db: str
    memory_limit: str
    session_idle_hours: float
    lockout_attempts: int
    lockout_minutes: int
    throttle_seconds: int
    allowed_hosts: tuple[str, ...]
    retention_years: int
    appropriation_eur: float
    demo_mode: bool


def default_db() -> str:
    """The demo's database file: the only one ``make run`` loads demo data into (pilot/golive.py)."""
    return str(ROOT / "data" / "pilot.duckdb")


def settings() -> Settings:
    """Read the settings now (tests change the environment between cases)."""
    env = os.environ
    return Settings(
        db=env.get("PILOT_DB", default_db()),
        memory_limit=env.get("PILOT_MEMORY_LIMIT", "1GB"),
        session_idle_hours=float(env.get("PILOT_SESSION_IDLE_HOURS", "8")),
        lockout_attempts=int(env.get("PILOT_LOCKOUT_ATTEMPTS", "5")),
        lockout_minutes=int(env.get("PILOT_LOCKOUT_MINUTES", "15")),
        throttle_seconds=int(env.get("PILOT_THROTTLE_SECONDS", "30")),
        allowed_hosts=tuple(h.strip().lower() for h in
                            env.get("PILOT_ALLOWED_HOSTS", "localhost,127.0.0.1,::1").split(",") if h.strip()),
        retention_years=int(env.get("PILOT_RETENTION_YEARS", "5")),
        appropriation_eur=float(env.get("PILOT_APPROPRIATION_EUR", "200000")),
        # Off (0) in production: the app refuses to start while an account has the demo password,
        # and `pilot init --demo-if-default` (make run) loads no demo data (pilot/golive.py).
        demo_mode=env.get("PILOT_DEMO_MODE", "1").strip().lower() not in ("0", "false", "no", "off"),
    )
