"""`oura-bot`: the one console program (web, run, db upgrade)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from sqlalchemy import Engine

from bot.settings import Settings, SettingsError, load_settings
from storage.engine import make_engine
from storage.migrate import is_up_to_date, upgrade

log = logging.getLogger("oura")


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


def fail(message: str) -> NoReturn:
    print(f"oura-bot: {message}", file=sys.stderr)
    raise SystemExit(2)


def open_database(settings: Settings, migrate_sqlite: bool = True) -> Engine:
    """Connect; SQLite is brought up to date here, PostgreSQL by the release step."""
    engine = make_engine(settings.database_url)
    if migrate_sqlite and engine.dialect.name == "sqlite":
        upgrade(engine)
    elif not is_up_to_date(engine):
        fail("the database schema is not up to date: run `oura-bot db upgrade` first")
    return engine


def cmd_db(args: argparse.Namespace, settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(f"oura-bot: database is up to date ({engine.url.render_as_string(hide_password=True)})")


def cmd_web(args: argparse.Namespace, settings: Settings) -> None:
    from bot.app import create_app
    from bot.web import make_server, wsgi_app

    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    engine = open_database(settings)
    app = create_app(settings, engine)
    port = args.port if args.port is not None else settings.port
    server = make_server(wsgi_app(app, engine), host=args.host, port=port, threads=args.threads)
    print(
        f"oura-bot: serving Slack over HTTP at "
        f"http://{args.host}:{server.effective_port}/slack/events",
        flush=True,
    )

    def stop(signum: int, _frame: Any) -> None:
        log.info("received signal %s, shutting down", signum)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    server.run()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oura-bot", description="Slack app for Oura onboarding sessions"
    )
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, help_text in (
        ("web", "serve Slack over HTTP (POST /slack/events, GET /healthz)"),
        ("run", "run the bot on this machine (HTTP for now)"),
    ):
        web = sub.add_parser(name, help=help_text)
        web.add_argument("--host", default="0.0.0.0")
        web.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
        web.add_argument("--threads", type=int, default=8)
        web.set_defaults(handler=cmd_web)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations").set_defaults(handler=cmd_db)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level.upper())
    try:
        settings = load_settings()
        args.handler(args, settings)
    except SettingsError as error:
        fail(str(error))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
