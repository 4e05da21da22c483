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


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pilot", description=t("cli.description", lang()))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help=t("cli.help.init", lang()))
    p.add_argument("--demo", action="store_true", help=t("cli.help.demo_flag", lang()))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help=t("cli.help.demo", lang()))
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except db.DatabaseBusy:
        return fail("cli.busy")
