"""The clock's jobs beside the sweep: requested reports, and pruning what no longer matters.
Each is its own APScheduler job, so a long report never holds back posts, nor posts a report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from bot.reports import ReportWorker
from bot.services.deliveries import FORGET_AFTER
from storage.prune import forget_markers_before, prune_spent_posts

log = logging.getLogger("oura.jobs")

REPORTS_EVERY_SECONDS = 5
PRUNE_MARKERS_EVERY_MINUTES = 5
PRUNE_LEDGER_EVERY_MINUTES = 60
# Ledger rows are kept this long after their post lapsed: nothing reads them then, but an
# operator asking "did that reminder go out?" still finds the answer for a month.
KEEP_SPENT_POSTS = timedelta(days=30)


def prune(engine: Engine, now: datetime, ledger: bool = True) -> tuple[int, int]:
    """Replay markers past the guard's window, then (if `ledger`) spent ledger rows."""
    markers = forget_markers_before(engine, now - FORGET_AFTER)
    posts = prune_spent_posts(engine, now, KEEP_SPENT_POSTS) if ledger else 0
    if markers or posts:
        log.info("pruned %d replay markers and %d spent ledger rows", markers, posts)
    return markers, posts


def run_once(engine: Engine, reports: ReportWorker, now: datetime) -> None:
    """Everything once, now (`oura-bot remind`): reports due, then the prunes."""
    reports.run_pending()
    prune(engine, now)


def add_clock_jobs(
    scheduler: Any,
    engine: Engine,
    reports: ReportWorker,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    def guarded(name: str, work: Callable[[], object]) -> Callable[[], None]:
        def job() -> None:
            try:
                work()
            except Exception:
                log.exception("%s failed; the next run will try again", name)

        return job

    jobs = (
        ("reports", reports.run_pending, IntervalTrigger(seconds=REPORTS_EVERY_SECONDS)),
        (
            "prune-markers",
            lambda: prune(engine, now(), ledger=False),
            IntervalTrigger(minutes=PRUNE_MARKERS_EVERY_MINUTES),
        ),
        (
            "prune-ledger",
            lambda: prune_spent_posts(engine, now(), KEEP_SPENT_POSTS),
            IntervalTrigger(minutes=PRUNE_LEDGER_EVERY_MINUTES),
        ),
    )
    for name, work, trigger in jobs:
        scheduler.add_job(
            guarded(name, work),
            trigger,
            id=name,
            replace_existing=True,
            next_run_time=now(),
            coalesce=True,
            max_instances=1,
        )
