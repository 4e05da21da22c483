"""The command line: ``python -m pilot <command>``.

Each command is a function ``cmd_<name>(args) -> int`` registered in ``build_parser``. Messages go
through the translation function in the language of ``PILOT_LANG`` (default fi). When the running
app holds the DuckDB file, commands say so in one sentence instead of a traceback.
"""
from __future__ import annotations

import argparse
from pathlib import Path
import os
import sys

from pilot import db
from pilot.config import settings
from pilot.domain.codes import ROLES
from pilot.domain.identifiers import IdentityCodeFound
from pilot.i18n import t


def lang() -> str:
    return os.environ.get("PILOT_LANG", "fi")


def say(key: str, **params: object) -> None:
    print(t(key, lang(), **params))


def fail(key: str, **params: object) -> int:
    print(t(key, lang(), **params), file=sys.stderr)
    return 1


def open_engine():
    """Open and migrate the configured database (raises DatabaseBusy when the app holds it)."""
    engine = db.make_engine()
    db.migrate(engine)
    return engine


def cmd_init(args: argparse.Namespace) -> int:
    """Create or update the database. Demo data and accounts only with --demo, or with
    --demo-if-default (make run) into the default data/pilot.duckdb (pilot/golive.py)."""
    from pilot import golive
    engine = open_engine()
    load_demo = golive.wants_demo(args.demo, args.demo_if_default)
    if (args.demo or args.demo_if_default) and not load_demo and db.is_empty(engine):
        say("golive.demo_mode_off" if not settings().demo_mode else "golive.demo_not_default")
    if load_demo:
        if db.is_empty(engine):
            from pilot import demo
            counts = demo.load(engine)
            from pilot import auth
            auth.set_demo_passwords(engine)
            say("cli.demo_loaded", companies=counts["companies"], participants=counts["participants"])
        else:
            say("cli.demo_skipped")
    say("cli.ready", db=db.backend(engine))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if not settings().demo_mode:
        return fail("golive.demo_mode_off")
    engine = open_engine()
    if not db.is_empty(engine):
        return fail("cli.demo_not_empty")
    from pilot import demo
    counts = demo.load(engine)
    from pilot import auth
    auth.set_demo_passwords(engine)
    say("cli.demo_loaded", companies=counts["companies"], participants=counts["participants"])
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The follow-up report (small-number rule always applied) as PDF or HTML; bad input is one
    sentence on stderr and exit code 2. A PDF without chart images says so but still succeeds."""
    from pathlib import Path

    from pilot import report
    from pilot.domain.dates import parse_date, today

    as_of = today() if args.as_of is None else parse_date(args.as_of)
    if as_of is None:
        print(t("report.bad_date", lang(), value=args.as_of), file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.suffix.lower().lstrip(".") not in report.FORMATS:
        print(t("report.bad_out", lang(), value=args.out), file=sys.stderr)
        return 2
    plan_year = None
    if args.plan_year is not None:
        if not (args.plan_year.isascii() and args.plan_year.isdigit() and len(args.plan_year) == 4):
            print(t("disclosure.report.bad_year", lang(), value=args.plan_year), file=sys.stderr)
            return 2
        plan_year = int(args.plan_year)
    engine = open_engine()
    try:
        with engine.connect() as conn:
            company_id = None
            if args.company is not None:
                from pilot import indicators
                company_id = indicators.company_id_for(conn, args.company)
                if company_id is None:
                    print(t("indicators.unknown_company", lang(), value=args.company), file=sys.stderr)
                    return 2
            with_images = report.write(conn, as_of, args.report_lang, out, company_id, plan_year)
    except report.ReportError as problem:
        print(t(problem.key, lang(), **problem.params), file=sys.stderr)
        return 1
    if not with_images:
        print(t("report.no_images", lang()), file=sys.stderr)
    say("report.written", path=str(out))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import the pilot workbook as the system; all errors at once and a non-zero exit on any."""
    from pilot import workbook
    from pilot.access import SYSTEM
    engine = open_engine()
    result = workbook.import_workbook(engine, args.path, SYSTEM, dry_run=args.dry_run, lang=lang(),
                                      overwrite=args.overwrite)
    if result.errors:
        print(t("workbook.errors_header", lang(), count=len(result.errors)), file=sys.stderr)
        for line in result.lines(lang()):
            print(line, file=sys.stderr)
        return 1
    for line in result.lines(lang()):
        print(line)
    say("workbook.dry_run_done" if args.dry_run else "workbook.imported")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pilot import workbook
    from pilot.access import SYSTEM
    engine = open_engine()
    with db.transaction(engine) as conn:
        workbook.export_workbook(conn, SYSTEM, args.path, fmt=args.format)
    say("workbook.exported", path=args.path)
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    """Accounts: ``user add`` (password read from stdin with --password-stdin), ``user list``,
    ``user disable``, ``user password``, ``user totp-reset`` (a lost phone) and ``user totp-roles``
    (which roles need a second factor). Passwords never appear as arguments (shell history)."""
    from pilot import auth
    from pilot.records import companies, users
    from pilot.access import SYSTEM

    engine = open_engine()
    if args.user_command == "list":
        with engine.connect() as conn:
            rows = users.list_users(conn)
        for u in rows:
            state = t("cli.user.disabled", lang()) if u["disabled"] else ""
            reach = t("cli.user.whole_pilot", lang()) if u["whole_pilot"] else ", ".join(u["companies"])
            print(f"{u['username']:<20} {u['role']:<10} {reach} {state}".rstrip())
        return 0
    if args.user_command == "totp-roles":
        if args.require:
            with db.transaction(engine) as conn:
                auth.set_totp_roles(conn, "cli", set(args.require))
        with engine.connect() as conn:
            roles = auth.totp_required_roles(conn)
        say("signin.cli.totp_roles", roles=", ".join(r for r in ROLES if r in roles) or t("signin.cli.none", lang()))
        return 0
    password = None
    if getattr(args, "password_stdin", False) or args.user_command == "password":
        password = sys.stdin.readline().rstrip("\r\n")
        problem = auth.check_password_rules(password)
        if problem:
            return fail(problem)
    with db.transaction(engine) as conn:
        account = users.get_by_username(conn, args.username)
        if args.user_command == "add":
            if account is not None:
                return fail("cli.user.exists", username=args.username)
            company_ids = []
            for business_id in args.company or []:
                company = companies.find_by_business_id(conn, SYSTEM, business_id)
                if company is None:
                    return fail("cli.user.unknown_company", business_id=business_id)
                company_ids.append(company["id"])
            users.add_user(conn, "cli", args.username, args.role, company_ids=company_ids,
                           password_hash=auth.hash_password(password) if password else None,
                           email=args.email, whole_pilot=args.whole_pilot)
            say("cli.user.added", username=args.username, role=args.role)
            if not password:
                say("cli.user.no_password")
            return 0
        if account is None:
            return fail("cli.user.unknown", username=args.username)
        if args.user_command == "disable":
            users.update_account(conn, "cli", account["id"], account["version"], {"disabled": True})
            say("cli.user.disabled_done", username=args.username)
        elif args.user_command == "totp-reset":
            auth.reset_totp(conn, "cli", account["id"])
            say("signin.cli.totp_reset_done", username=args.username)
        else:
            auth.set_password(conn, args.username, password, actor="cli")
            say("cli.user.password_set", username=args.username)
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    """Outcome indicators (shared/spec/INDICATORS.md) as a table or one JSON object; bad input
    (a date that is not one, an unknown business ID) is one sentence on stderr and exit code 2."""
    import json

    from pilot import indicators
    from pilot.domain.dates import parse_date, today

    as_of = today() if args.as_of is None else parse_date(args.as_of)
    if as_of is None:
        print(t("indicators.bad_date", lang(), value=args.as_of), file=sys.stderr)
        return 2
    engine = open_engine()
    with engine.connect() as conn:
        company_id = None
        if args.company is not None:
            company_id = indicators.company_id_for(conn, args.company)
            if company_id is None:
                print(t("indicators.unknown_company", lang(), value=args.company), file=sys.stderr)
                return 2
        result = indicators.compute(conn, as_of, company_id)
    if args.suppress:
        result = indicators.suppress(result)
    if args.format == "json":
        print(json.dumps(indicators.as_json(result, as_of), ensure_ascii=False))
    else:
        print(indicators.format_table(result, as_of, lang()))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Everything the services dashboard (or, with --role employer, the employer page) shows for
    the given settings, under that role's rule, as one JSON object: from pilot.dashboard, the
    same code the pages draw from. Bad input is one sentence on stderr and exit code 2."""
    import json
    import re

    from pilot import dashboard, indicators
    from pilot.access import Scope
    from pilot.domain.dates import parse_date, today
    from pilot.records import outcomes

    def bad(key: str, value: object) -> int:
        print(t(key, lang(), value=value), file=sys.stderr)
        return 2

    as_of = today() if args.as_of is None else parse_date(args.as_of)
    if as_of is None:
        return bad("indicators.bad_date", args.as_of)
    cohort = None
    if args.cohort is not None:
        found = re.fullmatch(r"(\d{4})-Q([1-4])", args.cohort.strip())
        if found is None:
            return bad("disclosure.cli.bad_cohort", args.cohort)
        cohort = outcomes.quarter(int(found[1]), int(found[2]))
    if args.role == "employer" and args.company is None:
        return bad("disclosure.cli.needs_company", args.role)
    engine = open_engine()
    with engine.connect() as conn:
        company_id = None
        if args.company is not None:
            company_id = indicators.company_id_for(conn, args.company)
            if company_id is None:
                return bad("indicators.unknown_company", args.company)
        if args.role == "employer":
            scope = Scope(username="cli", role="employer", company_ids=frozenset({company_id}))
            page = dashboard.employer_page(conn, scope, company_id, as_of)
        else:
            scope = Scope(username="cli", role=args.role)
            filters = outcomes.Filters(company_id=company_id, industry=args.industry,
                                       first_language=args.first_language, cohort=cohort)
            page = dashboard.services_page(conn, scope, as_of, filters)
    print(json.dumps(dashboard.as_json(page, args.role), ensure_ascii=False))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Generate a pilot of the given size, measure it (DuckDB, and PostgreSQL when --pg or
    PILOT_BENCH_PG names one), print every figure against its target and write the JSON.
    Exit code 1 when a figure misses its target or the naive baseline disagrees with SQL."""
    from pilot import bench

    pg_url = args.pg or os.environ.get("PILOT_BENCH_PG") or None
    out = bench.run(args.scale, pg_url=pg_url, say=lambda msg: print(msg, flush=True))
    print()
    print(bench.table(out, lambda key: t(f"bench.row.{key}", lang())))
    print()
    say("bench.written", path=out["json_path"])
    missed = sum(1 for figures in out["backends"].values() for key, value in figures.items()
                 if bench.verdict(key, value) == "MISSED")
    for figures in out["backends"].values():
        if figures["naive_differences"]:
            print(t("bench.different", lang(), keys=", ".join(figures["naive_differences"])), file=sys.stderr)
            missed += 1
    if missed:
        return fail("bench.missed", count=missed)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pilot import backup
    engine = open_engine()
    try:
        path = backup.backup(engine, Path(args.path))
    except backup.BackupNotPossible as exc:
        return fail(exc.key, **getattr(exc, "params", {}))
    finally:
        engine.dispose()
    say("backup.done", path=str(path))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """DuckDB: swap the file in (the current one kept aside). PostgreSQL: pg_restore into the
    database of PILOT_DB, which must be empty, so it is not migrated before."""
    from pilot import backup
    engine = db.make_engine()
    if db.backend(engine) == "duckdb":
        db.migrate(engine)
    try:
        backup.restore(engine, Path(args.path))
    except backup.BackupNotPossible as exc:
        return fail(exc.key, **getattr(exc, "params", {}))
    say("backup.restored", path=str(args.path))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pilot", description=t("cli.description", lang()))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help=t("cli.help.init", lang()))
    p.add_argument("--demo", action="store_true", help=t("cli.help.demo_flag", lang()))
    p.add_argument("--demo-if-default", dest="demo_if_default", action="store_true",
                   help=t("golive.help_demo_if_default", lang()))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("backup", help=t("backup.help_backup", lang()))
    p.add_argument("path")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=t("backup.help_restore", lang()))
    p.add_argument("path")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("demo", help=t("cli.help.demo", lang()))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("indicators", help=t("indicators.help", lang()))
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help=t("indicators.help.as_of", lang()))
    p.add_argument("--company", metavar="BUSINESS_ID", help=t("indicators.help.company", lang()))
    p.add_argument("--suppress", action="store_true", help=t("indicators.help.suppress", lang()))
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help=t("indicators.help.format", lang()))
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser("dashboard", help=t("disclosure.cli.help", lang()))
    p.add_argument("--role", required=True, choices=("services", "employer", "coach"),
                   help=t("disclosure.cli.help_role", lang()))
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help=t("indicators.help.as_of", lang()))
    p.add_argument("--company", metavar="BUSINESS_ID", help=t("indicators.help.company", lang()))
    p.add_argument("--industry", metavar="TOL", help=t("disclosure.cli.help_industry", lang()))
    p.add_argument("--first-language", dest="first_language", metavar="CODE",
                   help=t("disclosure.cli.help_language", lang()))
    p.add_argument("--cohort", metavar="YYYY-QN", help=t("disclosure.cli.help_cohort", lang()))
    p.add_argument("--format", choices=("json",), default="json", help=t("indicators.help.format", lang()))
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("import", help=t("workbook.help_import", lang()))
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help=t("workbook.help_dry_run", lang()))
    p.add_argument("--overwrite", action="store_true", help=t("importscope.help_overwrite", lang()))
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help=t("workbook.help_export", lang()))
    p.add_argument("path")
    p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help=t("workbook.help_format", lang()))
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("report", help=t("report.help", lang()))
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help=t("report.help.as_of", lang()))
    p.add_argument("--lang", dest="report_lang", choices=("fi", "sv", "en"), default=lang() if lang() in
                   ("fi", "sv", "en") else "fi", help=t("report.help.lang", lang()))
    p.add_argument("--out", required=True, metavar="FILE", help=t("report.help.out", lang()))
    p.add_argument("--company", metavar="BUSINESS_ID", help=t("disclosure.report.help_company", lang()))
    p.add_argument("--plan-year", dest="plan_year", metavar="YYYY", help=t("disclosure.report.help_plan_year", lang()))
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("bench", help=t("bench.help", lang()))
    p.add_argument("--scale", choices=("pilot", "city", "national"), default="pilot",
                   help=t("bench.help.scale", lang()))
    p.add_argument("--pg", metavar="URL", help=t("bench.help.pg", lang()))
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("user", help=t("cli.user.help", lang()))
    user_sub = p.add_subparsers(dest="user_command", required=True)
    q = user_sub.add_parser("add", help=t("cli.user.help_add", lang()))
    q.add_argument("username")
    q.add_argument("--role", required=True, choices=("coach", "employer", "services", "admin"))
    q.add_argument("--company", action="append", metavar="BUSINESS_ID", help=t("cli.user.help_company", lang()))
    q.add_argument("--email")
    q.add_argument("--whole-pilot", action="store_true", help=t("cli.user.help_whole_pilot", lang()))
    q.add_argument("--password-stdin", action="store_true", help=t("cli.user.help_password_stdin", lang()))
    user_sub.add_parser("list", help=t("cli.user.help_list", lang()))
    q = user_sub.add_parser("disable", help=t("cli.user.help_disable", lang()))
    q.add_argument("username")
    q = user_sub.add_parser("password", help=t("cli.user.help_password", lang()))
    q.add_argument("username")
    q = user_sub.add_parser("totp-reset", help=t("signin.cli.help_totp_reset", lang()))
    q.add_argument("username")
    q = user_sub.add_parser("totp-roles", help=t("signin.cli.help_totp_roles", lang()))
    q.add_argument("--require", action="append", choices=ROLES, metavar="ROLE",
                   help=t("signin.cli.help_require", lang()))
    p.set_defaults(func=cmd_user)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except db.DatabaseBusy:
        return fail("cli.busy")
    except db.SchemaTooNew as exc:
        return fail("golive.schema_newer", versions=", ".join(exc.versions))
    except IdentityCodeFound:  # nothing was stored: the transaction rolled back
        return fail("error.hetu")
