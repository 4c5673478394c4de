"""The clock's jobs beside the sweep: requested reports, and pruning what no longer matters.
Each is its own APScheduler job, so a long report never holds back posts, nor posts a report."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from bot.reports import ReportWorker
from bot.services.deliveries import FORGET_AFTER
from storage.installation import uninstalled_since
from storage.prune import forget_markers_before, prune_spent_posts
from storage.retention import clear_expired

log = logging.getLogger("oura.jobs")

REPORTS_EVERY_SECONDS = 5
PRUNE_MARKERS_EVERY_MINUTES = 5
PRUNE_LEDGER_EVERY_MINUTES = 60
# Typed text past its retention (storage/retention.py): at most once an hour.
RETENTION_EVERY_MINUTES = 60
# The weekly digests (bot/digest_clock.py): due from a Monday morning, so as often as a sweep.
DIGESTS_EVERY_MINUTES = 5
# The report thread's nice value in `oura-bot clock`: building a large report takes a core for
# a while, and on a shared machine the web processes' acks should not queue behind it.
REPORT_NICE = 10
# Ledger rows are kept this long after their post lapsed: nothing reads them then, but an
# operator asking "did that reminder go out?" still finds the answer for a month.
KEEP_SPENT_POSTS = timedelta(days=30)


def prune(
    engine: Engine, now: datetime, markers: bool = True, ledger: bool = True
) -> tuple[int, int]:
    """Replay markers past the guard's window, and spent ledger rows; how many of each."""
    markers_gone = forget_markers_before(engine, now - FORGET_AFTER) if markers else 0
    posts = prune_spent_posts(engine, now, KEEP_SPENT_POSTS) if ledger else 0
    if markers_gone or posts:
        log.info("pruned %d replay markers and %d spent ledger rows", markers_gone, posts)
    return markers_gone, posts


def enforce_retention(engine: Engine, now: datetime, keep_days: Mapping[str, int | None]) -> int:
    """Empty the typed text past its time (a bounded number of batches); how many rows."""
    cleared = clear_expired(engine, now, keep_days)
    if any(cleared.values()):
        log.info("retention: cleared %s", ", ".join(f"{n} {k}" for k, n in cleared.items() if n))
    return sum(cleared.values())


def send_reports(engine: Engine, reports: ReportWorker) -> None:
    """Requested reports, unless Slack has the app uninstalled (they wait, as posts do)."""
    if uninstalled_since(engine) is None:
        reports.run_pending()


def run_once(
    engine: Engine,
    reports: ReportWorker,
    now: datetime,
    keep_days: Mapping[str, int | None] | None = None,
    digests: Callable[[], object] | None = None,
) -> None:
    """Everything once, now (`oura-bot remind`): reports due, the weekly digests due
    (bot/digest_clock.py), the prunes, the retention."""
    send_reports(engine, reports)
    if digests is not None:
        digests()
    prune(engine, now)
    if keep_days is not None:
        enforce_retention(engine, now, keep_days)


def _run_reports_politely(engine: Engine, reports: ReportWorker) -> None:
    """Reports at a low CPU priority: this thread only (on Linux a thread has its own nice
    value), which runs nothing else (the `reports` executor's one thread)."""
    # Not Linux, or not allowed: normal priority.
    with suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), REPORT_NICE)
    send_reports(engine, reports)


def add_clock_jobs(
    scheduler: Any,
    engine: Engine,
    reports: ReportWorker,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    low_priority_reports: bool = True,
    keep_days: Mapping[str, int | None] | None = None,
    digests: Callable[[], object] | None = None,
) -> None:
    """`low_priority_reports`: False where the web shares the process (`oura-bot run`): a
    thread holding the interpreter lock at low priority would hold up the acks instead.
    `keep_days`: the retention settings by name (storage/retention.py); None: no retention.
    `digests`: sends the weekly digests due (bot/digest_clock.py); None: none."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler.add_executor(ThreadPoolExecutor(max_workers=1), alias="reports")
    run_reports = (
        (lambda: _run_reports_politely(engine, reports))
        if low_priority_reports
        else (lambda: send_reports(engine, reports))
    )

    def guarded(name: str, work: Callable[[], object]) -> Callable[[], None]:
        def job() -> None:
            try:
                work()
            except Exception:
                log.exception("%s failed; the next run will try again", name)

        return job

    jobs = (
        ("reports", run_reports, IntervalTrigger(seconds=REPORTS_EVERY_SECONDS)),
        (
            "prune-markers",
            lambda: prune(engine, now(), ledger=False),
            IntervalTrigger(minutes=PRUNE_MARKERS_EVERY_MINUTES),
        ),
        (
            "prune-ledger",
            lambda: prune(engine, now(), markers=False),
            IntervalTrigger(minutes=PRUNE_LEDGER_EVERY_MINUTES),
        ),
    )
    if keep_days is not None:
        retention = dict(keep_days)
        jobs += (
            (
                "retention",
                lambda: enforce_retention(engine, now(), retention),
                IntervalTrigger(minutes=RETENTION_EVERY_MINUTES),
            ),
        )
    if digests is not None:
        jobs += (("digests", digests, IntervalTrigger(minutes=DIGESTS_EVERY_MINUTES)),)
    for name, work, trigger in jobs:
        scheduler.add_job(
            guarded(name, work),
            trigger,
            id=name,
            replace_existing=True,
            next_run_time=now(),
            coalesce=True,
            max_instances=1,
            executor="reports" if name == "reports" else "default",
        )
