"""The command line: ``python -m pilot <command>``.

Each command is a function ``cmd_<name>(args) -> int`` registered in ``build_parser``. Messages go
through the translation function in the language of ``PILOT_LANG`` (default fi). When the running
app holds the DuckDB file, commands say so in one sentence instead of a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from pilot import db
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
    engine = open_engine()
    if args.demo:
        if db.is_empty(engine):
            from pilot import demo
            counts = demo.load(engine)
            say("cli.demo_loaded", companies=counts["companies"], participants=counts["participants"])
        else:
            say("cli.demo_skipped")
    say("cli.ready", db=db.backend(engine))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    engine = open_engine()
    if not db.is_empty(engine):
        return fail("cli.demo_not_empty")
    from pilot import demo
    counts = demo.load(engine)
    say("cli.demo_loaded", companies=counts["companies"], participants=counts["participants"])
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import the pilot workbook as the system; all errors at once and a non-zero exit on any."""
    from pilot import workbook
    from pilot.access import SYSTEM
    engine = open_engine()
    result = workbook.import_workbook(engine, args.path, SYSTEM, dry_run=args.dry_run, lang=lang())
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


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pilot", description=t("cli.description", lang()))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help=t("cli.help.init", lang()))
    p.add_argument("--demo", action="store_true", help=t("cli.help.demo_flag", lang()))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help=t("cli.help.demo", lang()))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help=t("workbook.help_import", lang()))
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help=t("workbook.help_dry_run", lang()))
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help=t("workbook.help_export", lang()))
    p.add_argument("path")
    p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx", help=t("workbook.help_format", lang()))
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except db.DatabaseBusy:
        return fail("cli.busy")
