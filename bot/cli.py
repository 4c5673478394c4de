"""`oura-bot`: the one console program (run, try, web, clock, remind, report, export, preview,
customer, db)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from storage.engine import make_engine, normalise_url
from storage.migrate import downgrade, is_up_to_date, upgrade

log = logging.getLogger("oura")


def fail(message: str) -> NoReturn:
    print(f"oura-bot: {message}", file=sys.stderr)
    raise SystemExit(2)


def plural(n: int, word: str) -> str:
    """`1 post`, `2 posts`: the CLI speaks English to whoever runs it (logs, operators)."""
    return f"{n} {word if n == 1 else word + 's'}"


def open_database(settings: Settings, migrate_sqlite: bool = True) -> Engine:
    """Connect; SQLite is brought up to date here, PostgreSQL by the release step."""
    engine = make_engine(settings.database_url)
    if migrate_sqlite and engine.dialect.name == "sqlite":
        upgrade(engine)
    elif not is_up_to_date(engine):
        fail("the database schema is not up to date: run `oura-bot db upgrade` first")
    return engine


def cmd_db(args: argparse.Namespace, settings: Settings) -> None:
    logging.getLogger("alembic").setLevel(logging.INFO)  # say each migration applied
    engine = make_engine(settings.database_url)
    where = engine.url.render_as_string(hide_password=True)
    if args.db_command == "downgrade":
        downgrade(engine, args.revision)
        print(f"oura-bot: database is at revision {args.revision} ({where})")
        return
    upgrade(engine)
    print(f"oura-bot: database is up to date ({where})")


def cmd_web(args: argparse.Namespace, settings: Settings) -> None:
    """The scale-out web process: HTTP only, no clock. With --workers N on PostgreSQL, N
    processes on gunicorn (`bot.serve`); else one waitress process."""
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    workers = args.workers or 1
    if workers > 1 and make_url(normalise_url(settings.database_url)).get_backend_name() == (
        "sqlite"
    ):
        log.warning(
            "SQLite has one writer: %d web processes would only queue on its lock, so one "
            "process serves (use PostgreSQL for --workers)",
            workers,
        )
        workers = 1
    if workers == 1:
        _serve(args, settings, socket_mode=False, with_clock=False)
        return
    from bot.app import create_app
    from bot.serve import serve_workers
    from bot.web import wsgi_from

    # Checked once here, before any fork, with the one-line answers of one process: the
    # schema is up to date, the token works, Slack can be reached.
    engine = open_database(settings)
    create_app(settings, engine)
    engine.dispose()
    port = args.port if args.port is not None else settings.port
    serve_workers(lambda: wsgi_from(settings), args.host, port, workers, args.threads)


def cmd_run(args: argparse.Namespace, settings: Settings) -> None:
    """One small machine: Slack (Socket Mode or HTTP) and the clock in one process, or the
    sandbox when no Slack credentials are set."""
    from bot.modes import SANDBOX, SOCKET, choose_mode

    mode = choose_mode(settings)
    print(mode.line, flush=True)
    if mode.name == SANDBOX:
        cmd_try(args, settings)
        return
    _serve(args, settings, socket_mode=mode.name == SOCKET, with_clock=not args.no_clock)


def cmd_try(args: argparse.Namespace, settings: Settings) -> None:
    from bot.sandbox.repl import run_sandbox

    run_sandbox(settings, database_url=getattr(args, "database", None))


def _serve(
    args: argparse.Namespace, settings: Settings, socket_mode: bool, with_clock: bool
) -> None:
    from bot.app import create_app, finish_lazy_work

    # Installed before anything says it is ready: a SIGTERM right after the ready line must
    # stop the process cleanly (exit 0, the clock's sweep finished), not kill it.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    scheduler = None
    app = None
    try:
        engine = open_database(settings)
        app = create_app(settings, engine)
        if with_clock:
            scheduler = _background_clock(settings, engine, args.every)
        if socket_mode:
            _serve_socket_mode(app, settings)
        else:
            _serve_http(app, engine, settings, args)
    finally:
        if app is not None:
            finish_lazy_work(app)
        if scheduler is not None:
            # A sweep in progress finishes: each post it claimed is recorded as sent or failed.
            scheduler.shutdown(wait=True)
        log.info("stopped")


def _exit_on_signal(signum: int, _frame: Any) -> None:
    log.info("received signal %s, shutting down", signum)
    raise SystemExit(0)


def _serve_http(app: Any, engine: Engine, settings: Settings, args: argparse.Namespace) -> None:
    from bot.web import make_server, wsgi_app

    port = args.port if args.port is not None else settings.port
    application = wsgi_app(
        app, engine, settings.slack_signing_secret or "", settings.default_language
    )
    server = make_server(application, host=args.host, port=port, threads=args.threads)
    try:
        print(
            f"oura-bot: serving Slack over HTTP at "
            f"http://{args.host}:{server.effective_port}/slack/events",
            flush=True,
        )
        server.run()
    finally:
        server.close()


def _serve_socket_mode(app: Any, settings: Settings) -> None:
    import threading

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token=settings.slack_app_token)
    stopped = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        log.info("received signal %s, shutting down", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    handler.connect()
    print("oura-bot: Socket Mode client started", flush=True)
    try:
        stopped.wait()
    finally:
        handler.close()


def _report_worker(settings: Settings, engine: Engine, worker: str | None = None) -> Any:
    from bot.clock import clock_web_client, worker_name
    from bot.reports import ReportWorker

    client = clock_web_client(settings.slack_bot_token, settings.slack_api_url)
    return ReportWorker(engine, client, settings.hourly_rate, worker or worker_name())


def _add_clock_jobs(scheduler: Any, settings: Settings, sweeper: Any, with_web: bool) -> None:
    """Requested reports and the prunes, beside the sweep (bot/jobs.py)."""
    from bot.digest_clock import weekly_digests
    from bot.jobs import add_clock_jobs

    reports = _report_worker(settings, sweeper.engine)
    add_clock_jobs(
        scheduler,
        sweeper.engine,
        reports,
        low_priority_reports=not with_web,
        keep_days=keep_days(settings),
        digests=lambda: weekly_digests(sweeper),
    )


def keep_days(settings: Settings) -> dict[str, int | None]:
    """The retention settings by name, as storage/retention.py's rules name them."""
    from storage.retention import RULES

    return {rule.keep: getattr(settings, rule.keep) for rule in RULES}


def _sweeper(settings: Settings, engine: Engine | None = None) -> Any:
    from bot.clock import Sweeper, clock_web_client

    settings.require("SLACK_BOT_TOKEN")
    engine = engine or open_database(settings)
    client = clock_web_client(settings.slack_bot_token, settings.slack_api_url)
    return Sweeper(engine, client, default_language=settings.default_language)


def cmd_remind(args: argparse.Namespace, settings: Settings) -> None:
    from bot.clock import Sweeper

    if args.dry_run:
        # A dry run reads: it neither creates a database file nor migrates one.
        url = make_url(normalise_url(settings.database_url))
        path = url.database
        if url.get_backend_name() == "sqlite" and (not path or not os.path.exists(path)):
            print(f"oura-bot: dry run, there is no database at {path!r} yet, so nothing is due")
            return
        sweeper = Sweeper(open_database(settings, migrate_sqlite=False), client=None)
        report = sweeper.sweep(dry_run=True)
        for post, facts, message in report.would_send:
            print(f"would post {post.kind} in {facts.channel_id} ({facts.company}): {message.text}")
        due = plural(len(report.would_send), "post")
        print(f"oura-bot: dry run, {due} due, nothing posted")
        return
    from bot.digest_clock import weekly_digests
    from bot.jobs import run_once

    sweeper = _sweeper(settings)
    report = sweeper.sweep()
    print(f"oura-bot: sweep done: {report.summary()}")
    reports = _report_worker(settings, sweeper.engine)
    run_once(
        sweeper.engine,
        reports,
        datetime.now(UTC),
        keep_days(settings),
        digests=lambda: weekly_digests(sweeper),
    )


def _add_sweep_job(scheduler: Any, sweeper: Any, every: int) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    def sweep() -> None:
        try:
            log.info("sweep: %s", sweeper.sweep().summary())
        except Exception:
            log.exception("sweep failed; the next one will try again")

    # All state lives in our tables, so the job store is in memory; the first run is now,
    # catching up whatever fell due while the clock was down.
    scheduler.add_job(
        sweep,
        IntervalTrigger(minutes=every),
        id="sweep",
        replace_existing=True,
        next_run_time=datetime.now(UTC),
        coalesce=True,
        max_instances=1,
        misfire_grace_time=every * 60,
    )


def _background_clock(settings: Settings, engine: Engine, every: int) -> Any:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=UTC)
    sweeper = _sweeper(settings, engine)
    _add_sweep_job(scheduler, sweeper, every)
    _add_clock_jobs(scheduler, settings, sweeper, with_web=True)
    scheduler.start()
    print(f"oura-bot: clock running in this process, a sweep every {every} minutes", flush=True)
    return scheduler


def cmd_clock(args: argparse.Namespace, settings: Settings) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=UTC)
    sweeper = _sweeper(settings)
    _add_sweep_job(scheduler, sweeper, args.every)
    _add_clock_jobs(scheduler, settings, sweeper, with_web=False)

    def stop(signum: int, _frame: Any) -> None:
        log.info("received signal %s, stopping the clock", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    print(f"oura-bot: clock running, a sweep every {args.every} minutes", flush=True)
    scheduler.start()


def cmd_report(args: argparse.Namespace, settings: Settings) -> None:
    from bot.domain.report import parse_month, write_csv
    from storage.report import iter_report_rows

    try:
        month = parse_month(args.month)
    except ValueError as error:
        fail(f"--month {error}")
    engine = open_database(settings)
    progress = _Progress()
    rows = iter_report_rows(engine, month, settings.hourly_rate, on_progress=progress)
    with_estimate = settings.hourly_rate is not None
    if args.out == "-":
        write_csv(rows, sys.stdout, with_estimate)
        progress.done()
        return
    # The report names customers and their usage: readable by its owner only.
    descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as out:
        count = write_csv(rows, out, with_estimate)
    progress.done()
    wrote = plural(count, "row")
    print(f"oura-bot: wrote {wrote} for {month} to {args.out}", file=sys.stderr)


def cmd_export(args: argparse.Namespace, settings: Settings) -> None:
    """A month's sessions or audit trail as CSV, one row per database row."""
    from bot.domain.export import AUDIT_COLUMNS, SESSION_COLUMNS, write_rows
    from bot.domain.report import parse_month
    from storage.export import UnknownAccount, accounts_named, audit_rows, session_rows

    try:
        month = parse_month(args.month)
    except ValueError as error:
        fail(f"--month {error}")
    engine = open_database(settings)
    rows_of, columns = (
        (session_rows, SESSION_COLUMNS) if args.what == "sessions" else (audit_rows, AUDIT_COLUMNS)
    )
    try:
        accounts = accounts_named(engine, args.account)
    except UnknownAccount:
        fail(f"--account {args.account!r}: no account has that channel id or company name")
    rows = rows_of(engine, month, accounts)
    if args.out == "-":
        write_rows(rows, columns, sys.stdout)
        return
    # Customers' sessions and who did what: readable by its owner only.
    descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as out:
        count = write_rows(rows, columns, out)
    print(f"oura-bot: wrote {plural(count, 'row')} for {month} to {args.out}", file=sys.stderr)


class _Progress:
    """A counter on stderr for large exports, so a long run is visibly alive."""

    EVERY = 500

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total >= self.EVERY and (done % self.EVERY == 0 or done == total):
            print(f"\roura-bot: {done}/{total} accounts", end="", file=sys.stderr, flush=True)
            self.shown = True

    def done(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def cmd_preview(args: argparse.Namespace, settings: Settings) -> None:
    from bot.domain.country import country_code, country_for_timezone
    from bot.domain.entitlement import Balance, ContractTerms
    from bot.domain.packages import package_by_id
    from bot.domain.schedule import ContractFacts, PostKind, moot_reason, pace_at, timeline
    from bot.domain.timeutil import is_valid_zone, local_midnight_utc, zone
    from bot.domain.usage_warnings import next_usage_step

    if args.digests:
        _preview_digests(settings)
        return
    if not args.package or not args.start:
        fail("preview needs --package and --start (or --digests)")
    package = package_by_id(args.package)
    if package is None:
        fail(f"--package must be one of launch-kit, pro-lite, premium (got {args.package!r})")
    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        fail(f"--start must be a date YYYY-MM-DD (got {args.start!r})")
    tz = args.timezone or settings.default_timezone
    if not is_valid_zone(tz):
        fail(f"--timezone must be an IANA time zone such as Europe/Helsinki (got {tz!r})")
    country = country_for_timezone(tz)
    if args.country:
        country = country_code(args.country)
        if country is None:
            fail(f"--country must be a country code such as FI, US or SE (got {args.country!r})")
    terms = ContractTerms(package, start, args.term_months, tz)
    if not 0 <= args.used <= package.included_minutes:
        fail(f"--used must be 0 to {package.included_minutes} minutes (got {args.used})")
    balance = Balance(package.included_minutes, args.used, package.status_updates, 0)
    facts = ContractFacts(0, 0, "(channel)", "(customer)", terms, balance, country=country)
    print(f"{package.name} from {start.isoformat()}, {args.term_months} months, in {tz}:")
    lines: list[tuple[datetime, str]] = []
    for post in timeline(facts):
        detail = ""
        if post.period is not None:
            detail = f" (period {post.period.index} of {post.period.count}: "
            last_day = post.period.end - timedelta(days=1)
            detail += f"{post.period.start.isoformat()} to {last_day.isoformat()})"
        elif post.days_before:
            detail = f" ({plural(post.days_before, 'day')} before)"
        elif post.kind is PostKind.PACE_WARNING:
            # Only when the projection says so, with --used minutes spent by then.
            if moot_reason(post, facts, post.send_at) is not None:
                continue
            pace = pace_at(facts, post.send_at)
            detail = f" ({post.checkpoint}: about {pace.lapse} of {pace.included} min to lapse)"
        lines.append((post.send_at, f"{post.kind.label}{detail}"))
    # The staff DM on included minutes used, as the clock decides it: --used minutes are spent
    # from the start, so it goes out at the first sweep in business hours of the contract.
    ahead = next_usage_step(facts, (), local_midnight_utc(start, tz))
    if ahead is not None:
        at, step = ahead
        skipped = "".join(f"; the {t}% one is skipped" for t in step.skip)
        lines.append(
            (
                at,
                f"staff DM to the vendor contact: {step.send}% of included minutes used "
                f"({args.used} of {package.included_minutes} min{skipped})",
            )
        )
    for moment, line in sorted(lines, key=lambda item: item[0]):
        print(f"  {moment.astimezone(zone(tz)):%a %Y-%m-%d %H:%M %Z}  {line}")


def _preview_digests(settings: Settings) -> None:
    """The next weekly digest per vendor contact (bot/domain/digest.py)."""
    from bot.domain.timeutil import zone
    from storage.digest import planned_digests
    from storage.engine import read_session

    with read_session(open_database(settings, migrate_sqlite=False)) as db:
        planned = planned_digests(db, datetime.now(UTC))
    print(f"Weekly digests ({plural(len(planned), 'vendor contact')}):")
    for user, tz, at in planned:
        when = "none in the next two weeks (no working day)"
        if at is not None:
            when = f"{at.astimezone(zone(tz)):%a %Y-%m-%d %H:%M %Z}"
        print(f"  {user}: {when} (in {tz}, their first account's zone; the clock uses Slack's)")


def cmd_messages(args: argparse.Namespace, settings: Settings) -> None:
    from bot.catalogs import update

    for line in update():
        print(line)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oura-bot", description="Slack app for Oura onboarding sessions"
    )
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, help_text, handler in (
        ("web", "serve Slack over HTTP (POST /slack/events, GET /healthz)", cmd_web),
        (
            "run",
            "run the bot on this machine: Socket Mode with SLACK_APP_TOKEN, else HTTP, with the "
            "clock in the same process; the local sandbox when no Slack credentials are set",
            cmd_run,
        ),
    ):
        web = sub.add_parser(name, help=help_text)
        web.add_argument("--host", default="0.0.0.0")
        web.add_argument("--port", type=int, default=None, help="default: $PORT or 3000")
        web.add_argument("--threads", type=int, default=8, help="per process (default 8)")
        if name == "web":
            web.add_argument(
                "--workers",
                type=int,
                default=None,
                help="web processes on gunicorn (PostgreSQL only; default: one waitress process)",
            )
        _database_option(web)
        if name == "run":
            web.add_argument("--no-clock", action="store_true", help="do not run the clock here")
            web.add_argument("--every", type=int, default=5, help="minutes between sweeps")
        web.set_defaults(handler=handler)

    try_ = sub.add_parser("try", help="a local sandbox in the terminal: no Slack needed")
    try_.add_argument(
        "--database", default=None, help="SQLAlchemy URL (default: sqlite:///oura-sandbox.db)"
    )
    try_.set_defaults(handler=cmd_try)

    report = sub.add_parser("report", help="write a month's usage report as CSV")
    report.add_argument("--month", required=True, help="YYYY-MM")
    report.add_argument("--out", default="-", help="file to write (default: standard output)")
    _database_option(report)
    report.set_defaults(handler=cmd_report)

    export = sub.add_parser("export", help="write a month's sessions or audit trail as CSV")
    export.add_argument("what", choices=("sessions", "audit"))
    export.add_argument("--month", required=True, help="YYYY-MM")
    export.add_argument("--account", default=None, help="one account: its channel id or company")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    _database_option(export)
    export.set_defaults(handler=cmd_export)

    clock = sub.add_parser("clock", help="post nudges, warnings and reminders on a schedule")
    clock.add_argument("--every", type=int, default=5, help="minutes between sweeps (default 5)")
    _database_option(clock)
    clock.set_defaults(handler=cmd_clock)

    remind = sub.add_parser("remind", help="run one sweep of the clock now, then exit")
    remind.add_argument("--dry-run", action="store_true", help="print what is due, post nothing")
    _database_option(remind)
    remind.set_defaults(handler=cmd_remind)

    preview = sub.add_parser("preview", help="print a contract's timeline of automated posts")
    preview.add_argument("--package", help="launch-kit, pro-lite or premium")
    preview.add_argument("--start", help="contract start, YYYY-MM-DD")
    preview.add_argument("--term-months", type=int, default=12)
    preview.add_argument(
        "--used",
        type=int,
        default=0,
        help="included minutes used or booked (default 0): the same all along, for the pace "
        "warnings and the staff DM at 80%% or 100%% of them",
    )
    preview.add_argument("--timezone", default=None, help="default: OURA_DEFAULT_TIMEZONE")
    preview.add_argument(
        "--country",
        default=None,
        help="whose public holidays to skip (FI, US…); default: the time zone's country",
    )
    preview.add_argument(
        "--digests",
        action="store_true",
        help="instead: when each vendor contact's next weekly digest goes out (reads the database)",
    )
    _database_option(preview)
    preview.set_defaults(handler=cmd_preview)

    from bot.customer_cli import add_parser as add_customer_parser

    add_customer_parser(sub, _database_option)

    messages = sub.add_parser(
        "messages", help="update the translation catalogs from the source (for developers)"
    )
    messages.set_defaults(handler=cmd_messages)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_sub.add_parser("upgrade", help="apply the migrations")
    _database_option(db_upgrade)
    db_upgrade.set_defaults(handler=cmd_db)
    db_downgrade = db_sub.add_parser(
        "downgrade", help="go back to an earlier revision (keeping the data it can hold)"
    )
    db_downgrade.add_argument("revision", help="e.g. 0005 (storage/migrations/versions/)")
    _database_option(db_downgrade)
    db_downgrade.set_defaults(handler=cmd_db)
    return parser


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        default=None,
        help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///oura.db)",
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level.upper())
    try:
        settings = load_settings()
        if getattr(args, "database", None) and args.command != "try":
            settings = replace(settings, database_url=args.database)
        args.handler(args, settings)
    except SettingsError as error:
        fail(str(error))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
